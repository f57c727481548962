"""Killed backends under load: retries hide them, and no dead connection is handed out again.

8 threads run the full worker flow (reliability/flow.py) through one client on a
dedicated cluster while a killer calls pg_terminate_backend on a random one of
the client's connections every 50 ms, idle or busy: each connection lives about
half a second, so most calls run on a fresh backend.

  * no call fails: the client's own retries absorb every kill (the worker never
    sees Unavailable), create_video included (it is repeatable since it takes
    the new video's id, migration 0030), and no video is created twice;
  * no broken connection is reused: the client retried at most once per kill
    (a dead connection handed out again would fail again), it discarded the
    dead ones, and every connection its pool hands out afterwards is alive;
  * every acknowledged write is in the database.

    pytest tests/python/reliability/test_reliability_killed_backends.py -s      # figures
    VQDB_SOAK=full pytest ...                                       # 60 s
"""

from __future__ import annotations

import os
import random
import threading
import time

import psycopg2
import vqdb

from tests.python.reliability.clusters import migrated_cluster
from tests.python.reliability.flow import Worker, check_ledgers
from tests.python.reliability.soak import scale

APP = "vqdb-kill-test"
KILL_EVERY_S = 0.05
# A call fails only when its connection is killed on every attempt. A fresh
# backend's first call takes ~30 ms (catalog caches, PL/pgSQL compilation), and
# each of ~10 connections is killed ~2 times a second, so an attempt dies with
# p ~ 0.06; with 5 retries a call fails with p ~ 0.06^6 ~ 5e-8 (docs/reliability.md).
RETRIES = 5


def test_killed_backends_under_load():
    duration = int(os.environ.get("VQDB_KILL_SECONDS", 0)) or scale(5, 60)
    with migrated_cluster() as (_cluster, url):
        admin = psycopg2.connect(url, application_name="killer")
        admin.autocommit = True
        dsn = psycopg2.extensions.make_dsn(url, application_name=APP)
        with vqdb.Catalog(dsn, maxconn=10, retries=RETRIES) as db:
            stop = threading.Event()
            workers = [Worker(db, f"w{i}", stop) for i in range(8)]
            kills = {"idle": 0, "busy": 0}
            rng = random.Random(7)

            def killer() -> None:
                with admin.cursor() as cur:
                    while not stop.is_set():
                        time.sleep(KILL_EVERY_S)
                        cur.execute(
                            "select pid, state from pg_stat_activity where application_name = %s",
                            (APP,),
                        )
                        backends = cur.fetchall()
                        if not backends:
                            continue
                        pid, state = rng.choice(backends)
                        cur.execute("select pg_terminate_backend(%s)", (pid,))
                        if cur.fetchone()[0]:
                            # idle: between two statements (the connection may be in use)
                            kills["idle" if state == "idle" else "busy"] += 1

            threads = [threading.Thread(target=w.run) for w in workers]
            kill_thread = threading.Thread(target=killer)
            for t in threads:
                t.start()
            kill_thread.start()
            time.sleep(duration)
            stop.set()
            for t in [*threads, kill_thread]:
                t.join(120)
            assert not any(t.is_alive() for t in [*threads, kill_thread]), "a thread hangs"

            ledgers = [w.ledger for w in workers]
            errors = [e for led in ledgers for e in led.errors]
            assert errors == [], f"{len(errors)} unexpected errors, e.g. {errors[:3]!r}"
            repeated = [e for led in ledgers for e in led.repeated]
            assert repeated == [], (
                f"{len(repeated)} calls failed despite the retries: {repeated[:3]!r}"
            )
            total_kills = kills["idle"] + kills["busy"]
            assert total_kills > 0
            stats = db.stats()
            assert 0 < stats.discarded
            assert stats.retries <= total_kills, (stats.retries, total_kills)
            assert stats.in_use == 0
            # whatever the pool hands out now is alive, including in place of the
            # connections killed while idle in the pool at the very end
            handed = [db.pool.getconn() for _ in range(db.pool.maxconn)]
            try:
                with admin.cursor() as cur:
                    cur.execute(
                        "select pid from pg_stat_activity where application_name = %s", (APP,)
                    )
                    alive = {pid for (pid,) in cur.fetchall()}
                pids = {c.info.backend_pid for c in handed}
                assert pids <= alive, f"dead connections handed out: {pids - alive}"
            finally:
                for c in handed:
                    db.pool.putconn(c)
            figures = check_ledgers(admin, ledgers)
        admin.close()

    print(
        f"\nkilled backends: {duration} s, {total_kills} backends killed "
        f"({kills['idle']} between statements, {kills['busy']} inside one); "
        f"{sum(led.flows for led in ledgers)} flows, "
        f"{sum(led.acked_calls for led in ledgers)} acknowledged calls, 0 calls "
        f"failed, 0 videos nobody was told about; pool: retries {stats.retries}, "
        f"discarded {stats.discarded}, in use {stats.in_use}; "
        f"{figures['videos']} videos / {figures['qualities']} qualities all present"
    )
