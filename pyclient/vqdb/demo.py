"""``vqdb demo``: simulated transcoding workers driving the whole ladder through a Catalog.

N videos x 9 qualities on T threads: create the video, mark it processing,
create each quality as processing, complete its metadata as ready, make 1080p
(or the highest ready quality) the default, publish the video. Then print one
video's ordered ladder with its default, and the pool's figures.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TextIO
from uuid import UUID

from vqdb.catalog import Catalog
from vqdb.models import VideoQuality

# label: (width, height, video kbps); original keeps the source's 4K numbers
LADDER: dict[str, tuple[int, int, int]] = {
    "2160p": (3840, 2160, 35000),
    "1440p": (2560, 1440, 16000),
    "1080p": (1920, 1080, 8000),
    "720p": (1280, 720, 5000),
    "480p": (854, 480, 2500),
    "360p": (640, 360, 1000),
    "240p": (426, 240, 700),
    "144p": (256, 144, 300),
    "original": (3840, 2160, 45000),
}
PREFERRED_DEFAULT = "1080p"


class Progress:
    """A one-line progress bar on a stream (stderr), redrawn in place with \\r.

    Redrawn at most 10 times a second, and only at the end when the stream is
    not a terminal (a log file then gets one line, not thousands).
    """

    def __init__(self, total: int, stream: TextIO = sys.stderr, width: int = 40) -> None:
        self.total, self.stream, self.width = total, stream, width
        self.done = 0
        self._mutex = threading.Lock()
        self._start = time.monotonic()
        self._drawn_at = 0.0
        self._live = stream.isatty()
        if self._live:
            self._draw()

    def advance(self, n: int = 1) -> None:
        with self._mutex:
            self.done += n
            now = time.monotonic()
            if self._live and (now - self._drawn_at >= 0.1 or self.done >= self.total):
                self._drawn_at = now
                self._draw()

    def _draw(self) -> None:
        filled = self.width * self.done // max(self.total, 1)
        elapsed = time.monotonic() - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.done}/{self.total} calls  {rate:,.0f}/s"
        )
        self.stream.flush()

    def finish(self) -> None:
        self._draw()
        self.stream.write("\n")
        self.stream.flush()


def encode_video(db: Catalog, n: int, progress: Progress) -> UUID:
    """One simulated worker's job: the whole ladder of one video."""
    rnd = random.Random(n)
    duration = rnd.randint(30, 3600)
    video = db.create_video(
        title=f"demo video {n}", url=f"https://cdn.example.com/src/{n}.mp4", duration=duration
    )
    db.update_video_status(video.id, "processing")
    progress.advance(2)
    ready: list[VideoQuality] = []
    for label, (width, height, kbps) in LADDER.items():
        q = db.create_video_quality(
            video_id=video.id,
            quality=label,
            url=f"https://cdn.example.com/{video.id}/{label}.mp4",
            status="processing",
        )
        db.update_quality_metadata(
            q.id,
            file_size=kbps * 125 * duration,  # kbps -> bytes per second, times seconds
            bitrate=kbps,
            resolution_width=width,
            resolution_height=height,
            codec="h264",
            container="mp4",
            duration=float(duration),
            fps=30.0,
            pixel_format="yuv420p",
            audio_codec="aac",
            audio_bitrate=128,
            audio_channels=2,
            audio_sample_rate=48000,
            aspect_ratio="16:9",
            frame_count=duration * 30,
            encoding_time=round(rnd.uniform(1, 60), 2),
            status="ready",
        )
        ready.append(q)
        progress.advance(2)
    default = next((q for q in ready if q.quality == PREFERRED_DEFAULT), ready[0])
    db.set_default_quality(video.id, default.id)
    db.update_video_status(video.id, "published")
    progress.advance(2)
    return video.id


def calls_per_video() -> int:
    return 2 + 2 * len(LADDER) + 2


def print_ladder(db: Catalog, video_id: UUID, out: TextIO) -> None:
    video = db.get_video(video_id)
    assert video is not None
    print(f"\nvideo {video.id}  {video.title!r}  status={video.status}", file=out)
    print(f"  {'quality':<9} {'resolution':>10} {'kbps':>6} {'MB':>8}  status", file=out)
    for q in db.list_qualities_ordered(video_id):
        mark = "  <- default" if q.is_default else ""
        resolution = f"{q.resolution_width}x{q.resolution_height}"
        mb = (q.file_size or 0) / 1e6
        print(
            f"  {q.quality:<9} {resolution:>10} {q.bitrate or 0:>6} {mb:>8.1f}  {q.status}{mark}",
            file=out,
        )


def run(db: Catalog, videos: int = 20, threads: int = 4, out: TextIO = sys.stdout) -> None:
    progress = Progress(videos * calls_per_video())
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="worker") as ex:
        ids = list(ex.map(lambda n: encode_video(db, n, progress), range(videos)))
    progress.finish()
    elapsed = time.monotonic() - started
    print(
        f"{videos} videos x {len(LADDER)} qualities on {threads} threads: "
        f"{videos * calls_per_video()} calls in {elapsed:.2f} s",
        file=out,
    )
    if ids:
        print_ladder(db, ids[0], out)
    stats = db.stats()
    print("\npool:", file=out)
    for name, value in vars(stats).items():
        if value is None:  # a feature the demo does not use (the read cache)
            continue
        shown = f"{value:.4f}" if isinstance(value, float) else str(value)
        print(f"  {name:<13} {shown}", file=out)
