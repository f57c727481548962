"""The benchmark still runs: `python -m bench --quick`, end to end, in seconds.

Speed is never asserted here (tests do not time things). What is asserted:
the command completes, every figure is there and well formed, and the round
trips per call, a count made by the server, are exactly 1 for every client
method (3, and 4 for set_default_quality, for the plain baseline).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_quick(module: str, out: Path) -> subprocess.CompletedProcess[str]:
    """`python -m MODULE --quick --json OUT`, on the benchmark's own durable server."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # a benchmark always starts its own durable server
    return subprocess.run(
        [sys.executable, "-m", module, "--quick", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def test_quick_benchmark_runs_and_counts_one_round_trip_per_call(tmp_path):
    out = tmp_path / "bench.json"
    proc = run_quick("bench", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "### Goals" in proc.stdout
    results = json.loads(out.read_text())

    client = results["round_trips"]["client"]
    assert set(client) >= {
        "create_video",
        "get_video",
        "update_video_status",
        "create_video_quality",
        "create_video_qualities",
        "update_quality_metadata",
        "update_qualities_metadata",
        "update_quality_status",
        "update_qualities_status",
        "list_qualities_ordered",
        "set_default_quality",
        "get_default_quality",
    }
    assert all(v == 1 for v in client.values()), client
    baseline = results["round_trips"]["baseline"]
    assert baseline.pop("set_default_quality") == 4
    assert all(v == 3 for v in baseline.values()), baseline

    assert results["machine"]["settings"]["fsync"] == "on"
    assert results["machine"]["settings"]["synchronous_commit"] == "on"

    assert [net["rtt_ms_requested"] for net in results["flows"]][0] is None  # loopback first
    for net in results["flows"]:
        assert _positive(net["select1_ms"])
        for per_flow in net["threads"].values():
            for name in ("plain", "plain_on_vq", "client", "batch"):
                figures = per_flow[name]["videos_per_s"]
                assert all(_positive(figures[k]) for k in ("median", "min", "max"))
                assert figures["min"] <= figures["median"] <= figures["max"]
            for flow in ("client", "batch"):
                for base in ("plain", "plain_on_vq"):
                    ratio = per_flow[flow][f"ratio_to_{base}"]
                    assert all(_positive(ratio[k]) for k in ("median", "min", "max"))

    per_call = results["overhead"]["per_call_us"]
    assert all(_positive(per_call[k]["median"]) for k in ("client", "raw", "floor"))

    sizes = results["scale"]["sizes"]
    assert len(sizes) == 2 and sizes[0]["videos"] < sizes[1]["videos"]
    for size in sizes:
        for op in (
            "get_video",
            "list_qualities_ordered",
            "set_default_quality",
            "update_quality_metadata",
        ):
            lat = size["latency"][op]
            assert _positive(lat["p50_ms"]) and lat["p50_ms"] <= lat["p99_ms"]
            assert size["plans"][op]["plans"], f"no plan captured for {op}"
    pgbench = results["scale"]["pgbench"]
    assert len(pgbench) == len(list((ROOT / "bench" / "pgbench").glob("*.sql")))
    assert all(r["failed"] == 0 and _positive(r["tps"]) for r in pgbench.values())

    memory = results["memory"]
    assert memory["calls"] > 0 and len(memory["samples"]) >= 2
    assert {g["goal"] for g in results["goals"]}, "no goal evaluated"


def test_quick_queue_benchmark_runs_both_queues_and_uses_the_indexes(tmp_path):
    """`python -m bench.queue --quick`: vqdb, procrastinate and the floor all completed
    cycles, the claims on the deep queue used the queue's indexes and never scanned the
    table, and the heartbeat layouts were both measured."""
    out = tmp_path / "queue.json"
    proc = run_quick("bench.queue", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(out.read_text())
    for row in results["throughput"]:
        for name in ("procrastinate", "vqdb", "vqdb_one_commit", "row_with_rules",
                     "row_with_rules_one_commit", "row_bare", "row_bare_one_commit"):  # fmt: skip
            assert _positive(row[name]["median"]), (name, row)
    latency = results["latency"]
    scans = latency["scans"]
    assert "sequential" not in scans, scans
    assert scans.get("video_qualities_due_idx", 0) >= latency["plan_claims"], scans
    assert scans.get("video_qualities_running_idx", 0) >= latency["plan_claims"], scans
    assert len(results["heartbeats"]) == 2
    for layout in results["heartbeats"]:
        assert layout["after"]["updates"] - layout["before"]["updates"] >= layout["heartbeats"]


def test_quick_cache_benchmark_runs(tmp_path):
    """`python -m bench.cache --quick`: both sides measured, the cache served hits."""
    out = tmp_path / "cache.json"
    proc = run_quick("bench.cache", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(out.read_text())
    assert _positive(results["loopback"]["hit_p50_us"])
    assert _positive(results["workload"]["uncached"]["ops_per_s"]["median"])
    assert results["workload"]["cached"]["hit_ratio"]["median"] > 0
