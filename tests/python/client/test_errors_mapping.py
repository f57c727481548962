"""The SQLSTATE table: each exception class from a real failing call, plus the table itself."""

from __future__ import annotations

import threading
import time
import uuid
from contextlib import closing

import psycopg2
import pytest
import vqdb
from vqdb.errors import error_class
from vqdb.testing.cluster import free_port


@pytest.fixture
def db(db_url):
    with vqdb.Catalog(db_url) as catalog:
        yield catalog


def check(err, cls, sqlstate):
    assert type(err) is cls
    assert isinstance(err, vqdb.VqdbError)
    assert err.sqlstate == sqlstate
    assert isinstance(err.original, psycopg2.Error) and err.original.pgcode == sqlstate
    assert err.message and err.message in str(err)


def test_not_found_for_an_unknown_video(db):
    with pytest.raises(vqdb.NotFound) as err:
        db.create_video_quality(video_id=uuid.uuid4(), quality="720p", url="u")
    check(err.value, vqdb.NotFound, "P0002")
    assert "p_video_id" in err.value.message


@pytest.mark.parametrize(
    ("call", "sqlstate"),
    [
        (lambda db, v: db.create_video(title=None), "22004"),
        (lambda db, v: db.create_video(title="   "), "22023"),
        (lambda db, v: db.create_video(title="x" * 501), "22001"),
        (lambda db, v: db.create_video(title="x", duration=-1), "22003"),
        (lambda db, v: db.get_video("not-a-uuid"), "22P02"),
        (lambda db, v: db.update_video_status(v.id, "deleted"), "22023"),
        (lambda db, v: db.create_video_quality(video_id=v.id, quality="999p", url="u"), "22023"),
        (
            lambda db, v: db.create_video_quality(
                video_id=v.id, quality="720p", url="u", bitrate=-5
            ),
            "22003",
        ),
    ],
)
def test_invalid_argument(db, call, sqlstate):
    video = db.create_video(title="A")
    with pytest.raises(vqdb.InvalidArgument) as err:
        call(db, video)
    check(err.value, vqdb.InvalidArgument, sqlstate)


def test_invalid_argument_for_a_forbidden_transition(db):
    video = db.create_video(title="A")
    q = db.create_video_quality(video_id=video.id, quality="720p", url="u")
    with pytest.raises(vqdb.InvalidArgument) as err:
        db.update_quality_status(q.id, "ready")  # pending -> ready skips processing
    check(err.value, vqdb.InvalidArgument, "22023")
    assert "pending" in err.value.message and "ready" in err.value.message


def test_conflict_from_a_unique_violation(db, superuser_conn):
    # The API itself never raises 23505; a DBA's extra rule can. Titles unique here:
    with superuser_conn.cursor() as cur:
        cur.execute("create unique index on vq.videos (title)")
    db.create_video(title="same")
    with pytest.raises(vqdb.Conflict) as err:
        db.create_video(title="same")
    check(err.value, vqdb.Conflict, "23505")


def test_conflict_from_a_serialization_failure(db_url, superuser_conn):
    """A repeatable-read caller that waited for a row another transaction changed: 40001."""
    url = db_url + "?options=-c%20default_transaction_isolation%3Drepeatable%5C%20read"
    with vqdb.Catalog(url) as db, closing(psycopg2.connect(db_url)) as locker:
        video = db.create_video(title="A")
        with locker.cursor() as cur:  # a transaction; superuser_conn watches
            cur.execute("update vq.videos set views = 1 where id = %s", (video.id,))
            result: list[BaseException] = []

            def call():
                try:
                    db.update_video_status(video.id, "published")
                except BaseException as exc:  # noqa: BLE001
                    result.append(exc)

            t = threading.Thread(target=call, daemon=True)
            t.start()
            wait_for_lock_waiter(superuser_conn)
            locker.commit()
            t.join()
    assert len(result) == 1
    check(result[0], vqdb.Conflict, "40001")


def wait_for_lock_waiter(conn, timeout=30.0):
    """Until some backend of this database waits for a lock."""
    deadline = time.monotonic() + timeout
    with conn.cursor() as cur:
        while time.monotonic() < deadline:
            cur.execute(
                "select count(*) from pg_stat_activity "
                "where datname = current_database() and wait_event_type = 'Lock'"
            )
            if cur.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("no backend started waiting for a lock")


def test_unavailable_when_nothing_listens():
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    with pytest.raises(vqdb.Unavailable) as err:
        vqdb.Catalog(url)  # minconn=1 connects at once
    assert err.value.sqlstate is None and isinstance(err.value.original, psycopg2.Error)
    with vqdb.Catalog(url, minconn=0, retries=2, retry_backoff=0.01) as db:
        with pytest.raises(vqdb.Unavailable) as err:
            db.get_video(uuid.uuid4())
        assert "after 2 retries" in str(err.value)
        assert db.stats().retries == 2
    # without a count, the time budget decides: it keeps trying for retry_for seconds
    with vqdb.Catalog(url, minconn=0, retry_for=0.6, retry_backoff=0.01) as db:
        began = time.monotonic()
        with pytest.raises(vqdb.Unavailable):
            db.get_video(uuid.uuid4())
        assert time.monotonic() - began >= 0.6
        assert db.stats().retries >= 4  # 0.01 + 0.02 + 0.04 + 0.08 + ... until 0.6 s


def test_pool_timeout(db_url):
    with vqdb.Catalog(db_url, maxconn=1, acquire_timeout=0.2) as db:
        held = db.pool.getconn()
        try:
            with pytest.raises(vqdb.PoolTimeout):
                db.get_video(uuid.uuid4())
        finally:
            db.pool.putconn(held)
        assert db.stats().timeouts == 1
        assert db.get_video(uuid.uuid4()) is None  # the slot came back


@pytest.mark.parametrize(
    ("sqlstate", "cls"),
    [
        ("P0002", vqdb.NotFound),
        ("23503", vqdb.NotFound),
        ("22000", vqdb.InvalidArgument),
        ("22012", vqdb.InvalidArgument),
        ("23502", vqdb.InvalidArgument),
        ("23514", vqdb.InvalidArgument),
        ("23505", vqdb.Conflict),
        ("40001", vqdb.Conflict),
        ("40P01", vqdb.Conflict),
        ("08006", vqdb.Unavailable),
        ("08001", vqdb.Unavailable),
        ("57P01", vqdb.Unavailable),
        ("57P02", vqdb.Unavailable),
        ("57P03", vqdb.Unavailable),
        ("23000", vqdb.VqdbError),
        ("42883", vqdb.VqdbError),
        ("57014", vqdb.VqdbError),
        (None, vqdb.VqdbError),
    ],
)
def test_the_table(sqlstate, cls):
    assert error_class(sqlstate) is cls
