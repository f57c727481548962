"""The SQL migrations, applied and rolled back with yoyo-migrations.

The migrations directory is, in order: $VQDB_MIGRATIONS; <repo>/migrations
when the package runs from a checkout (pip install -e); the copy the wheel
installs under <sys.prefix>/share/vqdb/migrations.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yoyo import get_backend, read_migrations

from vqdb.dsn import yoyo_url


def migrations_dir() -> Path:
    """Where the migrations are (see the module's docstring)."""
    env = os.environ.get("VQDB_MIGRATIONS")
    candidates = [Path(env)] if env else []
    candidates += [
        Path(__file__).resolve().parents[2] / "migrations",  # pyclient/vqdb/ -> repo
        Path(sys.prefix) / "share" / "vqdb" / "migrations",
    ]
    for path in candidates:
        if path.is_dir() and any(path.glob("*.sql")):
            return path
    raise FileNotFoundError(
        "no migrations directory found (tried: " + ", ".join(map(str, candidates)) + ")"
    )


@dataclass(frozen=True)
class Status:
    applied: list[str]
    pending: list[str]


@contextmanager
def _backend(dsn: str | None) -> Iterator[Any]:
    backend = get_backend(yoyo_url(dsn))
    try:
        yield backend
    finally:
        backend.connection.close()


def _migrations(path: Path | None) -> Any:
    return read_migrations(str(path or migrations_dir()))


def apply(dsn: str | None = None, path: Path | None = None) -> list[str]:
    """Applies every pending migration; returns their ids."""
    with _backend(dsn) as backend, backend.lock():
        todo = backend.to_apply(_migrations(path))
        backend.apply_migrations(todo)
        return [m.id for m in todo]


def rollback(dsn: str | None = None, count: int = 1, path: Path | None = None) -> list[str]:
    """Rolls back the last ``count`` applied migrations; returns their ids (newest first)."""
    with _backend(dsn) as backend, backend.lock():
        todo = backend.to_rollback(_migrations(path))[:count]
        backend.rollback_migrations(todo)
        return [m.id for m in todo]


def status(dsn: str | None = None, path: Path | None = None) -> Status:
    """Which migrations are applied and which are pending, in order."""
    with _backend(dsn) as backend:
        migrations = _migrations(path)
        pending = {m.id for m in backend.to_apply(migrations)}
        return Status(
            applied=[m.id for m in migrations if m.id not in pending],
            pending=[m.id for m in migrations if m.id in pending],
        )
