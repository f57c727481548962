"""The console's live view: one thread per process follows the change feed and the
running encodes' progress, and hands each message to every open page's
Server-Sent Events stream. A thousand open pages cost the database what one does.

The feed: vq.changes_since from the last position every ``poll_seconds``
(0.25 s: a write is on every open page within a quarter of a second), and at
once when a notification comes on vq_changes (sent only where the DBA turned
vq.notify_changes on; never behind PgBouncer). Progress, which heartbeats write
without a feed event: one vq.list_running_qualities every ``progress_seconds``
while a page is open.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import select
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import psycopg2
import psycopg2.extensions

from vqdb.catalog import Catalog

logger = logging.getLogger("vqdb.console")

RUNNING_SHOWN = 1000  # progress of at most this many running encodes per message


class LiveFeed(threading.Thread):
    def __init__(
        self,
        reader: Catalog,
        listen_dsn: str,
        poll_seconds: float = 0.25,
        progress_seconds: float = 2.0,
    ) -> None:
        super().__init__(name="vqdb-console-feed", daemon=True)
        self.reader = reader
        self.listen_dsn = psycopg2.extensions.make_dsn(
            listen_dsn, application_name="vqdb-console-feed"
        )
        self.poll_seconds = poll_seconds
        self.progress_seconds = progress_seconds
        self._subscribers: dict[asyncio.Queue[str], asyncio.AbstractEventLoop] = {}
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._lost = False

    # -- the pages' side (asyncio) --------------------------------------------

    async def stream(self, keepalive_seconds: float = 15.0) -> AsyncIterator[str]:
        """Server-Sent Events for one page, until it goes away."""
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1000)
        with self._lock:
            self._subscribers[queue] = asyncio.get_running_loop()
        try:
            yield "retry: 2000\n\n"  # the browser reconnects after 2 s if cut
            while True:
                try:
                    yield await asyncio.wait_for(queue.get(), keepalive_seconds)
                except TimeoutError:
                    yield ": keepalive\n\n"  # proxies close a silent connection
        finally:
            with self._lock:
                self._subscribers.pop(queue, None)

    def _publish(self, event: str, data: Any) -> None:
        message = f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n"
        with self._lock:
            subscribers = list(self._subscribers.items())
        for queue, loop in subscribers:
            loop.call_soon_threadsafe(_offer, queue, message)

    # -- the thread ------------------------------------------------------------

    def stop(self) -> None:
        self._stop_event.set()
        self.join(10)

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self._follow()
            except Exception as exc:  # noqa: BLE001 - the view goes on when the database is back
                if not self._lost:  # one line per outage in the log, not one a second
                    logger.warning("change feed lost, retrying every second: %s", exc)
                self._lost = True
            self._stop_event.wait(1.0)

    def _follow(self) -> None:
        conn = psycopg2.connect(self.listen_dsn)
        conn.autocommit = True
        if self._lost:
            logger.warning("change feed followed again")
            self._lost = False
        try:
            with conn.cursor() as cur:
                cur.execute("LISTEN vq_changes")
            position = None
            while batch := self.reader.changes_since(position):  # start from now
                position = batch[-1].position
            next_progress = 0.0
            while not self._stop_event.is_set():
                while batch := self.reader.changes_since(position):
                    for change in batch:
                        self._publish("change", dataclasses.asdict(change))
                    position = batch[-1].position
                now = time.monotonic()
                if now >= next_progress:
                    next_progress = now + self.progress_seconds
                    if self._subscribers:
                        self._publish_progress()
                if select.select([conn], [], [], self.poll_seconds) != ([], [], []):
                    conn.poll()
                    conn.notifies.clear()
        finally:
            conn.close()

    def _publish_progress(self) -> None:
        running = self.reader.list_running_qualities(RUNNING_SHOWN)
        self._publish(
            "progress",
            [
                {
                    "video_id": r.video_id,
                    "quality_id": r.quality_id,
                    "progress": r.progress,
                    "lease_owner": r.lease_owner,
                    "lease_expires_at": r.lease_expires_at,
                }
                for r in running
            ],
        )


def _offer(queue: asyncio.Queue[str], message: str) -> None:
    """Put, or drop the message for a page too slow to read its stream (it
    refreshes from the server on the next one)."""
    try:
        queue.put_nowait(message)
    except asyncio.QueueFull:
        pass
