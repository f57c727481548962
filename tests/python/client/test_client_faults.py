"""Server restarts and outages, on a dedicated cluster so other tests are unaffected."""

from __future__ import annotations

import threading
import uuid

import pytest
import vqdb
from vqdb import migrations
from vqdb.testing.cluster import ThrowawayCluster


@pytest.fixture(scope="module")
def cluster():
    with ThrowawayCluster() as own:
        own.create_database("vqdb")
        migrations.apply(own.dsn("vqdb"))
        yield own


@pytest.fixture
def db(cluster):
    if not cluster.is_running:
        cluster.start()
    with vqdb.Catalog(cluster.dsn("vqdb"), maxconn=4, retries=3) as catalog:
        yield catalog


def open_connections(db, n):
    held = [db.pool.getconn() for _ in range(n)]
    for conn in held:
        db.pool.putconn(conn)


def test_calls_succeed_after_a_fast_restart(cluster, db):
    video = db.create_video(title="before the restart")
    open_connections(db, 4)
    cluster.restart("fast")  # every idle connection of the pool is now dead

    assert db.get_video(video.id) == video
    assert db.update_video_status(video.id, "published") is True
    assert db.create_video(title="after the restart").title == "after the restart"
    stats = db.stats()
    assert stats.discarded == 4  # each dead connection dropped once, none handed out
    assert stats.in_use == 0


def test_threads_recover_together_after_a_restart(cluster, db):
    video = db.create_video(title="A")
    open_connections(db, 4)
    cluster.restart("fast")
    errors: list[BaseException] = []

    def reader():
        try:
            for _ in range(20):
                assert db.get_video(video.id) is not None
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.stats().discarded >= 4


@pytest.mark.timeout(60)  # "bounded": connect refused, 3 retries with a short backoff
def test_unavailable_while_the_server_is_down_then_back(cluster, db):
    video = db.create_video(title="A")
    cluster.stop()
    try:
        with pytest.raises(vqdb.Unavailable) as err:
            db.get_video(video.id)
        assert "after 3 retries" in str(err.value)
        with pytest.raises(vqdb.Unavailable):
            db.create_video(title="not now")
        stats = db.stats()
        assert stats.retries == 6 and stats.in_use == 0
    finally:
        cluster.start()
    assert db.get_video(video.id) == video
    assert db.get_video(uuid.uuid4()) is None
