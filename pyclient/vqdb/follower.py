"""The thread that follows the change feed for a Catalog's read cache.

On its own direct connection (application_name vqdb-feed), it polls
vq.changes_since every ``poll_seconds`` and invalidates the videos of every
event. When it (re)connects it starts at the feed's end and the cache is
flushed as it becomes trusted again (ReadCache.polled); when the connection
fails, the cache is bypassed (ReadCache.lost) until it is back. It LISTENs on
vq_changes, which the feed's triggers notify once per writing transaction, and
polls every ``poll_seconds`` as well (behind PgBouncer no notification arrives).
"""

from __future__ import annotations

import logging
import select
import threading
from typing import Any

import psycopg2
import psycopg2.extensions

from vqdb.cache import ReadCache

logger = logging.getLogger("vqdb.follower")

PAGE = 1000


class FeedFollower(threading.Thread):
    def __init__(self, dsn: str, cache: ReadCache, poll_seconds: float = 0.02) -> None:
        super().__init__(name="vqdb-feed", daemon=True)
        self.dsn = psycopg2.extensions.make_dsn(dsn, application_name="vqdb-feed")
        self.cache = cache
        self.poll_seconds = poll_seconds
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(10)

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self._follow()
            except psycopg2.Error as exc:
                logger.warning("change feed lost, cache bypassed: %s", exc)
            self.cache.lost()
            self._stop_event.wait(min(1.0, self.poll_seconds * 10))

    def _follow(self) -> None:
        conn = psycopg2.connect(self.dsn)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                position = None
                cur.execute("LISTEN vq_changes")  # the feed's triggers notify
                while batch := self._read(cur, position):  # to the end: start from now
                    position = batch[-1][0]
                self.cache.polled()
                while not self._stop_event.is_set():
                    batch = self._read(cur, position)
                    if batch:
                        position = batch[-1][0]
                        self.cache.invalidate(video_ids={row[1] for row in batch})
                    if len(batch) < PAGE:  # caught up: the cache may be trusted
                        self.cache.polled()
                        self._wait(conn)
        finally:
            conn.close()

    def _wait(self, conn: psycopg2.extensions.connection) -> None:
        """Until a notification or poll_seconds (behind PgBouncer in transaction mode
        none ever comes: then this polls)."""
        if select.select([conn], [], [], self.poll_seconds)[0]:
            conn.poll()
            conn.notifies.clear()

    @staticmethod
    def _read(cur: psycopg2.extensions.cursor, position: str | None) -> list[tuple[str, Any]]:
        cur.execute('select "position", video_id from vq.changes_since(%s, %s)', (position, PAGE))
        return cur.fetchall()
