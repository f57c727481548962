"""What the catalog keeps when it is sharded by video with Citus, checked the same
way on one server and on a cluster (VQDB_TEST_DISTRIBUTED_URL: docs/scaling.md,
"Verified on the cluster"):

* the change feed: two transactions on different nodes committing out of order,
  and a follower that sees every event of four concurrent writers exactly once;
* wake-ups: a worker waiting in LISTEN on the server clients use (the
  coordinator) takes new work at once, not at its next poll;
* the work queue under 8 worker processes, SIGKILLed and SIGSTOPped past their
  leases: every quality ready exactly once, no stale completion accepted;
* a NULL video id, sent every way a caller can (a literal, a named argument, a
  driver's bound parameter, a prepared statement), to every API function that
  takes one: refused (22004) where the video is required, and no node restarts.

    VQDB_TEST_DISTRIBUTED_URL=postgresql://…coordinator…/vqdb \\
        pytest tests/python/reliability/test_reliability_sharded.py -s    # figures
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import psycopg2
import psycopg2.extensions
import vqdb

from tests.python.reliability.queue_chaos import run_chaos

LADDER = ("720p", "480p", "360p")


def citus(conn: psycopg2.extensions.connection) -> bool:
    with conn.cursor() as cur:
        cur.execute("select exists (select 1 from pg_extension where extname = 'citus')")
        (found,) = cur.fetchone()
    return bool(found)


def node_of(conn: psycopg2.extensions.connection, video_id: uuid.UUID) -> str:
    """The node that holds the video ('local' on one server)."""
    if not citus(conn):
        return "local"
    with conn.cursor() as cur:
        cur.execute(
            "select nodename || ':' || nodeport from citus_shards"
            " where table_name = 'vq.videos'::regclass"
            "   and shardid = get_shard_id_for_distribution_column('vq.videos', %s)",
            (str(video_id),),
        )
        (node,) = cur.fetchone()
    return str(node)


def start_times(conn: psycopg2.extensions.connection) -> list[str]:
    """When each node's server started: a crash restarts it."""
    with conn.cursor() as cur:
        if citus(conn):
            cur.execute(
                "select nodeid || ' ' || result from run_command_on_all_nodes("
                "'select pg_postmaster_start_time()') order by nodeid"
            )
        else:
            cur.execute("select pg_postmaster_start_time()::text")
        return [row[0] for row in cur.fetchall()]


def to_the_end(db: vqdb.Catalog, position: str | None) -> tuple[list[vqdb.Change], str | None]:
    """Every event after position, and the position after the last."""
    events = []
    while batch := db.changes_since(position, 100):
        events += batch
        position = batch[-1].position
    return events, position


# ---------------------------------------------------------------- the feed --


def test_two_transactions_on_two_nodes_committing_out_of_order(db_url, superuser_conn) -> None:
    """A transaction that began first and commits last is neither skipped nor repeated."""
    with vqdb.Catalog(db_url, maxconn=2) as db:
        first = db.create_video(title="commits last").id
        second = db.create_video(title="commits first").id
        while citus(superuser_conn) and node_of(superuser_conn, first) == node_of(
            superuser_conn, second
        ):
            second = db.create_video(title="commits first").id
        _, position = to_the_end(db, None)

        slow = psycopg2.connect(db_url)  # a transaction: begins now, commits last
        try:
            with slow.cursor() as cur:
                cur.execute("select * from vq.update_video_status(%s, 'processing')", (str(first),))
            db.update_video_status(second, "processing")  # begins later, commits first
            before, position = to_the_end(db, position)
            assert (first, "video_status") not in {(e.video_id, e.kind) for e in before}
            slow.commit()
        finally:
            slow.close()
        after, position = to_the_end(db, position)

    seen = Counter((e.video_id, e.kind, e.value) for e in before + after)
    assert seen == Counter(
        {(first, "video_status", "processing"): 1, (second, "video_status", "processing"): 1}
    )
    assert len({e.position for e in before + after}) == len(before + after)


def test_a_follower_sees_every_event_of_four_writers_exactly_once(db_url, superuser_conn) -> None:
    with vqdb.Catalog(db_url, maxconn=6) as db:
        _, start = to_the_end(db, None)
        videos: list[uuid.UUID] = []
        seen: list[vqdb.Change] = []
        writers_done = threading.Event()
        failures: list[BaseException] = []

        def follow() -> None:
            position = start
            try:
                while True:
                    last_round = writers_done.is_set()  # read once more after the writers
                    batch = db.changes_since(position, 50)
                    if batch:
                        seen.extend(batch)
                        position = batch[-1].position
                    elif last_round:
                        return
                    else:
                        time.sleep(0.01)
            except BaseException as exc:
                failures.append(exc)

        def write(n: int) -> None:
            try:
                for i in range(15):
                    video = db.create_video(title=f"writer {n} video {i}")
                    videos.append(video.id)
                    rows = db.create_video_qualities(
                        video.id, [{"quality": q, "url": f"s3://f/{n}/{i}/{q}"} for q in LADDER]
                    )
                    db.update_video_status(video.id, "processing")
                    for row in rows:
                        db.update_video_quality_status(video.id, row.id, "processing")
                        db.update_video_quality_status(video.id, row.id, "ready")
                    db.set_default_quality(video.id, rows[0].id)
                    db.update_video_status(video.id, "published")
            except BaseException as exc:
                failures.append(exc)

        follower = threading.Thread(target=follow)
        follower.start()
        writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
        for t in writers:
            t.start()
        for t in writers:
            t.join()
        writers_done.set()
        follower.join(120)
        assert not failures, failures[0]

    with superuser_conn.cursor() as cur:
        cur.execute(
            "select video_id, kind, quality_id, value from vq.changes"
            " where video_id = any (%s::uuid[])",
            ([str(v) for v in videos],),
        )
        written = Counter((str(r[0]), r[1], r[2] and str(r[2]), r[3]) for r in cur.fetchall())
    mine = {str(v) for v in videos}
    followed = Counter(
        (str(e.video_id), e.kind, e.quality_id and str(e.quality_id), e.value)
        for e in seen
        if str(e.video_id) in mine
    )
    # per video: created, 2 statuses, 3 × (created, processing, ready), default, ladder finished
    assert sum(written.values()) == 60 * (1 + 2 + 3 * 3 + 1 + 1)
    assert followed == written
    print(f"\nfeed: {sum(written.values())} events written, {sum(followed.values())} followed")


# ------------------------------------------------------------ the work queue --


def test_a_worker_waiting_on_listen_wakes_for_new_work(db_url) -> None:
    """The worker polls every 60 s; work enqueued later is taken at once (NOTIFY)."""
    with vqdb.Catalog(db_url, maxconn=3) as db:
        taken = threading.Event()
        worker = vqdb.Worker(db, "listener", poll_seconds=60)

        def encode(quality: Any, lease: Any) -> dict[str, Any]:
            taken.set()
            return {}

        thread = threading.Thread(target=worker.run, args=(encode, 1))
        thread.start()
        try:
            time.sleep(1.0)  # the worker found nothing and waits in LISTEN
            assert not taken.is_set()
            video = db.create_video(title="wake up")
            enqueued = time.monotonic()
            db.create_video_qualities(video.id, [{"quality": "720p", "url": "s3://w/720p"}])
            assert taken.wait(20), "the worker did not wake up on NOTIFY"
            print(f"\nenqueue to claim: {(time.monotonic() - enqueued) * 1000:.0f} ms")
        finally:
            worker.stop()
            thread.join(20)


def test_eight_worker_processes_killed_and_stopped_lose_nothing(db_url, tmp_path: Path) -> None:
    print("\n" + run_chaos(db_url, tmp_path, videos=40, seconds=180))


# ----------------------------------------------------------- a NULL video id --

VALUES = {  # a value each required argument accepts, by name, else by type
    "p_quality": "720p",
    "p_status": "processing",
    "p_url": "s3://null/720p",
    "p_worker": "null-test",
    "p_error_code": "e",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "text": "x",
}


def api_functions_taking_a_video(conn: psycopg2.extensions.connection) -> list[dict[str, Any]]:
    with conn.cursor() as cur:
        cur.execute(
            """
            select p.proname::text, p.proargnames[1:p.pronargs],
                   array(select format_type(t, null) from unnest(p.proargtypes) t),
                   p.pronargs - p.pronargdefaults
              from pg_proc p
             where p.pronamespace = 'vq'::regnamespace and p.proname !~ '^_'
               and 'p_video_id' = any (p.proargnames)
             order by 1
            """
        )
        rows = cur.fetchall()
    functions = []
    for name, names, types, required in rows:
        args = [  # the literal form passes them in order: p_video_id first when it is
            (n, t, VALUES.get(n, VALUES.get(t)))
            for n, t in list(zip(names, types, strict=True))[:required]
            if n != "p_video_id"
        ]
        functions.append({
            "name": name, "args": args, "video_first": names[0] == "p_video_id",
            "video_required": "p_video_id" in names[:required],
        })  # fmt: skip
    return functions


def null_calls(f: dict[str, Any]) -> dict[str, list[tuple[str, str, list[Any] | None]]]:
    """Each form of sending a NULL video to f: (driver, statement, parameters) in order."""
    name, args = f["name"], f["args"]
    values = [v for _, _, v in args]
    others = "".join(f", {n} => %s" for n, _, _ in args)
    first = f["video_first"]
    literal = f"select * from vq.{name}(null{''.join(', %s' for _ in args)})" if first else (
        f"select * from vq.{name}(p_video_id => null{others})"
    )  # fmt: skip
    typed = "".join(f", {n} => ${i + 2}::{t}" for i, (n, t, _) in enumerate(args))
    types = "".join(f", {t}" for _, t, _ in args)
    named = f"select * from vq.{name}(p_video_id => %s{others})"
    execute = f"execute null_{name}(null{''.join(', %s' for _ in args)})"
    return {
        "literal": [("psycopg2", literal, values)],
        "named": [("psycopg2", named, [None, *values])],
        # bound by the server, as drivers of other languages send parameters
        "driver parameter": [("psycopg", named, [None, *values])],
        # six times: the first five plans are custom ones, then a generic one may be chosen
        "prepared": [("psycopg2", f"prepare null_{name}(uuid{types}) as "
                                  f"select * from vq.{name}(p_video_id => $1{typed})", None)]
                    + [("psycopg2", execute, values)] * 6,
    }  # fmt: skip


def test_a_null_video_id_never_crashes_a_node(db_url, superuser_conn, worker_url) -> None:
    """As a worker service's role: every form refused with 22004 where the video is
    required, a clean answer or error where it is optional; no node restarted."""
    functions = api_functions_taking_a_video(superuser_conn)
    assert len(functions) >= 15  # the catalog's by-video calls and the lease calls
    before = start_times(superuser_conn)
    outcomes: dict[tuple[str, str], list[str]] = {}
    conn2 = psycopg2.connect(worker_url)
    conn2.autocommit = True
    conn3 = psycopg.connect(worker_url, autocommit=True)
    drivers: dict[str, Any] = {"psycopg2": conn2, "psycopg": conn3}
    try:
        for f in functions:
            for form, statements in null_calls(f).items():
                for driver, statement, params in statements:
                    try:
                        with drivers[driver].cursor() as cur:
                            cur.execute(statement, params)
                        outcome = "answered"
                    except psycopg2.Error as exc:
                        outcome = str(exc.pgcode)
                    except psycopg.Error as exc:
                        outcome = str(exc.sqlstate)
                    if not statement.startswith("prepare"):
                        outcomes.setdefault((f["name"], form), []).append(outcome)
            for conn in drivers.values():  # both sessions are still there
                with conn.cursor() as cur:
                    cur.execute("select 1")
    finally:
        conn2.close()
        conn3.close()
    after = start_times(superuser_conn)

    assert after == before, "a node restarted"
    required = {f["name"] for f in functions if f["video_required"]}
    wrong = {
        key: found
        for key, found in outcomes.items()
        if (key[0] in required and set(found) != {"22004"})
        or any(o[:2] in ("08", "57", "XX") for o in found)  # a lost connection, a crash
    }
    assert not wrong, wrong
    calls = sum(len(found) for found in outcomes.values())
    refused = sum(found.count("22004") for found in outcomes.values())
    print(f"\nNULL video id: {len(functions)} functions, {calls} calls in 4 forms, "
          f"{refused} refused with 22004, nodes restarted: 0")  # fmt: skip
