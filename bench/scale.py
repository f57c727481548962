"""Does a call cost the same with a million videos as with ten thousand?

The data set is bench/load.sql (videos 1..N, 8 ready qualities each,
ids derived from the number), loaded in chunks with INSERT ... SELECT
generate_series as a superuser, timed, then VACUUM ANALYZE. At each size the
client calls four functions on random rows from one thread on loopback and
records each call's latency (p50, p99), and the plans of the statements inside
the functions are captured with auto_explain (they must be index scans on the
big tables: a sequential scan would grow with the table).
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from vqdb import Catalog

from bench.flows import LADDER
from bench.server import ROOT, WORKER, BenchServer
from bench.stats import percentile

LOAD_SQL = ROOT / "bench" / "load.sql"
CHUNK = 100_000  # videos per INSERT statement (800k qualities)
BIG_TABLES = ("vq.videos", "vq.video_qualities", " videos ", " video_qualities ")


def video_id(n: int) -> uuid.UUID:
    return uuid.UUID(hashlib.md5(f"video{n}".encode()).hexdigest())


def quality_id(n: int, label: str) -> uuid.UUID:
    return uuid.UUID(hashlib.md5(f"quality{n}/{label}".encode()).hexdigest())


def load(server: BenchServer, first: int, last: int) -> tuple[float, float]:
    """Load videos first..last. Returns the seconds of the INSERTs, and of the VACUUM
    ANALYZE and CHECKPOINT after them (so that the measurements that follow do not
    pay for writing the load out, at either size)."""
    start = time.perf_counter()
    for chunk_first in range(first, last + 1, CHUNK):
        chunk_last = min(last, chunk_first + CHUNK - 1)
        server.run_sql_file(LOAD_SQL, {"first": chunk_first, "last": chunk_last})
    loaded = time.perf_counter()
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("vacuum analyze vq.videos")
            cur.execute("vacuum analyze vq.video_qualities")
            cur.execute("checkpoint")
    finally:
        conn.close()
    return loaded - start, time.perf_counter() - loaded


def _operations(db: Catalog, videos: int, rng: random.Random) -> dict[str, Callable[[], Any]]:
    labels = [label for label, _, _, _ in LADDER]

    def get_video() -> Any:
        return db.get_video(video_id(rng.randint(1, videos)))

    def list_qualities_ordered() -> Any:
        return db.list_qualities_ordered(video_id(rng.randint(1, videos)))

    def set_default_quality() -> Any:
        n = rng.randint(1, videos)
        assert db.set_default_quality(video_id(n), quality_id(n, rng.choice(labels)))

    def update_quality_metadata() -> Any:
        n = rng.randint(1, videos)
        assert db.update_quality_metadata(quality_id(n, rng.choice(labels)),
                                          bitrate=rng.randint(100, 20000))

    return {"get_video": get_video, "list_qualities_ordered": list_qualities_ordered,
            "set_default_quality": set_default_quality,
            "update_quality_metadata": update_quality_metadata}


def latencies(server: BenchServer, videos: int, calls: int) -> dict[str, dict[str, float]]:
    """p50/p99 (ms) of each operation over `calls` calls on random rows."""
    rng = random.Random(videos)
    db = Catalog(server.dsn(WORKER), minconn=1, maxconn=1)
    try:
        result = {}
        for name, op in _operations(db, videos, rng).items():
            for _ in range(min(calls, 100)):   # warm up the plan cache and the connection
                op()
            times = []
            for _ in range(calls):
                start = time.perf_counter()
                op()
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            result[name] = {"p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99),
                            "calls": calls}
        return result
    finally:
        db.close()


def plans(server: BenchServer, videos: int) -> dict[str, Any]:
    """The plans of the statements inside each function, from auto_explain."""
    n = max(1, videos // 2)
    vid, qid = video_id(n), quality_id(n, "480p")
    calls = {
        "get_video": f"select * from vq.get_video('{vid}')",
        "list_qualities_ordered": f"select * from vq.list_qualities_ordered('{vid}')",
        "set_default_quality": f"select vq.set_default_quality('{vid}', '{qid}')",
        "update_quality_metadata": f"select vq.update_quality_metadata('{qid}', p_bitrate => 1)",
    }
    conn = server.connect()
    out: dict[str, Any] = {}
    try:
        with conn.cursor() as cur:
            cur.execute("load 'auto_explain'")
            cur.execute("set auto_explain.log_min_duration = 0")
            cur.execute("set auto_explain.log_nested_statements = on")
            cur.execute("set auto_explain.log_analyze = on")
            cur.execute("set auto_explain.log_timing = off")
            cur.execute("set client_min_messages = log")
            for name, sql in calls.items():
                del conn.notices[:]
                cur.execute(sql)
                nested = [m.split("plan:", 1)[1].strip() for m in conn.notices
                          if "plan:" in m and "require_" not in m
                          and ("vq.videos" in m or "vq.video_qualities" in m)]
                seq = [p for p in nested if "Seq Scan on video" in p]
                out[name] = {"plans": nested, "index_scans_only": not seq}
    finally:
        conn.close()
    return out
