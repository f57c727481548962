"""Shared pytest fixtures: a real PostgreSQL server, a migrated template, a fresh DB per test.

The server and the template are vqdb.testing's (the plugin users get too):

    pg_server           session   vqdb_server: DATABASE_URL's, or a ThrowawayCluster
    migrated_template   session   vqdb_template: `vq_template`, all migrations applied
    db_url              function  a fresh copy of vq_template (dropped after), its URL
    superuser_conn      function  autocommit psycopg2 connection to db_url
    pgbouncer           session   a PgBouncer (transaction pooling) in front of pg_server

With VQDB_TEST_VIA_PGBOUNCER=1, db_url points through that PgBouncer instead
of at the server, so the same tests prove the client works behind it
(./dev test runs the client's tests a second time that way).

The layer of a test (its pytest marker, registered in pyproject) is the folder
its module is in: sql, client, reliability, console or infra.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import psycopg2.extensions
import pytest
from vqdb.testing import Server

from tests.pgbouncer import PgBouncer
from tests.python.roles import login_role

pytest_plugins = ["vqdb.testing"]

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = REPO_ROOT / "migrations"
TEMPLATE_DB = "vq_template"
VIA_PGBOUNCER = os.environ.get("VQDB_TEST_VIA_PGBOUNCER", "") not in ("", "0")


PgServer = Server


# Tests about the server's side of the client's own connections (backend pids,
# connection counts, startup options): through PgBouncer the server sees
# PgBouncer's connections instead, so these run only on direct connections and
# are deselected (not skipped) under VQDB_TEST_VIA_PGBOUNCER.
DIRECT_CONNECTION_ONLY = {
    "test_errors_mapping.py::test_conflict_from_a_serialization_failure",  # options=-c ...
    "test_pool_behaviour.py::test_killed_connections_are_dropped_and_the_next_call_succeeds",
    "test_reliability_pool_exhaustion.py::test_fifty_threads_on_ten_connections",
}


LAYERS = ("sql", "client", "reliability", "console", "infra")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        layer = item.path.parent.name
        if layer not in LAYERS:
            raise pytest.UsageError(f"{item.path}: a test module belongs in one of {LAYERS}")
        item.add_marker(getattr(pytest.mark, layer))
    if not VIA_PGBOUNCER:
        return
    direct = [i for i in items if f"{i.path.name}::{i.name}" in DIRECT_CONNECTION_ONLY]
    if direct:
        config.hook.pytest_deselected(items=direct)
        items[:] = [i for i in items if i not in direct]


@pytest.fixture(scope="session")
def pg_server(vqdb_server: Server) -> Server:
    return vqdb_server


@pytest.fixture(scope="session")
def migrated_template(vqdb_template: str) -> str:
    return vqdb_template


@pytest.fixture(scope="session")
def pgbouncer(pg_server: PgServer) -> Iterator[PgBouncer]:
    """PgBouncer in transaction pooling mode forwarding every database to pg_server."""
    with PgBouncer(pg_server.base_url) as bouncer:
        yield bouncer


# A catalog sharded by video on a Citus coordinator (migrated, then `vqdb
# distribute`): with VQDB_TEST_DISTRIBUTED_URL set, db_url is that database,
# emptied before each test, instead of a fresh copy of the template (a copy of a
# distributed database is not one). How it was run: docs/scaling.md.
DISTRIBUTED_URL = os.environ.get("VQDB_TEST_DISTRIBUTED_URL")


def empty_catalog(url: str) -> None:
    """Delete every row of the catalog's tables, keeping the reference data."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select string_agg(table_name::text, ', ') from vq._distribution() "
                "where kind <> 'reference' or table_name = 'vq.changes_pruned'::regclass"
            )
            (tables,) = cur.fetchone() or ("",)
            cur.execute(f"truncate {tables}")
    finally:
        conn.close()


@pytest.fixture
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated database for this test only; dropped afterwards."""
    if DISTRIBUTED_URL:
        empty_catalog(DISTRIBUTED_URL)
        yield DISTRIBUTED_URL
        return
    pg_server: Server = request.getfixturevalue("pg_server")
    with pg_server.copy_of(request.getfixturevalue("migrated_template")) as name:
        if VIA_PGBOUNCER:
            yield request.getfixturevalue("pgbouncer").url(name)
        else:
            yield pg_server.url(name)


@pytest.fixture
def worker_url(db_url: str, superuser_conn: psycopg2.extensions.connection) -> Iterator[str]:
    """This test's database as a worker service logs in: a role that is only a
    member of vq_worker (tests/python/roles.py)."""
    with login_role(superuser_conn, db_url, "vq_worker", "worker") as url:
        yield url


@pytest.fixture
def superuser_conn(db_url: str) -> Iterator[psycopg2.extensions.connection]:
    """An autocommit superuser connection to this test's database."""
    conn = psycopg2.connect(db_url)
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()
