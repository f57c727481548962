"""The baseline: the database service written the plain way its documentation describes.

SQL composed in Python, a psycopg2 ThreadedConnectionPool (min 1, max 10 by
default), and one transaction per operation: psycopg2 opens it with BEGIN
before the first statement, the code commits on success and rolls back on
error, and the connection goes back to the pool. That is 3 round trips per
operation (BEGIN, statement, COMMIT) and 4 for set_default_quality (two
UPDATEs). It connects as a superuser, since it touches the tables directly.

It runs against either of two sets of tables (the schema given):
    public   the plain service's own tables (bench/plain_service.sql, in a
             database of its own): what a user would keep, the headline baseline
    vq       vqdb's tables, so that the same triggers and constraints run on
             both sides: what the rules cost, apart from the round trips

Results are dicts keyed by column name, about the work the client does to
build its dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2.extensions
import psycopg2.extras
from psycopg2.pool import ThreadedConnectionPool

psycopg2.extras.register_uuid()

VIDEO_COLUMNS = (
    "id, title, description, url, thumbnail_url, duration, user_id, views, likes, "
    "status, created_at, updated_at"
)
QUALITY_COLUMNS = (
    "id, video_id, quality, url, file_size, bitrate, resolution_width, resolution_height, "
    "codec, container, duration, fps, pixel_format, color_space, audio_codec, audio_bitrate, "
    "audio_channels, audio_sample_rate, aspect_ratio, frame_count, encoding_time, is_default, "
    "status, error_message, processing_started_at, processing_completed_at, created_at, "
    "updated_at"
)
# The existing service's order, highest resolution first, written into the query as it would be.
ORDER_BY_RESOLUTION = (
    "CASE quality WHEN '2160p' THEN 1 WHEN '1440p' THEN 2 WHEN '1080p' THEN 3 "
    "WHEN '720p' THEN 4 WHEN '480p' THEN 5 WHEN '360p' THEN 6 WHEN '240p' THEN 7 "
    "WHEN '144p' THEN 8 WHEN 'original' THEN 9 ELSE 10 END"
)
METADATA_FIELDS = (
    "url",
    "file_size",
    "bitrate",
    "resolution_width",
    "resolution_height",
    "codec",
    "container",
    "duration",
    "fps",
    "pixel_format",
    "color_space",
    "audio_codec",
    "audio_bitrate",
    "audio_channels",
    "audio_sample_rate",
    "aspect_ratio",
    "frame_count",
    "encoding_time",
    "status",
    "error_message",
)

Row = dict[str, Any]


class BaselineService:
    """The existing service's DatabaseService, plainly: one transaction per operation."""

    def __init__(self, dsn: str, minconn: int = 1, maxconn: int = 10, schema: str = "vq") -> None:
        self.pool = ThreadedConnectionPool(minconn, maxconn, dsn)
        self.videos = f"{schema}.videos"
        self.qualities = f"{schema}.video_qualities"

    @contextmanager
    def _transaction(self) -> Iterator[psycopg2.extensions.cursor]:
        conn = self.pool.getconn()
        try:
            with conn.cursor() as cur:
                yield cur
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            self.pool.putconn(conn)

    @staticmethod
    def _rows(cur: psycopg2.extensions.cursor) -> list[Row]:
        names = [d.name for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def get_video_by_id(self, video_id: Any) -> Row | None:
        with self._transaction() as cur:
            cur.execute(f"SELECT {VIDEO_COLUMNS} FROM {self.videos} WHERE id = %s", (video_id,))
            rows = self._rows(cur)
        return rows[0] if rows else None

    def update_video_status(self, video_id: Any, status: str) -> bool:
        with self._transaction() as cur:
            cur.execute(
                f"UPDATE {self.videos} SET status = %s, updated_at = now() WHERE id = %s",
                (status, video_id),
            )
            return cur.rowcount > 0

    def create_video_quality(self, video_id: Any, quality: str, url: str, **fields: Any) -> Row:
        columns = {
            "video_id": video_id,
            "quality": quality,
            "url": url,
            **{k: v for k, v in fields.items() if v is not None},
        }
        sql = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(
            self.qualities, ", ".join(columns), ", ".join(["%s"] * len(columns)), QUALITY_COLUMNS
        )
        with self._transaction() as cur:
            cur.execute(sql, list(columns.values()))
            return self._rows(cur)[0]

    def update_video_quality(self, quality_id: Any, **fields: Any) -> bool:
        given = {k: v for k, v in fields.items() if v is not None}
        unknown = set(given) - set(METADATA_FIELDS)
        if unknown:
            raise TypeError(f"unknown fields: {sorted(unknown)}")
        sets = [f"{k} = %s" for k in given]
        if given.get("status") in ("ready", "failed"):
            sets.append("processing_completed_at = now()")
        sets.append("updated_at = now()")
        sql = f"UPDATE {self.qualities} SET {', '.join(sets)} WHERE id = %s"
        with self._transaction() as cur:
            cur.execute(sql, [*given.values(), quality_id])
            return cur.rowcount > 0

    def update_video_quality_status(self, quality_id: Any, status: str) -> bool:
        with self._transaction() as cur:
            cur.execute(
                f"UPDATE {self.qualities} SET status = %s, updated_at = now() WHERE id = %s",
                (status, quality_id),
            )
            return cur.rowcount > 0

    def get_video_qualities(self, video_id: Any) -> list[Row]:
        with self._transaction() as cur:
            cur.execute(
                f"SELECT {QUALITY_COLUMNS} FROM {self.qualities} WHERE video_id = %s "
                f"ORDER BY {ORDER_BY_RESOLUTION}",
                (video_id,),
            )
            return self._rows(cur)

    def set_default_quality(self, video_id: Any, quality_id: Any) -> bool:
        # the existing service's process: unset any existing default, set this one, one transaction
        with self._transaction() as cur:
            cur.execute(
                f"UPDATE {self.qualities} SET is_default = false "
                "WHERE video_id = %s AND is_default",
                (video_id,),
            )
            cur.execute(
                f"UPDATE {self.qualities} SET is_default = true WHERE id = %s AND video_id = %s",
                (quality_id, video_id),
            )
            return cur.rowcount > 0

    def close_all(self) -> None:
        self.pool.closeall()
