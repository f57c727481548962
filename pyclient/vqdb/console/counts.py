"""The overview's counts of videos and qualities by status, read at most every
``max_age`` seconds per console process, and never while a page waits.

vq.catalog_stats counts every row: a quarter of a second at a million qualities
(docs/benchmarks.md), too slow for a page and pointless to repeat for each
browser. A page takes the last counts; when they are older than ``max_age``, one
background thread counts again and the pages that come meanwhile show the
previous counts, with their age. Only the first page of a process waits for them.
"""

from __future__ import annotations

import logging
import threading
import time

from vqdb.catalog import Catalog

logger = logging.getLogger("vqdb.console")

Counts = dict[str, dict[str, int]]


class CatalogCounts:
    def __init__(self, reader: Catalog, max_age: float = 10.0) -> None:
        self.reader = reader
        self.max_age = max_age
        self._counts: Counts | None = None
        self._at = 0.0  # time.monotonic() of the counting that gave them
        self._lock = threading.Lock()
        self._counting = False

    def get(self) -> tuple[Counts, float]:
        """The counts and their age in seconds."""
        with self._lock:
            counts, at = self._counts, self._at
            stale = counts is not None and time.monotonic() - at > self.max_age
            if stale and not self._counting:
                self._counting = True
                threading.Thread(target=self._count, daemon=True).start()
        if counts is None:  # the first page: nothing to show yet
            self._count()
            with self._lock:
                counts, at = self._counts, self._at
        assert counts is not None
        return counts, time.monotonic() - at

    def _count(self) -> None:
        try:
            counts = self.reader.catalog_stats()
        except Exception:
            with self._lock:
                self._counting = False
            if self._counts is None:
                raise  # the first page says so (the database is unreachable)
            logger.warning("counting the catalog failed; showing the previous counts")
            return
        with self._lock:
            self._counts, self._at, self._counting = counts, time.monotonic(), False
