"""Status changes under contention: forbidden ones always fail with 22023, allowed ones never do.

16 threads drive the same 24 qualities (of 6 videos) through random statuses
with update_quality_status, update_quality_metadata(status=...), the batches
update_qualities_status and update_qualities_metadata, ladder restarts
(create_video_qualities) and set_default_quality, without knowing the current
status (another thread may just have changed it). Afterwards:

  * no deadlock, nothing but refusals: every refusal is InvalidArgument 22023,
    and the change it names ("from X to Y") is indeed not an allowed transition; a refused
    set_default_quality names a status other than ready; nothing else raised;
  * each quality's final status is the target of one of its last acknowledged
    changes (reliability/calls.py), i.e. reachable from the acknowledged history;
  * statuses, clocks and defaults are consistent: completed_at set exactly for
    ready/failed, a default only on a ready quality, at most one per video.

    VQDB_SOAK=full pytest tests/python/reliability/test_reliability_status_contention.py -s
"""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from collections import Counter

import vqdb

from tests.python.reliability.calls import Call, by_key, last_acknowledged, timed
from tests.python.reliability.soak import scale

STATUSES = ["pending", "processing", "ready", "failed"]
ALLOWED = {
    ("pending", "processing"),
    ("pending", "failed"),
    ("processing", "ready"),
    ("processing", "failed"),
    ("failed", "pending"),
    ("failed", "processing"),
    ("ready", "processing"),
}
FORBIDDEN_RE = re.compile(r"cannot change status from (\w+) to (\w+)")
NOT_READY_RE = re.compile(r"has status (\w+): only a ready quality can be the default")


def test_status_under_contention(db_url, superuser_conn):
    threads_n, calls_per_thread = 16, scale(600, 5000)
    with vqdb.Catalog(db_url, maxconn=threads_n) as db:
        qualities: dict[uuid.UUID, uuid.UUID] = {}  # quality -> its video
        labels: dict[uuid.UUID, str] = {}
        by_video: dict[uuid.UUID, list[uuid.UUID]] = {}
        for v in range(6):
            video = db.create_video(title=f"status contention {v}")
            for row in db.create_video_qualities(
                video.id,
                [{"quality": q, "url": f"s3://{v}/{q}"} for q in ("1080p", "720p", "480p", "360p")],
            ):
                qualities[row.id] = video.id
                labels[row.id] = row.quality
                by_video.setdefault(video.id, []).append(row.id)
        ids = list(qualities)

        def restart(pair: list[uuid.UUID], status: str) -> bool:
            rows = db.create_video_qualities(
                qualities[pair[0]],
                [
                    {"quality": labels[q], "url": f"s3://{labels[q]}", "status": status}
                    for q in pair
                ],
            )
            return len(rows) == 2

        def batch(kind: float, pair: list[uuid.UUID], status: str) -> object:
            if kind < 0.68:
                return db.update_qualities_status(pair, status)
            if kind < 0.78:
                return db.update_qualities_metadata(
                    [{"quality_id": i, "status": status, "bitrate": 2} for i in pair]
                )
            return restart(pair, status)

        status_calls: list[Call] = []  # key: quality id, value: target status
        default_calls: list[Call] = []
        lock = threading.Lock()
        start = threading.Barrier(threads_n)

        def drive(seed: int) -> None:
            rng = random.Random(seed)
            mine: list[Call] = []
            defaults: list[Call] = []
            start.wait()
            for _ in range(calls_per_thread):
                q, target, kind = rng.choice(ids), rng.choice(STATUSES), rng.random()
                if kind < 0.35:
                    mine.append(
                        timed(q, target, lambda q=q, s=target: db.update_quality_status(q, s))
                    )
                elif kind < 0.55:
                    mine.append(
                        timed(
                            q,
                            target,
                            lambda q=q, s=target: db.update_quality_metadata(
                                q, status=s, bitrate=1
                            ),
                        )
                    )
                elif kind < 0.86:
                    # batches of two: all or nothing, so record the call for both
                    pair = (
                        rng.sample(ids, 2)
                        if kind < 0.78  # a ladder: one video's
                        else rng.sample(by_video[qualities[q]], 2)
                    )
                    c = timed(tuple(pair), target, lambda p=pair, s=target, k=kind: batch(k, p, s))
                    mine += [
                        Call(p, target, c.sent, c.acked, c.ok, c.error, c.result) for p in pair
                    ]
                else:
                    defaults.append(
                        timed(q, None, lambda q=q: db.set_default_quality(qualities[q], q))
                    )
            with lock:
                status_calls.extend(mine)
                default_calls.extend(defaults)

        threads = [threading.Thread(target=drive, args=(i,)) for i in range(threads_n)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began

        # refusals: only 22023, and only for changes that are really forbidden
        refused = Counter()
        for c in status_calls + default_calls:
            if c.ok:
                assert c.result in (True, 2), f"unexpected result {c.result!r}"
                continue
            assert isinstance(c.error, vqdb.InvalidArgument), repr(c.error)
            assert c.error.sqlstate == "22023", repr(c.error)
            if c.value is None:  # set_default_quality
                m = NOT_READY_RE.search(c.error.message)
                assert m and m.group(1) != "ready", c.error.message
                refused["default of a quality not ready"] += 1
            else:
                m = FORBIDDEN_RE.search(c.error.message)
                assert m, c.error.message
                assert (m.group(1), m.group(2)) not in ALLOWED and m.group(1) != m.group(2)
                refused[f"{m.group(1)}->{m.group(2)}"] += 1

        # final states: reachable from the acknowledged history
        with superuser_conn.cursor() as cur:
            cur.execute(
                "select id, video_id, status, is_default, processing_started_at is not null,"
                " processing_completed_at is not null from vq.video_qualities"
            )
            rows = {r[0]: r[1:] for r in cur.fetchall()}
        history = by_key(status_calls)
        for q, (_video, status, is_default, started, completed) in rows.items():
            last = last_acknowledged(history.get(q, []))
            possible = {c.value for c in last} or {"pending"}
            assert status in possible, f"{q}: {status} not in {possible}"
            assert completed == (status in ("ready", "failed")), (q, status, completed)
            # processing has started; ready/failed may not have (a restart or an insert
            # straight to ready carries the caller's start time, often none)
            assert started or status != "processing"
            assert not is_default or status == "ready"
        per_video = Counter(rows[q][0] for q in rows if rows[q][2])
        assert all(n == 1 for n in per_video.values())
        assert db.stats().in_use == 0

    ok = sum(c.ok for c in status_calls)
    print(
        f"\nstatus contention: {threads_n * calls_per_thread} calls "
        f"({len(status_calls)} status changes, a batch counting once per quality) on "
        f"{len(ids)} qualities by {threads_n} threads in {elapsed:.1f} s; "
        f"{ok} status changes acknowledged, {len(status_calls) - ok} refused (22023), "
        f"{sum(c.ok for c in default_calls)} defaults set; refusals by change: "
        f"{dict(refused.most_common())}"
    )


def test_back_to_pending_clears_the_clocks(db_url, superuser_conn):
    """The bug the test above found (fixed by migration 0020): failed -> pending kept the
    clocks of the failed attempt, so a queued quality looked started and completed."""
    with vqdb.Catalog(db_url, maxconn=1) as db:
        video = db.create_video(title="re-queued")
        q = db.create_video_quality(video.id, "720p", "s3://v/720")
        for status in ("processing", "failed", "pending"):
            assert db.update_quality_status(q.id, status)
        again = db.list_qualities_ordered(video.id)[0]
        assert (again.status, again.processing_started_at, again.processing_completed_at) == (
            "pending",
            None,
            None,
        )
        # and the next attempt starts a fresh clock
        assert db.update_quality_status(q.id, "processing")
        started = db.list_qualities_ordered(video.id)[0]
        assert started.processing_started_at is not None
        assert started.processing_completed_at is None
