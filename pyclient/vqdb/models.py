"""Typed results: one frozen dataclass per table row the API returns.

Fields are the columns of vq.videos and vq.video_qualities, with the seed
document's names. A row is read by column name, so a column added by a later
migration is ignored here instead of shifting every field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Self
from uuid import UUID


class _FromRow:
    """Builds a dataclass from a cursor row and the cursor's column names."""

    __slots__ = ()

    @classmethod
    def from_row(cls, columns: Sequence[str], row: Sequence[Any]) -> Self:
        values = dict(zip(columns, row, strict=True))
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        missing = [n for n in names if n not in values]
        if missing:
            raise ValueError(f"{cls.__name__}: the result has no column {', '.join(missing)}")
        return cls(**{n: values[n] for n in names})


@dataclasses.dataclass(frozen=True, slots=True)
class Video(_FromRow):
    """A row of vq.videos."""

    id: UUID
    title: str
    description: str | None
    url: str | None
    thumbnail_url: str | None
    duration: int | None  # seconds
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
