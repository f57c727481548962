"""vqdb.Job: what a worker's function gets for one quality to encode.

    def encode(job: vqdb.Job) -> dict:
        run_encoder(job.source, job.output, height=job.level.height, **job.settings)
        job.lease.progress(50.0)
        return vqdb.probe(local_file)          # complete_quality's metadata

The quality row (its ``url`` is where the output goes), its video (whose
``url`` is the source), its rung of the ladder (vq.list_quality_levels: label,
rank, height) and the settings given when the work was enqueued
(create_video_qualities' ``settings``: the ladder's, with the quality's own keys
over them), with the lease that holds it.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from vqdb.lease import Lease
from vqdb.models import QualityLevel, Video, VideoQuality


@dataclasses.dataclass(frozen=True)
class Job:
    quality: VideoQuality
    video: Video | None  # None when the video was deleted since the claim
    level: QualityLevel
    settings: Mapping[str, Any]  # {} when none were given
    lease: Lease

    @property
    def source(self) -> str | None:
        """The video's url: what to encode."""
        return self.video.url if self.video is not None else None

    @property
    def output(self) -> str:
        """The quality's url: where its file goes."""
        return self.quality.url


Metadata = Mapping[str, Any] | None
Encode = Callable[[Job], Metadata]
# The older form, kept for workers written before Job: encode(quality, lease).
LegacyEncode = Callable[[VideoQuality, Lease], Metadata]


def as_job_function(encode: Encode | LegacyEncode) -> Encode:
    """encode itself, or the older two-argument form adapted to take a Job."""
    try:
        parameters = inspect.signature(encode).parameters.values()
    except (TypeError, ValueError):  # a builtin or C callable: take it as a job function
        return encode  # type: ignore[return-value]
    required = [
        p for p in parameters
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]  # fmt: skip
    if len(required) == 2:
        legacy: LegacyEncode = encode  # type: ignore[assignment]
        return lambda job: legacy(job.quality, job.lease)
    return encode  # type: ignore[return-value]
