"""ladder_finished under concurrency: workers finishing the rungs of the same videos
at once, each completing and claiming the next in one commit.

Found by bench.queue: the check of a finished ladder took a per-video lock at the
write and held it while complete_and_claim_quality went on to claim, which may
wait for a row another finisher holds while that one waited for the lock: 40P01.
The check now runs at commit (a deferred trigger, which must run as the owner:
the workers here log in as members of vq_worker, as in production). Here 8 workers encode 40
videos x 5 rungs (encodes that return at once, so that completions collide):
every rung must end ready with no deadlock on the server, and every video must
be told finished exactly once -- neither missed (two finishers each seeing the
other's rung unfinished) nor told twice.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import psycopg2
import vqdb

VIDEOS, RUNGS, WORKERS = 40, ("720p", "480p", "360p", "240p", "144p"), 8


def deadlocks(url: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("select deadlocks from pg_stat_database where datname = current_database()")
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def test_concurrent_finishers_tell_each_ladder_finished_once(db_url: str, worker_url: str) -> None:
    before = deadlocks(db_url)
    with vqdb.Catalog(worker_url, maxconn=WORKERS * 2 + 2) as db:
        videos = [db.create_video(title=f"ladder {n}").id for n in range(VIDEOS)]
        for video_id in videos:
            db.create_video_qualities(video_id, [{"quality": q, "url": q} for q in RUNGS])
        workers = [vqdb.Worker(db, f"w{n}", poll_seconds=0.2) for n in range(WORKERS)]
        threads = [threading.Thread(target=w.run, args=(lambda job: {},)) for w in workers]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            stats = {s.quality: s for s in db.queue_stats()}
            if all(stats[q].pending == stats[q].processing == 0 for q in RUNGS):
                break
            time.sleep(0.2)
        for w in workers:
            w.stop()
        for thread in threads:
            thread.join(30)
        statuses = Counter(q.status for v in videos for q in db.list_qualities_ordered(v))
        position, told = None, Counter()
        while batch := db.changes_since(position):
            position = batch[-1].position
            told.update(c.video_id for c in batch if c.kind == "ladder_finished")
    assert statuses == {"ready": VIDEOS * len(RUNGS)}
    assert deadlocks(db_url) == before
    assert told == dict.fromkeys(videos, 1)


def test_a_finisher_that_goes_on_waiting_does_not_deadlock_the_other(
    db_url: str, worker_url: str
) -> None:
    """The interleaving that deadlocked, forced: S1 finishes rung A of a video and
    goes on in the same transaction to a row that S2 holds; S2 holds that row and
    finishes rung B, the video's last. With the check at the write, S1 held the
    video's lock and waited for S2's row while S2 waited for the lock: 40P01. At
    commit, S2 finishes, commits and tells nothing (A is not committed); S1 then
    gets its row, commits, and tells the ladder finished."""
    with vqdb.Catalog(worker_url) as db:
        video = db.create_video(title="two finishers").id
        other = db.create_video(title="a row both touch").id
        db.create_video_qualities(video, [{"quality": q, "url": q} for q in ("720p", "480p")])
        db.create_video_qualities(other, [{"quality": "720p", "url": "r"}])
        claimed = db.claim_qualities("w", limit=3)
    (a, b) = [q for q in claimed if q.video_id == video]
    (r,) = [q for q in claimed if q.video_id == other]
    s1, s2 = psycopg2.connect(worker_url), psycopg2.connect(worker_url)
    errors: list[BaseException] = []
    try:
        with s1.cursor() as c1, s2.cursor() as c2:
            c1.execute("select vq.complete_quality(%s, %s)", (str(a.id), str(a.lease_token)))
            c2.execute("select vq.heartbeat_quality(%s, %s)", (str(r.id), str(r.lease_token)))

            def finish_b() -> None:
                try:
                    c2.execute(
                        "select vq.complete_quality(%s, %s)", (str(b.id), str(b.lease_token))
                    )
                    time.sleep(0.5)  # S1 is now waiting for R's row
                    s2.commit()
                except BaseException as exc:  # 40P01 with the check at the write
                    errors.append(exc)
                    s2.rollback()

            thread = threading.Thread(target=finish_b)
            thread.start()
            time.sleep(0.3)
            try:
                c1.execute("select vq.heartbeat_quality(%s, %s)", (str(r.id), str(r.lease_token)))
                s1.commit()
            except BaseException as exc:
                errors.append(exc)
                s1.rollback()
            thread.join(30)
    finally:
        s1.close()
        s2.close()
    assert errors == []
    with vqdb.Catalog(worker_url) as db:
        told = [c for c in db.changes_since() if c.kind == "ladder_finished"]
    assert [(c.video_id, c.value) for c in told] == [(video, "ready")]
