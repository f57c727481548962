"""``vqdb demo``: a real encode, end to end, in well under a minute.

ffmpeg makes a short clip; its video and a five-rung ladder go into the catalog;
two vqdb.Worker threads encode the ladder with vqdb.ffmpeg; the change feed
says when the ladder is finished; the highest rung becomes the default. Then
the ladder is printed with what ffprobe measured of each file, and the feed's
events of the video.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import TextIO

from vqdb.catalog import Catalog
from vqdb.ffmpeg import Encoder, FfmpegError
from vqdb.ffprobe import probe
from vqdb.models import Change
from vqdb.worker import Worker

LADDER = ["720p", "480p", "360p", "240p", "144p"]
CLIP_SECONDS = 4
WORKERS = 2


def make_clip(path: Path) -> None:
    """A 720p clip with a test pattern and a tone, at NTSC's 30000/1001 fps."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30000/1001",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         "-t", str(CLIP_SECONDS), "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(path)],
        check=True,
    )  # fmt: skip


def run(db: Catalog, output: Path | None = None, out: TextIO | None = None) -> None:
    if shutil.which("ffmpeg") is None:
        raise FfmpegError("ffmpeg_missing", "the demo encodes with ffmpeg: apt-get install ffmpeg")
    with tempfile.TemporaryDirectory(prefix="vqdb-demo-") as scratch:
        _run(db, Path(output or scratch), out)


def _run(db: Catalog, directory: Path, out: TextIO | None) -> None:
    started = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / "source.mp4"
    make_clip(source)
    position = _feed_end(db)
    seconds = probe(source).get("duration")
    video = db.create_video(
        title="vqdb demo", url=source.as_uri(), duration=float(seconds) if seconds else None
    )
    db.update_video_status(video.id, "processing")
    db.create_video_qualities(
        video.id,
        [{"quality": label, "url": f"{video.id}/{label}.mp4"} for label in LADDER],
        settings={"preset": "veryfast", "crf": 26},
    )
    workers = [Worker(db, f"demo-worker-{n + 1}", lease_seconds=30) for n in range(WORKERS)]
    threads = [
        threading.Thread(target=w.run, args=(Encoder(directory),), name=w.name) for w in workers
    ]
    for thread in threads:
        thread.start()
    events = _until_ladder_finished(db, position, video.id)
    for worker in workers:
        worker.stop()
    for thread in threads:
        thread.join()
    ladder = db.list_qualities_ordered(video.id)
    best = next(q for q in ladder if q.status == "ready")
    db.set_default_quality(video.id, best.id)
    db.update_video_status(video.id, "published")
    events += db.changes_since(events[-1].position) if events else []

    print(f"source: {source} ({CLIP_SECONDS} s, 1280x720, 30000/1001 fps)", file=out)
    print(f"ladder of {video.id}, encoded by {WORKERS} ffmpeg workers into {directory}:", file=out)
    print(
        f"  {'quality':<8} {'size':>9} {'fps':>7} {'codec':<11} {'kbps':>5} "
        f"{'audio':>11} {'bytes':>8} {'took s':>6}  status",
        file=out,
    )
    for q in db.list_qualities_ordered(video.id):
        size = f"{q.resolution_width}x{q.resolution_height}"
        print(
            f"  {q.quality:<8} {size:>9} {q.fps or 0:>7.3f} "
            f"{q.codec}/{q.container:<6} {q.bitrate or 0:>5} "
            f"{q.audio_codec} {q.audio_bitrate}k {q.file_size or 0:>8} "
            f"{q.encoding_time or 0:>6.2f}  {q.status}{'  <- default' if q.is_default else ''}",
            file=out,
        )
    print("the feed, for this video:", file=out)
    for change in events:
        if change.video_id == video.id and change.kind != "quality_created":
            print(f"  {change.kind:<16} {change.quality or '':<8} {change.value or ''}", file=out)
    print(f"done in {time.monotonic() - started:.1f} s", file=out)


def _feed_end(db: Catalog) -> str | None:
    """The position after the last event committed so far (None: the feed is empty)."""
    position = None
    while batch := db.changes_since(position, limit=1000):
        position = batch[-1].position
    return position


def _until_ladder_finished(
    db: Catalog, position: str | None, video_id: object, timeout: float = 120
) -> list[Change]:
    events: list[Change] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = db.changes_since(position)
        events += batch
        if batch:
            position = batch[-1].position
        if any(c.kind == "ladder_finished" and c.video_id == video_id for c in batch):
            return events
        time.sleep(0.1)
    raise TimeoutError(f"the ladder did not finish within {timeout} s")
