"""set_default_quality under contention: one default per video, and it is the last acknowledged.

16 threads call set_default_quality on the qualities of one hot video (500 calls
each) while 16 more threads sweep 1,000 other videos, each in its own random
order, so that every video gets concurrent calls too. All through one client,
real threads, real connections. Afterwards:

  * no call raised (no deadlock, no unique violation reached a caller);
  * every video has exactly one default, ready, of its own;
  * that default is the quality of one of the video's last acknowledged calls
    (reliability/calls.py: the calls no other successful call on the video was
    sent after; docs/reliability.md explains why this is "the last one").

    pytest tests/python/reliability/test_reliability_default_contention.py -s      # figures
    VQDB_SOAK=full pytest ...                                          # 4x
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter

import vqdb

from tests.python.reliability.calls import Call, by_key, last_acknowledged, timed
from tests.python.reliability.soak import scale

LADDER = ["1080p", "720p", "480p", "360p"]


def make_video(db: vqdb.Catalog, title: str) -> tuple[uuid.UUID, list[uuid.UUID]]:
    video = db.create_video(title=title)
    rows = db.create_video_qualities(
        video.id, [{"quality": q, "url": f"s3://v/{q}", "status": "ready"} for q in LADDER]
    )
    return video.id, [r.id for r in rows]


def test_default_under_contention(db_url, superuser_conn):
    hot_threads, hot_calls = 16, scale(500, 2000)
    wide_threads, wide_videos = 16, scale(1000, 4000)

    with vqdb.Catalog(db_url, maxconn=hot_threads + wide_threads) as db:
        hot, hot_qualities = make_video(db, "hot video")
        videos = dict(make_video(db, f"video {i}") for i in range(wide_videos))

        results: list[list[Call]] = []
        start = threading.Barrier(hot_threads + wide_threads)

        def hammer_hot(seed: int) -> None:
            rng = random.Random(seed)
            mine: list[Call] = []
            start.wait()
            for _ in range(hot_calls):
                q = rng.choice(hot_qualities)
                mine.append(timed(hot, q, lambda q=q: db.set_default_quality(hot, q)))
            results.append(mine)

        def sweep(seed: int) -> None:
            rng = random.Random(seed)
            order = list(videos)
            rng.shuffle(order)
            mine: list[Call] = []
            start.wait()
            for v in order:
                q = rng.choice(videos[v])
                mine.append(timed(v, q, lambda v=v, q=q: db.set_default_quality(v, q)))
            results.append(mine)

        threads = [threading.Thread(target=hammer_hot, args=(i,)) for i in range(hot_threads)]
        threads += [threading.Thread(target=sweep, args=(100 + i,)) for i in range(wide_threads)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began
        stats = db.stats()

        calls = [c for mine in results for c in mine]
        assert len(calls) == hot_threads * hot_calls + wide_threads * wide_videos
        failed = [c for c in calls if not c.ok or c.result is not True]
        assert failed == [], f"{len(failed)} calls failed, e.g. {failed[:3]}"

        # every video: exactly one default, ready, its own -- straight from the table
        with superuser_conn.cursor() as cur:
            cur.execute(
                "select v.id, count(q.id) filter (where q.is_default),"
                " bool_and(not q.is_default or q.status = 'ready'),"
                " (array_agg(q.id) filter (where q.is_default))[1]"
                " from vq.videos v left join vq.video_qualities q on q.video_id = v.id"
                " group by v.id"
            )
            table = {vid: (n, ready, default) for vid, n, ready, default in cur.fetchall()}
        assert len(table) == wide_videos + 1
        wrong = {v: row for v, row in table.items() if row[0] != 1 or not row[1]}
        assert wrong == {}, f"{len(wrong)} videos without exactly one ready default"

        # ... the API agrees, and the default is one of the last acknowledged calls
        candidates = Counter()
        strict_last = 0
        for video, its_calls in by_key(calls).items():
            default = db.get_default_quality(video)
            assert default is not None and default.video_id == video and default.is_default
            assert default.id == table[video][2]
            last = last_acknowledged(its_calls)
            assert default.id in {c.value for c in last}, (
                f"video {video}: default {default.id} is none of the last acknowledged "
                f"{[(c.value, c.sent, c.acked) for c in last]}"
            )
            candidates[len(last)] += 1
            strict_last += max(its_calls, key=lambda c: c.acked).value == default.id
        assert db.stats().in_use == 0

    print(
        f"\ndefault contention: {len(calls)} calls ({hot_threads}x{hot_calls} on one video, "
        f"{wide_threads}x{wide_videos} over {wide_videos} videos) in {elapsed:.1f} s "
        f"({len(calls) / elapsed:.0f}/s), 0 errors; {len(table)} videos with one ready "
        f"default each; size of the last-acknowledged set: {dict(sorted(candidates.items()))}; "
        f"default = the call acknowledged last by the client's clock: {strict_last}/{len(table)}; "
        f"pool: max wait {stats.max_wait_s:.3f} s, discarded {stats.discarded}"
    )
