"""The benchmark's own PostgreSQL: a durable throwaway cluster with the vq schema.

Durable means fsync and synchronous_commit stay on, as in production: a write
call costs its WAL flush, for the client and the baseline alike. The other
settings are ordinary sizing for this machine (documented in
docs/benchmarks.md), the same for every figure.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import psycopg2.extensions
from vqdb.testing.cluster import ThrowawayCluster

ROOT = Path(__file__).resolve().parents[1]
DBNAME = "vqbench"
PLAIN_DB = "vqplain"  # the plain service's own tables (bench/plain_service.sql)
WORKER = "bench_worker"  # a login role in vq_worker: what the client uses
PLAIN = "bench_plain"  # the baseline touches the tables itself: a superuser

SETTINGS: dict[str, str | int] = {
    "shared_buffers": "1GB",
    "max_wal_size": "8GB",  # no forced checkpoint in the middle of a run
    "checkpoint_timeout": "30min",
    "pg_stat_statements.track": "top",  # count the statements a client sends, not nested ones
    "pg_stat_statements.max": 10000,
    "track_io_timing": "on",
}


@dataclass
class BenchServer:
    """The running cluster and the DSNs of its roles."""

    cluster: ThrowawayCluster
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def port(self) -> int:
        assert self.cluster.port is not None
        return self.cluster.port

    def dsn(self, user: str = "postgres", port: int | None = None, dbname: str = DBNAME) -> str:
        return f"host=127.0.0.1 port={port or self.port} dbname={dbname} user={user}"

    def connect(
        self, user: str = "postgres", dbname: str = DBNAME
    ) -> psycopg2.extensions.connection:
        conn = psycopg2.connect(self.dsn(user, dbname=dbname))
        conn.autocommit = True
        return conn

    def server_version(self) -> str:
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("select version()")
                return str(cur.fetchone()[0])  # type: ignore[index]
        finally:
            conn.close()

    def setting_values(self, names: list[str]) -> dict[str, str]:
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(
                    "select name, setting || coalesce(unit, '') from pg_settings "
                    "where name = any(%s) order by name",
                    (names,),
                )
                return dict(cur.fetchall())
        finally:
            conn.close()

    def clone_database(self, name: str) -> str:
        """A copy of the freshly migrated database (call before anything connects to it)."""
        self.cluster.psql(f"create database {name} template {DBNAME}")
        return name

    def run_sql_file(self, path: Path, variables: dict[str, int], dbname: str = DBNAME) -> None:
        """Run a psql-style file with :name variables (integers only) as a superuser."""
        text = path.read_text()
        for name, value in variables.items():
            text = re.sub(rf":{name}\b", str(int(value)), text)
        conn = self.connect(dbname=dbname)
        try:
            with conn.cursor() as cur:
                cur.execute(text)
        finally:
            conn.close()


def start() -> BenchServer:
    """Start the cluster, create the databases (vqdb's, migrated, and the plain service's),
    create the roles."""
    cluster = ThrowawayCluster(SETTINGS, durable=True, preload_pg_stat_statements=True)
    cluster.start()
    try:
        cluster.create_database(DBNAME)
        server = BenchServer(cluster)
        migrate(cluster.dsn(DBNAME))
        cluster.create_database(PLAIN_DB)
        plain = server.connect(dbname=PLAIN_DB)
        try:
            with plain.cursor() as cur:
                cur.execute((ROOT / "bench" / "plain_service.sql").read_text())
        finally:
            plain.close()
        conn = server.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("create extension if not exists pg_stat_statements")
                for role, options in (
                    (WORKER, "login in role vq_worker"),
                    (PLAIN, "login superuser"),
                ):
                    cur.execute("select 1 from pg_roles where rolname = %s", (role,))
                    if cur.fetchone() is None:
                        cur.execute(f"create role {role} {options}")
        finally:
            conn.close()
        return server
    except BaseException:
        cluster.cleanup()
        raise


def migrate(url: str, up_to: str | None = None) -> None:
    """Apply the migrations (up to and including the one named `up_to`, or all)."""
    from yoyo import get_backend, read_migrations

    backend = get_backend(url)
    try:
        migrations = read_migrations(os.fspath(ROOT / "migrations"))
        if up_to is not None:
            migrations = migrations.filter(lambda m: m.id <= up_to)
        with backend.lock():
            backend.apply_migrations(backend.to_apply(migrations))
    finally:
        backend.connection.close()
