"""A dedicated, migrated throwaway cluster for tests that restart, crash or kill it.

Such tests must not share the session's server: a restart would break every
other test's connections.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vqdb.testing.cluster import ThrowawayCluster

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def apply_migrations(url: str) -> None:
    from yoyo import get_backend, read_migrations

    backend = get_backend(url)
    try:
        with backend.lock():
            backend.apply_migrations(backend.to_apply(read_migrations(str(MIGRATIONS))))
    finally:
        backend.connection.close()


@contextmanager
def migrated_cluster(*, durable: bool = False) -> Iterator[tuple[ThrowawayCluster, str]]:
    """(cluster, URL of its migrated database `vqdb`); stopped and deleted afterwards.

    durable=True keeps fsync on: a crash (stop -m immediate) must not lose a
    commit the client was told about.
    """
    with ThrowawayCluster(durable=durable) as cluster:
        url = cluster.create_database("vqdb")
        apply_migrations(url)
        yield cluster, url
