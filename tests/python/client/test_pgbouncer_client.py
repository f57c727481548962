"""The Python client keeps no session state, so PgBouncer's transaction pooling is safe.

Two checks: the client's source sends nothing but function calls (no SET,
no PREPARE, no advisory lock, no LISTEN, no temporary table, no server-side
cursor), and a real workload through a PgBouncer whose single server
connection every client shares leaves that session exactly as clean. The
client's whole suite also runs through PgBouncer (VQDB_TEST_VIA_PGBOUNCER=1,
./dev test).
"""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
import vqdb

from tests.pgbouncer import PgBouncer
from tests.python.conftest import PgServer

CLIENT_DIR = Path(__file__).resolve().parents[3] / "pyclient" / "vqdb"

# Statements that would leave state in a server session (or need one).
SESSION_SQL = re.compile(
    r"^\s*(set|reset|prepare|execute|deallocate|listen|unlisten|declare|discard"
    r"|create\s+(temp|temporary)\b|lock\b|begin|start\s+transaction)\b"
    r"|pg_(try_)?advisory_(xact_)?lock",
    re.IGNORECASE,
)
# psycopg2 methods that send SET (or open a server-side cursor) on their own.
SESSION_CALLS = {"set_session", "set_client_encoding", "set_isolation_level", "tpc_begin"}
# Parameters PgBouncer itself tracks and sets per client: not the client's state.
BOUNCER_TRACKED = {
    "client_encoding",
    "DateStyle",
    "TimeZone",
    "standard_conforming_strings",
    "application_name",
    "IntervalStyle",
}


# Session state a module keeps on a connection of its own, outside the pool, which
# behind PgBouncer is harmless: vqdb.Worker's and the cache follower's LISTEN (they poll too).
OWN_CONNECTION = {("worker.py", "LISTEN vq_work"), ("follower.py", "LISTEN vq_changes")}
# An operator's command on a direct connection of its own, to a Citus coordinator,
# closed when it ends: `vqdb distribute` sets Citus's settings for its session.
ADMIN_COMMANDS = {"distribute.py"}


def client_sources() -> dict[str, ast.Module]:
    files = sorted(CLIENT_DIR.glob("*.py"))
    assert any(f.name == "catalog.py" for f in files), f"no client in {CLIENT_DIR}"
    return {f.name: ast.parse(f.read_text(), filename=str(f)) for f in files}


def docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes (prose may mention SET; it is not sent)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def test_client_source_sends_no_session_state() -> None:
    problems = []
    for name, tree in client_sources().items():
        if name in ADMIN_COMMANDS:
            continue
        skip = docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
                and SESSION_SQL.search(node.value)
                and (name, node.value) not in OWN_CONNECTION
            ):
                problems.append(f"{name}:{node.lineno}: SQL {node.value!r}")
            if isinstance(node, ast.Call):
                func = node.func
                attr = func.attr if isinstance(func, ast.Attribute) else None
                if attr in SESSION_CALLS:
                    problems.append(f"{name}:{node.lineno}: calls {attr}()")
                if attr == "cursor" and any(k.arg == "name" for k in node.keywords):
                    problems.append(f"{name}:{node.lineno}: named (server-side) cursor")
    assert problems == []


def test_the_source_check_catches_session_sql() -> None:
    """The pattern is not vacuous: each kind of session state is recognised."""
    for sql in [
        "SET search_path = x",
        "set local work_mem = '1MB'",
        "PREPARE q AS SELECT 1",
        "select pg_advisory_lock(1)",
        "LISTEN ch",
        "create temp table t (a int)",
        "DECLARE c CURSOR FOR SELECT 1",
        "BEGIN",
    ]:
        assert SESSION_SQL.search(sql), sql
    assert not SESSION_SQL.search("SELECT * FROM vq.set_default_quality(p_video_id => %s)")


@pytest.fixture(scope="module")
def one_connection_bouncer(pg_server: PgServer) -> Iterator[PgBouncer]:
    with PgBouncer(pg_server.base_url, default_pool_size=1) as bouncer:
        yield bouncer


def test_workload_through_one_shared_server_session_leaves_it_clean(
    one_connection_bouncer: PgBouncer, db_url: str
) -> None:
    url = one_connection_bouncer.url(urlsplit(db_url).path.lstrip("/"))
    errors: list[BaseException] = []

    def worker(n: int, db: vqdb.Catalog) -> None:
        try:
            for i in range(5):
                video = db.create_video(title=f"t{n}-{i}")
                rows = db.create_video_qualities(
                    video.id, [{"quality": "720p", "url": "u"}, {"quality": "1080p", "url": "u"}]
                )
                hd = next(q.id for q in rows if q.quality == "1080p")
                assert db.update_quality_status(hd, "processing")
                assert db.update_quality_status(hd, "ready")
                assert db.set_default_quality(video.id, hd)
                default = db.get_default_quality(video.id)
                assert default is not None and default.id == hd
                assert [q.quality for q in db.list_qualities_ordered(video.id)] == ["1080p", "720p"]
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    with vqdb.Catalog(url, maxconn=4) as db:
        threads = [threading.Thread(target=worker, args=(n, db)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert db.stats().size >= 2  # several client connections, one server session
    assert errors == []

    # The one server session every call went through, inspected through PgBouncer.
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select count(*) from pg_prepared_statements")
            assert cur.fetchone() == (0,)
            cur.execute("select count(*) from pg_locks where locktype = 'advisory'")
            assert cur.fetchone() == (0,)
            cur.execute("select name from pg_settings where source = 'session'")
            leftover = {name for (name,) in cur.fetchall()} - BOUNCER_TRACKED
            assert leftover == set()
            cur.execute("select count(*) from pg_catalog.pg_class where relpersistence = 't'")
            assert cur.fetchone() == (0,)  # no temporary tables
            cur.execute("select count(*) from pg_listening_channels()")
            assert cur.fetchone() == (0,)
    finally:
        conn.close()
