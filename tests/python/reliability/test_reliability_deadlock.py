"""Lock order: making a quality the default and a batch over the same qualities cannot deadlock.

Found by the status contention soak (VQDB_SOAK=full): a 40P01 deadlock between
set_default_quality, which locked the new default and then the old one, and
update_qualities_status, which locks its rows in id order. Migration 0021 makes
every function lock quality rows in id order. Here the bad interleaving is
forced, not hoped for:

  1. a third session holds the row lock of the lower-id quality;
  2. the batch starts and queues for that row (it locks the videos of its rows
     first, in id order, then their rows: migration 0150);
  3. the default change starts (it must now queue behind, holding nothing);
  4. the third session lets go.

Before 0021, step 3 took the higher-id row first whenever it was the new
default (set_default_quality) or the old one (create_video_quality with
p_is_default), and the server had to kill one of the two calls (40P01); now
both succeed, for either position of the old default.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import psycopg2
import psycopg2.extensions
import pytest
import vqdb


def wait_for_lock_waiters(admin, n: int, timeout: float = 30.0) -> None:
    """Until n sessions of this database wait for a lock."""
    deadline = time.monotonic() + timeout
    with admin.cursor() as cur:
        while True:
            cur.execute(
                "select count(*) from pg_stat_activity where datname = current_database()"
                " and wait_event_type = 'Lock'"
            )
            if cur.fetchone()[0] >= n:
                return
            assert time.monotonic() < deadline, "the calls did not queue for the lock"
            time.sleep(0.01)


def in_thread(fn: Callable[[], object], out: list[object]) -> threading.Thread:
    def run() -> None:
        try:
            out.append(fn())
        except Exception as exc:  # noqa: BLE001  (the test asserts on it)
            out.append(exc)

    t = threading.Thread(target=run)
    t.start()
    return t


def setup_two_ready(
    db: vqdb.Catalog, default_is: str
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID, str]:
    """A video with two ready qualities, the one with the lower or higher id the default:
    (video, lower id, higher id, the other one -- the new default --, its label)."""
    video = db.create_video(title="lock order")
    rows = db.create_video_qualities(
        video.id,
        [{"quality": q, "url": f"s3://l/{q}", "status": "ready"} for q in ("720p", "480p")],
    )
    low, high = sorted(rows, key=lambda r: r.id)
    default, target = (low, high) if default_is == "lower id" else (high, low)
    assert db.set_default_quality(video.id, default.id)
    return video.id, low.id, high.id, target.id, target.quality


BATCHES = {
    "update_qualities_status": lambda db, ids: db.update_qualities_status(ids, "ready"),
    "update_qualities_metadata": lambda db, ids: db.update_qualities_metadata(
        [{"quality_id": i, "bitrate": 7} for i in ids]
    ),
}
DEFAULT_CHANGES = {
    "set_default_quality": lambda db, video, q, label: db.set_default_quality(video, q),
    # a restart of the ready quality that makes it the default
    "create_video_quality(is_default)": lambda db, video, q, label: db.create_video_quality(
        video, label, f"s3://l/{label}", status="ready", is_default=True
    ),
    # a restart of the whole ladder that makes one the default
    "create_video_qualities": lambda db, video, q, label: db.create_video_qualities(
        video,
        [
            {"quality": OTHER[label], "url": f"s3://l/{OTHER[label]}", "status": "ready"},
            {"quality": label, "url": f"s3://l/{label}", "status": "ready", "is_default": True},
        ],
    ),
}
OTHER = {"720p": "480p", "480p": "720p"}


@pytest.mark.parametrize("default_is", ["lower id", "higher id"])
@pytest.mark.parametrize("batch", sorted(BATCHES))
@pytest.mark.parametrize("change", sorted(DEFAULT_CHANGES))
def test_default_change_and_batch_do_not_deadlock(
    db_url, superuser_conn, batch, change, default_is
):
    with vqdb.Catalog(db_url, maxconn=4, retries=0) as db:
        video, low, high, target, target_label = setup_two_ready(db, default_is)
        holder = psycopg2.connect(db_url)
        try:
            with holder.cursor() as cur:  # 1. hold the lower-id row
                cur.execute("select 1 from vq.video_qualities where id = %s for update", (low,))
            batch_out: list[object] = []
            change_out: list[object] = []
            t1 = in_thread(lambda: BATCHES[batch](db, [low, high]), batch_out)
            wait_for_lock_waiters(superuser_conn, 1)  # 2. the batch queues
            t2 = in_thread(
                lambda: DEFAULT_CHANGES[change](db, video, target, target_label), change_out
            )
            wait_for_lock_waiters(superuser_conn, 2)  # 3. the default change queues
            holder.rollback()  # 4. let go
            t1.join(60)
            t2.join(60)
        finally:
            holder.close()
        errors = [o for o in batch_out + change_out if isinstance(o, Exception)]
        assert errors == [], f"{errors!r}"
        with superuser_conn.cursor() as cur:
            cur.execute(
                "select id from vq.video_qualities where video_id = %s and is_default", (video,)
            )
            assert [r[0] for r in cur.fetchall()] == [target]


@pytest.mark.parametrize("batch", sorted(BATCHES))
def test_ladder_restart_and_batch_do_not_deadlock(db_url, superuser_conn, batch):
    """A ladder restarts its rows in the order given: higher id first here, so it took
    that row and then queued for the lower one, behind the batch that wanted both."""
    with vqdb.Catalog(db_url, maxconn=4, retries=0) as db:
        video, low, high, _target, _label = setup_two_ready(db, "lower id")
        with superuser_conn.cursor() as cur:
            cur.execute("select id, quality from vq.video_qualities where video_id = %s", (video,))
            labels = dict(cur.fetchall())
        ladder = [
            {"quality": labels[q], "url": f"s3://l/{labels[q]}/2", "status": "ready"}
            for q in (high, low)
        ]
        holder = psycopg2.connect(db_url)
        try:
            with holder.cursor() as cur:
                cur.execute("select 1 from vq.video_qualities where id = %s for update", (low,))
            batch_out: list[object] = []
            ladder_out: list[object] = []
            t1 = in_thread(lambda: BATCHES[batch](db, [low, high]), batch_out)
            wait_for_lock_waiters(superuser_conn, 1)
            t2 = in_thread(lambda: db.create_video_qualities(video, ladder), ladder_out)
            wait_for_lock_waiters(superuser_conn, 2)
            holder.rollback()
            t1.join(60)
            t2.join(60)
        finally:
            holder.close()
        errors = [o for o in batch_out + ladder_out if isinstance(o, Exception)]
        assert errors == [], f"{errors!r}"
        assert sorted(q.url for q in ladder_out[0]) == sorted(d["url"] for d in ladder)
