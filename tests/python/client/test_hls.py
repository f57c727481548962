"""HLS from the catalog, played: ffmpeg packages real renditions of a generated
clip, vqdb.hls measures them, the catalog records them, vq.hls_master_playlist
renders the master playlist, and it is read back three ways: parsed with the
m3u8 library against Apple's rules, listed by ffprobe (one program per variant,
with the stated resolution and bandwidth), and decoded whole by ffmpeg."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import m3u8
import pytest
import vqdb
from vqdb.hls import rendition_metadata

RUNGS = {"360p": (640, 360, "900k"), "240p": (426, 240, "400k")}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> Path:
    """Two HLS renditions (MPEG-TS segments of 1 s) of one 4 s clip with sound."""
    root = tmp_path_factory.mktemp("hls")
    for label, (width, height, rate) in RUNGS.items():
        (root / label).mkdir()
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25",
             "-f", "lavfi", "-i", "sine=frequency=440", "-t", "4",
             "-vf", f"scale={width}:{height}", "-c:v", "libx264", "-b:v", rate,
             "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac", "-b:a", "96k",
             "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod",
             "-hls_segment_filename", str(root / label / "seg%03d.ts"),
             str(root / label / "index.m3u8")],
            check=True, timeout=120,
        )  # fmt: skip
    return root


def test_a_rendition_is_measured_from_its_segments(packaged):
    metadata = rendition_metadata(packaged / "360p" / "index.m3u8")
    segments = sorted((packaged / "360p").glob("seg*.ts"))
    assert metadata["file_size"] == sum(s.stat().st_size for s in segments)
    assert metadata["duration"] == pytest.approx(4.0, abs=0.1)
    assert (metadata["resolution_width"], metadata["resolution_height"]) == (640, 360)
    assert metadata["frame_count"] == 100  # every packet counted (MPEG-TS's csv lines too)
    assert metadata["codecs"].startswith("avc1.") and metadata["codecs"].endswith(",mp4a.40.2")
    average_kbps = metadata["file_size"] * 8 / metadata["duration"] / 1000
    assert metadata["bitrate"] < average_kbps < metadata["peak_bitrate"]


def test_the_master_playlist_plays(packaged, worker_url, db_url):
    with vqdb.Catalog(worker_url, maxconn=1) as db:
        video = db.create_video(title="hls")
        measured = {}
        for label in RUNGS:
            measured[label] = rendition_metadata(packaged / label / "index.m3u8")
            db.create_video_quality(
                video.id, label, f"{label}/index.m3u8", status="ready",
                is_default=label == "240p", **measured[label],
            )  # fmt: skip
        db.create_video_quality(video.id, "720p", "720p/index.m3u8")  # still pending
        db.create_video_quality(video.id, "original", "source.mov", status="ready")
        text = db.hls_master_playlist(video.id)
    master = packaged / "master.m3u8"
    master.write_text(text)

    playlist = m3u8.loads(text)
    assert playlist.is_variant
    assert [p.uri for p in playlist.playlists] == ["240p/index.m3u8", "360p/index.m3u8"]
    for variant in playlist.playlists:  # what Apple's players require of a variant
        info, label = variant.stream_info, variant.uri.split("/")[0]
        m = measured[label]
        assert info.bandwidth == m["peak_bitrate"] * 1000
        assert info.average_bandwidth == round(m["file_size"] * 8 / m["duration"])
        assert info.bandwidth >= info.average_bandwidth
        assert info.resolution == (m["resolution_width"], m["resolution_height"])
        assert info.frame_rate == 25.0 and info.codecs == m["codecs"]
    assert "# vqdb: 720p left out: not ready (pending)" in text.splitlines()
    assert "# vqdb: original left out: its url is not a media playlist (.m3u8)" in text

    listed = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_programs", "-of", "json", str(master)],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout)["programs"]  # fmt: skip
    seen = set()
    for program in listed:
        [stream] = [s for s in program["streams"] if s["codec_type"] == "video"]
        seen.add((stream["width"], stream["height"], int(program["tags"]["variant_bitrate"])))
    assert seen == {
        (p.stream_info.resolution[0], p.stream_info.resolution[1], p.stream_info.bandwidth)
        for p in playlist.playlists
    }
    decoded = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(master), "-map", "0", "-f", "null", "-"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert decoded.returncode == 0, decoded.stderr

    cli = subprocess.run(
        [str(Path(sys.executable).parent / "vqdb"), "playlist", str(video.id),
         "--database", db_url],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (cli.returncode, cli.stdout) == (0, text)


def test_a_peak_below_the_average_is_refused(worker_url):
    with vqdb.Catalog(worker_url, maxconn=1) as db:
        video = db.create_video(title="hls")
        quality = db.create_video_quality(video.id, "360p", "360p/index.m3u8", bitrate=800)
        with pytest.raises(vqdb.InvalidArgument, match="peak_bitrate = 700 kbps is below"):
            db.update_quality_metadata(quality.id, peak_bitrate=700)
        assert db.list_qualities_ordered(video.id)[0].peak_bitrate is None
