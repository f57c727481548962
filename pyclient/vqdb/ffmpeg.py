"""vqdb.ffmpeg: a ready-made encode for vqdb.Worker, with ffmpeg as a child process.

    with vqdb.Catalog() as db:
        vqdb.Worker(db, "encoder-1").run(vqdb.ffmpeg.Encoder("/srv/media/out"))

or ``vqdb worker --ffmpeg --output /srv/media/out``. For each job it reads the
video's ``url`` (a ``file://`` URL or a path) and writes the quality's ``url``
(a ``file://`` URL, or a path, relative ones under the output directory),
scaled to the rung's height (``original`` is a copy of the streams), then
returns what vqdb.probe measures of the file plus the encode's time. The output
is written to a hidden partial file beside it and renamed when ffmpeg succeeds,
so the directory holds only finished files; a partial file left by a worker
that died is removed by the next attempt at the same quality.

ffmpeg runs in a process group of its own and is killed (the whole group) when
the lease is lost, when the worker is stopped by a signal, and when the worker
itself dies (the kernel's parent-death signal, Linux). Its ``-progress`` output
becomes ``lease.progress``.

The settings given with the work (create_video_qualities' ``settings``) choose
the encode; each has a default:

    video_codec "libx264", audio_codec "aac", preset "veryfast", crf 23,
    video_bitrate (e.g. "1500k", instead of crf), audio_bitrate "128k",
    video_filters (ffmpeg filters after the scaling, e.g. "yadif"),
    extra_args (a list of ffmpeg output options, appended as they are)

An ffmpeg failure is raised as FfmpegError whose ``error_code`` says what failed:
``ffmpeg_input`` (the source cannot be read) and ``ffmpeg_options`` (ffmpeg
refused the settings) are not retried, ``ffmpeg_failed`` is.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from vqdb.ffprobe import probe
from vqdb.job import Job
from vqdb.sql_api import QualityMetadata

PR_SET_PDEATHSIG = 1  # <sys/prctl.h>
DEFAULTS: Mapping[str, Any] = {
    "video_codec": "libx264", "audio_codec": "aac", "preset": "veryfast", "crf": 23,
    "video_bitrate": None, "audio_bitrate": "128k", "video_filters": None, "extra_args": [],
}  # fmt: skip
# what ffmpeg prints when it refuses its command line or cannot open the source
OPTION_ERRORS = ("Unrecognized option", "Option not found", "Invalid argument",
                 "Unknown encoder", "Error parsing", "Error setting option")  # fmt: skip
INPUT_ERRORS = ("No such file or directory", "Invalid data found when processing input")


class FfmpegError(RuntimeError):
    """ffmpeg exited with an error; error_code and retryable tell vqdb.Worker what to do."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.retryable = error_code == "ffmpeg_failed"


def local_path(url: str, under: Path | None = None) -> Path:
    """The file a file:// URL or a path names; a relative path is under ``under``."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
    elif parsed.scheme in ("",) or len(parsed.scheme) == 1:  # a path (or C:\\...)
        path = Path(url)
    else:
        raise FfmpegError("ffmpeg_input", f"{url}: only file:// URLs and paths are local files")
    return path if path.is_absolute() or under is None else under / path


def command(
    source: Path, output: Path, height: int | None, settings: Mapping[str, Any]
) -> list[str]:
    """The ffmpeg command line of one encode."""
    s = {**DEFAULTS, **settings}
    head = ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", "-i", str(source)]
    if height is None:  # the original: the streams as they are
        options = ["-map", "0", "-c", "copy"]
    else:
        rate = ["-b:v", str(s["video_bitrate"])] if s["video_bitrate"] else ["-crf", str(s["crf"])]
        filters = ",".join(f for f in (f"scale=-2:{height}", s["video_filters"]) if f)
        options = [
            "-vf", filters, "-c:v", str(s["video_codec"]),
            "-preset", str(s["preset"]), *rate, "-pix_fmt", "yuv420p",
            "-c:a", str(s["audio_codec"]), "-b:a", str(s["audio_bitrate"]),
        ]  # fmt: skip
    extra = [str(a) for a in s["extra_args"]]
    return [*head, *options, *extra, "-progress", "pipe:1", "-nostats", str(output)]


class Encoder:
    """encode(job) for vqdb.Worker: ffmpeg into ``output_dir``."""

    def __init__(self, output_dir: str | os.PathLike[str]) -> None:
        if shutil.which("ffmpeg") is None:
            raise FfmpegError(
                "ffmpeg_missing", "ffmpeg is not installed (Debian: apt-get install ffmpeg)"
            )
        self.output_dir = Path(output_dir)

    def __call__(self, job: Job) -> QualityMetadata:
        if job.source is None:
            raise FfmpegError("ffmpeg_input", f"video {job.quality.video_id} has no url to encode")
        source = local_path(job.source)
        output = local_path(job.output, self.output_dir)
        output.parent.mkdir(parents=True, exist_ok=True)
        self._remove_partials(output, job)
        partial = output.with_name(
            f".{output.stem}.{job.quality.id}.{job.lease.token}.partial{output.suffix}"
        )
        # the source's length, for the progress: the video's own when the catalog has it,
        # so that a ladder's rungs do not each run ffprobe on the same source
        measured: float | str | None = job.video.duration if job.video is not None else None
        if not measured and source.exists():
            measured = probe(source).get("duration")
        total = float(measured) if measured else None
        started = time.monotonic()
        try:
            self._run(command(source, partial, job.level.height, job.settings), job, total, source)
            partial.replace(output)
        except BaseException:  # a failure, a lost lease, SIGTERM (Shutdown): no partial file
            partial.unlink(missing_ok=True)
            raise
        metadata = probe(output)
        metadata["encoding_time"] = round(time.monotonic() - started, 3)
        return metadata

    @staticmethod
    def _remove_partials(output: Path, job: Job) -> None:
        """What an earlier attempt at this quality left when its worker died."""
        for stale in output.parent.glob(f".{output.stem}.{job.quality.id}.*.partial*"):
            stale.unlink(missing_ok=True)

    @staticmethod
    def _run(argv: list[str], job: Job, total_seconds: float | None, source: Path) -> None:
        errors = tempfile.TemporaryFile("w+")  # a file: a full stderr pipe would stall ffmpeg
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=errors, text=True,
            start_new_session=True, preexec_fn=_die_with_parent,
        )  # fmt: skip

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        job.lease.on_lost(kill)
        try:
            assert process.stdout is not None
            for line in process.stdout:  # -progress: key=value lines, a block per update
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and total_seconds and value.isdigit():
                    job.lease.progress(min(99.0, int(value) / 1e6 / total_seconds * 100))
            code = process.wait()
        except BaseException:
            kill()  # first, so that waiting does not wait for the whole encode
            process.wait()
            raise
        finally:
            errors.seek(0)
            stderr = errors.read()
            errors.close()
        job.lease.check()  # killed because the lease was lost: say so, not "ffmpeg failed"
        if code != 0:
            tail = stderr.strip()[-2000:] or f"ffmpeg exited with {code}"
            if any(e in stderr for e in INPUT_ERRORS) and str(source) in stderr:
                raise FfmpegError("ffmpeg_input", tail)
            if any(e in stderr for e in OPTION_ERRORS):
                raise FfmpegError("ffmpeg_options", tail)
            raise FfmpegError("ffmpeg_failed", tail)


# loaded here, not in the child: between fork and exec only the call itself is safe
_LIBC = ctypes.CDLL(None, use_errno=True)


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the worker dies (Linux; elsewhere nothing)."""
    with contextlib.suppress(AttributeError):
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
