"""Throughput of the worker flow: client, batch and baseline, at several thread counts
and network delays, in the same process against the same server.

For each network (loopback, or through bench.delay_proxy at a given RTT) and
thread count, the three flows run in turn, `runs` times (interleaved, so a
slow moment of the machine hits all three alike), each for `duration`
seconds on fresh videos. Figures: videos/s and calls/s (median, min, max) and
the median of the per-round ratios to the baseline.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import psycopg2
from vqdb import Catalog

from bench.baseline import BaselineService
from bench.delay_proxy import DelayProxy
from bench.flows import CALLS_PER_VIDEO, baseline_flow, batch_flow, client_flow, run_threads
from bench.server import PLAIN, WORKER, BenchServer
from bench.stats import Summary


def new_videos(server: BenchServer, count: int) -> list[uuid.UUID]:
    """Fresh draft videos (inserted directly: setting up, not measured)."""
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "insert into vq.videos (title) select 'flow ' || g "
                "from generate_series(1, %s) g returning id",
                (count,),
            )
            return [uuid.UUID(str(r[0])) for r in cur.fetchall()]
    finally:
        conn.close()


def select1_ms(port: int, server: BenchServer, calls: int = 200) -> float:
    """Median time of SELECT 1 through `port`: the effective round-trip time."""
    conn = psycopg2.connect(server.dsn(WORKER, port))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            times = []
            for _ in range(calls):
                start = time.perf_counter()
                cur.execute("select 1")
                cur.fetchall()
                times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)
    finally:
        conn.close()


@contextmanager
def network(server: BenchServer, rtt_ms: float | None) -> Iterator[int]:
    """The port to connect to: the server's, or a delay proxy's in front of it.

    The proxy itself adds about 0.1-0.2 ms to a round trip here (thread
    hand-offs, the sleep's slack), so it is calibrated: the delay asked of it is
    the target minus what a SELECT 1 costs through it without delay.
    """
    if rtt_ms is None:
        yield server.port
        return
    with DelayProxy("127.0.0.1", server.port, 0.0) as bare:
        own_ms = select1_ms(bare.port, server)
    with DelayProxy("127.0.0.1", server.port, max(0.0, rtt_ms - own_ms)) as proxy:
        yield proxy.port


def measure_network(
    server: BenchServer,
    rtt_ms: float | None,
    threads_list: Sequence[int],
    runs: int,
    duration: float,
    videos_per_run: int,
) -> dict[str, Any]:
    with network(server, rtt_ms) as port:
        result: dict[str, Any] = {
            "rtt_ms_requested": rtt_ms,
            "select1_ms": select1_ms(port, server),
            "select1_ms_loopback": select1_ms(server.port, server),
            "threads": {},
        }
        for threads in threads_list:
            db = Catalog(server.dsn(WORKER, port), minconn=threads, maxconn=threads)
            # the baseline keeps `threads` connections too: the existing service's minconn=1 would
            # make psycopg2 close and reopen connections, which is not what we compare
            svc = BaselineService(server.dsn(PLAIN, port), minconn=threads, maxconn=threads)
            flows: dict[str, Callable[[Any], None]] = {
                "baseline": partial(baseline_flow, svc),
                "client": partial(client_flow, db),
                "batch": partial(batch_flow, db),
            }
            try:
                for flow in flows.values():  # warm-up: connections open, plans cached
                    run_threads(flow, new_videos(server, threads * 2), threads, 60.0)
                samples: dict[str, list[float]] = {name: [] for name in flows}
                for _ in range(runs):
                    for name, flow in flows.items():
                        ids = new_videos(server, videos_per_run)
                        samples[name].append(run_threads(flow, ids, threads, duration).videos_per_s)
            finally:
                db.close()
                svc.close_all()
            per_flow = {}
            for name, values in samples.items():
                videos = Summary.of(values)
                calls = Summary.of([v * CALLS_PER_VIDEO[name] for v in values])
                per_flow[name] = {"videos_per_s": videos.as_dict(), "calls_per_s": calls.as_dict()}
            # the ratio of each round (its three flows ran back to back, seconds
            # apart), then the median of those: a slow moment of the machine, which
            # this shared one has, hits one round rather than one side
            for name in ("client", "batch"):
                ratios = Summary.of(
                    [f / b for f, b in zip(samples[name], samples["baseline"], strict=True)]
                )
                per_flow[name]["ratio_to_baseline"] = ratios.median
                per_flow[name]["ratio_to_baseline_range"] = ratios.as_dict()
            result["threads"][str(threads)] = per_flow
        return result
