"""vqdb: thin Python client for the vq stored-procedure API in PostgreSQL.

import vqdb
with vqdb.Catalog() as db:            # DATABASE_URL, else PG* variables
    video = db.create_video(title="Intro")
    db.create_video_quality(video_id=video.id, quality="720p", url="s3://...")
"""

from vqdb.catalog import Catalog
from vqdb.errors import (
    Conflict,
    InvalidArgument,
    LeaseLost,
    NotFound,
    PoolTimeout,
    Unavailable,
    VqdbError,
)
from vqdb.ffprobe import ProbeError, probe
from vqdb.job import Job
from vqdb.lease import Lease
from vqdb.models import Change, QualityAttempt, QualityLevel, QueueStats, Video, VideoQuality
from vqdb.pool import PoolStats
from vqdb.service import DatabaseService
from vqdb.worker import Worker

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "Change",
    "Conflict",
    "DatabaseService",
    "InvalidArgument",
    "Job",
    "Lease",
    "LeaseLost",
    "NotFound",
    "PoolStats",
    "PoolTimeout",
    "ProbeError",
    "QualityAttempt",
    "QualityLevel",
    "QueueStats",
    "Unavailable",
    "Video",
    "VideoQuality",
    "VqdbError",
    "Worker",
    "__version__",
    "probe",
]
