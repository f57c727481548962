"""pytest fixtures for testing code that uses vqdb against a real catalog.

    pytest -p vqdb.testing          (or: pytest_plugins = ["vqdb.testing"])

    vqdb_server     session   a Server: DATABASE_URL's, or a ThrowawayCluster
                              started for the session (initdb on a free
                              loopback port, deleted afterwards)
    vqdb_template   session   the name of a database with every migration applied
    vqdb_url        function  the URL of a fresh copy of it, dropped afterwards
    vqdb_catalog    function  a vqdb.Catalog on vqdb_url

With DATABASE_URL set, its server is used (its user must be allowed to create
databases); otherwise PostgreSQL's server binaries must be installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import vqdb
from vqdb.testing.cluster import ThrowawayCluster
from vqdb.testing.server import Server

TEMPLATE = "vq_template"

__all__ = ["Server", "ThrowawayCluster", "vqdb_catalog", "vqdb_server", "vqdb_template",
           "vqdb_url"]  # fmt: skip


@pytest.fixture(scope="session")
def vqdb_server() -> Iterator[Server]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield Server(base_url=url)
        return
    with ThrowawayCluster() as cluster:
        yield Server(base_url=cluster.dsn(), cluster=cluster)


@pytest.fixture(scope="session")
def vqdb_template(vqdb_server: Server) -> Iterator[str]:
    yield vqdb_server.migrated_database(TEMPLATE)
    vqdb_server.execute(f'drop database if exists "{TEMPLATE}" with (force)')


@pytest.fixture
def vqdb_url(vqdb_server: Server, vqdb_template: str) -> Iterator[str]:
    with vqdb_server.copy_of(vqdb_template) as name:
        yield vqdb_server.url(name)


@pytest.fixture
def vqdb_catalog(vqdb_url: str) -> Iterator[vqdb.Catalog]:
    with vqdb.Catalog(vqdb_url) as catalog:
        yield catalog
