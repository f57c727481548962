"""DatabaseService: the existing service's interface, for workers written against it.

Class-level methods over one shared, lazily created Catalog (configured from
DATABASE_URL / PG*, or by ``DatabaseService.configure(dsn=...)``). As the
existing service's documentation says, a failing operation logs the error with its context (logger
"vqdb") and returns None or False instead of raising; connections always go
back to the pool. New code should use vqdb.Catalog, which raises typed errors.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import psycopg2.extensions
from psycopg2.pool import ThreadedConnectionPool

from vqdb.catalog import Catalog, Id
from vqdb.errors import VqdbError
from vqdb.models import Video, VideoQuality

logger = logging.getLogger("vqdb")

T = TypeVar("T")


class DatabaseService:
    """The existing service's DatabaseService, backed by one vqdb.Catalog per process."""

    _catalog: ClassVar[Catalog | None] = None
    _config: ClassVar[dict[str, Any]] = {}
    _mutex: ClassVar[threading.Lock] = threading.Lock()

    # -- configuration and connections ----------------------------------------

    @classmethod
    def configure(cls, dsn: str | None = None, **catalog_kwargs: Any) -> None:
        """Sets the DSN and Catalog options (minconn, maxconn, acquire_timeout, retries...).

        Closes the current pool; the next call opens one with the new settings.
        """
        with cls._mutex:
            old, cls._catalog = cls._catalog, None
            cls._config = {"dsn": dsn, **catalog_kwargs}
        if old is not None:
            old.close()

    @classmethod
    def catalog(cls) -> Catalog:
        """The shared Catalog, created on first use."""
        with cls._mutex:
            if cls._catalog is None:
                cls._catalog = Catalog(**cls._config)
            return cls._catalog

    @classmethod
    def get_pool(cls) -> ThreadedConnectionPool:
        """The psycopg2 pool underneath (prefer get_connection: it waits and checks health)."""
        return cls.catalog().pool.as_threaded_pool()

    @classmethod
    def get_connection(cls) -> psycopg2.extensions.connection:
        """A connection of the pool, as plain psycopg2 (transactions, commit/rollback).

        Give it back with put_connection. Raises vqdb.PoolTimeout or vqdb.Unavailable.
        """
        conn = cls.catalog().pool.getconn()
        conn.autocommit = False  # the existing service's workers commit themselves
        return conn

    @classmethod
    def put_connection(cls, conn: psycopg2.extensions.connection) -> None:
        """Gives a connection back; an open transaction is rolled back, a broken one dropped."""
        current = cls._catalog
        if current is None:  # close_all() ran meanwhile and closed it already
            conn.close()
            return
        try:
            current.pool.putconn(conn)
        except ValueError:  # from a pool that configure()/close_all() replaced
            conn.close()

    @classmethod
    def close_all(cls) -> None:
        """Closes every connection (call on shutdown); a later call opens a new pool."""
        with cls._mutex:
            old, cls._catalog = cls._catalog, None
        if old is not None:
            old.close()

    @classmethod
    def _run(cls, default: T, what: str, action: Callable[[Catalog], T]) -> T:
        """Runs one operation; on a vqdb error logs it with context and returns ``default``."""
        try:
            return action(cls.catalog())
        except VqdbError as exc:
            logger.error("DatabaseService.%s failed: %s (%s)", what, exc, type(exc).__name__)
            return default

    # -- videos -----------------------------------------------------------------

    @classmethod
    def get_video_by_id(cls, video_id: Id) -> Video | None:
        return cls._run(
            None, f"get_video_by_id(video_id={video_id})", lambda c: c.get_video(video_id)
        )

    @classmethod
    def update_video_status(cls, video_id: Id, status: str) -> bool:
        return cls._run(
            False,
            f"update_video_status(video_id={video_id}, status={status!r})",
            lambda c: c.update_video_status(video_id, status),
        )

    # -- qualities --------------------------------------------------------------

    @classmethod
    def create_video_quality(
        cls,
        video_id: Id,
        quality: str,
        url: str,
        file_size: int | None = None,
        bitrate: int | None = None,
        resolution_width: int | None = None,
        resolution_height: int | None = None,
        codec: str | None = None,
        container: str | None = None,
        duration: float | None = None,
        is_default: bool = False,
        status: str = "pending",
        processing_started_at: datetime | None = None,
    ) -> VideoQuality | None:
        return cls._run(
            None,
            f"create_video_quality(video_id={video_id}, quality={quality!r})",
            lambda c: c.create_video_quality(
                video_id=video_id,
                quality=quality,
                url=url,
                file_size=file_size,
                bitrate=bitrate,
                resolution_width=resolution_width,
                resolution_height=resolution_height,
                codec=codec,
                container=container,
                duration=duration,
                is_default=is_default,
                status=status,
                processing_started_at=processing_started_at,
            ),
        )

    @classmethod
    def update_video_quality(cls, quality_id: Id, **metadata: Any) -> bool:
        """Sets the metadata given (and the status; ready/failed sets the completion time).

        ``metadata`` are Catalog.update_quality_metadata's keyword arguments (file_size,
        bitrate, ..., status, error_message); an unknown name raises TypeError.
        """
        return cls._run(
            False,
            f"update_video_quality(quality_id={quality_id}, {sorted(metadata)})",
            lambda c: c.update_quality_metadata(quality_id, **metadata),
        )

    @classmethod
    def update_video_quality_status(cls, quality_id: Id, status: str) -> bool:
        return cls._run(
            False,
            f"update_video_quality_status(quality_id={quality_id}, status={status!r})",
            lambda c: c.update_quality_status(quality_id, status),
        )

    @classmethod
    def get_video_qualities(cls, video_id: Id) -> list[VideoQuality]:
        """Every quality, highest first (2160p ... 144p, original); [] on error."""
        return cls._run(
            [],
            f"get_video_qualities(video_id={video_id})",
            lambda c: c.list_qualities_ordered(video_id),
        )

    @classmethod
    def set_default_quality(cls, video_id: Id, quality_id: Id) -> bool:
        return cls._run(
            False,
            f"set_default_quality(video_id={video_id}, quality_id={quality_id})",
            lambda c: c.set_default_quality(video_id, quality_id),
        )


__all__ = ["DatabaseService"]
