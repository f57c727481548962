"""The benchmark goals checked against the figures, and the figures as Markdown tables."""

from __future__ import annotations

from typing import Any

FAR_RTT_MS = 1.3  # the network the round-trip goals are set at


def _net_name(net: dict[str, Any]) -> str:
    if net["rtt_ms_requested"] is None:
        return "loopback"
    return f"proxy {net['rtt_ms_requested']:g} ms"


def _closest(nets: list[dict[str, Any]], rtt: float | None) -> dict[str, Any] | None:
    for net in nets:
        if net["rtt_ms_requested"] == rtt:
            return net
    return None


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal: what, the measured value, the target, met or not."""
    out: list[dict[str, Any]] = []

    def add(
        what: str,
        value: float | None,
        target: float,
        higher_is_better: bool = True,
        exact: bool = False,
    ) -> None:
        if value is None:
            out.append({"goal": what, "value": None, "target": target, "met": False})
            return
        met = (
            (value == target)
            if exact
            else (value >= target if higher_is_better else value <= target)
        )
        out.append({"goal": what, "value": value, "target": target, "met": met})

    rt = results.get("round_trips", {}).get("client", {})
    if rt:
        add("round trips per client call (max over methods)", max(rt.values()), 1.0, exact=True)
    # against the plain service on its own tables (what a user would keep): the headline
    nets = results.get("flows", [])
    loop, far = _closest(nets, None), _closest(nets, FAR_RTT_MS)
    for net, threads, label, flow, target in (
        (loop, "1", "loopback", "client", 1.1),
        (far, "1", f"~{FAR_RTT_MS:g} ms RTT", "client", 2.6),
        (far, "1", f"~{FAR_RTT_MS:g} ms RTT", "batch", 8.0),
        (loop, "1", "loopback", "batch", 4.0),
        (loop, "8", "loopback", "client", 1.1),
    ):
        one = net["threads"].get(threads) if net else None
        # "in every run": the slowest round's ratio, not the median's
        add(
            f"{'per-call' if flow == 'client' else 'batch'} flow / plain service, "
            f"{threads} thread{'s' if threads != '1' else ''}, {label} (slowest round)",
            one[flow]["ratio_to_plain"]["min"] if one else None,
            target,
        )
    ov = results.get("overhead")
    add("client method / raw psycopg2 (throughput)", ov["client_vs_raw"] if ov else None, 0.85)
    scale = results.get("scale", {}).get("sizes", [])
    if len(scale) >= 2:
        small, big = scale[0], scale[-1]
        for op in small["latency"]:
            ratio = big["latency"][op]["p50_ms"] / small["latency"][op]["p50_ms"]
            add(
                f"{op} p50 at {big['videos']:,} / at {small['videos']:,} videos",
                ratio,
                1.3,
                higher_is_better=False,
            )
    if scale:
        plans = scale[-1]["plans"]
        seq = [op for op, p in plans.items() if not p["index_scans_only"]]
        out.append(
            {
                "goal": f"plans at {scale[-1]['videos']:,} videos use index scans only "
                f"({len(plans)} functions)",
                "value": float(len(plans) - len(seq)),
                "target": float(len(plans)),
                "met": not seq,
            }
        )
    return out


def _fmt(s: dict[str, float], digits: int = 1) -> str:
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"


def _ratio(flow: dict[str, Any], base: str) -> str:
    r = flow[f"ratio_to_{base}"]
    return f"{r['median']:.2f} ({r['min']:.2f}–{r['max']:.2f})"


def markdown(results: dict[str, Any]) -> str:
    lines: list[str] = []
    w = lines.append
    m = results["machine"]
    w(
        f"Mode: {results['mode']}; runs per figure: {results['config']['runs']}, "
        f"{results['config']['duration']} s each.  "
    )
    w(f"Machine: {m['nproc']} CPUs, {m['cpu']}; {m['postgres']}  ")
    w("Settings: " + ", ".join(f"{k}={v}" for k, v in m["settings"].items()))
    w("")
    w("### Round trips per call (statements counted by pg_stat_statements)")
    w("")
    w("| client method | round trips | | baseline operation | round trips |")
    w("| --- | ---: | --- | --- | ---: |")
    client = list(results["round_trips"]["client"].items())
    base = list(results["round_trips"]["baseline"].items())
    for i in range(max(len(client), len(base))):
        c = client[i] if i < len(client) else ("", None)
        b = base[i] if i < len(base) else ("", None)
        w(
            f"| {c[0]} | {'' if c[1] is None else f'{c[1]:g}'} | | {b[0]} | "
            f"{'' if b[1] is None else f'{b[1]:g}'} |"
        )
    w("")
    w("### Worker flow: videos/s, median (min–max)")
    w("")
    w(
        "Baselines: *plain*, the existing service on its own plain tables (the "
        "headline); *plain on vq*, the same service on vqdb's tables and rules."
    )
    w("")
    w(
        "| network (SELECT 1 ms) | threads | plain | plain on vq | client | batch "
        "| client / plain | batch / plain | client / plain on vq | batch / plain on vq |"
    )
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for net in results["flows"]:
        name = f"{_net_name(net)} ({net['select1_ms']:.3f})"
        for threads, f in net["threads"].items():
            w(
                f"| {name} | {threads} | {_fmt(f['plain']['videos_per_s'])} | "
                f"{_fmt(f['plain_on_vq']['videos_per_s'])} | "
                f"{_fmt(f['client']['videos_per_s'])} | {_fmt(f['batch']['videos_per_s'])} | "
                f"{_ratio(f['client'], 'plain')} | {_ratio(f['batch'], 'plain')} | "
                f"{_ratio(f['client'], 'plain_on_vq')} | {_ratio(f['batch'], 'plain_on_vq')} |"
            )
    w("")
    ov = results["overhead"]
    w("### Client overhead: µs per call, one thread, loopback, median (min–max)")
    w("")
    w("| per call | client get_video | raw psycopg2, same SELECT | SELECT 1 | raw / client |")
    w("| --- | ---: | ---: | ---: | ---: |")
    for label, key in (("wall µs", "per_call_us"), ("client CPU µs", "cpu_per_call_us")):
        pc = ov[key]
        w(
            f"| {label} | {_fmt(pc['client'])} | {_fmt(pc['raw'])} | {_fmt(pc['floor'])} | "
            f"{pc['raw']['median'] / pc['client']['median']:.2f} |"
        )
    w("")
    sc = results["scale"]
    w("### Scale: latency (ms) of one call, one thread, loopback")
    w("")
    w(
        "| videos (qualities) | load s (+ vacuum, checkpoint s) | operation | p50 | p99 "
        "| index scans only |"
    )
    w("| --- | ---: | --- | ---: | ---: | --- |")
    for size in sc["sizes"]:
        for op, lat in size["latency"].items():
            w(
                f"| {size['videos']:,} ({size['videos'] * 8:,}) | {size['load_s']:.1f} "
                f"(+{size['vacuum_checkpoint_s']:.1f}) | {op} | "
                f"{lat['p50_ms']:.3f} | {lat['p99_ms']:.3f} | "
                f"{size['plans'][op]['index_scans_only']} |"
            )
    w("")
    w("| videos | vq.videos (with indexes) | vq.video_qualities (with indexes) |")
    w("| ---: | ---: | ---: |")
    for size in sc["sizes"]:
        b = size.get("bytes", {})
        w(
            f"| {size['videos']:,} | {b.get('videos', 0) / 2**20:,.1f} MiB | "
            f"{b.get('video_qualities', 0) / 2**20:,.1f} MiB |"
        )
    w("")
    if sc.get("pgbench"):
        w(f"### pgbench, server side only (1 client, prepared, {sc['pgbench_videos']:,} videos)")
        w("")
        w("| script | latency ms | tps |")
        w("| --- | ---: | ---: |")
        for name, r in sc["pgbench"].items():
            w(f"| {name} | {r['latency_ms']:.3f} | {r['tps']:.0f} |")
        w("")
    mem = results["memory"]
    w(f"### Memory: RSS over {mem['calls']:,} client calls")
    w("")
    w(
        f"start {mem['rss_start_kib']:,} KiB, end {mem['rss_end_kib']:,} KiB, "
        f"max {mem['rss_max_kib']:,} KiB: growth {mem['growth_kib']:,} KiB "
        f"({mem['bytes_per_call']:.3f} bytes per call)"
    )
    w("")
    w("### Goals")
    w("")
    w("| goal | measured | target | met |")
    w("| --- | ---: | ---: | --- |")
    for g in results["goals"]:
        value = "n/a" if g["value"] is None else f"{g['value']:.2f}"
        w(f"| {g['goal']} | {value} | {g['target']:g} | {'yes' if g['met'] else 'NO'} |")
    return "\n".join(lines) + "\n"
