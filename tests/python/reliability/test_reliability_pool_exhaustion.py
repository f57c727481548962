"""Pool exhaustion: 50 threads on 10 connections all finish; a caller facing a full pool gets
PoolTimeout after its timeout, and the pool recovers when connections come back.

    pytest tests/python/reliability/test_reliability_pool_exhaustion.py -s      # figures
    VQDB_SOAK=full pytest ...                                       # 10x the calls
"""

from __future__ import annotations

import threading
import time
import uuid

import psycopg2
import vqdb

from tests.python.conftest import VIA_PGBOUNCER
from tests.python.reliability.soak import scale

APP = "vqdb-pool-test"


def server_connections(admin, dbname: str) -> int:
    with admin.cursor() as cur:
        cur.execute(
            "select count(*) from pg_stat_activity where datname = %s and application_name = %s",
            (dbname, APP),
        )
        return int(cur.fetchone()[0])


def test_fifty_threads_on_ten_connections(db_url, superuser_conn):
    threads_n, calls = 50, scale(200, 2000)
    dbname = superuser_conn.info.dbname
    dsn = psycopg2.extensions.make_dsn(db_url, application_name=APP)
    with vqdb.Catalog(dsn, maxconn=10, acquire_timeout=60) as db:
        video = db.create_video(title="pool exhaustion")
        q = db.create_video_quality(video.id, "720p", "s3://p/720", status="ready")
        done = [0] * threads_n
        errors: list[BaseException] = []
        peak = [0]
        stop = threading.Event()

        def caller(i: int) -> None:
            try:
                for n in range(calls):
                    if n % 2:
                        assert db.set_default_quality(video.id, q.id)
                    else:
                        assert db.get_video(video.id) is not None
                    done[i] += 1
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        def watch() -> None:  # the server's view: never more than 10 of ours
            while not stop.is_set():
                peak[0] = max(peak[0], server_connections(superuser_conn, dbname))
                time.sleep(0.01)

        threads = [threading.Thread(target=caller, args=(i,)) for i in range(threads_n)]
        watcher = threading.Thread(target=watch)
        watcher.start()
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began
        stop.set()
        watcher.join()

        assert errors == []
        assert done == [calls] * threads_n
        stats = db.stats()
        assert stats.in_use == 0 and stats.waiting == 0 and stats.timeouts == 0
        assert stats.size <= 10 and peak[0] <= 10
        # behind PgBouncer the server sees PgBouncer's connections, which may not carry our name
        assert peak[0] > 0 or VIA_PGBOUNCER
        assert stats.max_wait_s > 0  # callers did queue for connections

    print(
        f"\npool exhaustion: {threads_n} threads x {calls} calls on a pool of 10 in "
        f"{elapsed:.1f} s, all finished, 0 errors; peak server connections {peak[0]}; "
        f"waits: total {stats.total_wait_s:.1f} s, longest {stats.max_wait_s * 1000:.0f} ms"
    )


def test_full_pool_times_out_then_recovers(db_url):
    timeout = 0.5
    with vqdb.Catalog(db_url, maxconn=10, acquire_timeout=timeout) as db:
        held = [db.pool.getconn() for _ in range(10)]
        assert db.stats().in_use == 10
        began = time.monotonic()
        try:
            db.get_video(uuid.uuid4())
        except vqdb.PoolTimeout as exc:
            waited = time.monotonic() - began
            assert exc.sqlstate is None and "10" in exc.message
        else:
            raise AssertionError("a call on a full pool did not time out")
        # it waited for its timeout (not failing at once), and not forever
        assert timeout <= waited < timeout + 10
        # several callers at once: each gets its own PoolTimeout
        outcomes: list[BaseException | None] = []

        def caller() -> None:
            try:
                db.get_video(uuid.uuid4())
                outcomes.append(None)
            except vqdb.VqdbError as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=caller) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(outcomes) == 5 and all(isinstance(o, vqdb.PoolTimeout) for o in outcomes)

        # release: the pool serves again, with the same connections
        for conn in held:
            db.pool.putconn(conn)
        assert db.get_video(uuid.uuid4()) is None
        stats = db.stats()
        assert (stats.in_use, stats.waiting, stats.timeouts, stats.discarded) == (0, 0, 6, 0)

        # a caller already waiting when a connection comes back is served, not timed out
        held = [db.pool.getconn() for _ in range(10)]
        waiter_out: list[object] = []
        waiter = threading.Thread(target=lambda: waiter_out.append(db.get_video(uuid.uuid4())))
        db.pool.acquire_timeout = 30
        waiter.start()
        while db.stats().waiting == 0:
            time.sleep(0.005)
        db.pool.putconn(held.pop())
        waiter.join()
        assert waiter_out == [None]
        for conn in held:
            db.pool.putconn(conn)
        assert db.stats().in_use == 0


def test_a_waiting_caller_is_served_before_a_newcomer(db_url):
    """First come, first served: the fix for the 10 s waits of the full run (a woken
    waiter used to lose the free slot to a caller that had just arrived)."""
    with vqdb.Catalog(db_url, maxconn=1, acquire_timeout=30) as db:
        held = db.pool.getconn()
        order: list[str] = []

        def waiter() -> None:
            conn = db.pool.getconn()
            order.append("waiter")
            db.pool.putconn(conn)

        t = threading.Thread(target=waiter)
        t.start()
        while db.stats().waiting == 0:
            time.sleep(0.005)
        db.pool.putconn(held)
        conn = db.pool.getconn()  # a newcomer, right after the release: must queue
        order.append("newcomer")
        db.pool.putconn(conn)
        t.join()
        assert order == ["waiter", "newcomer"]
        assert db.stats().in_use == 0
