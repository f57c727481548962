"""The client's hot path as the benchmark left it: rows are built by a per-shape picker.

vqdb.models caches, per (class, column names), which positions of a row hold
the class's fields (bench/overhead.py found the lookup by name per row to be
most of the client's own time). These tests pin that the cache changes
nothing a caller can see: order, extra and missing columns, several shapes.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest
from vqdb.models import Video, VideoQuality

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _video_row() -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "title": "t",
        "description": None,
        "url": "u",
        "thumbnail_url": None,
        "duration": 60,
        "user_id": None,
        "views": 1,
        "likes": 2,
        "status": "draft",
        "created_at": NOW,
        "updated_at": NOW,
    }


def test_columns_in_any_order_and_extra_columns_give_the_same_video():
    values = _video_row()
    names = list(values)
    shuffled = list(reversed(names)) + ["added_by_a_later_migration"]
    a = Video.from_row(names, [values[n] for n in names])
    b = Video.from_row(shuffled, [values.get(n, "extra") for n in shuffled])
    assert a == b == Video(**values)  # type: ignore[arg-type]
    # the same shapes again (now cached) still map by name
    assert Video.from_row(shuffled, [values.get(n, "x") for n in shuffled]) == a


def test_a_missing_column_is_named_every_time():
    values = _video_row()
    names = [n for n in values if n != "likes"]
    for _ in range(2):
        with pytest.raises(ValueError, match="no column likes"):
            Video.from_row(names, [values[n] for n in names])


def test_a_row_of_another_length_than_its_columns_is_refused():
    values = _video_row()
    names = list(values)
    with pytest.raises(ValueError, match="12 column names for a row of 11 values"):
        Video.from_row(names, [values[n] for n in names][:-1])


def test_video_quality_rows_of_two_shapes_do_not_mix():
    fields = [f.name for f in dataclasses.fields(VideoQuality)]
    row = {name: None for name in fields}
    row.update(
        id=uuid.uuid4(),
        video_id=uuid.uuid4(),
        quality="720p",
        url="u",
        is_default=False,
        status="ready",
        created_at=NOW,
        updated_at=NOW,
        bitrate=5,
    )
    first = VideoQuality.from_row(fields, [row[n] for n in fields])
    other_order = fields[::-1]
    second = VideoQuality.from_row(other_order, [row[n] for n in other_order])
    assert first == second and first.bitrate == 5 and first.quality == "720p"
