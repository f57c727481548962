"""PgBouncer in transaction pooling mode in front of vqdb (tests/pgbouncer.py).

These tests check the harness itself (it really pools per transaction, so the
rest of the suite run through it proves something) and that callers that keep
no session state work through it: the Node.js example here, the Python client
in test_pgbouncer_client.py and, with VQDB_TEST_VIA_PGBOUNCER=1, the client's
whole test suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import psycopg2.extensions
import pytest

from tests.pgbouncer import PgBouncer
from tests.python.conftest import PgServer

NODE_DIR = Path(__file__).resolve().parents[3] / "tests" / "node"


@pytest.fixture(scope="module")
def narrow_bouncer(pg_server: PgServer) -> Iterator[PgBouncer]:
    """One server connection per (database, user): every client shares it, one
    transaction at a time, so any state left in a session would show."""
    with PgBouncer(pg_server.base_url, default_pool_size=1) as bouncer:
        yield bouncer


def dbname(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def connect(url: str) -> psycopg2.extensions.connection:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


def scalar(conn: psycopg2.extensions.connection, sql: str) -> object:
    with conn.cursor() as cur:
        cur.execute(sql)
        row = cur.fetchone()
    assert row is not None
    return row[0]


def test_runs_in_transaction_pooling_mode(narrow_bouncer: PgBouncer) -> None:
    admin = connect(narrow_bouncer.url("pgbouncer"))  # PgBouncer's console
    try:
        with admin.cursor() as cur:
            cur.execute("show config")
            config = {row[0]: row[1] for row in cur.fetchall()}
    finally:
        admin.close()
    assert config["pool_mode"] == "transaction"
    assert config["default_pool_size"] == "1"
    assert config["listen_addr"] == "127.0.0.1"


def test_clients_share_one_server_session(narrow_bouncer: PgBouncer, db_url: str) -> None:
    """Two client connections, one server backend: a SET by one is seen by the
    other. This is why the client must keep no session state."""
    a = connect(narrow_bouncer.url(dbname(db_url)))
    b = connect(narrow_bouncer.url(dbname(db_url)))
    try:
        assert scalar(a, "select pg_backend_pid()") == scalar(b, "select pg_backend_pid()")
        with a.cursor() as cur:
            cur.execute("set application_name = 'leaked'")
        assert scalar(b, "show application_name") == "leaked"
        with a.cursor() as cur:
            cur.execute("reset application_name")
    finally:
        a.close()
        b.close()


def test_sql_api_through_pgbouncer(
    narrow_bouncer: PgBouncer, db_url: str, superuser_conn: psycopg2.extensions.connection
) -> None:
    """Calls from several client connections interleave on one server session."""
    clients = [connect(narrow_bouncer.url(dbname(db_url))) for _ in range(3)]
    try:
        video_id = scalar(clients[0], "select id from vq.create_video(p_title => 'via bouncer')")
        for i, label in enumerate(["720p", "1080p", "360p"]):
            with clients[i].cursor() as cur:
                cur.execute(
                    "select id from vq.create_video_quality(p_video_id => %s, p_quality => %s,"
                    " p_url => %s, p_status => 'ready')",
                    (video_id, label, f"s3://b/{label}"),
                )
        with clients[2].cursor() as cur:
            cur.execute("select quality from vq.list_qualities_ordered(%s)", (video_id,))
            assert [r[0] for r in cur.fetchall()] == ["1080p", "720p", "360p"]
    finally:
        for c in clients:
            c.close()
    # Nothing of ours is left in the server sessions.
    assert scalar(superuser_conn, "select count(*) from pg_locks where locktype = 'advisory'") == 0


def test_node_example_through_pgbouncer(narrow_bouncer: PgBouncer, db_url: str) -> None:
    """node-postgres uses unnamed statements only, so it works in transaction mode."""
    node = shutil.which("node")
    assert node, "node not found (./dev test installs nodejs)"
    if not (NODE_DIR / "node_modules" / "pg").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            check=True,
            capture_output=True,
            timeout=600,
        )
    proc = subprocess.run(
        [node, "calls.js"],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DATABASE_URL": narrow_bouncer.url(dbname(db_url))},
        check=False,
    )
    assert proc.returncode == 0, f"calls.js failed through pgbouncer:\n{proc.stdout}{proc.stderr}"
    assert proc.stdout.splitlines()[-1] == "ok"
