"""The pool: waiting for a connection, timeouts, dropping broken connections, figures."""

from __future__ import annotations

import threading
import time
import uuid
from contextlib import closing

import psycopg2
import psycopg2.extensions
import pytest
import vqdb
from vqdb.pool import Pool


def wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


def test_a_caller_waits_for_a_busy_connection(db_url):
    with vqdb.Catalog(db_url, maxconn=1, acquire_timeout=30) as db:
        held = db.pool.getconn()
        got: list[object] = []
        t = threading.Thread(target=lambda: got.append(db.get_video(uuid.uuid4())))
        t.start()
        wait_until(lambda: db.stats().waiting == 1)
        assert got == [] and db.stats().in_use == 1
        time.sleep(0.05)  # it keeps waiting rather than failing at once
        db.pool.putconn(held)
        t.join()
        assert got == [None]
        stats = db.stats()
        assert (stats.waiting, stats.in_use, stats.timeouts, stats.acquisitions) == (0, 0, 0, 2)
        assert stats.max_wait_s >= 0.05 and stats.total_wait_s >= stats.max_wait_s


def test_timeout_then_the_pool_still_works(db_url):
    with vqdb.Catalog(db_url, maxconn=2, acquire_timeout=0.1) as db:
        a, b = db.pool.getconn(), db.pool.getconn()
        for _ in range(2):
            with pytest.raises(vqdb.PoolTimeout):
                db.get_video(uuid.uuid4())
        db.pool.putconn(a)
        db.pool.putconn(b)
        assert db.get_video(uuid.uuid4()) is None
        assert db.stats().timeouts == 2


def backends(conn, dbname):
    with conn.cursor() as cur:
        cur.execute(
            "select pid from pg_stat_activity where datname = %s and application_name = 'vqdb'",
            (dbname,),
        )
        return [pid for (pid,) in cur.fetchall()]


def terminate(conn, pids):
    with conn.cursor() as cur:
        cur.execute("select pg_terminate_backend(pid, 5000) from unnest(%s) as pid", (pids,))


def test_killed_connections_are_dropped_and_the_next_call_succeeds(db_url, superuser_conn):
    with vqdb.Catalog(db_url, maxconn=3) as db:
        held = [db.pool.getconn() for _ in range(3)]  # open three
        for conn in held:
            db.pool.putconn(conn)
        assert db.stats().idle == 3
        dbname = superuser_conn.info.dbname
        pids = backends(superuser_conn, dbname)
        assert len(pids) == 3
        terminate(superuser_conn, pids)

        video = db.create_video(title="after the kill")  # dead idle connections: no retry needed
        assert db.get_video(video.id) == video
        stats = db.stats()
        assert stats.discarded == 3 and stats.retries == 0
        assert not set(backends(superuser_conn, dbname)) & set(pids)


def test_a_connection_lost_during_a_call_is_dropped_and_the_call_retried(db_url, superuser_conn):
    # superuser_conn watches and kills; `locker` holds the lock in a transaction
    # (pg_stat_activity is a snapshot inside one, so it cannot watch).
    with vqdb.Catalog(db_url) as db, closing(psycopg2.connect(db_url)) as locker:
        video = db.create_video(title="A")
        with locker.cursor() as cur:
            cur.execute("select 1 from vq.videos where id = %s for update", (video.id,))
            result: list[object] = []
            t = threading.Thread(
                target=lambda: result.append(db.update_video_status(video.id, "published")),
                daemon=True,
            )
            t.start()
            first = wait_for_waiter(superuser_conn)
            terminate(superuser_conn, [first])  # mid-call: the call is lost
            second = wait_for_waiter(superuser_conn)  # retried on a new connection
            assert second != first
            locker.commit()
            t.join()
        assert result == [True]
        assert db.get_video(video.id).status == "published"
        stats = db.stats()
        assert stats.retries == 1 and stats.discarded == 1


def test_create_video_lost_mid_call_is_retried_and_creates_one_video(db_url, superuser_conn):
    # The first attempt is killed while it waits for the table lock; the retry
    # carries the same p_id, so however far the first one got, one video results.
    with vqdb.Catalog(db_url) as db, closing(psycopg2.connect(db_url)) as locker:
        with locker.cursor() as cur:
            cur.execute("lock table vq.videos in exclusive mode")
            result: list[object] = []
            t = threading.Thread(
                target=lambda: result.append(db.create_video(title="maybe")), daemon=True
            )
            t.start()
            first = wait_for_waiter(superuser_conn)
            terminate(superuser_conn, [first])
            assert wait_for_waiter(superuser_conn) != first  # the retry, on a new connection
            locker.commit()
            t.join()
        assert len(result) == 1 and isinstance(result[0], vqdb.Video)
        with superuser_conn.cursor() as cur:
            cur.execute("select count(*) from vq.videos where title = 'maybe'")
            assert cur.fetchone()[0] == 1
        assert db.stats().retries == 1 and db.stats().discarded == 1


def test_create_video_repeated_with_its_id_returns_the_first_video(db_url):
    with vqdb.Catalog(db_url) as db:
        first = db.create_video(title="once", duration=3)
        again = db.create_video(title="once", duration=3, id=first.id)
        assert again == first
        with pytest.raises(vqdb.Conflict) as err:
            db.create_video(title="another", id=first.id)
        assert err.value.sqlstate == "23505" and "p_id" in err.value.message


def wait_for_waiter(conn):
    found: list[int] = []

    def waiting():
        with conn.cursor() as cur:
            cur.execute(
                "select pid from pg_stat_activity where datname = current_database() "
                "and application_name = 'vqdb' and wait_event_type = 'Lock'"
            )
            found[:] = [pid for (pid,) in cur.fetchall()]
        return bool(found)

    wait_until(waiting)
    return found[0]


def test_idle_connections_are_kept_up_to_maxconn(db_url):
    """psycopg2 alone closes every returned connection beyond minconn; the pool keeps them."""
    with vqdb.Catalog(db_url, minconn=1, maxconn=4) as db:
        held = [db.pool.getconn() for _ in range(4)]
        for conn in held:
            db.pool.putconn(conn)
        stats = db.stats()
        assert (stats.size, stats.idle, stats.in_use) == (4, 4, 0)
        again = db.pool.getconn()
        assert again in held  # reused, not a new connection
        db.pool.putconn(again)


def test_returned_connections_are_reset_to_idle_autocommit(db_url):
    pool = Pool(db_url, maxconn=1)
    try:
        conn = pool.getconn()
        assert conn.autocommit
        conn.autocommit = False
        with conn.cursor() as cur:
            cur.execute("select 1")  # opens a transaction
        assert conn.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_INTRANS
        pool.putconn(conn)
        again = pool.getconn()
        assert again is conn and again.autocommit
        assert again.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_IDLE
        again.close()
        pool.putconn(again)  # closed by its user: dropped
        assert pool.stats().discarded == 1 and pool.stats().size == 0
        assert not pool.getconn().closed
    finally:
        pool.close()


def test_close_wakes_waiters_and_refuses_new_calls(db_url):
    db = vqdb.Catalog(db_url, maxconn=1, acquire_timeout=30)
    held = db.pool.getconn()
    result: list[BaseException] = []

    def call():
        try:
            db.get_video(uuid.uuid4())
        except BaseException as exc:  # noqa: BLE001
            result.append(exc)

    t = threading.Thread(target=call, daemon=True)
    t.start()
    wait_until(lambda: db.stats().waiting == 1)
    db.close()
    t.join()
    assert len(result) == 1 and isinstance(result[0], vqdb.Unavailable)
    db.pool.putconn(held)  # giving back after close is harmless
    with pytest.raises(vqdb.Unavailable):
        db.get_video(uuid.uuid4())


def test_giving_a_connection_back_twice_is_refused(db_url):
    pool = Pool(db_url, maxconn=2)
    try:
        conn = pool.getconn()
        pool.putconn(conn)
        with pytest.raises(ValueError):
            pool.putconn(conn)
        stray = psycopg2.connect(db_url)
        with pytest.raises(ValueError):
            pool.putconn(stray)
        stray.close()
        assert pool.stats().in_use == 0
    finally:
        pool.close()
