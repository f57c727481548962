"""The read cache: a hit against a call, and a read-heavy workload with and without it.

    .venv/bin/python -m bench.cache            # about 3 minutes; --quick: seconds

On the durable bench server (bench/server.py), loaded with bench/load.sql:
  * hit vs call: list_qualities_ordered of one video, 2,000 times each, p50, on
    loopback and through bench.delay_proxy at ~1 ms RTT;
  * workload: 8 threads, Zipf-distributed (s = 1.1) reads over 100,000 videos
    (get_video and list_qualities_ordered), 5% writes (update_video_status),
    for `seconds` per round, with and without the cache in alternating rounds:
    operations per second and the hit ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from typing import Any

from vqdb import Catalog

from bench import scale, server
from bench.stats import Summary, percentile
from bench.throughput import network

STATUSES = ("draft", "published", "processing")


def video_ids(srv: server.BenchServer, count: int) -> list[Any]:
    conn = srv.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("select id from vq.videos order by id limit %s", (count,))
            return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()


def hit_vs_call(srv: server.BenchServer, video: Any, calls: int, rtt_ms: float | None) -> dict:
    with network(srv, rtt_ms) as port:
        dsn = srv.dsn(server.WORKER, port)
        out = {}
        with Catalog(dsn, maxconn=2) as plain, Catalog(dsn, maxconn=2, cache_size=1000) as cached:
            while not cached.stats().cache.following:
                time.sleep(0.01)
            for name, db in (("call", plain), ("hit", cached)):
                db.list_qualities_ordered(video)
                times = []
                for _ in range(calls):
                    t0 = time.perf_counter()
                    db.list_qualities_ordered(video)
                    times.append((time.perf_counter() - t0) * 1e6)
                times.sort()
                out[f"{name}_p50_us"] = percentile(times, 50)
        out["ratio"] = out["call_p50_us"] / out["hit_p50_us"]
        return out


def workload(srv: server.BenchServer, ids: list[Any], cached: bool, seconds: float) -> dict:
    weights = [1 / (rank**1.1) for rank in range(1, len(ids) + 1)]
    with Catalog(srv.dsn(server.WORKER), maxconn=8, cache_size=20_000 if cached else None) as db:
        while cached and not db.stats().cache.following:
            time.sleep(0.01)
        counts = [0] * 8
        stop = threading.Event()

        def worker(n: int) -> None:
            rnd = random.Random(n)
            picks = rnd.choices(ids, weights, k=20_000)
            i = 0
            while not stop.is_set():
                video = picks[i % len(picks)]
                i += 1
                roll = rnd.random()
                if roll < 0.05:
                    db.update_video_status(video, rnd.choice(STATUSES))
                elif roll < 0.5:
                    db.get_video(video)
                else:
                    db.list_qualities_ordered(video)
                counts[n] += 1

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        stats = db.stats().cache
        reads = (stats.hits + stats.misses + stats.bypasses) if stats else 0
        return {
            "ops_per_s": sum(counts) / seconds,
            "hit_ratio": stats.hits / reads if stats and reads else 0.0,
        }


def run(quick: bool) -> dict[str, Any]:
    srv = server.start()
    try:
        videos = 2_000 if quick else 100_000
        scale.load(srv, server.DBNAME, 1, videos)
        ids = video_ids(srv, videos)
        calls = 200 if quick else 2_000
        result: dict[str, Any] = {
            "loopback": hit_vs_call(srv, ids[0], calls, None),
            "proxy_1ms": hit_vs_call(srv, ids[0], calls // 4, 1.0),
        }
        rounds: dict[bool, list[dict]] = {True: [], False: []}
        for run_n in range(1 if quick else 5):
            for cached in (True, False) if run_n % 2 == 0 else (False, True):
                rounds[cached].append(workload(srv, ids, cached, 0.5 if quick else 5.0))
        result["workload"] = {
            name: {
                "ops_per_s": Summary.of([r["ops_per_s"] for r in rounds[c]]).as_dict(),
                "hit_ratio": Summary.of([r["hit_ratio"] for r in rounds[c]]).as_dict(),
            }
            for name, c in (("cached", True), ("uncached", False))
        }
        return result
    finally:
        srv.cluster.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    result = run(args.quick)
    text = json.dumps(result, indent=1, default=str)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
