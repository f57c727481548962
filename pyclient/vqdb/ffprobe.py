"""vqdb.probe(path): what ffprobe measures of an encoded file, as vqdb's metadata.

The result is exactly the keyword arguments of ``complete_quality`` and
``update_quality_metadata`` (vqdb.sql_api.QualityMetadata), in vqdb's units:
bit rates in kbps (ffprobe's are bits per second), durations in seconds, the
frame rate as a number (ffprobe's is a fraction, "30000/1001"). A value ffprobe
cannot tell is left out, so passing the result on leaves that field as it is.

ffprobe's JSON (``-show_format -show_streams``) is read as it is, whatever
container wrote it: numbers that come as strings, "N/A", "0/0" or missing;
Matroska and WebM, which store no per-stream bit rate, frame count or duration
(measured from the packets, in a second ffprobe run only then); a sample aspect
ratio with no display aspect ratio; several audio streams (the default one, else
the first, is the quality's audio); a rotation in the display matrix.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any, cast

from vqdb.sql_api import QualityMetadata

# format_name lists the demuxers that can read the file; a file's container is
# the one of them its extension names, else the first name's usual one.
CONTAINER_OF_EXTENSION = {
    "mp4": "mp4", "m4v": "mp4", "m4a": "m4a", "mov": "mov", "3gp": "3gp", "3g2": "3g2",
    "mkv": "mkv", "webm": "webm", "ts": "mpegts", "m2ts": "mpegts", "flv": "flv",
    "avi": "avi", "ogg": "ogg", "ogv": "ogg", "mxf": "mxf", "wmv": "asf", "asf": "asf",
}  # fmt: skip
CONTAINER_OF_DEMUXER = {"mov": "mp4", "matroska": "mkv"}

# what ffprobe writes for "not known"
UNKNOWN = {"", "N/A", "unknown", "unspecified", "reserved", "0/0", "0:1"}

Packets = Mapping[int, tuple[int, int]]  # stream index -> (packets, bytes)


class ProbeError(RuntimeError):
    """ffprobe is missing, or could not read the file (its message is kept)."""


def probe(path: str | os.PathLike[str]) -> QualityMetadata:
    """ffprobe's measure of the file at path, as vqdb's metadata keyword arguments."""
    report = _ffprobe(path, "-show_format", "-show_streams", "-print_format", "json")
    return from_ffprobe(json.loads(report), os.fspath(path), lambda: _packets(path))


def from_ffprobe(
    report: Mapping[str, Any], path: str = "", packets: Callable[[], Packets] | None = None
) -> QualityMetadata:
    """The metadata in an ffprobe JSON report; packets() is asked only for what the
    headers lack (Matroska's bit rates and frame counts)."""
    fmt = report.get("format", {})
    streams = report.get("streams", [])
    video = _first(s for s in streams if s.get("codec_type") == "video" and not _is_picture(s))
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    audio = _first(s for s in audios if (s.get("disposition") or {}).get("default")) or _first(
        iter(audios)
    )
    duration = _number(fmt.get("duration")) or max(
        (_stream_duration(s) or 0.0 for s in streams), default=0.0
    )
    counted: dict[int, tuple[int, int]] = {}

    def measured(stream: Mapping[str, Any]) -> tuple[int, int] | None:
        if packets is None:
            return None
        if not counted:
            counted.update(packets())
        return counted.get(stream.get("index", -1))

    out: dict[str, Any] = {
        "file_size": _integer(fmt.get("size")) or _file_size(path),
        "container": container(fmt.get("format_name"), path),
        "duration": duration or None,
    }
    if video is not None:
        width, height = _integer(video.get("width")), _integer(video.get("height"))
        frames = _integer(video.get("nb_frames"))
        bitrate = _kbps(video.get("bit_rate"))
        if frames is None or bitrate is None:
            count = measured(video)
            if count is not None:
                frames = frames if frames is not None else count[0]
                if bitrate is None and duration:
                    bitrate = round(count[1] * 8 / duration / 1000)
        out.update(
            codec=_text(video.get("codec_name")),
            resolution_width=width,
            resolution_height=height,
            fps=frame_rate(video.get("avg_frame_rate"), video.get("r_frame_rate")),
            pixel_format=_text(video.get("pix_fmt")),
            color_space=_text(video.get("color_space")),
            aspect_ratio=aspect_ratio(
                width, height, video.get("display_aspect_ratio"), video.get("sample_aspect_ratio")
            ),
            bitrate=bitrate,
            frame_count=frames,
            color_primaries=_text(video.get("color_primaries")),
            color_transfer=_text(video.get("color_transfer")),
            color_range=_text(video.get("color_range")),
            rotation=rotation(video),
        )
    if audio is not None:
        audio_bitrate = _kbps(audio.get("bit_rate"))
        if audio_bitrate is None and duration:
            count = measured(audio)
            if count is not None:
                audio_bitrate = round(count[1] * 8 / duration / 1000)
        out.update(
            audio_codec=_text(audio.get("codec_name")),
            audio_bitrate=audio_bitrate,
            audio_channels=_integer(audio.get("channels")),
            audio_sample_rate=_integer(audio.get("sample_rate")),
        )
    out["codecs"] = rfc6381(video, audio)
    return cast(QualityMetadata, {k: v for k, v in out.items() if v is not None})


# -------------------------------------------------------------- the values --


def frame_rate(*candidates: object) -> float | None:
    """The first known rate of "30000/1001", "25", 29.97...; "0/0" is not known."""
    for value in candidates:
        rate = _fraction(value)
        if rate is not None and rate > 0:
            return float(rate)
    return None


def aspect_ratio(
    width: int | None, height: int | None, display: object = None, sample: object = None
) -> str | None:
    """ "W:H" of the picture as shown: ffprobe's display aspect ratio, else the
    frame's size stretched by its sample aspect ratio, in lowest terms."""
    given = _ratio(display)
    if given is not None:
        return f"{given.numerator}:{given.denominator}"
    if not width or not height:
        return None
    ratio = Fraction(width, height) * (_ratio(sample) or 1)
    return f"{ratio.numerator}:{ratio.denominator}"


def rotation(video: Mapping[str, Any]) -> int | None:
    """The display matrix's rotation (degrees counter-clockwise, as ffprobe prints it),
    or the older "rotate" tag, as 0, 90, 180 or 270; None when there is neither."""
    for side in video.get("side_data_list") or []:
        degrees = _number(side.get("rotation"))
        if degrees is not None:
            return round(degrees / 90) * 90 % 360
    degrees = _number((video.get("tags") or {}).get("rotate"))
    return None if degrees is None else round(degrees / 90) * 90 % 360


# RFC 6381 names: H.264's profile_idc by ffprobe's profile name (the constraint byte
# is that of the profile; ffprobe does not print the stream's own flags)
AVC_PROFILES = {
    "Baseline": (0x42, 0x00), "Constrained Baseline": (0x42, 0x40), "Main": (0x4D, 0x00),
    "Extended": (0x58, 0x00), "High": (0x64, 0x00), "High 10": (0x6E, 0x00),
    "High 4:2:2": (0x7A, 0x00), "High 4:4:4 Predictive": (0xF4, 0x00),
}  # fmt: skip
HEVC_PROFILES = {"Main": "1.6", "Main 10": "2.4"}
AUDIO_CODECS = {"mp3": "mp4a.40.34", "opus": "opus", "ac3": "ac-3", "eac3": "ec-3", "flac": "fLaC"}
AAC_PROFILES = {"LC": "mp4a.40.2", "HE-AAC": "mp4a.40.5", "HE-AACv2": "mp4a.40.29"}
# VP9's level by the largest picture it allows (luma samples); ffprobe prints none
VP9_LEVELS = [(36864, 10), (73728, 11), (122880, 20), (245760, 21), (552960, 30),
              (983040, 31), (2228224, 41), (8912896, 51), (35651584, 62)]  # fmt: skip


def rfc6381(video: Mapping[str, Any] | None, audio: Mapping[str, Any] | None) -> str | None:
    """The streams' codecs as an HLS playlist names them ("avc1.64001f,mp4a.40.2"), or
    None when one of them has no name here (better none than a wrong one)."""
    names = []
    if video is not None:
        name = _video_codec_name(video)
        if name is None:
            return None
        names.append(name)
    if audio is not None:
        codec = _text(audio.get("codec_name"))
        name = (AAC_PROFILES.get(str(audio.get("profile")), "mp4a.40.2") if codec == "aac"
                else AUDIO_CODECS.get(codec or ""))  # fmt: skip
        if name is None:
            return None
        names.append(name)
    return ",".join(names) or None


def _video_codec_name(video: Mapping[str, Any]) -> str | None:
    codec, profile = _text(video.get("codec_name")), str(video.get("profile"))
    level = _integer(video.get("level"))
    if codec == "h264" and profile in AVC_PROFILES and level and level > 0:
        idc, constraints = AVC_PROFILES[profile]
        return f"avc1.{idc:02x}{constraints:02x}{level:02x}"
    if codec == "hevc" and profile in HEVC_PROFILES and level and level > 0:
        return f"hvc1.{HEVC_PROFILES[profile]}.L{level}.B0"
    if codec == "vp9" and profile.startswith("Profile "):
        samples = (_integer(video.get("width")) or 0) * (_integer(video.get("height")) or 0)
        vp9_level = next((lv for most, lv in VP9_LEVELS if samples <= most), None)
        depth = 10 if "10" in str(video.get("pix_fmt")) else 8
        if vp9_level is not None:
            return f"vp09.{int(profile.split()[-1]):02d}.{vp9_level}.{depth:02d}"
    return None


def container(format_name: object, path: str = "") -> str | None:
    """The container's short name (mp4, mkv, webm...) from ffprobe's list of demuxers."""
    names = [n for n in str(format_name or "").split(",") if n]
    extension = os.path.splitext(path)[1].lstrip(".").lower()
    by_extension = CONTAINER_OF_EXTENSION.get(extension)
    if by_extension and (by_extension in names or _demuxer_of(by_extension) in names):
        return by_extension
    if not names:
        return None
    return CONTAINER_OF_DEMUXER.get(names[0], names[0])


def _demuxer_of(short: str) -> str:
    return {"mkv": "matroska", "mp4": "mov", "m4a": "mov", "3gp": "mov", "3g2": "mov"}.get(
        short, short
    )


# ---------------------------------------------------------- ffprobe's forms --


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return None if text in UNKNOWN else text


def _number(value: object) -> float | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _integer(value: object) -> int | None:
    number = _number(value)
    return round(number) if number is not None else None


def _kbps(bits_per_second: object) -> int | None:
    number = _number(bits_per_second)
    return round(number / 1000) if number else None


def _fraction(value: object) -> Fraction | None:
    text = _text(value)
    if text is None:
        return None
    try:
        numerator, _, denominator = text.partition("/")
        return Fraction(int(numerator), int(denominator or 1)) if "/" in text else Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None


def _ratio(value: object) -> Fraction | None:
    """ "16:9" -> 16/9; unknown ("0:1", "N/A") -> None."""
    text = _text(value)
    if text is None or ":" not in text:
        return None
    ratio = _fraction(text.replace(":", "/"))
    return ratio if ratio else None


def _stream_duration(stream: Mapping[str, Any]) -> float | None:
    """A stream's duration, or Matroska's DURATION tag ("00:00:02.007000000")."""
    seconds = _number(stream.get("duration"))
    if seconds is not None:
        return seconds
    tag = _text((stream.get("tags") or {}).get("DURATION"))
    if tag is None:
        return None
    try:
        hours, minutes, rest = tag.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(rest)
    except ValueError:
        return None


def _is_picture(stream: Mapping[str, Any]) -> bool:
    """Cover art: a "video" stream of one picture."""
    return bool((stream.get("disposition") or {}).get("attached_pic"))


def _first(items: Any) -> Any:
    return next(items, None)


def _file_size(path: str) -> int | None:
    try:
        return os.path.getsize(path) if path else None
    except OSError:
        return None


# ------------------------------------------------------------- the program --


def _ffprobe(path: str | os.PathLike[str], *options: str) -> str:
    program = shutil.which("ffprobe")
    if program is None:
        raise ProbeError("ffprobe is not installed (Debian: apt-get install ffmpeg)")
    done = subprocess.run(
        [program, "-v", "error", *options, os.fspath(path)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise ProbeError(f"ffprobe {os.fspath(path)}: {done.stderr.strip() or done.returncode}")
    return done.stdout


def _packets(path: str | os.PathLike[str]) -> dict[int, tuple[int, int]]:
    """stream index -> (packets, bytes), read packet by packet."""
    out = _ffprobe(path, "-show_entries", "packet=stream_index,size", "-of", "csv=p=0")
    totals: dict[int, tuple[int, int]] = {}
    for line in out.splitlines():
        # "0,8962" -- or "0,8962," where a packet has side data (MPEG-TS), whose
        # own lines are blank: the first two fields, on lines that have them
        index, size, *_ = [*line.split(","), "", ""]
        if index.strip().isdigit() and size.strip().isdigit():
            count, total = totals.get(int(index), (0, 0))
            totals[int(index)] = (count + 1, total + int(size))
    return totals
