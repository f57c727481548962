"""vqdb.ffmpeg and `vqdb worker --ffmpeg`: real encodes by real worker processes,
logged in as members of vq_worker (as in production).

A source clip is made with ffmpeg; workers are `python -m vqdb.cli worker
--ffmpeg` processes on the test's database. Slow encodes use the `realtime`
filter (the encode runs at the clip's own speed), so that a worker can be killed
in the middle of one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import vqdb

CLIP_SECONDS = 3


def ffmpeg(*arguments: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *arguments], check=True)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("source") / "source.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30000/1001",
           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
           "-t", str(CLIP_SECONDS), "-c:v", "libx264", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-b:a", "128k", str(path))  # fmt: skip
    return path


def start_worker(worker_url: str, output: Path, *options: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "vqdb.cli", "worker", "--ffmpeg", "--output", str(output),
         "--database", worker_url, *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def wait_until(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"not within {seconds} s: {what}")


def ffmpeg_processes_writing(fragment: str) -> list[int]:
    """pids of the processes whose command line holds fragment."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if fragment.encode() in (proc / "cmdline").read_bytes():
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def test_two_ffmpeg_workers_encode_a_ladder(worker_url: str, source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with vqdb.Catalog(worker_url) as db:
        video = db.create_video(title="real", url=source.as_uri())
        db.create_video_qualities(
            video.id,
            [{"quality": "360p", "url": "real/360p.mp4"},
             {"quality": "240p", "url": "real/240p.webm",
              "settings": {"video_codec": "libvpx-vp9", "audio_codec": "libopus",
                           "video_bitrate": "300k", "extra_args": ["-deadline", "realtime"]}},
             {"quality": "144p", "url": (out / "real" / "144p.mp4").as_uri()},
             {"quality": "original", "url": "real/original.mp4"}],
            settings={"preset": "ultrafast", "crf": 30},
        )  # fmt: skip
        workers = [start_worker(worker_url, out, "--max-qualities", "2") for _ in range(2)]
        for w in workers:
            assert w.wait(timeout=120) == 0, w.stderr.read() if w.stderr else ""
        ladder = {q.quality: q for q in db.list_qualities_ordered(video.id)}

    assert {q.status for q in ladder.values()} == {"ready"}
    files = sorted(p.name for p in (out / "real").iterdir())
    assert files == ["144p.mp4", "240p.webm", "360p.mp4", "original.mp4"]  # no partial file
    for label, height in (("360p", 360), ("240p", 240), ("144p", 144), ("original", 360)):
        q = ladder[label]
        assert q.resolution_height == height, label
        assert q.fps == pytest.approx(30000 / 1001)
        assert q.duration == pytest.approx(CLIP_SECONDS, abs=0.1)
        assert q.file_size == (out / "real" / Path(q.url).name).stat().st_size
        assert 0 < q.bitrate < 5000 and 0 < q.audio_bitrate < 300  # kbps
        assert q.progress == 100 and q.encoding_time is not None and q.encoding_time > 0
    assert (ladder["240p"].codec, ladder["240p"].container) == ("vp9", "webm")
    assert ladder["240p"].audio_codec == "opus"
    assert (ladder["360p"].codec, ladder["360p"].container) == ("h264", "mp4")


def test_a_killed_worker_takes_its_ffmpeg_along_and_another_redoes_the_rung(
    worker_url: str, source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with vqdb.Catalog(worker_url) as db:
        video = db.create_video(title="kill", url=str(source))
        (q,) = db.create_video_qualities(
            video.id, [{"quality": "240p", "url": "kill/240p.mp4"}],
            settings={"preset": "ultrafast", "video_filters": "realtime"},
        )  # fmt: skip
        first = start_worker(worker_url, out, "--lease-seconds", "2")
        wait_until(lambda: ffmpeg_processes_writing(str(q.id)), 20, "the first ffmpeg")
        wait_until(
            lambda: (db.list_qualities_ordered(video.id)[0].progress or 0) > 0, 20,
            "progress from ffmpeg",
        )  # fmt: skip
        first.send_signal(signal.SIGKILL)
        first.wait()
        # the kernel's parent-death signal ends ffmpeg with its worker
        wait_until(lambda: not ffmpeg_processes_writing(str(q.id)), 5, "ffmpeg gone")
        assert [p.name for p in (out / "kill").iterdir() if "partial" in p.name]  # left behind

        second = start_worker(worker_url, out, "--lease-seconds", "30", "--max-qualities", "1")
        assert second.wait(timeout=60) == 0, second.stderr.read() if second.stderr else ""
        (after,) = db.list_qualities_ordered(video.id)
        attempts = db.list_quality_attempts(q.id)
        feed = [
            (c.kind, c.error_code, c.value) for c in db.changes_since() if c.video_id == video.id
        ]
    assert (after.status, after.attempts) == ("ready", 2)
    assert sorted(p.name for p in (out / "kill").iterdir()) == ["240p.mp4"]  # partial removed
    assert [(a.attempt, a.outcome) for a in attempts] == [(1, "expired"), (2, "ready")]
    assert attempts[0].progress is not None and attempts[0].progress > 0  # its last heartbeat
    assert ("quality_reclaimed", "lease_expired", "processing") in feed
    assert feed[-1] == ("ladder_finished", None, "ready")


def test_sigterm_kills_ffmpeg_at_once_and_releases_the_quality(
    worker_url: str, source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with vqdb.Catalog(worker_url) as db:
        video = db.create_video(title="term", url=str(source))
        (q,) = db.create_video_qualities(
            video.id, [{"quality": "240p", "url": "term/240p.mp4"}],
            settings={"preset": "ultrafast", "video_filters": "realtime"},
        )  # fmt: skip
        worker = start_worker(worker_url, out)
        wait_until(lambda: ffmpeg_processes_writing(str(q.id)), 20, "ffmpeg")
        sent = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0
        took = time.monotonic() - sent
        (after,) = db.list_qualities_ordered(video.id)
    assert took < CLIP_SECONDS  # it did not wait for the encode to finish
    assert not ffmpeg_processes_writing(str(q.id))
    assert (after.status, after.attempts) == ("pending", 0)  # released: no attempt used
    assert not list((out / "term").iterdir())


def test_refused_options_fail_the_rung_at_once(
    worker_url: str, source: Path, tmp_path: Path
) -> None:
    with vqdb.Catalog(worker_url) as db:
        video = db.create_video(title="bad", url=str(source))
        db.create_video_qualities(
            video.id, [{"quality": "240p", "url": "bad/240p.mp4",
                        "settings": {"extra_args": ["-no-such-option", "1"]}}],
        )  # fmt: skip
        worker = start_worker(worker_url, tmp_path, "--max-qualities", "1")
        assert worker.wait(timeout=60) == 0
        (after,) = db.list_qualities_ordered(video.id)
    assert (after.status, after.error_code, after.attempts) == ("failed", "ffmpeg_options", 1)
    assert "no-such-option" in (after.error_message or "")
    assert not os.listdir(tmp_path / "bad")
