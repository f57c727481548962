"""vqdb.Catalog: the vq SQL API as Python methods, over a pool, with retries.

Each method is exactly one statement, ``SELECT * FROM vq.<fn>(p_a => %s, ...)``
in autocommit: one round trip and one transaction in the database. Arguments
go by name, and only those the caller gave (None means "not given", which is
what the SQL functions' defaults and NULLs mean too). The database enforces
every rule; this class only converts arguments, results and errors.

A call that loses its connection (server restart, killed backend, network,
a failover) is repeated on a fresh connection with a doubling backoff (at most
1 s) for up to ``retry_for`` seconds (and at most ``retries`` times, when
given), then raises Unavailable: a failover shorter than the budget costs the
caller latency, not an error. Every API function is safe to repeat:
create_video too, because the client picks the new video's id (``p_id``) and
the database answers a repeated call with the video the first one created.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any
from uuid import UUID, uuid4

import psycopg2
import psycopg2.extras

from vqdb.cache import ReadCache
from vqdb.errors import (
    InvalidArgument,
    Unavailable,
    VqdbError,
    from_psycopg2,
    is_connection_lost,
)
from vqdb.follower import FeedFollower
from vqdb.models import Change, QueueStats, Video, VideoQuality
from vqdb.pool import Pool, PoolStats
from vqdb.routing import ReplicaRouter, replica_dsns_from_env
from vqdb.videos_of import VideosOfQualities

Id = UUID | str  # a UUID, or its text (a malformed one raises InvalidArgument)
Rows = tuple[list[str], list[tuple[Any, ...]]]


def _json_default(value: object) -> object:
    """JSON for what a ladder element may hold besides JSON's own types."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json(value: object) -> str:
    return json.dumps(value, default=_json_default)


INT4 = range(-(2**31), 2**31)

# The SQL text of a call, per (function, argument names in order): a worker makes
# the same few shapes of call over and over. Bounded by the API: 12 functions and
# the subsets of their optional arguments a program actually uses, and capped.
_SQL: dict[tuple[str, ...], str] = {}
_SQL_CACHED = 1024


def _param(value: object) -> object:
    """A parameter as it should travel.

    psycopg2 writes an int as a literal, and PostgreSQL types a literal beyond the
    integer range as bigint (or numeric), which an integer parameter does not take
    by implicit cast: the call would fail with 42883 "function does not exist".
    Sent as text, an untyped literal, the server converts it to the parameter's
    type: a bigint parameter takes it, an integer one raises 22003 out of range.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value not in INT4:
        return str(value)
    return value


def _unsendable(args: Mapping[str, object]) -> str:
    """'p_x, p_y: ' for the text arguments PostgreSQL cannot hold (NUL, lone surrogates)."""
    bad = []
    for name, value in args.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
                ok = "\x00" not in value
            except UnicodeEncodeError:
                ok = False
            if not ok:
                bad.append(f"p_{name}")
    return f"{', '.join(bad)}: " if bad else ""


# Calls that write nothing a cached read shows (sent to the primary all the same).
READ_FUNCTIONS = frozenset({"queue_stats", "catalog_stats", "changes_since", "get_video",
                            "list_qualities_ordered", "get_default_quality"})  # fmt: skip


def _arguments(scope: Mapping[str, Any], *required: str) -> dict[str, Any]:
    """A method's optional arguments, by name, from its locals() at entry."""
    return {k: v for k, v in scope.items() if k != "self" and k not in required}


def _malformed_id(args: Mapping[str, object]) -> bool:
    """Whether an ``…_id`` argument is text that is not a UUID."""
    return any(
        name.endswith("_id") and isinstance(value, str) and _as_uuid(value) is None
        for name, value in args.items()
    )


def _as_uuid(value: object) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return None  # malformed: the server will say so


def _json_list(value: object) -> list[Mapping[str, Any]]:
    """The elements of a Json-wrapped list argument (update_qualities_metadata's)."""
    inner = getattr(value, "adapted", value)
    return [u for u in inner if isinstance(u, Mapping)] if isinstance(inner, list) else []


class Catalog:
    """The client of the vq API: ``with vqdb.Catalog() as db: db.get_video(video_id)``.

    dsn: a libpq URL or key=value string; None takes DATABASE_URL, then the PG*
    variables. minconn/maxconn/acquire_timeout/keep_idle: see vqdb.pool.Pool.
    retry_for: for how many seconds a call that lost its connection is repeated
    (30 s: longer than a failover takes, docs/reliability.md); retries: at most
    this many repeats besides (None: the time alone decides).
    retry_backoff: the first pause before a retry, in seconds (doubles, max 1 s).
    replica_dsns: read replicas for get_video, list_qualities_ordered and
    get_default_quality (None: VQDB_REPLICA_URLS, comma separated; see
    vqdb.routing); replica_cooldown: seconds a failed replica is skipped;
    read_your_writes: every read goes to the primary.
    cache_size: cache up to this many results of get_video, list_qualities_ordered
    and get_default_quality (None: no cache), for cache_ttl seconds at most,
    invalidated by the change feed (polled every cache_poll s) and by this
    Catalog's own writes (vqdb.cache, vqdb.follower).
    """

    def __init__(
        self,
        dsn: str | None = None,
        minconn: int = 1,
        maxconn: int = 10,
        acquire_timeout: float = 30.0,
        retries: int | None = None,
        retry_backoff: float = 0.05,
        retry_for: float = 30.0,
        keep_idle: int | None = None,
        replica_dsns: Sequence[str] | None = None,
        replica_cooldown: float = 30.0,
        read_your_writes: bool = False,
        cache_size: int | None = None,
        cache_ttl: float = 60.0,
        cache_poll: float = 0.02,
        remember_videos: int = 100_000,
    ) -> None:
        if retries is not None and retries < 0:
            raise ValueError("retries must be >= 0")
        if retry_for < 0:
            raise ValueError("retry_for must be >= 0")
        self.retries = retries
        self.retry_for = retry_for
        self.retry_backoff = retry_backoff
        self.pool = Pool(
            dsn,
            minconn=minconn,
            maxconn=maxconn,
            acquire_timeout=acquire_timeout,
            keep_idle=keep_idle,
        )
        replicas = replica_dsns_from_env() if replica_dsns is None else list(replica_dsns)
        self.router = (
            ReplicaRouter(
                self.pool,
                replicas,
                cooldown=replica_cooldown,
                read_your_writes=read_your_writes,
                maxconn=maxconn,
                acquire_timeout=acquire_timeout,
            )
            if replicas
            else None
        )
        # called after each API call with (function, seconds, the error or None):
        # how vqdb.metrics times the calls; None costs nothing
        self.on_call: Callable[[str, float, BaseException | None], None] | None = None
        # the read cache, off by default: trusted only while the feed is followed
        self.cache = ReadCache(cache_size, cache_ttl) if cache_size else None
        # the video of each quality seen, for the by-video form of the calls keyed
        # by a quality (vqdb.videos_of)
        self.videos_of = VideosOfQualities(remember_videos)
        self.follower = None
        if self.cache is not None:
            self.follower = FeedFollower(self.pool.dsn, self.cache, cache_poll)
            self.follower.start()

    # Public methods that are not calls of an SQL function.
    NOT_API = frozenset({"stats", "close", "api_functions"})

    @classmethod
    def api_functions(cls) -> list[str]:
        """The SQL functions this client calls: one method each, of the same name."""
        return sorted(
            name for name, value in vars(cls).items()
            if callable(value) and not name.startswith("_") and name not in cls.NOT_API
        )  # fmt: skip

    # -- the one way to the database --------------------------------------

    def _pool_for(self, read: bool) -> Pool:
        """The pool a call goes to. The seam for read replicas: reads may go elsewhere."""
        return self.router.pool_for(read) if self.router else self.pool

    def _call(
        self,
        function: str,
        required: Mapping[str, object],
        optional: Mapping[str, object] | None = None,
        *,
        read: bool,
    ) -> Rows:
        """Run ``SELECT * FROM vq.<function>(...)``; return the column names and rows.

        With a cache, a write invalidates what it changed before it returns (also when
        it raised: a lost connection may hide a committed write), so this Catalog
        always reads its own writes."""
        if self.on_call is None:
            return self._call_invalidating(function, required, optional, read=read)
        began = time.perf_counter()
        error: BaseException | None = None
        try:
            return self._call_invalidating(function, required, optional, read=read)
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.on_call(function, time.perf_counter() - began, error)

    def _call_invalidating(
        self,
        function: str,
        required: Mapping[str, object],
        optional: Mapping[str, object] | None = None,
        *,
        read: bool,
    ) -> Rows:
        if self.cache is None or read or function in READ_FUNCTIONS:
            return self._call_once(function, required, optional, read=read)
        rows: Rows | None = None
        try:
            rows = self._call_once(function, required, optional, read=read)
            return rows
        finally:
            self._invalidate(required, rows)

    def _call_once(
        self,
        function: str,
        required: Mapping[str, object],
        optional: Mapping[str, object] | None = None,
        *,
        read: bool,
    ) -> Rows:
        if "video_id" in required and required["video_id"] is None and not _malformed_id(required):
            # The server says the same; but sharded by video with Citus, a call
            # delegated by a NULL video crashes the coordinator (docs/scaling.md).
            # A malformed id is sent: the server refuses it (22P02) before it routes.
            raise InvalidArgument("22004", f"vq.{function}: p_video_id is required")
        args = dict(required)
        if optional:
            args.update({k: v for k, v in optional.items() if v is not None})
        key = (function, *args)
        sql = _SQL.get(key)
        if sql is None:
            sql = "SELECT * FROM vq.{}({})".format(
                function, ", ".join(f"p_{name} => %s" for name in args)
            )
            if len(_SQL) < _SQL_CACHED:
                _SQL[key] = sql
        params = [_param(v) for v in args.values()]
        pool = self._pool_for(read)
        delay = self.retry_backoff
        attempt = 0
        give_up_at = None  # set at the first lost connection
        while True:
            try:
                # pool.connection() without its generator-based context manager
                # (a few microseconds per call): the same checkout, give-back and
                # drop of a connection the call lost
                conn = pool.getconn()
                broken = False
                try:
                    with conn.cursor() as cur:
                        cur.execute(sql, params)
                        columns = [d.name for d in cur.description or ()]
                        return columns, cur.fetchall()
                except BaseException as exc:
                    broken = is_connection_lost(exc) or bool(conn.closed)
                    raise
                finally:
                    pool.putconn(conn, broken=broken)
            except psycopg2.Error as exc:
                error: VqdbError = from_psycopg2(exc)
                cause: BaseException = exc
            except Unavailable as exc:  # could not connect: nothing was sent
                error, cause = exc, exc
            except ValueError as exc:
                # psycopg2 refuses text PostgreSQL cannot hold (a NUL character, a lone
                # surrogate) before sending anything; the server's code for it is 22021
                raise InvalidArgument(
                    "22021", f"vq.{function}: {_unsendable(args)}{exc}", exc
                ) from exc
            if not isinstance(error, Unavailable) or pool.closed:
                raise error from cause  # not a lost connection, or no pool left to retry on
            fallback = self.router.failed(pool) if self.router is not None else None
            if fallback is not None:
                pool = fallback  # a replica is down: repeat the read on the primary, at once
                continue
            now = time.monotonic()
            if give_up_at is None:
                give_up_at = now + self.retry_for
            if (self.retries is not None and attempt >= self.retries) or now >= give_up_at:
                raise Unavailable(
                    error.sqlstate,
                    f"vq.{function}: {error.message} (after {attempt} retries)",
                    error.original,
                ) from cause
            attempt += 1
            pool.note_retry()
            time.sleep(min(delay, max(0.0, give_up_at - now)))
            delay = min(delay * 2, 1.0)

    def _cached(self, function: str, video_id: Id, bypass: bool, fetch: Callable[[], Any]) -> Any:
        """fetch(), or its result cached for this video while the cache is trusted."""
        key = _as_uuid(video_id)
        if self.cache is None or bypass or key is None:
            return fetch()
        hit, value, token = self.cache.lookup(function, key)
        if hit:
            return value
        value = fetch()
        self.cache.store(function, key, value, token)
        return value

    def _invalidate(self, args: Mapping[str, object], rows: Rows | None) -> None:
        """After a write (or a write that may have happened): drop what it changed."""
        assert self.cache is not None
        videos = {v for v in (_as_uuid(args.get("video_id")), _as_uuid(args.get("id"))) if v}
        qualities = {q for q in (_as_uuid(args.get("quality_id")),) if q}
        listed = args.get("quality_ids")
        if isinstance(listed, list | tuple):
            qualities.update(q for i in listed if (q := _as_uuid(i)))
        for update in _json_list(args.get("updates")):
            if q := _as_uuid(update.get("quality_id")):
                qualities.add(q)
        if rows is not None and "video_id" in rows[0]:
            at = rows[0].index("video_id")
            videos.update(row[at] for row in rows[1] if row[at] is not None)
        self.cache.invalidate(videos, qualities)

    def _one_video(self, rows: Rows) -> Video | None:
        columns, data = rows
        return Video.from_row(columns, data[0]) if data else None

    def _qualities(self, rows: Rows) -> list[VideoQuality]:
        columns, data = rows
        qualities = [VideoQuality.from_row(columns, row) for row in data]
        self.videos_of.learn((q.id, q.video_id) for q in qualities)
        return qualities

    @staticmethod
    def _scalar(rows: Rows) -> Any:
        return rows[1][0][0]

    # -- videos -------------------------------------------------------------

    def create_video(
        self,
        title: str,
        description: str | None = None,
        url: str | None = None,
        thumbnail_url: str | None = None,
        duration: int | None = None,
        user_id: Id | None = None,
        id: Id | None = None,
    ) -> Video:
        """A new video in status draft.

        ``id`` is the new video's id; by default a new uuid4 is drawn here, so that
        a retry after a lost connection returns the video the first attempt created
        (vq.create_video's p_id) instead of creating a second one.
        """
        rows = self._call(
            "create_video",
            {"title": title, "id": uuid4() if id is None else id},
            {
                "description": description,
                "url": url,
                "thumbnail_url": thumbnail_url,
                "duration": duration,
                "user_id": user_id,
            },
            read=False,
        )
        video = self._one_video(rows)
        assert video is not None  # the function returns its row
        return video

    def get_video(self, video_id: Id, *, read_from_primary: bool = False) -> Video | None:
        """The video, or None when there is no such video."""
        return self._cached(  # type: ignore[no-any-return]
            "get_video", video_id, read_from_primary,
            lambda: self._one_video(
                self._call("get_video", {"video_id": video_id}, read=not read_from_primary)
            ),
        )  # fmt: skip

    def update_video_status(self, video_id: Id, status: str) -> bool:
        """Sets draft, published or processing; False when there is no such video."""
        rows = self._call(
            "update_video_status", {"video_id": video_id, "status": status}, read=False
        )
        return bool(self._scalar(rows))

    # -- qualities ------------------------------------------------------------

    def create_video_quality(
        self,
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
        fps: float | None = None,
        pixel_format: str | None = None,
        color_space: str | None = None,
        audio_codec: str | None = None,
        audio_bitrate: int | None = None,
        audio_channels: int | None = None,
        audio_sample_rate: int | None = None,
        aspect_ratio: str | None = None,
        frame_count: int | None = None,
        encoding_time: float | None = None,
        is_default: bool | None = None,
        status: str | None = None,
        processing_started_at: datetime | None = None,
        max_attempts: int | None = None,
    ) -> VideoQuality:
        """Creates the quality (or restarts the existing one of that label; same id).

        Defaults (None): not default, status pending, 3 attempts for the workers that
        claim it. NotFound when the video does not exist.
        """
        rows = self._call(
            "create_video_quality",
            {"video_id": video_id, "quality": quality, "url": url},
            {
                "file_size": file_size,
                "bitrate": bitrate,
                "resolution_width": resolution_width,
                "resolution_height": resolution_height,
                "codec": codec,
                "container": container,
                "duration": duration,
                "fps": fps,
                "pixel_format": pixel_format,
                "color_space": color_space,
                "audio_codec": audio_codec,
                "audio_bitrate": audio_bitrate,
                "audio_channels": audio_channels,
                "audio_sample_rate": audio_sample_rate,
                "aspect_ratio": aspect_ratio,
                "frame_count": frame_count,
                "encoding_time": encoding_time,
                "is_default": is_default,
                "status": status,
                "processing_started_at": processing_started_at,
                "max_attempts": max_attempts,
            },
            read=False,
        )
        return self._qualities(rows)[0]

    def create_video_qualities(
        self, video_id: Id, qualities: Sequence[Mapping[str, Any]]
    ) -> list[VideoQuality]:
        """A whole ladder in one call: each dict has create_video_quality's keyword arguments.

        All or nothing; returns the rows in ladder order.
        """
        rows = self._call(
            "create_video_qualities",
            {
                "video_id": video_id,
                # None goes through: the server names the missing argument (22004)
                "qualities": None
                if qualities is None
                else psycopg2.extras.Json([dict(q) for q in qualities], dumps=_json),
            },
            read=False,
        )
        return self._qualities(rows)

    def update_quality_metadata(
        self,
        quality_id: Id,
        url: str | None = None,
        file_size: int | None = None,
        bitrate: int | None = None,
        resolution_width: int | None = None,
        resolution_height: int | None = None,
        codec: str | None = None,
        container: str | None = None,
        duration: float | None = None,
        fps: float | None = None,
        pixel_format: str | None = None,
        color_space: str | None = None,
        audio_codec: str | None = None,
        audio_bitrate: int | None = None,
        audio_channels: int | None = None,
        audio_sample_rate: int | None = None,
        aspect_ratio: str | None = None,
        frame_count: int | None = None,
        encoding_time: float | None = None,
        status: str | None = None,
        error_message: str | None = None,
    ) -> bool:
        """Changes only the fields given; False when there is no such quality.

        Calls the by-video form when this Catalog has seen the quality's video."""
        fields = _arguments(locals(), "quality_id")
        video_id = self.videos_of.video_of(_as_uuid(quality_id))
        if video_id is not None:
            return self.update_video_quality_metadata(video_id, quality_id, **fields)
        rows = self._call("update_quality_metadata", {"quality_id": quality_id}, fields, read=False)
        return bool(self._scalar(rows))

    def update_video_quality_metadata(
        self,
        video_id: Id,
        quality_id: Id,
        url: str | None = None,
        file_size: int | None = None,
        bitrate: int | None = None,
        resolution_width: int | None = None,
        resolution_height: int | None = None,
        codec: str | None = None,
        container: str | None = None,
        duration: float | None = None,
        fps: float | None = None,
        pixel_format: str | None = None,
        color_space: str | None = None,
        audio_codec: str | None = None,
        audio_bitrate: int | None = None,
        audio_channels: int | None = None,
        audio_sample_rate: int | None = None,
        aspect_ratio: str | None = None,
        frame_count: int | None = None,
        encoding_time: float | None = None,
        status: str | None = None,
        error_message: str | None = None,
    ) -> bool:
        """update_quality_metadata of a quality of the video ``video_id``; False when that
        video has no such quality."""
        rows = self._call(
            "update_video_quality_metadata",
            {"video_id": video_id, "quality_id": quality_id},
            _arguments(locals(), "video_id", "quality_id"),
            read=False,
        )
        return bool(self._scalar(rows))

    def update_qualities_metadata(self, updates: Sequence[Mapping[str, Any]]) -> int:
        """The metadata of many qualities in one call: each dict has a ``quality_id`` and any
        of update_quality_metadata's keyword arguments.

        All or nothing; returns how many of the qualities exist (others are skipped).
        """
        rows = self._call(
            "update_qualities_metadata",
            # None goes through: the server names the missing argument (22004)
            {
                "updates": None
                if updates is None
                else psycopg2.extras.Json([dict(u) for u in updates], dumps=_json)
            },
            read=False,
        )
        return int(self._scalar(rows))

    def update_quality_status(self, quality_id: Id, status: str) -> bool:
        """The status alone; False when there is no such quality.

        Calls the by-video form when this Catalog has seen the quality's video."""
        video_id = self.videos_of.video_of(_as_uuid(quality_id))
        if video_id is not None:
            return self.update_video_quality_status(video_id, quality_id, status)
        rows = self._call(
            "update_quality_status", {"quality_id": quality_id, "status": status}, read=False
        )
        return bool(self._scalar(rows))

    def update_video_quality_status(self, video_id: Id, quality_id: Id, status: str) -> bool:
        """The status of a quality of the video ``video_id``; False when that video has no
        such quality."""
        rows = self._call(
            "update_video_quality_status",
            {"video_id": video_id, "quality_id": quality_id, "status": status},
            read=False,
        )
        return bool(self._scalar(rows))

    def update_qualities_status(self, quality_ids: Sequence[Id], status: str) -> int:
        """The status of many qualities, all or nothing; returns how many exist."""
        # a list of text would make a text[] that no function takes: send uuid[]
        try:
            ids = (
                None  # the server names the missing argument (22004)
                if quality_ids is None
                else [q if isinstance(q, UUID) or q is None else UUID(q) for q in quality_ids]
            )
        except ValueError as exc:
            raise InvalidArgument("22P02", f"p_quality_ids: {exc}", exc) from exc
        rows = self._call(
            "update_qualities_status", {"quality_ids": ids, "status": status}, read=False
        )
        return int(self._scalar(rows))

    def list_qualities_ordered(
        self, video_id: Id, *, read_from_primary: bool = False
    ) -> list[VideoQuality]:
        """Every quality of the video: 2160p, 1440p, ..., 144p, original."""
        return list(
            self._cached(
                "list_qualities_ordered", video_id, read_from_primary,
                lambda: self._qualities(self._call(
                    "list_qualities_ordered", {"video_id": video_id}, read=not read_from_primary
                )),
            )
        )  # fmt: skip

    def set_default_quality(self, video_id: Id, quality_id: Id) -> bool:
        """Makes that ready quality the only default; False when video or quality is missing."""
        rows = self._call(
            "set_default_quality", {"video_id": video_id, "quality_id": quality_id}, read=False
        )
        return bool(self._scalar(rows))

    def get_default_quality(
        self, video_id: Id, *, read_from_primary: bool = False
    ) -> VideoQuality | None:
        """The default quality, or None."""

        def fetch() -> VideoQuality | None:
            found = self._qualities(
                self._call(
                    "get_default_quality", {"video_id": video_id}, read=not read_from_primary
                )
            )
            return found[0] if found else None

        return self._cached(  # type: ignore[no-any-return]
            "get_default_quality", video_id, read_from_primary, fetch
        )

    def delete_video(self, video_id: Id) -> list[str]:
        """Deletes the video and its qualities; the URLs of their files (the same on a repeat)."""
        _, rows = self._call("delete_video", {"video_id": video_id}, read=False)
        return [url for (url,) in rows]

    # -- the work queue -------------------------------------------------------

    def claim_qualities(
        self,
        worker: str,
        limit: int | None = None,
        lease_seconds: int | None = None,
        qualities: Sequence[str] | None = None,
    ) -> list[VideoQuality]:
        """Leases up to ``limit`` (1) due qualities to ``worker`` for ``lease_seconds`` (300);
        expired leases first, then pending work oldest first; only ``qualities``' labels
        when given. Each row carries its ``lease_token``; [] when there is no work."""
        return self._qualities(
            self._call(
                "claim_qualities",
                {"worker": worker},
                {
                    "limit": limit,
                    "lease_seconds": lease_seconds,
                    "qualities": None if qualities is None else list(qualities),
                },
                read=False,
            )
        )

    def heartbeat_quality(
        self,
        quality_id: Id,
        lease_token: Id,
        progress: float | None = None,
        lease_seconds: int | None = None,
    ) -> datetime:
        """Extends the lease (by its claimed length unless ``lease_seconds``), records
        ``progress`` (percent); returns the new expiry. LeaseLost when it is gone."""
        rows = self._call(
            "heartbeat_quality",
            {"quality_id": quality_id, "lease_token": lease_token},
            {"progress": progress, "lease_seconds": lease_seconds},
            read=False,
        )
        expires: datetime = self._scalar(rows)
        return expires

    def complete_quality(
        self,
        quality_id: Id,
        lease_token: Id,
        url: str | None = None,
        file_size: int | None = None,
        bitrate: int | None = None,
        resolution_width: int | None = None,
        resolution_height: int | None = None,
        codec: str | None = None,
        container: str | None = None,
        duration: float | None = None,
        fps: float | None = None,
        pixel_format: str | None = None,
        color_space: str | None = None,
        audio_codec: str | None = None,
        audio_bitrate: int | None = None,
        audio_channels: int | None = None,
        audio_sample_rate: int | None = None,
        aspect_ratio: str | None = None,
        frame_count: int | None = None,
        encoding_time: float | None = None,
    ) -> VideoQuality:
        """Ready, with the encoder's metadata, if the lease is still held (else LeaseLost)."""
        rows = self._call(
            "complete_quality",
            {"quality_id": quality_id, "lease_token": lease_token},
            {
                "url": url,
                "file_size": file_size,
                "bitrate": bitrate,
                "resolution_width": resolution_width,
                "resolution_height": resolution_height,
                "codec": codec,
                "container": container,
                "duration": duration,
                "fps": fps,
                "pixel_format": pixel_format,
                "color_space": color_space,
                "audio_codec": audio_codec,
                "audio_bitrate": audio_bitrate,
                "audio_channels": audio_channels,
                "audio_sample_rate": audio_sample_rate,
                "aspect_ratio": aspect_ratio,
                "frame_count": frame_count,
                "encoding_time": encoding_time,
            },
            read=False,
        )
        return self._qualities(rows)[0]

    def complete_and_claim_quality(
        self,
        quality_id: Id,
        lease_token: Id,
        worker: str,
        metadata: Mapping[str, Any] | None = None,
        lease_seconds: int | None = None,
        qualities: Sequence[str] | None = None,
    ) -> VideoQuality | None:
        """complete_quality (``metadata``: its keyword arguments) and the next claim in one
        transaction and one commit; the newly leased quality, or None when there is no
        work. LeaseLost (and nothing claimed) when the lease is gone."""
        rows = self._call(
            "complete_and_claim_quality",
            {"quality_id": quality_id, "lease_token": lease_token, "worker": worker},
            {
                "metadata": None
                if metadata is None
                else psycopg2.extras.Json(dict(metadata), dumps=_json),
                "lease_seconds": lease_seconds,
                "qualities": None if qualities is None else list(qualities),
            },
            read=False,
        )
        found = self._qualities(rows)
        return found[0] if found else None

    def fail_quality(
        self,
        quality_id: Id,
        lease_token: Id,
        error_code: str,
        error_message: str | None = None,
        retryable: bool | None = None,
    ) -> VideoQuality:
        """Records the attempt's error: pending again after a backoff while attempts remain
        and ``retryable`` (default True), else failed. LeaseLost when the lease is gone."""
        rows = self._call(
            "fail_quality",
            {"quality_id": quality_id, "lease_token": lease_token, "error_code": error_code},
            {"error_message": error_message, "retryable": retryable},
            read=False,
        )
        return self._qualities(rows)[0]

    def release_quality(self, quality_id: Id, lease_token: Id) -> VideoQuality:
        """Gives the work back (pending, due now, the attempt not counted)."""
        rows = self._call(
            "release_quality", {"quality_id": quality_id, "lease_token": lease_token}, read=False
        )
        return self._qualities(rows)[0]

    def queue_stats(self) -> list[QueueStats]:
        """The queue per quality label, in ladder order (vq.queue_stats)."""
        columns, data = self._call("queue_stats", {}, read=False)
        return [QueueStats.from_row(columns, row) for row in data]

    def catalog_stats(self) -> dict[str, dict[str, int]]:
        """How many videos and qualities are in each status (vq.catalog_stats):
        ``{"video": {"draft": n, ...}, "quality": {"pending": n, ...}}``."""
        _, data = self._call("catalog_stats", {}, read=False)
        out: dict[str, dict[str, int]] = {}
        for kind, status, count in data:
            out.setdefault(kind, {})[status] = count
        return out

    # -- the change feed ------------------------------------------------------

    def changes_since(self, position: str | None = None, limit: int | None = None) -> list[Change]:
        """Up to ``limit`` (1000) events after ``position`` (None: from the oldest kept), in
        order; continue with the last one's ``position``: no gap, no repeat."""
        columns, data = self._call(
            "changes_since", {}, {"position": position, "limit": limit}, read=False
        )
        return [Change.from_row(columns, row) for row in data]

    def prune_changes(self, keep: timedelta | None = None) -> int:
        """Drops the feed's events older than ``keep`` (7 days); returns how many."""
        return int(self._scalar(self._call("prune_changes", {}, {"keep": keep}, read=False)))

    # -- lifecycle ------------------------------------------------------------

    def stats(self) -> PoolStats:
        """The pool's figures (see vqdb.pool.PoolStats); with replicas, a
        vqdb.routing.CatalogStats that adds where the reads went."""
        stats = self.pool.stats()
        if self.cache is not None:
            stats = dataclasses.replace(stats, cache=self.cache.stats())
        return self.router.stats(stats) if self.router else stats

    def close(self) -> None:
        """Closes every connection of the pool (and of the replicas' pools, and the feed's)."""
        if self.follower is not None:
            self.follower.stop()
        self.pool.close()
        if self.router is not None:
            self.router.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
