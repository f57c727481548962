"""The client's own cost: a client method against raw psycopg2 doing the same SELECT.

Three loops of `calls` calls each, from one thread on loopback:
    client   vqdb.Catalog.get_video(id)    (pool checkout, SQL, typed Video)
    raw      cur.execute("SELECT * FROM vq.get_video(p_video_id => %s)"); fetchall()
             on a connection held for the whole loop, autocommit
    floor    cur.execute("SELECT 1"); fetchall() on the same held connection
The loops alternate `runs` times; each figure is the median with min and max,
of the wall time per call and of this process's CPU time per call.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg2
import psycopg2.extras
from vqdb import Catalog

from bench.server import WORKER, BenchServer
from bench.stats import Summary

psycopg2.extras.register_uuid()


def _per_call_us(action: Callable[[], Any], calls: int) -> tuple[float, float]:
    """(wall, CPU of this process) in microseconds per call."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        action()
    return ((time.perf_counter() - start) / calls * 1e6, (time.process_time() - cpu) / calls * 1e6)


def measure(
    server: BenchServer, video_id: uuid.UUID, calls: int, runs: int, port: int | None = None
) -> dict[str, Any]:
    dsn = server.dsn(WORKER, port)
    db = Catalog(dsn, minconn=1, maxconn=1)
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    cur = conn.cursor()

    def raw() -> Any:
        cur.execute("SELECT * FROM vq.get_video(p_video_id => %s)", (video_id,))
        return cur.fetchall()

    def floor() -> Any:
        cur.execute("SELECT 1")
        return cur.fetchall()

    def client() -> Any:
        return db.get_video(video_id)

    loops = {"client": client, "raw": raw, "floor": floor}
    try:
        for action in loops.values():  # warm up: plans cached, connections open
            _per_call_us(action, min(calls, 200))
        samples: dict[str, list[float]] = {name: [] for name in loops}
        cpu: dict[str, list[float]] = {name: [] for name in loops}
        for _ in range(runs):
            for name, action in loops.items():
                wall_us, cpu_us = _per_call_us(action, calls)
                samples[name].append(wall_us)
                cpu[name].append(cpu_us)
    finally:
        cur.close()
        conn.close()
        db.close()
    summary = {name: Summary.of(values) for name, values in samples.items()}
    return {
        "per_call_us": {name: s.as_dict() for name, s in summary.items()},
        # the client process's own CPU per call: what the client adds, less sensitive
        # to other load on the machine than the wall time
        "cpu_per_call_us": {name: Summary.of(v).as_dict() for name, v in cpu.items()},
        # throughput ratio: raw time / client time (1.0 = no overhead)
        "client_vs_raw": summary["raw"].median / summary["client"].median,
        "client_overhead_us": summary["client"].median - summary["raw"].median,
    }
