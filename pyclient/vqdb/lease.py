"""vqdb.Lease: a worker's hold on one quality, as its encode sees it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from vqdb.errors import LeaseLost
from vqdb.models import VideoQuality

logger = logging.getLogger("vqdb.worker")


class Lease:
    """The worker's hold on one quality, handed to ``encode``."""

    def __init__(self, quality: VideoQuality) -> None:
        assert quality.lease_token is not None
        self.quality_id = quality.id
        self.token = quality.lease_token
        self.lost = threading.Event()
        self._progress: float | None = None
        self._on_lost: list[Callable[[], None]] = []

    def progress(self, percent: float) -> None:
        """Records progress for the next heartbeat; raises LeaseLost once the lease is gone."""
        self.check()
        self._progress = percent

    def check(self) -> None:
        if self.lost.is_set():
            raise LeaseLost("55000", f"lease lost on quality {self.quality_id}")

    def on_lost(self, callback: Callable[[], None]) -> None:
        """callback() runs (in the heartbeat thread) when the lease is lost."""
        self._on_lost.append(callback)

    def _mark_lost(self) -> None:
        self.lost.set()
        for callback in self._on_lost:
            try:
                callback()
            except Exception:
                logger.exception("on_lost callback failed")
