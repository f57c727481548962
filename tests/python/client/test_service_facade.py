"""vqdb.DatabaseService: the existing service's interface, its example, None/False on error."""

from __future__ import annotations

import contextlib
import io
import logging
import uuid

import psycopg2.extensions
import pytest
from psycopg2.pool import ThreadedConnectionPool
from vqdb import Catalog, DatabaseService
from vqdb.testing.cluster import free_port

# The existing service's "Example Usage", verbatim (only its import path changes below).
SEED_EXAMPLE = """
from services.database import DatabaseService
from uuid import UUID

# Get video
video = DatabaseService.get_video_by_id(UUID("..."))
if video:
    print(f"Video: {video.title}")

# Create quality
quality = DatabaseService.create_video_quality(
    video_id=video.id,
    quality="720p",
    url="https://example.com/video_720p.mp4",
    status="processing"
)

# Update with metadata
DatabaseService.update_video_quality(
    quality_id=quality.id,
    file_size=104857600,
    bitrate=5000,
    resolution_width=1280,
    resolution_height=720,
    status="ready"
)

# Get all qualities
qualities = DatabaseService.get_video_qualities(video.id)
for q in qualities:
    print(f"{q.quality}: {q.status}")
"""


@pytest.fixture
def service(db_url):
    DatabaseService.configure(dsn=db_url)
    yield DatabaseService
    DatabaseService.close_all()
    DatabaseService.configure()


@pytest.fixture
def catalog(db_url):
    with Catalog(db_url) as c:
        yield c


def test_the_seed_example_runs_as_written(service, catalog):
    video = catalog.create_video(title="Seed video")
    code = SEED_EXAMPLE.replace(
        "from services.database import DatabaseService", "from vqdb import DatabaseService"
    ).replace('UUID("...")', f'UUID("{video.id}")')
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "seed_example", "exec"), {})
    assert out.getvalue().splitlines() == ["Video: Seed video", "720p: ready"]
    (q,) = catalog.list_qualities_ordered(video.id)
    assert (q.file_size, q.bitrate, q.resolution_width, q.resolution_height) == (
        104857600,
        5000,
        1280,
        720,
    )
    assert q.processing_completed_at is not None


def test_configuration_from_database_url(db_url, monkeypatch, catalog):
    video = catalog.create_video(title="env")
    monkeypatch.setenv("DATABASE_URL", db_url)
    DatabaseService.configure()
    try:
        assert DatabaseService.get_video_by_id(video.id) == video
    finally:
        DatabaseService.close_all()


def test_every_method(service, catalog):
    video = catalog.create_video(title="A")
    assert service.get_video_by_id(video.id) == video
    assert service.get_video_by_id(uuid.uuid4()) is None
    assert service.update_video_status(video.id, "processing") is True
    assert service.update_video_status(uuid.uuid4(), "processing") is False
    created = [
        service.create_video_quality(
            video_id=video.id,
            quality=label,
            url=f"https://x/{label}.mp4",
            file_size=1,
            bitrate=2,
            resolution_width=3,
            resolution_height=4,
            codec="h264",
            container="mp4",
            duration=5,
            status="processing",
        )
        for label in ("144p", "original", "1080p")
    ]
    assert all(q is not None and q.status == "processing" for q in created)
    assert [q.quality for q in service.get_video_qualities(video.id)] == [
        "1080p",
        "144p",
        "original",
    ]
    q1080 = created[2]
    assert service.update_video_quality_status(q1080.id, "ready") is True
    assert service.update_video_quality(q1080.id, fps=30.0, codec="av1") is True
    assert service.set_default_quality(video.id, q1080.id) is True
    assert catalog.get_default_quality(video.id).id == q1080.id
    ready_default = service.create_video_quality(
        video_id=video.id, quality="720p", url="u", is_default=True, status="ready"
    )
    assert ready_default.is_default
    assert catalog.get_default_quality(video.id).quality == "720p"


def test_errors_are_logged_with_context_and_give_none_or_false(service, catalog, caplog):
    video = catalog.create_video(title="A")
    pending = catalog.create_video_quality(video_id=video.id, quality="720p", url="u")
    caplog.set_level(logging.ERROR, logger="vqdb")

    assert service.get_video_by_id("not-a-uuid") is None
    assert service.update_video_status(video.id, "deleted") is False
    assert service.create_video_quality(video_id=uuid.uuid4(), quality="720p", url="u") is None
    assert service.update_video_quality(pending.id, status="ready") is False  # skips processing
    assert service.update_video_quality(pending.id, bitrate=-1) is False
    assert service.update_video_quality_status(pending.id, "bogus") is False
    assert service.set_default_quality(video.id, pending.id) is False  # not ready
    assert service.get_video_qualities("nope") == []

    messages = [r.getMessage() for r in caplog.records if r.name == "vqdb"]
    assert len(messages) == 8
    assert "get_video_by_id(video_id=not-a-uuid)" in messages[0] and "22P02" in messages[0]
    assert "InvalidArgument" in messages[1] and "'deleted'" in messages[1]
    assert "NotFound" in messages[2] and "P0002" in messages[2]
    assert f"quality_id={pending.id}" in messages[3]
    # nothing changed, and no connection leaked
    assert catalog.list_qualities_ordered(video.id)[0].status == "pending"
    assert service.catalog().stats().in_use == 0


def test_unreachable_server_gives_none_and_false(caplog):
    DatabaseService.configure(
        dsn=f"postgresql://postgres@127.0.0.1:{free_port()}/x", retries=1, retry_backoff=0.01
    )
    try:
        caplog.set_level(logging.ERROR, logger="vqdb")
        assert DatabaseService.get_video_by_id(uuid.uuid4()) is None
        assert DatabaseService.update_video_status(uuid.uuid4(), "draft") is False
        assert all("Unavailable" in r.getMessage() for r in caplog.records)
        assert len(caplog.records) == 2
    finally:
        DatabaseService.close_all()
        DatabaseService.configure()


def test_raw_connections_from_the_pool(service, catalog):
    assert isinstance(service.get_pool(), ThreadedConnectionPool)
    video = catalog.create_video(title="A")
    conn = service.get_connection()
    try:
        assert isinstance(conn, psycopg2.extensions.connection)
        assert not conn.autocommit  # plain psycopg2 semantics: the caller commits
        with conn.cursor() as cur:
            cur.execute("select title from vq.get_video(%s)", (video.id,))
            assert cur.fetchone() == ("A",)
        assert conn.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_INTRANS
    finally:
        service.put_connection(conn)
    stats = service.catalog().stats()
    assert stats.in_use == 0 and stats.discarded == 0
    again = service.get_connection()  # the same connection, rolled back
    assert again is conn
    assert again.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_IDLE
    service.put_connection(again)


def test_close_all_then_use_again(service, catalog):
    video = catalog.create_video(title="A")
    first = service.catalog()
    service.close_all()
    assert first.pool.closed
    assert service.get_video_by_id(video.id) == video
    assert service.catalog() is not first


def test_get_pool_hands_out_the_catalogs_own_connections(service, catalog):
    """The existing service's get_pool() is a ThreadedConnectionPool over the Catalog's pool: what
    it hands out is counted in stats(), waits like it, and goes back to it."""
    pool = service.get_pool()
    assert service.get_pool() is pool
    conn = pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("select 1")
            assert cur.fetchone() == (1,)
        assert service.catalog().stats().in_use == 1
        assert pool.getconn(key="k") is pool.getconn(key="k")  # psycopg2's keyed form
        assert service.catalog().stats().in_use == 2
        pool.putconn(key="k")
    finally:
        pool.putconn(conn)
    stats = service.catalog().stats()
    assert stats.in_use == 0 and stats.idle >= 1 and stats.discarded == 0
    dropped = pool.getconn()
    pool.putconn(dropped, close=True)
    assert dropped.closed and service.catalog().stats().discarded == 1


def test_the_seed_interface_on_a_claimed_quality_ends_its_lease(service, catalog):
    """An existing worker that still uses the seed interface may finish a quality a new
    worker has claimed: the status change ends the lease, whose holder is then refused."""
    import vqdb

    video = catalog.create_video(title="claimed")
    catalog.create_video_qualities(video.id, [{"quality": "720p", "url": "s3://c"}])
    (claimed,) = catalog.claim_qualities("new-worker")
    assert service.update_video_quality(claimed.id, bitrate=4000, status="ready") is True
    (after,) = service.get_video_qualities(video.id)
    assert (after.status, after.bitrate, after.lease_token, after.lease_expires_at) == (
        "ready",
        4000,
        None,
        None,
    )
    with pytest.raises(vqdb.LeaseLost):
        catalog.complete_quality(claimed.id, claimed.lease_token)
    # a metadata update that leaves the status alone keeps the lease
    catalog.create_video_qualities(video.id, [{"quality": "480p", "url": "s3://d"}])
    (second,) = catalog.claim_qualities("new-worker")
    assert service.update_video_quality(second.id, codec="h264") is True
    assert catalog.complete_quality(second.id, second.lease_token).codec == "h264"
