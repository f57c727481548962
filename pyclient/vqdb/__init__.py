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
    NotFound,
    PoolTimeout,
    Unavailable,
    VqdbError,
)
from vqdb.models import Video, VideoQuality
from vqdb.pool import PoolStats
from vqdb.service import DatabaseService

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "Conflict",
    "DatabaseService",
    "InvalidArgument",
    "NotFound",
    "PoolStats",
    "PoolTimeout",
    "Unavailable",
    "Video",
    "VideoQuality",
    "VqdbError",
    "__version__",
]
