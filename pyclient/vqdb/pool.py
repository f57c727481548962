"""A connection pool that waits, drops broken connections and counts.

Built on psycopg2's public API only (``psycopg2.connect``): psycopg2's own
ThreadedConnectionPool raises at once when it is exhausted, closes every
returned connection beyond ``minconn``, and offers no figures, so this pool keeps
its own list of idle connections. What a worker fleet needs from it:

* a caller that finds all ``maxconn`` connections busy waits on a condition
  variable up to ``acquire_timeout`` seconds, then gets PoolTimeout;
* up to ``keep_idle`` (default ``maxconn``) returned connections stay open;
* a connection that failed, was closed, or whose server said goodbye while it
  sat idle is closed and dropped (``putconn(close=True)``), never handed out
  again;
* ``stats()`` reports the figures an operator watches;
* ``as_threaded_pool()``: the same pool as a psycopg2 ThreadedConnectionPool,
  for code written against that interface.

Connections are in autocommit: every API function is one statement and one
transaction, so a call is one round trip (no BEGIN/COMMIT around it).
"""

from __future__ import annotations

import dataclasses
import os
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
import psycopg2.extensions
import psycopg2.extras
from psycopg2.pool import ThreadedConnectionPool

from vqdb.dsn import resolve_dsn
from vqdb.errors import PoolTimeout, Unavailable, from_psycopg2, is_connection_lost

Connection = psycopg2.extensions.connection

# uuid.UUID in parameters and results, for every connection of the process.
psycopg2.extras.register_uuid()  # type: ignore[no-untyped-call]


@dataclasses.dataclass(frozen=True)
class PoolStats:
    """A snapshot of a pool's figures (times in seconds)."""

    size: int  # connections open now (in use + idle)
    in_use: int  # handed out to callers
    idle: int  # open and waiting in the pool
    waiting: int  # callers waiting for a connection right now
    acquisitions: int  # connections handed out since the start
    total_wait_s: float  # time callers spent waiting for a connection, summed
    max_wait_s: float  # the longest such wait
    timeouts: int  # callers that gave up after acquire_timeout (PoolTimeout)
    discarded: int  # connections closed because they were broken
    retries: int  # calls repeated after a lost connection (counted by Catalog)
    cache: Any = None  # Catalog.stats(): its read cache's vqdb.cache.CacheStats, if any


def server_hung_up(conn: Connection) -> bool:
    """True when the server spoke on an idle connection: almost always a goodbye.

    A server that terminates a backend (pg_terminate_backend, shutdown, restart)
    sends an ErrorResponse ('E') and closes the socket; libpq notices only at
    the next query. Looking at the socket costs one poll() system call and no
    round trip. Notices, notifications and parameter changes ('N', 'A', 'S')
    are harmless; anything else (EOF, an error, TLS bytes we cannot read) is
    treated as a dead connection: a wrong guess costs only a reconnect.
    """
    fd = conn.fileno()
    readable, _, _ = select.select([fd], [], [], 0)
    if not readable:
        return False
    with socket.socket(fileno=os.dup(fd)) as sock:
        try:
            first = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return False
        except OSError:
            return True
    return first not in (b"N", b"A", b"S")


class Pool:
    """Connections to one server, handed out first come first served, checked, counted."""

    def __init__(
        self,
        dsn: str | None = None,
        *,
        minconn: int = 1,
        maxconn: int = 10,
        acquire_timeout: float = 30.0,
        keep_idle: int | None = None,
    ) -> None:
        if not 0 <= minconn <= maxconn or maxconn < 1:
            raise ValueError(f"need 0 <= minconn <= maxconn, maxconn >= 1: {minconn}, {maxconn}")
        self.dsn = resolve_dsn(dsn)
        self.maxconn = maxconn
        self.acquire_timeout = acquire_timeout
        self.keep_idle = maxconn if keep_idle is None else max(minconn, keep_idle)
        # One lock for the figures, the idle list and the line of waiters.
        self._mutex = threading.Lock()
        self._cond = threading.Condition(self._mutex)
        # Callers waiting for a slot, oldest first, each with its own condition on
        # the pool's lock: a slot goes to the oldest, never to a caller that just
        # arrived (with one shared condition a woken waiter could lose the slot to a
        # newcomer and go back to the end of the line: under sustained overload
        # some callers waited 10 s while the mean wait was 2.5 ms).
        self._queue: deque[threading.Condition] = deque()
        self._in_use = 0
        self._waiting = 0
        self._acquisitions = 0
        self._total_wait = 0.0
        self._max_wait = 0.0
        self._timeouts = 0
        self._discarded = 0
        self._retries = 0
        self._closed = False
        self._out: set[int] = set()  # ids of the connections handed out now
        self._threaded: ThreadedPoolView | None = None
        self._idle: list[Connection] = []  # most recently returned last: reused first
        try:
            self._idle.extend(self._connect() for _ in range(minconn))
        except BaseException:
            self.close()
            raise

    def _connect(self) -> Connection:
        try:
            return psycopg2.connect(self.dsn)
        except psycopg2.Error as exc:
            raise from_psycopg2(exc) from exc

    # -- handing out and taking back ------------------------------------

    def getconn(self, timeout: float | None = None) -> Connection:
        """A healthy autocommit connection; waits up to ``timeout`` (default acquire_timeout)."""
        with self._mutex:
            if not self._queue and self._in_use < self.maxconn and not self._closed:
                # Nobody waits and a slot is free: take it at once, which is what the
                # queue below would do for this caller, without building its waiter
                # (the uncontended case, nearly every call: docs/benchmarks.md).
                self._in_use += 1
                self._acquisitions += 1
            else:
                self._wait_for_slot(self.acquire_timeout if timeout is None else timeout)
            # an idle connection, or None: _checkout opens a new one, unlocked
            idle = self._idle.pop() if self._idle else None
        try:
            conn = self._checkout(idle)
        except BaseException:
            self._release_slot()
            raise
        self._out.add(id(conn))  # one operation under the GIL: no lock needed
        return conn

    def _wait_for_slot(self, timeout: float) -> None:
        """Wait in line for a slot, then take it (call with the lock held)."""
        start = time.monotonic()
        deadline = start + timeout
        self._waiting += 1
        me = threading.Condition(self._mutex)
        self._queue.append(me)
        try:
            while (self._in_use >= self.maxconn or self._queue[0] is not me) and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._timeouts += 1
                    raise PoolTimeout(
                        None,
                        f"no free connection within {timeout:g} s (all {self.maxconn} in use)",
                    )
                me.wait(remaining)
            if self._closed:
                raise Unavailable(None, "the connection pool is closed")
            self._in_use += 1
        finally:
            self._waiting -= 1
            self._queue.remove(me)
            self._wake_next()  # the next in line may take a slot still free
        waited = time.monotonic() - start
        self._acquisitions += 1
        self._total_wait += waited
        self._max_wait = max(self._max_wait, waited)

    def _checkout(self, conn: Connection | None) -> Connection:
        # Every idle connection may be dead after a server restart: drop them
        # one by one until a good one or a new one comes out.
        for _ in range(self.maxconn + 1):
            if conn is None:
                with self._mutex:
                    if self._closed:
                        raise Unavailable(None, "the connection pool is closed")
                    conn = self._idle.pop() if self._idle else None
                if conn is None:
                    conn = self._connect()
            if conn.closed or server_hung_up(conn):
                self._discard(conn)
                conn = None
                continue
            if not conn.autocommit:
                conn.autocommit = True  # client side only: no round trip
            return conn
        raise Unavailable(None, "no healthy connection could be obtained")

    def putconn(self, conn: Connection, *, broken: bool = False) -> None:
        """Give a connection back; a broken or closed one is closed and dropped.

        Raises ValueError for a connection this pool did not hand out (or that
        was given back already): counting it twice would corrupt the figures.
        After close() any connection is simply closed.
        """
        try:
            # one operation under the GIL: of two callers giving back the same
            # connection, exactly one removes it
            self._out.remove(id(conn))
        except KeyError:
            if self._closed:
                conn.close()
                return
            raise ValueError(
                "connection not handed out by this pool, or given back twice"
            ) from None
        try:
            healthy = not broken and not conn.closed and self._reset(conn)
            if not healthy:
                self._discard(conn)
        except BaseException:
            self._release_slot()
            raise
        if not healthy:
            self._release_slot()
            return
        with self._mutex:
            keep = not self._closed and len(self._idle) < self.keep_idle
            if keep:
                self._idle.append(conn)
            self._in_use -= 1
            self._wake_next()
        if not keep:
            conn.close()

    def _reset(self, conn: Connection) -> bool:
        """Bring a returned connection back to idle autocommit; False when it cannot be."""
        status = conn.get_transaction_status()  # conn.info.* builds an object per call
        if status == psycopg2.extensions.TRANSACTION_STATUS_UNKNOWN:
            return False
        try:
            if status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
                conn.rollback()  # a caller of get_connection() left a transaction open
            if not conn.autocommit:
                conn.autocommit = True
        except psycopg2.Error:
            return False
        return True

    def _discard(self, conn: Connection) -> None:
        with self._cond:
            self._discarded += 1
        conn.close()

    def _release_slot(self) -> None:
        with self._cond:
            self._in_use -= 1
            self._wake_next()

    def _wake_next(self) -> None:
        """Wake the oldest waiter (call with the lock held)."""
        if self._queue:
            self._queue[0].notify()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection for one call; dropped afterwards when the call lost it."""
        conn = self.getconn()
        broken = False
        try:
            yield conn
        except BaseException as exc:
            broken = is_connection_lost(exc) or bool(conn.closed)
            raise
        finally:
            self.putconn(conn, broken=broken)

    # -- figures and shutdown --------------------------------------------

    def note_retry(self) -> None:
        with self._cond:
            self._retries += 1

    def stats(self) -> PoolStats:
        with self._cond:
            idle = len(self._idle)
            return PoolStats(
                size=self._in_use + idle,
                in_use=self._in_use,
                idle=idle,
                waiting=self._waiting,
                acquisitions=self._acquisitions,
                total_wait_s=self._total_wait,
                max_wait_s=self._max_wait,
                timeouts=self._timeouts,
                discarded=self._discarded,
                retries=self._retries,
            )

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Close every connection; waiting callers get Unavailable."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._out.clear()  # giving one back after this closes it
            for waiter in self._queue:
                waiter.notify()
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def as_threaded_pool(self) -> ThreadedConnectionPool:
        """This pool behind psycopg2's ThreadedConnectionPool interface (one per pool)."""
        if self._threaded is None:
            self._threaded = ThreadedPoolView(self)
        return self._threaded


class ThreadedPoolView(ThreadedConnectionPool):
    """A psycopg2 ThreadedConnectionPool whose connections are those of a vqdb Pool.

    getconn waits and checks health as Pool.getconn does, putconn gives back (or,
    with close=True, drops) through Pool.putconn, so every connection is counted
    in the Pool's figures. Connections come out in autocommit, as the Pool's do.
    """

    def __init__(self, pool: Pool) -> None:
        # minconn 0: psycopg2 opens nothing of its own
        super().__init__(0, pool.maxconn, pool.dsn)
        self.pool = pool
        self._by_key: dict[Any, Connection] = {}

    def getconn(self, key: Any = None) -> Connection:
        if key is not None and key in self._by_key:
            return self._by_key[key]
        conn = self.pool.getconn()
        if key is not None:
            self._by_key[key] = conn
        return conn

    def putconn(self, conn: Connection | None = None, key: Any = None, close: bool = False) -> None:
        if conn is None:
            conn = self._by_key[key]
        for k in [k for k, c in self._by_key.items() if c is conn]:
            del self._by_key[k]
        self.pool.putconn(conn, broken=close)

    def closeall(self) -> None:
        self.pool.close()
        self.closed = True
