"""Server restarts under load: nothing acknowledged is lost, outages fail fast, service resumes.

8 threads run the full worker flow (reliability/flow.py) through one client
against a dedicated, durable cluster (fsync on) while the test restarts it:
`pg_ctl stop -m fast` + start, then `-m immediate` (a crash: recovery from WAL),
each time with the server held down for 2 s, longer than the client's retries.
A probe thread reads every 10 ms to time the outage from the outside.

  * every write the client acknowledged is in the database afterwards;
  * during an outage calls raise Unavailable after a bounded time (the
    client's retries, then the error), they do not hang;
  * the client serves again within 5 s of the server's return;
  * stats() shows no connection left in use, and the broken ones discarded.

    pytest tests/python/reliability/test_reliability_restart.py -s              # figures
    VQDB_SOAK=full pytest ...                                       # 3 rounds
"""

from __future__ import annotations

import threading
import time
import uuid

import psycopg2
import vqdb

from tests.python.reliability.clusters import migrated_cluster
from tests.python.reliability.flow import Worker, check_ledgers
from tests.python.reliability.soak import scale

# Far above the real figures (well under a second): only a hang would exceed it.
UNAVAILABLE_BOUND_S = 30.0
SERVES_AGAIN_WITHIN_S = 5.0  # the promise
OUTAGE_S = 2.0


def test_restart_under_load():
    rounds = scale(1, 3)
    modes = ["fast", "immediate"] * rounds
    with (
        migrated_cluster(durable=True) as (cluster, url),
        vqdb.Catalog(url, maxconn=10, retries=3) as db,
    ):
        known = db.create_video(title="probe").id
        stop = threading.Event()
        workers = [Worker(db, f"w{i}", stop) for i in range(8)]
        probe_ok: list[float] = []
        probe_errors: list[BaseException] = []

        def probe() -> None:
            while not stop.is_set():
                try:
                    assert db.get_video(known) is not None
                    probe_ok.append(time.monotonic())
                except vqdb.Unavailable:
                    pass
                except Exception as exc:  # noqa: BLE001
                    probe_errors.append(exc)
                time.sleep(0.01)

        threads = [threading.Thread(target=w.run) for w in workers]
        threads.append(threading.Thread(target=probe))
        for t in threads:
            t.start()
        outages: list[tuple[str, float, float, float]] = []  # mode, down, back, served
        try:
            time.sleep(1.5)
            for mode in modes:
                down = time.monotonic()
                # pg_ctl stop -m MODE, the server held down for OUTAGE_S (longer than
                # the client's retries, so that callers do see the outage), pg_ctl start
                cluster.stop(mode)
                time.sleep(OUTAGE_S)
                cluster.start()  # returns when the server accepts connections
                back = time.monotonic()
                deadline = back + 30
                while not any(t >= back for t in probe_ok) and time.monotonic() < deadline:
                    time.sleep(0.01)
                served = min((t for t in probe_ok if t >= back), default=float("inf"))
                outages.append((mode, down, back, served))
                time.sleep(1.5)  # load between and after the restarts
        finally:
            stop.set()
            for t in threads:
                t.join(120)
        assert not any(t.is_alive() for t in threads), "a thread hangs"

        ledgers = [w.ledger for w in workers]
        errors = [e for led in ledgers for e in led.errors] + probe_errors
        assert errors == [], f"{len(errors)} unexpected errors, e.g. {errors[:3]!r}"
        unavailable = [s for led in ledgers for s in led.unavailable]
        assert unavailable, "no call met an outage: the test did not test anything"
        assert max(unavailable) < UNAVAILABLE_BOUND_S
        for mode, _down, back, served in outages:
            assert served - back <= SERVES_AGAIN_WITHIN_S, (mode, served - back)
            # the workers, too, got acknowledgements again after each return
            assert any(t >= back for led in ledgers for t in led.ack_times)

        stats = db.stats()
        assert stats.in_use == 0
        assert stats.discarded > 0  # the connections the restarts broke were thrown away

        # after a crash and recovery: every acknowledged write is there
        conn = psycopg2.connect(url)
        try:
            figures = check_ledgers(conn, ledgers, frozenset({known}))
        finally:
            conn.close()
        assert db.get_video(uuid.uuid4()) is None  # and the client still works

    print(
        f"\nrestart under load: modes {modes}; {sum(led.flows for led in ledgers)} flows, "
        f"{sum(led.acked_calls for led in ledgers)} acknowledged calls, "
        f"{figures['videos']} videos / {figures['qualities']} qualities all present; "
        f"{len(unavailable)} Unavailable, slowest {max(unavailable):.2f} s; "
        f"0 videos nobody was told about; "
        + "; ".join(
            f"{m}: down {b - d:.2f} s, served {s - b:.3f} s after return" for m, d, b, s in outages
        )
        + f"; pool: discarded {stats.discarded}, retries {stats.retries}, in use {stats.in_use}"
    )
