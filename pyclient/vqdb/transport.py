"""How a call of the vq API travels: arguments, pool, replicas, retries, the cache.

A call is exactly one statement, ``SELECT * FROM vq.<fn>(p_a => %s, ...)`` in
autocommit: one round trip and one transaction in the database. Which arguments
it sends and how each travels come from the function's declaration
(vqdb.sql_api, generated from the catalog): an argument without a default is
always sent (a None makes the server name it), one with a default only when it
is not None (None means "not given", as the SQL default does); a jsonb argument
travels as JSON, a uuid[] as UUIDs, a text[] as a list.

A call that loses its connection (server restart, killed backend, network, a
failover) is repeated on a fresh connection with a doubling backoff (at most
1 s) for up to ``retry_for`` seconds (and at most ``retries`` times, when
given), then raises Unavailable: a failover shorter than the budget costs the
caller latency, not an error. Every API function is safe to repeat.

The reads of one video's data (vqdb.cache.VIDEO_READS: read functions whose one
argument is p_video_id) go to the read replicas when there are any, and through
the read cache when it is on; a write invalidates what it changed before it
returns. Every other call goes to the primary.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Self
from uuid import UUID

import psycopg2
import psycopg2.extras

from vqdb.cache import VIDEO_READS, ReadCache, Rows
from vqdb.errors import InvalidArgument, Unavailable, VqdbError, from_psycopg2, is_connection_lost
from vqdb.follower import FeedFollower
from vqdb.pool import Pool, PoolStats
from vqdb.routing import ReplicaRouter, replica_dsns_from_env
from vqdb.sql_api import FUNCTIONS
from vqdb.videos_of import VideosOfQualities

INT4 = range(-(2**31), 2**31)


def _json_default(value: object) -> object:
    """JSON for what an element of a jsonb argument may hold besides JSON's own types."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json(value: object) -> str:
    return json.dumps(value, default=_json_default)


def _as_json(name: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        value = dict(value)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        value = list(value)
    return psycopg2.extras.Json(value, dumps=_json)


def _as_uuids(name: str, value: Any) -> Any:
    # a list of text would make a text[] that no function takes: send uuid[]
    try:
        return [v if isinstance(v, UUID) or v is None else UUID(v) for v in value]
    except ValueError as exc:
        raise InvalidArgument("22P02", f"p_{name}: {exc}", exc) from exc


def _as_list(name: str, value: Any) -> Any:
    return list(value)


def _as_param(name: str, value: Any) -> Any:
    """psycopg2 writes an int as a literal, and PostgreSQL types a literal beyond the
    integer range as bigint (or numeric), which an integer parameter does not take by
    implicit cast: the call would fail with 42883 "function does not exist". Sent as
    text, an untyped literal, the server converts it to the parameter's type: a bigint
    parameter takes it, an integer one raises 22003 out of range."""
    if isinstance(value, int) and not isinstance(value, bool) and value not in INT4:
        return str(value)
    return value


def _as_whole(name: str, value: Any) -> Any:
    """An integer argument: a whole number written with a fraction (1200.0, as
    encoders' reports and JSON give them) is that number; another fraction is refused
    here, naming the argument (sent as it is, the server would answer 42883 "function
    does not exist", which names nothing)."""
    if isinstance(value, float | Decimal | Fraction):
        if value != value or value in (float("inf"), float("-inf")) or value != int(value):
            raise InvalidArgument("22P02", f"p_{name} = {value!r} is not a whole number")
        value = int(value)
    return _as_param(name, value)


def _as_real(name: str, value: Any) -> Any:
    """A double precision argument also takes a fraction: "30000/1001" (ffprobe's frame
    rates) or a fractions.Fraction."""
    if isinstance(value, str) and "/" in value:
        try:
            value = Fraction(value.replace(" ", ""))
        except (ValueError, ZeroDivisionError) as exc:
            raise InvalidArgument("22P02", f"p_{name} = {value!r} is not a number", exc) from exc
    return float(value) if isinstance(value, Fraction) else value


# How an argument of each SQL type travels (others: as it is, big ints as text).
CONVERT: dict[str, Callable[[str, Any], Any]] = {
    "integer": _as_whole,
    "bigint": _as_whole,
    "double precision": _as_real,
    "jsonb": _as_json,
    "uuid[]": _as_uuids,
    "text[]": _as_list,
}

# function -> ((argument, required, its conversion), ...): computed once, used per call
_PLANS = {
    name: tuple((a.name, a.required, CONVERT.get(a.sql_type, _as_param)) for a in fn.arguments)
    for name, fn in FUNCTIONS.items()
}

# The SQL text of a call, per (function, argument names in order): a worker makes
# the same few shapes of call over and over. Bounded by the API and capped.
_SQL: dict[tuple[str, ...], str] = {}
_SQL_CACHED = 1024


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


class Transport:
    """The one way of a Catalog to the database (see the module's docstring).

    dsn: a libpq URL or key=value string; None takes DATABASE_URL, then the PG*
    variables. minconn/maxconn/acquire_timeout/keep_idle: see vqdb.pool.Pool.
    retry_for: for how many seconds a call that lost its connection is repeated
    (30 s: longer than a failover takes, docs/reliability.md); retries: at most
    this many repeats besides (None: the time alone decides).
    retry_backoff: the first pause before a retry, in seconds (doubles, max 1 s).
    replica_dsns: read replicas for the reads of one video (None: VQDB_REPLICA_URLS,
    comma separated; see vqdb.routing); replica_cooldown: seconds a failed replica
    is skipped; read_your_writes: every read goes to the primary.
    cache_size: cache up to this many results of the reads of one video (None: no
    cache), for cache_ttl seconds at most, invalidated by the change feed (polled
    every cache_poll s) and by this client's own writes (vqdb.cache, vqdb.follower).
    remember_videos: how many qualities' videos to remember, for the by-video forms
    of the calls keyed by a quality (vqdb.videos_of).
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
        # called after each call sent to the database with (function, seconds, the
        # error or None): how vqdb.metrics times the calls; None costs nothing
        self.on_call: Callable[[str, float, BaseException | None], None] | None = None
        # the read cache, off by default: trusted only while the feed is followed
        self.cache = ReadCache(cache_size, cache_ttl) if cache_size else None
        self.videos_of = VideosOfQualities(remember_videos)
        self.follower = None
        if self.cache is not None:
            self.follower = FeedFollower(self.pool.dsn, self.cache, cache_poll)
            self.follower.start()

    def _call(self, function: str, scope: Mapping[str, Any]) -> Rows:
        """Call vq.<function> with the arguments found in scope (a method's locals()):
        its column names and rows. ``read_from_primary`` in scope sends a read of one
        video to the primary, past replicas and cache."""
        args: dict[str, Any] = {}
        for name, required, convert in _PLANS[function]:
            value = scope.get(name)
            if value is not None:
                args[name] = convert(name, value)
            elif required:
                args[name] = None
        if function in VIDEO_READS:
            primary = bool(scope.get("read_from_primary"))
            pool = self.router.pool_for(not primary) if self.router else self.pool
            if self.cache is None or primary:
                return self._timed(function, args, pool)
            return self.cache.read_through(
                function, args["video_id"], lambda: self._timed(function, args, pool)
            )
        if self.cache is None or FUNCTIONS[function].reads:
            return self._timed(function, args, self.pool)
        rows: Rows | None = None
        try:
            rows = self._timed(function, args, self.pool)
            return rows
        finally:
            # also when it raised: a lost connection may hide a committed write
            self.cache.invalidate_after(args, rows)

    def _timed(self, function: str, args: Mapping[str, Any], pool: Pool) -> Rows:
        if self.on_call is None:
            return self._send(function, args, pool)
        began = time.perf_counter()
        error: BaseException | None = None
        try:
            return self._send(function, args, pool)
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.on_call(function, time.perf_counter() - began, error)

    def _send(self, function: str, args: Mapping[str, Any], pool: Pool) -> Rows:
        key = (function, *args)
        sql = _SQL.get(key)
        if sql is None:
            sql = "SELECT * FROM vq.{}({})".format(
                function, ", ".join(f"p_{name} => %s" for name in args)
            )
            if len(_SQL) < _SQL_CACHED:
                _SQL[key] = sql
        params = list(args.values())
        delay = self.retry_backoff
        attempt = 0
        give_up_at = None  # set at the first lost connection
        while True:
            try:
                # pool.getconn()/putconn() rather than the generator-based
                # pool.connection() (a few microseconds per call): the same checkout,
                # give-back and drop of a connection the call lost
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

    # -- lifecycle ------------------------------------------------------------

    def stats(self) -> PoolStats:
        """The pool's figures (see vqdb.pool.PoolStats); with replicas, a
        vqdb.routing.CatalogStats that adds where the reads went."""
        stats = self.pool.stats()
        if self.cache is not None:
            stats = dataclasses.replace(stats, cache=self.cache.stats())
        return self.router.stats(stats) if self.router else stats

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes every connection of the pool (and of the replicas' pools, and the feed's)."""
        if self.follower is not None:
            self.follower.stop()
        self.pool.close()
        if self.router is not None:
            self.router.close()
