"""The worker flow of one video, three ways, and a threaded runner that times it.

The work (the same in all three): read the video, mark it processing, create
its 8-rung ladder as processing, complete each rung's metadata as ready, make
720p the default, list the ladder, publish the video.

    client     21 calls: one per step and per rung (vqdb.Catalog)
    batch       7 calls: the ladder in one call, the metadata of all rungs in one
    baseline   21 operations of the plain service, 3 round trips each (4 for the default),
               on its own tables or on vqdb's (bench.baseline)
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from vqdb import Catalog

from bench.baseline import BaselineService

# label, width, height, video kbps
LADDER = (
    ("2160p", 3840, 2160, 16000),
    ("1440p", 2560, 1440, 9000),
    ("1080p", 1920, 1080, 5000),
    ("720p", 1280, 720, 2500),
    ("480p", 854, 480, 1200),
    ("360p", 640, 360, 700),
    ("240p", 426, 240, 400),
    ("144p", 256, 144, 200),
)
DEFAULT_LABEL = "720p"
CALLS_PER_VIDEO = {"client": 21, "batch": 7, "plain": 21, "plain_on_vq": 21}


def _url(video_id: Any, label: str) -> str:
    return f"https://cdn.example/{video_id}/{label}.mp4"


def _metadata(width: int, height: int, kbps: int) -> dict[str, Any]:
    """What an encoder reports for one rung (a minute of video)."""
    return {
        "file_size": kbps * 1000 // 8 * 60,
        "bitrate": kbps,
        "resolution_width": width,
        "resolution_height": height,
        "codec": "h264",
        "container": "mp4",
        "duration": 60.0,
        "fps": 30.0,
        "pixel_format": "yuv420p",
        "audio_codec": "aac",
        "audio_bitrate": 128,
        "frame_count": 1800,
        "encoding_time": 12.5,
        "status": "ready",
    }


def client_flow(db: Catalog, video_id: Any) -> None:
    video = db.get_video(video_id)
    assert video is not None
    db.update_video_status(video_id, "processing")
    ids = {}
    for label, _, _, _ in LADDER:
        q = db.create_video_quality(
            video_id=video_id, quality=label, url=_url(video_id, label), status="processing"
        )
        ids[label] = q.id
    for label, width, height, kbps in LADDER:
        assert db.update_quality_metadata(ids[label], **_metadata(width, height, kbps))
    assert db.set_default_quality(video_id, ids[DEFAULT_LABEL])
    assert len(db.list_qualities_ordered(video_id)) == len(LADDER)
    db.update_video_status(video_id, "published")


def batch_flow(db: Catalog, video_id: Any) -> None:
    video = db.get_video(video_id)
    assert video is not None
    db.update_video_status(video_id, "processing")
    rows = db.create_video_qualities(
        video_id,
        [
            {"quality": label, "url": _url(video_id, label), "status": "processing"}
            for label, _, _, _ in LADDER
        ],
    )
    ids = {q.quality: q.id for q in rows}
    updated = db.update_qualities_metadata(
        [
            {"quality_id": ids[label], **_metadata(width, height, kbps)}
            for label, width, height, kbps in LADDER
        ]
    )
    assert updated == len(LADDER)
    assert db.set_default_quality(video_id, ids[DEFAULT_LABEL])
    assert len(db.list_qualities_ordered(video_id)) == len(LADDER)
    db.update_video_status(video_id, "published")


def baseline_flow(svc: BaselineService, video_id: Any) -> None:
    video = svc.get_video_by_id(video_id)
    assert video is not None
    svc.update_video_status(video_id, "processing")
    ids = {}
    for label, _, _, _ in LADDER:
        q = svc.create_video_quality(video_id, label, _url(video_id, label), status="processing")
        ids[label] = q["id"]
    for label, width, height, kbps in LADDER:
        assert svc.update_video_quality(ids[label], **_metadata(width, height, kbps))
    assert svc.set_default_quality(video_id, ids[DEFAULT_LABEL])
    assert len(svc.get_video_qualities(video_id)) == len(LADDER)
    svc.update_video_status(video_id, "published")


@dataclass(frozen=True)
class RunResult:
    videos: int
    seconds: float

    @property
    def videos_per_s(self) -> float:
        return self.videos / self.seconds


def run_threads(
    flow: Callable[[Any], None], video_ids: Sequence[Any], threads: int, duration: float
) -> RunResult:
    """Run flow over video_ids from `threads` threads until `duration` s pass or ids run out."""
    next_index = itertools.count()  # next() on a count is atomic under the GIL
    done = [0] * threads
    errors: list[BaseException] = []
    start_gate = threading.Barrier(threads + 1)
    deadline = [0.0]

    def worker(slot: int) -> None:
        start_gate.wait()
        try:
            while time.perf_counter() < deadline[0]:
                i = next(next_index)
                if i >= len(video_ids):
                    return
                flow(video_ids[i])
                done[slot] += 1
        except BaseException as exc:  # reported after the run
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    start = time.perf_counter()
    deadline[0] = start + duration
    start_gate.wait()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} worker(s) failed") from errors[0]
    return RunResult(sum(done), elapsed)
