"""Shared pytest fixtures: a real PostgreSQL server, a migrated template, a fresh DB per test.

    pg_server           session   the server: DATABASE_URL's, or a ThrowawayCluster
    migrated_template   session   database `vq_template`, all migrations applied with yoyo
    db_url              function  a fresh copy of vq_template (dropped after), its URL
    superuser_conn      function  autocommit psycopg2 connection to db_url
    pgbouncer           session   a PgBouncer (transaction pooling) in front of pg_server

With VQDB_TEST_VIA_PGBOUNCER=1, db_url points through that PgBouncer instead
of at the server, so the same tests prove the client works behind it
(./dev test runs the client's tests a second time that way).

Copying a template database is much faster than migrating per test, and each
test gets data nobody else touches.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import psycopg2.extensions
import pytest

from tests.cluster import ThrowawayCluster
from tests.pgbouncer import PgBouncer
from tools.make_migration import with_dbname

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = REPO_ROOT / "migrations"
TEMPLATE_DB = "vq_template"
VIA_PGBOUNCER = os.environ.get("VQDB_TEST_VIA_PGBOUNCER", "") not in ("", "0")


@dataclass
class PgServer:
    """A PostgreSQL server the tests may create and drop databases on (as superuser)."""

    base_url: str  # any URL of the server; the db name gets replaced
    cluster: ThrowawayCluster | None = None  # set when we started it ourselves

    def url(self, dbname: str = "postgres") -> str:
        return with_dbname(self.base_url, dbname)

    def admin(self) -> psycopg2.extensions.connection:
        conn = psycopg2.connect(self.url("postgres"))
        conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
        return conn

    def execute(self, sql: str) -> None:
        conn = self.admin()
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Tests about the server's side of the client's own connections (backend pids,
# connection counts, startup options): through PgBouncer the server sees
# PgBouncer's connections instead, so these run only on direct connections and
# are deselected (not skipped) under VQDB_TEST_VIA_PGBOUNCER.
DIRECT_CONNECTION_ONLY = {
    "test_errors_mapping.py::test_conflict_from_a_serialization_failure",  # options=-c ...
    "test_pool_behaviour.py::test_killed_connections_are_dropped_and_the_next_call_succeeds",
    "test_reliability_pool_exhaustion.py::test_fifty_threads_on_ten_connections",
}


# The layer of each test module, by the start of its name (registered in pyproject).
LAYERS = {
    "test_plpgsql_source": "sql",
    "test_migrations": "sql",
    "test_api_registry": "sql",
    "test_client_": "client",
    "test_pool_": "client",
    "test_errors_mapping": "client",
    "test_service_facade": "client",
    "test_batch_": "client",
    "test_node_client": "client",
    "test_replica": "client",
    "test_pgbouncer_client": "client",
    "test_reliability_": "reliability",
    "test_cluster": "infra",
    "test_docker_compose": "infra",
    "test_pgbouncer": "infra",
    "test_bench_": "infra",
    "test_cli_commands": "infra",
    "test_fixtures": "infra",
}


def layer_of(module: str) -> str:
    for prefix, layer in sorted(LAYERS.items(), key=lambda kv: -len(kv[0])):
        if module.startswith(prefix):
            return layer
    raise pytest.UsageError(f"{module}: no layer in tests/python/conftest.py LAYERS")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(getattr(pytest.mark, layer_of(item.path.stem)))
    if not VIA_PGBOUNCER:
        return
    direct = [i for i in items if f"{i.path.name}::{i.name}" in DIRECT_CONNECTION_ONLY]
    if direct:
        config.hook.pytest_deselected(items=direct)
        items[:] = [i for i in items if i not in direct]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield PgServer(base_url=url)
        return
    with ThrowawayCluster() as cluster:
        yield PgServer(base_url=cluster.dsn(), cluster=cluster)


@pytest.fixture(scope="session")
def migrated_template(pg_server: PgServer) -> Iterator[str]:
    """Create vq_template from scratch and apply every migration to it with yoyo."""
    from yoyo import get_backend, read_migrations

    # Terminate leftover sessions so a template from an earlier run can go.
    pg_server.execute(f"DROP DATABASE IF EXISTS {quote_ident(TEMPLATE_DB)} WITH (FORCE)")
    pg_server.execute(f"CREATE DATABASE {quote_ident(TEMPLATE_DB)}")
    backend = get_backend(pg_server.url(TEMPLATE_DB))
    try:
        migrations = read_migrations(str(MIGRATIONS_DIR))
        with backend.lock():
            backend.apply_migrations(backend.to_apply(migrations))
    finally:
        # A template must have no open connections while it is copied.
        backend.connection.close()
    yield TEMPLATE_DB
    pg_server.execute(f"DROP DATABASE IF EXISTS {quote_ident(TEMPLATE_DB)} WITH (FORCE)")


@pytest.fixture(scope="session")
def pgbouncer(pg_server: PgServer) -> Iterator[PgBouncer]:
    """PgBouncer in transaction pooling mode forwarding every database to pg_server."""
    with PgBouncer(pg_server.base_url) as bouncer:
        yield bouncer


@pytest.fixture
def db_url(
    pg_server: PgServer, migrated_template: str, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A fresh, migrated database for this test only; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    pg_server.execute(
        f"CREATE DATABASE {quote_ident(name)} "
        f"TEMPLATE {quote_ident(migrated_template)} STRATEGY file_copy"
    )
    try:
        if VIA_PGBOUNCER:
            yield request.getfixturevalue("pgbouncer").url(name)
        else:
            yield pg_server.url(name)
    finally:
        pg_server.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")


@pytest.fixture
def superuser_conn(db_url: str) -> Iterator[psycopg2.extensions.connection]:
    """An autocommit superuser connection to this test's database."""
    conn = psycopg2.connect(db_url)
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()
