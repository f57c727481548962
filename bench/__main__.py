"""python -m bench [--quick] [--json PATH] [--markdown PATH] [--max-videos N]

Starts its own durable PostgreSQL (fsync and synchronous_commit on), runs
every measurement of docs/benchmarks.md against it, prints the figures as
Markdown and stops the server. --quick runs the same steps with tiny sizes
(seconds): the figures then only show that everything works.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

from vqdb import Catalog

from bench import memory, overhead, pgbench_run, report, roundtrips, scale, server, throughput
from bench.flows import client_flow


@dataclass(frozen=True)
class Config:
    runs: int  # runs per throughput figure
    duration: float  # seconds per run
    videos_per_run: int  # fresh videos available to one run
    threads: tuple[int, ...]  # on loopback
    rtts: tuple[float, ...]  # through the delay proxy, ms
    proxy_threads: tuple[int, ...]
    roundtrip_repeat: int
    overhead_calls: int
    memory_calls: int
    catalog_videos: int  # videos already in the catalog the flows run on
    sizes: tuple[int, ...]  # videos, for the scale test
    latency_calls: int  # per size and operation
    latency_passes: int  # the sizes take turns this many times
    pgbench_seconds: float | None
    pgbench_transactions: int | None


FULL = Config(
    runs=7,
    duration=1.5,
    videos_per_run=2000,
    threads=(1, 4, 8),
    rtts=(0.5, report.FAR_RTT_MS),
    proxy_threads=(1, 8),
    roundtrip_repeat=20,
    overhead_calls=5000,
    memory_calls=1_000_000,
    catalog_videos=10_000,
    sizes=(10_000, 1_000_000),
    latency_calls=3000,
    latency_passes=6,
    pgbench_seconds=3,
    pgbench_transactions=None,
)
QUICK = Config(
    runs=1,
    duration=0.3,
    videos_per_run=50,
    threads=(1, 2),
    rtts=(report.FAR_RTT_MS,),
    proxy_threads=(1,),
    roundtrip_repeat=3,
    overhead_calls=200,
    memory_calls=2000,
    catalog_videos=500,
    sizes=(200, 2000),
    latency_calls=50,
    latency_passes=2,
    pgbench_seconds=None,
    pgbench_transactions=5,
)


def machine(srv: server.BenchServer) -> dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "postgres": srv.server_version().split(" on ")[0],
        "settings": srv.setting_values(
            [
                "fsync",
                "synchronous_commit",
                "full_page_writes",
                "wal_sync_method",
                "shared_buffers",
                "max_wal_size",
                "pg_stat_statements.track",
            ]
        ),
    }


def run(cfg: Config, mode: str, max_videos: int | None = None) -> dict[str, Any]:
    sizes = tuple(s for s in cfg.sizes if max_videos is None or s <= max_videos) or cfg.sizes[:1]
    srv = server.start()
    try:
        results: dict[str, Any] = {"mode": mode, "config": cfg.__dict__, "machine": machine(srv)}
        step = _stepper()
        # one database per size of the scale test, copied while the migrated one is clean
        scale_dbs = {size: srv.clone_database(f"vqscale_{size}") for size in sizes}

        step("round trips per call")
        results["round_trips"] = roundtrips.measure(srv, cfg.roundtrip_repeat)

        # The flows run on a catalog that already has videos, analyzed: on tables that
        # grow from empty, PL/pgSQL's cached plans (made while they were tiny) scan
        # them whole until autovacuum's ANALYZE invalidates those plans, which a
        # benchmark of seconds never waits for (docs/benchmarks.md).
        step(f"catalog: load {cfg.catalog_videos:,} videos")
        scale.load(srv, server.DBNAME, 1, cfg.catalog_videos)
        scale.load(srv, server.PLAIN_DB, 1, cfg.catalog_videos, schema="public")

        # one video with its whole ladder, read by the overhead and memory loops
        with Catalog(srv.dsn(server.WORKER)) as db:
            video_id: uuid.UUID = throughput.new_videos(srv, 1)[0]
            client_flow(db, video_id)

        step("client overhead")
        results["overhead"] = overhead.measure(srv, video_id, cfg.overhead_calls, cfg.runs)

        results["flows"] = []
        for rtt, threads in [(None, cfg.threads)] + [(r, cfg.proxy_threads) for r in cfg.rtts]:
            step(f"worker flows, {'loopback' if rtt is None else f'{rtt:g} ms RTT'}")
            results["flows"].append(
                throughput.measure_network(
                    srv, rtt, threads, cfg.runs, cfg.duration, cfg.videos_per_run
                )
            )

        step(f"memory over {cfg.memory_calls:,} calls")
        results["memory"] = memory.measure(srv, video_id, cfg.memory_calls)

        results["scale"] = {"sizes": []}
        for size, dbname in scale_dbs.items():
            step(f"scale: load {size:,} videos")
            load_s, settle_s = scale.load(srv, dbname, 1, size)
            results["scale"]["sizes"].append(
                {
                    "videos": size,
                    "database": dbname,
                    "load_s": load_s,
                    "vacuum_checkpoint_s": settle_s,
                    "bytes": scale.table_sizes(srv, dbname),
                    "plans": scale.plans(srv, dbname, size),
                }
            )
        step("pgbench scripts")
        results["scale"]["pgbench_videos"] = sizes[0]
        results["scale"]["pgbench"] = pgbench_run.run(
            srv,
            scale_dbs[sizes[0]],
            sizes[0],
            seconds=cfg.pgbench_seconds,
            transactions=cfg.pgbench_transactions,
        )
        step("scale: latency, the sizes taking turns")
        latency = scale.latencies(srv, scale_dbs, cfg.latency_calls, cfg.latency_passes)
        for entry in results["scale"]["sizes"]:
            entry["latency"] = latency[entry["videos"]]
        results["goals"] = report.goals(results)
        return results
    finally:
        srv.cluster.cleanup()


def _stepper() -> Any:
    start = time.perf_counter()

    def step(name: str) -> None:
        print(f"[{time.perf_counter() - start:7.1f} s] {name}", file=sys.stderr, flush=True)

    return step


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument("--json", help="write every figure to this file")
    parser.add_argument("--markdown", help="write the tables to this file")
    parser.add_argument(
        "--max-videos", type=int, help="cap the scale test (default: 1,000,000; --quick: 2,000)"
    )
    args = parser.parse_args(argv)
    cfg, mode = (QUICK, "quick") if args.quick else (FULL, "full")
    results = run(cfg, mode, args.max_videos)
    text = report.markdown(results)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, default=str)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
