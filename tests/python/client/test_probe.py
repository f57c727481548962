"""vqdb.probe against files ffmpeg makes here, each checked against what ffmpeg
was asked to make; and against stored ffprobe reports of odd files (ffprobe/).

Bit rates: vqdb's are kbps. A stream's measured rate is checked against the
file's own size x 8 / duration: video + audio within 80-100 % of it (the rest
is the container's overhead, which is larger on these 2-second files).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import vqdb
from vqdb.ffprobe import aspect_ratio, container, frame_rate, from_ffprobe

STORED = Path(__file__).parent / "ffprobe"
SECONDS = 2

# name -> (ffmpeg arguments between the inputs and the output, what it asks for)
CLIPS = {
    "h264_aac.mp4": (
        ["-c:v", "libx264", "-b:v", "300k", "-c:a", "aac", "-b:a", "96k", "-ac", "2"],
        dict(codec="h264", audio_codec="aac", audio_channels=2, audio_sample_rate=48000,
             fps=30000 / 1001, size=(320, 240), aspect_ratio="4:3", container="mp4",
             codecs=r"avc1\.64[0-9a-f]{4},mp4a\.40\.2"),
    ),
    "h264_aac.mkv": (
        ["-c:v", "libx264", "-b:v", "300k", "-c:a", "aac", "-b:a", "96k", "-ac", "2"],
        dict(codec="h264", audio_codec="aac", audio_channels=2, audio_sample_rate=48000,
             fps=30000 / 1001, size=(320, 240), aspect_ratio="4:3", container="mkv"),
    ),
    "vp9_opus.webm": (
        ["-c:v", "libvpx-vp9", "-b:v", "300k", "-deadline", "realtime", "-cpu-used", "8",
         "-c:a", "libopus", "-b:a", "64k", "-ac", "2"],
        dict(codec="vp9", audio_codec="opus", audio_channels=2, audio_sample_rate=48000,
             fps=30000 / 1001, size=(320, 240), aspect_ratio="4:3", container="webm",
             codecs=r"vp09\.00\.20\.08,opus"),
    ),
    "no_audio.mp4": (
        ["-an", "-c:v", "libx264", "-r", "25"],
        dict(codec="h264", fps=25.0, size=(320, 240), aspect_ratio="4:3", container="mp4"),
    ),
    "anamorphic.mp4": (
        ["-an", "-c:v", "libx264", "-vf", "setsar=4/3"],
        dict(codec="h264", fps=30000 / 1001, size=(320, 240), aspect_ratio="16:9",
             container="mp4"),
    ),
}  # fmt: skip


def ffmpeg(*arguments: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *arguments], check=True)


SOURCES = [
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30000/1001",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
]  # fmt: skip
OUTPUT = ["-t", str(SECONDS), "-pix_fmt", "yuv420p"]


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("clips")
    for name, (options, _) in CLIPS.items():
        ffmpeg(*SOURCES, *OUTPUT, *options, str(directory / name))
    # two audio tracks, the second the default; a rotated copy of the mp4
    ffmpeg(*SOURCES, "-f", "lavfi", "-i", "sine=frequency=880:sample_rate=22050", *OUTPUT,
           "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-c:a", "aac",
           "-ac:a:0", "2", "-ac:a:1", "1", "-disposition:a:0", "0", "-disposition:a:1", "default",
           str(directory / "two_audio.mp4"))  # fmt: skip
    ffmpeg("-i", str(directory / "h264_aac.mp4"), "-c", "copy",
           "-metadata:s:v:0", "rotate=90", str(directory / "rotated.mp4"))  # fmt: skip
    ffmpeg(*SOURCES, *OUTPUT, "-an", "-c:v", "libx264", "-color_primaries", "bt2020",
           "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-color_range", "tv",
           str(directory / "hdr10.mp4"))  # fmt: skip
    return directory


@pytest.mark.parametrize("name", sorted(CLIPS))
def test_probe_measures_what_ffmpeg_was_asked_to_make(clips: Path, name: str) -> None:
    path = clips / name
    want = CLIPS[name][1]
    got = vqdb.probe(path)

    assert (got["resolution_width"], got["resolution_height"]) == want["size"]
    assert got["codec"] == want["codec"]
    assert got["container"] == want["container"]
    assert got["aspect_ratio"] == want["aspect_ratio"]
    assert got["fps"] == pytest.approx(want["fps"], rel=1e-9)
    assert got["duration"] == pytest.approx(SECONDS, abs=0.1)
    assert got["frame_count"] == pytest.approx(SECONDS * want["fps"], abs=2)
    assert got["file_size"] == path.stat().st_size
    assert got["pixel_format"] == "yuv420p"
    for field in ("audio_codec", "audio_channels", "audio_sample_rate"):
        assert got.get(field) == want.get(field), field
    whole_kbps = path.stat().st_size * 8 / got["duration"] / 1000
    streams_kbps = got["bitrate"] + got.get("audio_bitrate", 0)
    assert 0.8 * whole_kbps <= streams_kbps <= whole_kbps, (streams_kbps, whole_kbps)
    if "audio_codec" in want:
        assert 20 <= got["audio_bitrate"] <= 200  # kbps, not bits per second
    if "codecs" in want:
        assert re.fullmatch(want["codecs"], got["codecs"]), got["codecs"]


def test_probe_takes_the_default_audio_track(clips: Path) -> None:
    got = vqdb.probe(clips / "two_audio.mp4")
    assert (got["audio_channels"], got["audio_sample_rate"]) == (1, 22050)


def test_probe_reads_the_colour_description_that_tells_hdr(clips: Path) -> None:
    got = vqdb.probe(clips / "hdr10.mp4")
    assert (got["color_primaries"], got["color_transfer"], got["color_space"]) == (
        "bt2020", "smpte2084", "bt2020nc",
    )  # fmt: skip
    assert got["color_range"] == "tv"
    assert "color_transfer" not in vqdb.probe(clips / "no_audio.mp4")  # unknown: left out


def test_probe_reads_rotation_without_changing_the_frame(clips: Path) -> None:
    plain, rotated = vqdb.probe(clips / "h264_aac.mp4"), vqdb.probe(clips / "rotated.mp4")
    assert rotated["rotation"] == 90 and "rotation" not in plain
    assert (rotated["resolution_width"], rotated["resolution_height"]) == (320, 240)
    assert {k: v for k, v in rotated.items() if k != "rotation"} == {
        k: v for k, v in plain.items() if k != "rotation"
    }


def test_probe_result_is_what_complete_quality_takes(clips: Path, db_url: str) -> None:
    with vqdb.Catalog(db_url) as db:
        video = db.create_video(title="probe")
        db.create_video_qualities(video.id, [{"quality": "240p", "url": "file:240.mp4"}])
        (claimed,) = db.claim_qualities("probe-test", limit=1)
        done = db.complete_quality(
            claimed.id, claimed.lease_token, **vqdb.probe(clips / "h264_aac.mp4")
        )
    assert done.status == "ready"
    assert done.codec == "h264" and done.audio_bitrate is not None and done.bitrate < 1000
    assert done.codecs is not None and done.codecs.startswith("avc1.")


def test_probe_of_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(vqdb.ProbeError, match="nothing.mp4"):
        vqdb.probe(tmp_path / "nothing.mp4")


# ------------------------------------------------- stored reports, odd files --


def test_mpegts_has_no_stream_bit_rate_for_its_video() -> None:
    report = json.loads((STORED / "mpegts_mpeg2_mp2.json").read_text())
    counted = []
    got = from_ffprobe(report, "odd.ts", lambda: counted.append(1) or {0: (25, 100_000)})
    assert got["container"] == "mpegts"
    assert got["codec"] == "mpeg2video" and got["audio_codec"] == "mp2"
    assert got["audio_bitrate"] == 384  # the stream's 384000 b/s
    assert got["bitrate"] == round(100_000 * 8 / got["duration"] / 1000)  # from its packets
    assert got["frame_count"] == 25 and counted == [1]  # one packet count, when needed


def test_cover_art_is_not_the_video() -> None:
    report = json.loads((STORED / "mp3_with_cover_art.json").read_text())
    got = from_ffprobe(report, "cover.mp3", lambda: pytest.fail("packets not needed"))
    assert got["container"] == "mp3" and got["audio_codec"] == "mp3"
    assert "codec" not in got and "fps" not in got and "resolution_width" not in got


def test_unknown_values_are_left_out() -> None:
    report = {
        "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "size": "N/A", "duration": "N/A"},
        "streams": [
            {"index": 0, "codec_type": "video", "codec_name": "h264", "width": 720,
             "height": 576, "sample_aspect_ratio": "0:1", "display_aspect_ratio": "0:1",
             "avg_frame_rate": "0/0", "r_frame_rate": "25/1", "bit_rate": "N/A",
             "color_space": "unknown", "nb_frames": "N/A", "pix_fmt": "yuv420p"},
        ],
    }  # fmt: skip
    got = from_ffprobe(report, "phone.mov", packets=None)
    assert got == {
        "container": "mov", "codec": "h264", "resolution_width": 720,
        "resolution_height": 576, "fps": 25.0, "pixel_format": "yuv420p",
        "aspect_ratio": "5:4",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("given", "want"),
    [(("30000/1001",), 30000 / 1001), (("0/0", "24/1"), 24.0), (("N/A", "0/0"), None),
     (("25",), 25.0), ((None, "2997/125"), 23.976)],
)  # fmt: skip
def test_frame_rate(given: tuple[object, ...], want: float | None) -> None:
    assert frame_rate(*given) == (pytest.approx(want) if want else None)


def test_aspect_ratio_and_container() -> None:
    assert aspect_ratio(1920, 1080) == "16:9"
    assert aspect_ratio(720, 480, "N/A", "32:27") == "16:9"
    assert aspect_ratio(None, None, "0:1") is None
    assert container("matroska,webm", "x.webm") == "webm"
    assert container("matroska,webm", "x.mkv") == "mkv"
    assert container("matroska,webm", "") == "mkv"
    assert container("mov,mp4,m4a,3gp,3g2,mj2", "clip.MOV") == "mov"
    assert container("mov,mp4,m4a,3gp,3g2,mj2", "out") == "mp4"
