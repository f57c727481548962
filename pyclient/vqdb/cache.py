"""The read cache of a Catalog: the results of the reads of one video's data
(VIDEO_READS: get_video, list_qualities_ordered, get_default_quality, ...) per
video, trusted only while the change feed is being followed, and dropped by the
writes that change them.

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
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any
from uuid import UUID

from cachetools import TTLCache

from vqdb.sql_api import FUNCTIONS

# A call's result: its column names and rows.
Rows = tuple[list[str], list[tuple[Any, ...]]]

# The reads of one video's data: read functions whose one argument is p_video_id.
# What they return changes only with that video's events, so they are what the
# cache keeps (and what goes to read replicas, vqdb.transport).
VIDEO_READS = frozenset(
    name
    for name, fn in FUNCTIONS.items()
    if fn.reads and [a.name for a in fn.arguments] == ["video_id"]
)


def as_uuid(value: object) -> UUID | None:
    """A UUID, or its text; None for None and for text that is not one."""
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

    def store(self, function: str, video_id: UUID, value: Rows, token: int) -> None:
        with self._mutex:
            if token != self._counter or not self._trusted():
                return  # invalidated (or untrusted) since the read began: do not keep it
            self._entries[(function, video_id)] = value
            columns, rows = value
            if "video_id" in columns:  # rows of qualities: invalidated by their ids too
                at = columns.index("id")
                for row in rows:
                    self._video_of[row[at]] = video_id

    def read_through(self, function: str, video_id: object, fetch: Callable[[], Rows]) -> Rows:
        """fetch(), or its result cached for this video while the cache is trusted."""
        key = as_uuid(video_id)
        if key is None:
            return fetch()
        hit, value, token = self.lookup(function, key)
        if hit:
            return value  # type: ignore[no-any-return]
        value = fetch()
        self.store(function, key, value, token)
        return value

    def _trusted(self) -> bool:
        return self._following and time.monotonic() - self._last_poll < self.stale_after

    # -- invalidation ---------------------------------------------------------

    def invalidate(self, video_ids: Iterable[UUID] = (), quality_ids: Iterable[UUID] = ()) -> None:
        with self._mutex:
            self._counter += 1
            videos = set(video_ids)
            videos.update(v for q in quality_ids if (v := self._video_of.get(q)) is not None)
            for video_id in videos:
                for function in VIDEO_READS:
                    self._entries.pop((function, video_id), None)
            self._invalidations += len(videos)

    def invalidate_after(self, args: Mapping[str, object], rows: Rows | None) -> None:
        """After a write with these arguments (or one that may have happened, rows None):
        drop what it changed: its videos, its qualities', and those of the rows it returned."""
        videos = {v for v in (as_uuid(args.get("video_id")), as_uuid(args.get("id"))) if v}
        qualities = {q for q in (as_uuid(args.get("quality_id")),) if q}
        listed = args.get("quality_ids")
        if isinstance(listed, list | tuple):
            qualities.update(q for i in listed if (q := as_uuid(i)))
        for update in _json_list(args.get("updates")):
            if q := as_uuid(update.get("quality_id")):
                qualities.add(q)
        if rows is not None and "video_id" in rows[0]:
            at = rows[0].index("video_id")
            videos.update(row[at] for row in rows[1] if row[at] is not None)
        self.invalidate(videos, qualities)

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
