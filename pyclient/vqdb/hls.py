"""A packaged HLS rendition measured as vq.hls_master_playlist needs it.

    metadata = vqdb.hls.rendition_metadata("out/720p/index.m3u8")
    db.complete_quality(quality_id, lease_token, url="720p/index.m3u8", **metadata)

The media playlist is read with the m3u8 library (extra ``vqdb[hls]``) and each
segment's file is measured: ``peak_bitrate`` is the busiest segment's rate
(bytes × 8 over its EXTINF duration, every stream and the container together:
what a variant's BANDWIDTH declares), ``file_size`` and ``duration`` the whole
rendition's (so that AVERAGE-BANDWIDTH is its real average). The streams'
metadata (resolution, frame rate, codecs in RFC 6381 form, …) is ffprobe's, by
vqdb.probe on the playlist.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import m3u8

from vqdb.ffprobe import ProbeError, probe
from vqdb.sql_api import QualityMetadata


def rendition_metadata(media_playlist: str | os.PathLike[str]) -> QualityMetadata:
    """The metadata of the rendition whose media playlist is this local file.
    ProbeError when it is not a media playlist of local segments."""
    path = Path(media_playlist)
    playlist = m3u8.load(str(path))
    if playlist.is_variant or not playlist.segments:
        raise ProbeError(f"{path}: not a media playlist with segments")
    peak, total_bytes, total_seconds = 0.0, 0, 0.0
    for segment in playlist.segments:
        file = path.parent / segment.uri
        if not file.is_file():
            raise ProbeError(f"{path}: segment {segment.uri} is not a local file")
        size = file.stat().st_size
        if not segment.duration or segment.duration <= 0:
            raise ProbeError(f"{path}: segment {segment.uri} has no duration")
        peak = max(peak, size * 8 / segment.duration)
        total_bytes += size
        total_seconds += segment.duration
    metadata = probe(path)
    metadata["peak_bitrate"] = math.ceil(peak / 1000)  # kbps, never under the peak
    metadata["file_size"] = total_bytes
    metadata["duration"] = total_seconds
    return metadata
