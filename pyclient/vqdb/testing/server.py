"""A PostgreSQL server that tests may create and drop databases on, as superuser.

Either the server of DATABASE_URL (a CI service, docker-compose) or a
ThrowawayCluster started for the test session. A migrated template database is
copied for each test: much faster than migrating per test, and each test gets
data nobody else touches.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.extensions

from vqdb import migrations
from vqdb.testing.cluster import ThrowawayCluster, quote_ident


def with_dbname(url: str, dbname: str) -> str:
    """The same libpq URL pointing at another database (query options kept)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


@dataclass
class Server:
    base_url: str  # any URL of the server; the database name gets replaced
    cluster: ThrowawayCluster | None = None  # set when it was started for us

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

    def migrated_database(self, name: str) -> str:
        """Database name, created anew with every migration applied; returns its name."""
        # WITH (FORCE) ends leftover sessions, so a template of an earlier run can go
        self.execute(f"drop database if exists {quote_ident(name)} with (force)")
        self.execute(f"create database {quote_ident(name)}")
        migrations.apply(self.url(name))
        return name

    @contextmanager
    def copy_of(self, template: str, prefix: str = "t") -> Iterator[str]:
        """A new database copied from template, dropped afterwards; yields its name."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.execute(
            f"create database {quote_ident(name)} "
            f"template {quote_ident(template)} strategy file_copy"
        )
        try:
            yield name
        finally:
            self.execute(f"drop database if exists {quote_ident(name)} with (force)")
