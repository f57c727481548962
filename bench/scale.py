"""Does a call cost the same with a million videos as with ten thousand?

Each size is its own database (a copy of the migrated one), loaded with
bench/load.sql (videos 1..N, 8 ready qualities each, ids derived from the
number) in chunks of INSERT ... SELECT generate_series as a superuser, timed,
then VACUUM ANALYZE and CHECKPOINT. The client then calls four functions on
random rows from one thread on loopback, the sizes taking turns in several
passes (so a slow moment of this shared machine hits both sizes, not one), and
each call's latency gives p50 and p99. The plans of the statements inside the
functions are captured with auto_explain: they must be index scans on the big
tables (a sequential scan would grow with the table).
"""

from __future__ import annotations

import hashlib
import json
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
PLAIN_LOAD_SQL = ROOT / "bench" / "plain_load.sql"  # the same rows in the plain service's tables
CHUNK = 100_000  # videos per INSERT statement (800k qualities)
BIG_TABLES = ("vq.videos", "vq.video_qualities", " videos ", " video_qualities ")


def video_id(n: int) -> uuid.UUID:
    return uuid.UUID(hashlib.md5(f"video{n}".encode()).hexdigest())


def quality_id(n: int, label: str) -> uuid.UUID:
    return uuid.UUID(hashlib.md5(f"quality{n}/{label}".encode()).hexdigest())


def load(
    server: BenchServer, dbname: str, first: int, last: int, schema: str = "vq"
) -> tuple[float, float]:
    """Load videos first..last into vqdb's tables (or, with schema "public", the plain
    service's). Returns the seconds of the INSERTs, and of the VACUUM ANALYZE and
    CHECKPOINT after them (so that the measurements that follow do not pay for
    writing the load out, at either size)."""
    sql = LOAD_SQL if schema == "vq" else PLAIN_LOAD_SQL
    start = time.perf_counter()
    for chunk_first in range(first, last + 1, CHUNK):
        chunk_last = min(last, chunk_first + CHUNK - 1)
        server.run_sql_file(sql, {"first": chunk_first, "last": chunk_last}, dbname)
    loaded = time.perf_counter()
    conn = server.connect(dbname=dbname)
    try:
        with conn.cursor() as cur:
            cur.execute(f"vacuum analyze {schema}.videos")
            cur.execute(f"vacuum analyze {schema}.video_qualities")
            cur.execute("checkpoint")
    finally:
        conn.close()
    return loaded - start, time.perf_counter() - loaded


def table_sizes(server: BenchServer, dbname: str) -> dict[str, int]:
    """Bytes on disk of each table with its indexes (and TOAST), for sizing."""
    conn = server.connect(dbname=dbname)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select c.relname, pg_total_relation_size(c.oid) from pg_class c "
                "where c.relnamespace = 'vq'::regnamespace and c.relkind = 'r' "
                "and c.relname in ('videos', 'video_qualities') order by 1"
            )
            return {name: int(size) for name, size in cur.fetchall()}
    finally:
        conn.close()


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
        n, kbps = rng.randint(1, videos), rng.randint(100, 20000)
        # with the size of kbps over load.sql's 600 s: the catalog refuses a bit rate the
        # file's size and duration cannot hold
        assert db.update_quality_metadata(
            quality_id(n, rng.choice(labels)), bitrate=kbps, file_size=kbps * 75000
        )

    return {
        "get_video": get_video,
        "list_qualities_ordered": list_qualities_ordered,
        "set_default_quality": set_default_quality,
        "update_quality_metadata": update_quality_metadata,
    }


def latencies(
    server: BenchServer, databases: dict[int, str], calls: int, passes: int
) -> dict[int, dict[str, dict[str, float]]]:
    """{videos: {operation: p50/p99 in ms}} over `calls` calls per size and operation."""
    catalogs = {
        size: Catalog(server.dsn(WORKER, dbname=db), minconn=1, maxconn=1)
        for size, db in databases.items()
    }
    try:
        ops = {size: _operations(db, size, random.Random(size)) for size, db in catalogs.items()}
        times: dict[int, dict[str, list[float]]] = {
            size: {name: [] for name in size_ops} for size, size_ops in ops.items()
        }
        for size_ops in ops.values():
            for op in size_ops.values():
                for _ in range(min(calls, 100)):  # warm up plans and the connection
                    op()
        for _ in range(passes):
            for size, size_ops in ops.items():
                for name, op in size_ops.items():
                    for _ in range(max(1, calls // passes)):
                        start = time.perf_counter()
                        op()
                        times[size][name].append((time.perf_counter() - start) * 1000)
        result: dict[int, dict[str, dict[str, float]]] = {}
        for size, per_op in times.items():
            result[size] = {}
            for name, values in per_op.items():
                values.sort()
                result[size][name] = {
                    "p50_ms": percentile(values, 50),
                    "p99_ms": percentile(values, 99),
                    "calls": len(values),
                }
        return result
    finally:
        for catalog in catalogs.values():
            catalog.close()


def plans(server: BenchServer, dbname: str, videos: int) -> dict[str, Any]:
    """The plans of the statements inside each function, from auto_explain."""
    n = max(1, videos // 2)
    vid, qid = video_id(n), quality_id(n, "480p")
    labels = [label for label, _, _, _ in LADDER]
    ladder = json.dumps(
        [
            {"quality": label, "url": f"https://cdn.example/{n}/{label}", "status": "ready"}
            for label in labels
        ]
    )
    updates = json.dumps(
        [{"quality_id": str(quality_id(n, label)), "bitrate": 1} for label in labels]
    )
    calls = {
        "get_video": f"select * from vq.get_video('{vid}')",
        "list_qualities_ordered": f"select * from vq.list_qualities_ordered('{vid}')",
        "set_default_quality": f"select vq.set_default_quality('{vid}', '{qid}')",
        "update_quality_metadata": f"select vq.update_quality_metadata('{qid}', p_bitrate => 1)",
        "create_video_qualities": f"select * from vq.create_video_qualities('{vid}', '{ladder}')",
        "update_qualities_metadata": f"select vq.update_qualities_metadata('{updates}')",
    }
    conn = server.connect(dbname=dbname)
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
                nested = [
                    m.split("plan:", 1)[1].strip()
                    for m in conn.notices
                    if "plan:" in m
                    and "require_" not in m
                    and ("vq.videos" in m or "vq.video_qualities" in m)
                ]
                seq = [p for p in nested if "Seq Scan on video" in p]
                out[name] = {"plans": nested, "index_scans_only": not seq}
    finally:
        conn.close()
    return out
