"""The read cache of a Catalog: get_video, list_qualities_ordered and get_default_quality
per video, trusted only while the change feed is being followed.

Rules (docs/decisions.md, "The read cache"):
- an entry is served only while the feed follower is caught up (``following``);
  otherwise every read goes to the database (a bypass), and the cache is flushed
  when following resumes;
- a read that began before an invalidation never stores its result: every
  invalidation bumps a counter, and a result is stored only if the counter has
  not moved since its read began (coarser than a generation per key, and
  simpler: under heavy writes fewer results are stored, none is ever stale);
- ``ttl`` is the backstop, not the mechanism.
cachetools' TTLCache is not thread-safe: every access holds ``_mutex``.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Hashable, Iterable
from typing import Any
from uuid import UUID

from cachetools import TTLCache

READS = ("get_video", "list_qualities_ordered", "get_default_quality")


@dataclasses.dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int  # reads that went to the database while the cache was trusted
    bypasses: int  # reads that went to the database because the feed was not followed
    invalidations: int  # videos invalidated (by the feed or by this Catalog's writes)
    entries: int
    following: bool


class ReadCache:
    def __init__(self, size: int, ttl: float, stale_after: float = 2.0) -> None:
        self._entries: TTLCache[Hashable, Any] = TTLCache(maxsize=size, ttl=ttl)
        self._video_of: dict[UUID, UUID] = {}  # quality id -> video id, of cached rows
        self._mutex = threading.Lock()
        self._counter = 0
        self._following = False
        self._last_poll = 0.0  # monotonic time of the follower's last successful poll
        self.stale_after = stale_after
        self._hits = self._misses = self._bypasses = self._invalidations = 0

    # -- reads ----------------------------------------------------------------

    def lookup(self, function: str, video_id: UUID) -> tuple[bool, Any, int]:
        """(hit, value, token): on a miss, pass token to store() after reading."""
        with self._mutex:
            if not self._trusted():
                self._bypasses += 1
                return False, None, -1
            key = (function, video_id)
            if key in self._entries:
                self._hits += 1
                return True, self._entries[key], self._counter
            self._misses += 1
            return False, None, self._counter

    def store(self, function: str, video_id: UUID, value: Any, token: int) -> None:
        with self._mutex:
            if token != self._counter or not self._trusted():
                return  # invalidated (or untrusted) since the read began: do not keep it
            self._entries[(function, video_id)] = value
            rows = value if isinstance(value, list) else [value]
            for row in rows:
                if row is not None and hasattr(row, "video_id"):
                    self._video_of[row.id] = video_id

    def _trusted(self) -> bool:
        return self._following and time.monotonic() - self._last_poll < self.stale_after

    # -- invalidation ---------------------------------------------------------

    def invalidate(self, video_ids: Iterable[UUID] = (), quality_ids: Iterable[UUID] = ()) -> None:
        with self._mutex:
            self._counter += 1
            videos = set(video_ids)
            videos.update(v for q in quality_ids if (v := self._video_of.get(q)) is not None)
            for video_id in videos:
                for function in READS:
                    self._entries.pop((function, video_id), None)
            self._invalidations += len(videos)

    def flush(self) -> None:
        with self._mutex:
            self._counter += 1
            self._entries.clear()
            self._video_of.clear()

    # -- the follower's state -------------------------------------------------

    def polled(self) -> None:
        """The follower read the feed to its end just now."""
        with self._mutex:
            self._last_poll = time.monotonic()
            if not self._following:
                self._following = True
                self._counter += 1
                self._entries.clear()  # what was stored before may have missed events
                self._video_of.clear()

    def lost(self) -> None:
        """The follower cannot read the feed: stop trusting the cache."""
        with self._mutex:
            self._following = False

    def stats(self) -> CacheStats:
        with self._mutex:
            return CacheStats(
                self._hits, self._misses, self._bypasses, self._invalidations,
                len(self._entries), self._trusted(),
            )  # fmt: skip
