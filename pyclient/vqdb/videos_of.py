"""Which video a quality belongs to, for the qualities a Catalog has seen.

The catalog's calls keyed by a quality alone (update_quality_metadata,
update_quality_status) have a by-video form that, with the catalog sharded by
video, runs on the video's node alone instead of reading every shard first
(docs/scaling.md). Callers of the older interface pass only the quality, so the
Catalog remembers the video of every quality row it has returned and uses the
by-video form whenever it knows it. A quality never moves to another video, so a
remembered pair is never wrong; an entry forgotten (the map is bounded, least
recently used first) only means the by-id form.

cachetools' LRUCache is not thread-safe: every access holds ``_mutex``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from uuid import UUID

from cachetools import LRUCache


class VideosOfQualities:
    def __init__(self, size: int) -> None:
        self._map: LRUCache[UUID, UUID] | None = LRUCache(maxsize=size) if size > 0 else None
        self._mutex = threading.Lock()

    def learn(self, pairs: Iterable[tuple[UUID, UUID]]) -> None:
        """Remember (quality id, video id) pairs."""
        if self._map is None:
            return
        with self._mutex:
            for quality_id, video_id in pairs:
                self._map[quality_id] = video_id

    def video_of(self, quality_id: UUID | None) -> UUID | None:
        """The video of the quality, when it has been seen (and not forgotten)."""
        if self._map is None or quality_id is None:
            return None
        with self._mutex:
            return self._map.get(quality_id)

    def __len__(self) -> int:
        with self._mutex:
            return 0 if self._map is None else len(self._map)
