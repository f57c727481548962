"""What the change feed costs the writers: the per-call worker flow (bench/flows.py)
at 1 and 8 threads without the feed (its triggers disabled), with it, and with it
and its NOTIFY (vq.notify_changes), in alternating rounds on one durable server.

    .venv/bin/python -m bench.feed_cost            # about 3 minutes; --quick: seconds

Each round runs the flow for `seconds` on fresh videos; the figure per thread
count is the median (min-max) of the per-run ratios with/without.
"""

from __future__ import annotations

import argparse
import json
from functools import partial

from vqdb import Catalog

from bench import server
from bench.flows import client_flow, run_threads
from bench.stats import Summary
from bench.throughput import new_videos

MODES = ("without", "feed", "feed_notify")


def set_mode(srv: server.BenchServer, mode: str) -> None:
    conn = srv.connect()
    try:
        with conn.cursor() as cur:
            # the feed's triggers: those that run its trigger functions (plpgsql/triggers.sql)
            cur.execute(
                "select tgrelid::regclass::text, tgname from pg_trigger"
                " where tgfoid in ('vq._quality_changes'::regproc, 'vq._video_changes'::regproc)"
            )
            for table, name in cur.fetchall():
                action = "disable" if mode == "without" else "enable"
                cur.execute(f"alter table {table} {action} trigger {name}")
            notify = "on" if mode == "feed_notify" else "off"
            cur.execute(f"alter database {server.DBNAME} set vq.notify_changes = {notify}")
    finally:
        conn.close()


def measure(threads_list: tuple[int, ...], runs: int, seconds: float) -> dict[str, dict]:
    srv = server.start()
    out: dict[str, dict] = {}
    try:
        for threads in threads_list:
            rates: dict[str, list[float]] = {mode: [] for mode in MODES}
            for run in range(runs + 1):  # the first run warms up and is not counted
                order = MODES if run % 2 == 0 else tuple(reversed(MODES))
                for mode in order:
                    set_mode(srv, mode)  # a new Catalog: its sessions read the setting
                    with Catalog(srv.dsn(server.WORKER), minconn=threads, maxconn=threads) as db:
                        ids = new_videos(srv, int(400 * seconds * threads) + 10)
                        rate = run_threads(partial(client_flow, db), ids, threads, seconds)
                    if run:
                        rates[mode].append(rate.videos_per_s)
            out[str(threads)] = {mode: Summary.of(rates[mode]).as_dict() for mode in MODES}
            for mode in ("feed", "feed_notify"):
                ratios = [a / b for a, b in zip(rates[mode], rates["without"], strict=True)]
                out[str(threads)][f"{mode}_ratio"] = Summary.of(ratios).as_dict()
        set_mode(srv, "feed")
    finally:
        srv.cluster.cleanup()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = measure((1, 2), 1, 0.5) if args.quick else measure((1, 8), 7, 4.0)
    print(json.dumps(result, indent=1))
    for threads, r in result.items():
        line = f"| {threads} | {r['without']['median']:.1f} |"
        for mode in ("feed", "feed_notify"):
            ratio = r[f"{mode}_ratio"]
            line += (
                f" {r[mode]['median']:.1f} | {ratio['median']:.3f} "
                f"({ratio['min']:.3f}–{ratio['max']:.3f}) |"
            )
        print(line)


if __name__ == "__main__":
    main()
