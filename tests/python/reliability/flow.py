"""The full worker flow, as a video compression worker runs it, with a ledger of what was
acknowledged: the state the database must hold afterwards, whatever happened meanwhile.

One flow: create a video, its ladder (pending), each quality to processing, then
ready with its metadata, a default, the video published, the default read back.
A call that raises Unavailable (server gone) is repeated by the worker, as a
real worker would, until it is acknowledged: every API function is safe to
repeat, create_video too since it takes the new video's id (migration 0030):
the worker draws the id once per flow, so a repeat returns the video the first
attempt made. No video may exist that no worker was told about.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg2.extensions
import vqdb

T = TypeVar("T")
LADDER = ("1080p", "720p", "480p")


@dataclass
class Ledger:
    """What one worker thread was told, and what went wrong on the way."""

    videos: dict[uuid.UUID, tuple[str, str]] = field(default_factory=dict)  # id: (title, status)
    # id: (video, status, bitrate, is default)
    qualities: dict[uuid.UUID, tuple[uuid.UUID, str, int | None, bool]] = field(
        default_factory=dict
    )
    acked_calls: int = 0
    ack_times: list[float] = field(default_factory=list)  # time.monotonic() of each ack
    unavailable: list[float] = field(default_factory=list)  # seconds each Unavailable took
    repeated: list[BaseException] = field(default_factory=list)  # repeatable calls that
    # raised Unavailable anyway (the worker repeated them)
    errors: list[BaseException] = field(default_factory=list)  # anything else: a failure
    flows: int = 0


class Worker:
    """Runs flows through one shared client until ``stop`` is set."""

    def __init__(
        self, db: vqdb.Catalog, name: str, stop: threading.Event, give_up_after: float = 60.0
    ) -> None:
        self.db, self.name, self.stop = db, name, stop
        self.give_up_after = give_up_after
        self.ledger = Ledger()

    def _ack(self) -> None:
        self.ledger.acked_calls += 1
        self.ledger.ack_times.append(time.monotonic())

    def until_acked(self, fn: Callable[[], T]) -> T:
        """fn(), repeated while the server is unavailable (bounded by give_up_after)."""
        deadline = time.monotonic() + self.give_up_after
        while True:
            began = time.monotonic()
            try:
                result = fn()
            except vqdb.Unavailable as exc:
                self.ledger.unavailable.append(time.monotonic() - began)
                self.ledger.repeated.append(exc)
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
                continue
            self._ack()
            return result

    def flow(self, n: int) -> None:
        db, led = self.db, self.ledger
        title = f"{self.name} flow {n}"
        new_id = uuid.uuid4()  # once per flow: every repeat asks for the same video
        video = self.until_acked(lambda: db.create_video(title=title, duration=60, id=new_id))
        assert video.id == new_id
        led.videos[video.id] = (title, "draft")
        rows = self.until_acked(
            lambda: db.create_video_qualities(
                video.id, [{"quality": q, "url": f"s3://{video.id}/{q}"} for q in LADDER]
            )
        )
        for row in rows:
            led.qualities[row.id] = (video.id, "pending", None, False)
        for row in rows:
            self.until_acked(lambda r=row: db.update_quality_status(r.id, "processing"))
            led.qualities[row.id] = (video.id, "processing", None, False)
            bitrate = 1000 + n
            self.until_acked(
                lambda r=row, b=bitrate: db.update_quality_metadata(
                    r.id, status="ready", bitrate=b, codec="h264", fps=30.0, file_size=10**6
                )
            )
            led.qualities[row.id] = (video.id, "ready", bitrate, False)
        default = next(r for r in rows if r.quality == "720p")
        assert self.until_acked(lambda: db.set_default_quality(video.id, default.id))
        led.qualities[default.id] = led.qualities[default.id][:3] + (True,)
        assert self.until_acked(lambda: db.update_video_status(video.id, "published"))
        led.videos[video.id] = (title, "published")
        got = self.until_acked(lambda: db.get_default_quality(video.id))
        assert got is not None and got.id == default.id
        led.flows += 1

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            try:
                self.flow(n)
            except Exception as exc:  # noqa: BLE001  (recorded; the test fails on it)
                self.ledger.errors.append(exc)
            n += 1


def check_ledgers(
    conn: psycopg2.extensions.connection,
    ledgers: list[Ledger],
    other_videos: frozenset[uuid.UUID] = frozenset(),
) -> dict[str, Any]:
    """Assert the database holds every acknowledged write; return figures.

    other_videos: videos the test made itself, outside the workers (not orphans).
    """
    with conn.cursor() as cur:
        cur.execute("select id, title, status from vq.videos")
        videos = {vid: (title, status) for vid, title, status in cur.fetchall()}
        cur.execute("select id, video_id, status, bitrate, is_default from vq.video_qualities")
        qualities = {r[0]: r[1:] for r in cur.fetchall()}
    acked_videos = {k: v for led in ledgers for k, v in led.videos.items()}
    acked_qualities = {k: v for led in ledgers for k, v in led.qualities.items()}
    lost_videos = {k: v for k, v in acked_videos.items() if videos.get(k) != v}
    lost_qualities = {k: v for k, v in acked_qualities.items() if qualities.get(k) != v}
    assert lost_videos == {}, f"{len(lost_videos)} acknowledged videos differ: {lost_videos}"
    assert lost_qualities == {}, f"{len(lost_qualities)} acknowledged qualities differ"
    # no video nobody was told about (a repeated create_video made no second one)
    orphans = set(videos) - set(acked_videos) - other_videos
    assert orphans == set(), f"{len(orphans)} videos no worker was told about"
    return {"videos": len(acked_videos), "qualities": len(acked_qualities)}
