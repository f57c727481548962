"""Throughput of the worker flow: client, batch and the two baselines, at several thread
counts and network delays, in the same process against the same server.

For each network (loopback, or through bench.delay_proxy at a given RTT) and
thread count, the four flows run in turn, `runs` times (interleaved, so a
slow moment of the machine hits all of them alike), each for `duration`
seconds on fresh videos. The baselines (bench.baseline) are the plain service
on its own tables ("plain", the headline) and the same service on vqdb's
tables ("plain_on_vq"). Figures: videos/s and calls/s (median, min, max) and,
for the client and the batch flow, the median of the per-round ratios to each
baseline.
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
from bench.server import DBNAME, PLAIN, PLAIN_DB, WORKER, BenchServer
from bench.stats import Summary


def new_videos(
    server: BenchServer, count: int, dbname: str = DBNAME, schema: str = "vq"
) -> list[uuid.UUID]:
    """Fresh draft videos (inserted directly: setting up, not measured)."""
    conn = server.connect(dbname=dbname)
    try:
        with conn.cursor() as cur:
            cur.execute(
                f"insert into {schema}.videos (title) select 'flow ' || g "
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


def _videos(server: BenchServer, flow: str, count: int) -> list[uuid.UUID]:
    """Fresh videos for a flow: the plain service's in its own database."""
    if flow == "plain":
        return new_videos(server, count, PLAIN_DB, "public")
    return new_videos(server, count, DBNAME, "vq")


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
            plain = BaselineService(
                server.dsn(PLAIN, port, PLAIN_DB), minconn=threads, maxconn=threads, schema="public"
            )
            on_vq = BaselineService(server.dsn(PLAIN, port), minconn=threads, maxconn=threads)
            flows: dict[str, Callable[[Any], None]] = {
                "plain": partial(baseline_flow, plain),
                "plain_on_vq": partial(baseline_flow, on_vq),
                "client": partial(client_flow, db),
                "batch": partial(batch_flow, db),
            }
            try:
                for name, flow in flows.items():  # warm-up: connections open, plans cached
                    run_threads(flow, _videos(server, name, threads * 2), threads, 60.0)
                samples: dict[str, list[float]] = {name: [] for name in flows}
                for _ in range(runs):
                    for name, flow in flows.items():
                        ids = _videos(server, name, videos_per_run)
                        samples[name].append(run_threads(flow, ids, threads, duration).videos_per_s)
            finally:
                db.close()
                plain.close_all()
                on_vq.close_all()
            per_flow = {}
            for name, values in samples.items():
                videos = Summary.of(values)
                calls = Summary.of([v * CALLS_PER_VIDEO[name] for v in values])
                per_flow[name] = {"videos_per_s": videos.as_dict(), "calls_per_s": calls.as_dict()}
            # the ratio of each round (its three flows ran back to back, seconds
            # apart), then the median of those: a slow moment of the machine, which
            # this shared one has, hits one round rather than one side
            for name in ("client", "batch"):
                for base in ("plain", "plain_on_vq"):
                    ratios = Summary.of(
                        [f / b for f, b in zip(samples[name], samples[base], strict=True)]
                    )
                    per_flow[name][f"ratio_to_{base}"] = ratios.as_dict()
            result["threads"][str(threads)] = per_flow
        return result
