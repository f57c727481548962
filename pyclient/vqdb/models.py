"""Typed results: one frozen dataclass per table row the API returns.

Fields are the columns of vq.videos and vq.video_qualities, named as in the
existing service's documentation. A row is read by column name, so a column
added by a later migration is ignored here instead of shifting every field.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Self
from uuid import UUID

# (class, column names of a result) -> picks the class's fields out of a row, in
# field order. A result's columns are the same on every call of a function, so
# the lookup by name is done once per shape instead of once per row: building
# rows was most of the client's own time per call (bench/overhead.py).
_PICKERS: dict[tuple[type, tuple[str, ...]], Callable[[Sequence[Any]], Sequence[Any]]] = {}


def _picker(cls: type, columns: tuple[str, ...]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    names = [f.name for f in dataclasses.fields(cls)]
    missing = [n for n in names if n not in columns]
    if missing:
        raise ValueError(f"{cls.__name__}: the result has no column {', '.join(missing)}")
    positions = [columns.index(n) for n in names]
    if len(positions) == 1:
        return lambda row: (row[positions[0]],)
    return operator.itemgetter(*positions)


class _FromRow:
    """Builds a dataclass from a cursor row and the cursor's column names."""

    __slots__ = ()

    @classmethod
    def from_row(cls, columns: Sequence[str], row: Sequence[Any]) -> Self:
        if len(columns) != len(row):
            raise ValueError(f"{len(columns)} column names for a row of {len(row)} values")
        key = (cls, tuple(columns))
        pick = _PICKERS.get(key)
        if pick is None:  # a race only computes it twice
            pick = _PICKERS[key] = _picker(cls, key[1])
        return cls(*pick(row))


@dataclasses.dataclass(frozen=True, slots=True)
class Video(_FromRow):
    """A row of vq.videos."""

    id: UUID
    title: str
    description: str | None
    url: str | None
    thumbnail_url: str | None
    duration: float | None  # seconds
    user_id: UUID | None
    views: int
    likes: int
    status: str  # draft, published, processing
    created_at: datetime
    updated_at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class VideoQuality(_FromRow):
    """A row of vq.video_qualities: one encoded quality of a video."""

    id: UUID
    video_id: UUID
    quality: str  # a label of vq.quality_levels: 2160p ... 144p, original
    url: str
    file_size: int | None  # bytes
    bitrate: int | None  # kbps
    resolution_width: int | None
    resolution_height: int | None
    codec: str | None
    container: str | None
    duration: float | None  # seconds
    fps: float | None
    pixel_format: str | None
    color_space: str | None
    audio_codec: str | None
    audio_bitrate: int | None  # kbps
    audio_channels: int | None
    audio_sample_rate: int | None  # Hz
    aspect_ratio: str | None
    frame_count: int | None
    encoding_time: float | None  # seconds
    is_default: bool
    status: str  # pending, processing, ready, failed
    error_message: str | None
    processing_started_at: datetime | None
    processing_completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    # the work queue (vq.claim_qualities and the lease calls)
    attempts: int  # claims of this series, up to max_attempts
    max_attempts: int
    due_at: datetime  # claimable from then on, while pending
    lease_owner: str | None  # the worker holding (or that ended) the lease
    lease_token: UUID | None  # what the lease calls take; None when not leased
    lease_expires_at: datetime | None  # None: no live lease
    lease_seconds: int | None
    progress: float | None  # percent, from heartbeats; 100 when ready
    error_code: str | None  # of the last failed attempt, with error_message
    settings: dict[str, Any] | None  # the encoder's settings, given with the work
    retry_seconds: int | None  # before the first retry (doubling); None: 30
    codecs: str | None  # RFC 6381, e.g. avc1.64001f,mp4a.40.2 (an HLS playlist's CODECS)
    color_primaries: str | None  # bt709, bt2020...
    color_transfer: str | None  # bt709; smpte2084 (PQ) and arib-std-b67 (HLG) are HDR
    color_range: str | None  # tv (limited) or pc (full)
    rotation: int | None  # degrees a player turns the picture: 0, 90, 180, 270
    peak_bitrate: int | None  # kbps, all streams: the busiest segment (HLS's BANDWIDTH)


@dataclasses.dataclass(frozen=True, slots=True)
class QualityAttempt(_FromRow):
    """A claim of a quality and what became of it (vq.quality_attempts)."""

    video_id: UUID
    quality_id: UUID
    lease_token: UUID
    attempt: int  # the quality's attempts at the claim (a restart counts from 1 again)
    worker: str
    started_at: datetime
    ended_at: datetime | None  # None: running
    outcome: str | None  # ready, failed, released, expired, ended; None while running
    error_code: str | None  # of a failed attempt
    error_message: str | None
    progress: float | None  # the last heartbeat's, percent


@dataclasses.dataclass(frozen=True, slots=True)
class QualityLevel(_FromRow):
    """A rung of the ladder (vq.quality_levels)."""

    label: str  # 2160p ... 144p, original
    rank: int  # ladder order, ascending
    height: int | None  # pixels; None for original


@dataclasses.dataclass(frozen=True, slots=True)
class QueueStats(_FromRow):
    """A row of vq.queue_stats(): the work queue of one quality label."""

    quality: str
    pending: int
    due: int  # pending and due now
    processing: int
    expired: int  # processing with an expired lease (its worker is gone)
    failed: int
    oldest_due_seconds: float | None  # age of the oldest due quality


@dataclasses.dataclass(frozen=True, slots=True)
class RunningQuality(_FromRow):
    """A row of vq.list_running_qualities(): an encode running now."""

    video_id: UUID
    title: str
    quality_id: UUID
    quality: str
    lease_owner: str | None
    lease_expires_at: datetime | None
    progress: float | None
    attempts: int
    max_attempts: int
    processing_started_at: datetime | None


@dataclasses.dataclass(frozen=True, slots=True)
class FailedQualityCount(_FromRow):
    """A row of vq.failed_quality_counts(): the failed qualities of a label and code."""

    quality: str
    error_code: str | None
    count: int
    last_failed_at: datetime | None


@dataclasses.dataclass(frozen=True, slots=True)
class AttemptsInMinute(_FromRow):
    """A row of vq.attempts_per_minute(): the attempts that ended in one minute."""

    minute: datetime
    ready: int
    failed: int


@dataclasses.dataclass(frozen=True, slots=True)
class Webhook(_FromRow):
    """A subscription (vq.create_webhook, vq.list_webhooks); never its secret."""

    id: UUID
    url: str
    events: list[str] | None  # None: every event type
    active: bool
    retry_for_seconds: int
    created_at: datetime
    pending: int  # deliveries not yet delivered nor given up
    failed: int
    delivered: int


@dataclasses.dataclass(frozen=True, slots=True)
class WebhookDelivery(_FromRow):
    """A delivery record: one event for one subscription (vq.list_webhook_deliveries)."""

    id: UUID  # the requests' webhook-id
    webhook_id: UUID
    position: str  # the event's feed position
    video_id: UUID
    type: str
    status: str  # pending, delivering, delivered, failed
    attempts: int
    last_status: int | None  # the last HTTP status
    last_error: str | None
    first_attempt_at: datetime | None
    delivered_at: datetime | None
    due_at: datetime
    created_at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class WebhookSend(_FromRow):
    """A delivery leased to a dispatcher (vq.claim_webhook_deliveries)."""

    id: UUID
    video_id: UUID
    webhook_id: UUID
    url: str
    secret: str = dataclasses.field(repr=False)  # never in a log line
    body: str = dataclasses.field(repr=False)
    attempts: int
    lease_token: UUID


@dataclasses.dataclass(frozen=True, slots=True)
class Change(_FromRow):
    """An event of the change feed (vq.changes_since)."""

    position: str  # opaque: pass the last one received to continue
    at: datetime
    video_id: UUID
    kind: str  # video_created, video_status, video_deleted, quality_created, quality_status,
    # quality_restarted, quality_reclaimed, quality_updated, default_changed, ladder_finished
    quality: str | None  # the label, for a quality's event
    quality_id: UUID | None
    value: str | None  # the new status, or the default's label
    error_code: str | None  # of a failure (quality_status failed, or pending for a retry)
