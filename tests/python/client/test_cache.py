"""Catalog(cache_size=...): reads served from a cache that the change feed invalidates,
never wrong after this Catalog's own writes, bypassed while the feed is not followed,
and no stale store across the read/invalidate race. A writer in another process, and
the follower's backend killed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
import vqdb
from vqdb.cache import ReadCache


def wait_following(db: vqdb.Catalog, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not db.stats().cache.following:
        assert time.monotonic() < deadline, "the follower never caught up"
        time.sleep(0.01)


def test_hits_and_the_catalogs_own_writes(db_url) -> None:
    with vqdb.Catalog(db_url, maxconn=2, cache_size=100) as db:
        wait_following(db)
        video = db.create_video(title="cached")
        (q,) = db.create_video_qualities(video.id, [{"quality": "720p", "url": "a"}])
        # the follower may still be invalidating the video for its own creation (its
        # events reach the feed after the commit): reads hit once it has caught up
        deadline = time.monotonic() + 10
        while db.stats().cache.hits == 0:
            assert db.get_video(video.id).status == "draft"
            assert time.monotonic() < deadline, "a repeated read never hit the cache"
        assert db.update_video_status(video.id, "published")
        assert db.get_video(video.id).status == "published", "reads its own write at once"
        assert db.list_qualities_ordered(video.id)[0].bitrate is None
        assert db.update_quality_metadata(q.id, bitrate=900)  # keyed by the quality only
        assert db.list_qualities_ordered(video.id)[0].bitrate == 900
        assert db.get_default_quality(video.id) is None
        assert db.update_quality_metadata(q.id, status="processing")
        assert db.update_quality_metadata(q.id, status="ready")
        assert db.set_default_quality(video.id, q.id)
        assert db.get_default_quality(video.id).id == q.id
        db.delete_video(video.id)
        assert db.get_video(video.id) is None
        stats = db.stats().cache
        assert stats.invalidations > 0 and stats.misses > 0


def test_a_read_that_began_before_an_invalidation_is_not_stored() -> None:
    """The read/invalidate race, forced: the read misses, the video is invalidated while
    its query runs, then the read's (now stale) result comes back."""
    cache = ReadCache(10, 60.0)
    cache.polled()
    video = uuid.uuid4()
    hit, _, token = cache.lookup("get_video", video)
    assert not hit
    cache.invalidate([video])  # the feed saw a write while the read was in flight
    stale, fresh_rows = (["title"], [("stale",)]), (["title"], [("fresh",)])
    cache.store("get_video", video, stale, token)
    assert cache.lookup("get_video", video)[0] is False, "a stale result was stored"
    _, _, fresh = cache.lookup("get_video", video)
    cache.store("get_video", video, fresh_rows, fresh)
    assert cache.lookup("get_video", video)[:2] == (True, fresh_rows)


WRITER = textwrap.dedent(
    """
    import json, sys, time, vqdb
    with vqdb.Catalog(sys.argv[1], maxconn=1) as db:
        for i in range(1, int(sys.argv[3]) + 1):
            db.update_quality_metadata(sys.argv[2], bitrate=i)
            print(json.dumps({"i": i, "done": time.time()}), flush=True)
            time.sleep(0.03)
    """
)


@pytest.mark.parametrize("notify", ["off", "on"])
def test_a_writer_in_another_process_is_seen_within_the_bound(
    db_url, superuser_conn, notify
) -> None:
    """Polling every 20 ms, or woken by NOTIFY when vq.notify_changes is on."""
    with superuser_conn.cursor() as cur:
        cur.execute("select current_database()")
        cur.execute(f'alter database "{cur.fetchone()[0]}" set vq.notify_changes = {notify}')
    with vqdb.Catalog(
        db_url, maxconn=2, cache_size=100, cache_poll=0.02 if notify == "off" else 0.5
    ) as db:
        wait_following(db)
        video = db.create_video(title="watched by a cache")
        (q,) = db.create_video_qualities(video.id, [{"quality": "720p", "url": "a"}])
        writes = 60
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, db_url, str(q.id), str(writes)],
            stdout=subprocess.PIPE, text=True, env=dict(os.environ),
        )  # fmt: skip
        reads = []  # (started, value)
        while writer.poll() is None or len(reads) < 10:
            started = time.time()
            reads.append((started, db.list_qualities_ordered(video.id)[0].bitrate or 0))
            time.sleep(0.002)
        for _ in range(200):  # after the last write: until it shows
            started = time.time()
            reads.append((started, db.list_qualities_ordered(video.id)[0].bitrate or 0))
            if reads[-1][1] == writes:
                break
            time.sleep(0.005)
        log = [json.loads(line) for line in writer.stdout]
        hits = db.stats().cache.hits
    assert len(log) == writes and reads[-1][1] == writes
    # how long after each write returned the cached reads showed it
    lags = []
    for entry in log:
        seen = next((t for t, v in reads if v >= entry["i"] and t >= entry["done"]), None)
        assert seen is not None
        lags.append(seen - entry["done"])
    # never stale beyond the bound: a read that began 1 s after a write shows it
    for started, value in reads:
        done_before = [e["i"] for e in log if e["done"] < started - 1.0]
        assert value >= max(done_before, default=0), "a stale value past the bound"
    lags.sort()
    print(
        f"\ncache (notify {notify}): {len(reads)} reads, {hits} hits; a write seen after p50 "
        f"{lags[len(lags) // 2] * 1000:.1f} ms, p99 {lags[int(len(lags) * 0.99)] * 1000:.1f} ms"
    )
    assert hits > 0


def test_the_cache_is_bypassed_while_the_follower_is_down(db_url, superuser_conn) -> None:
    with vqdb.Catalog(db_url, maxconn=2, cache_size=100, cache_poll=0.05) as db:
        wait_following(db)
        video = db.create_video(title="follower killed")
        db.get_video(video.id)
        db.get_video(video.id)
        with superuser_conn.cursor() as cur:
            cur.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity"
                " where application_name = 'vqdb-feed' and datname = current_database()"
            )
            assert cur.rowcount == 1
            # a write the follower cannot see while it is down
            cur.execute("update vq.videos set status = 'published' where id = %s", (video.id,))
        before = db.stats().cache.bypasses
        deadline = time.monotonic() + 5
        while db.stats().cache.following:  # it notices at its next poll
            assert time.monotonic() < deadline, "the follower did not notice"
            time.sleep(0.002)
        # from then on the cached "draft" is not trusted: reads go to the database
        statuses = {db.get_video(video.id).status for _ in range(20)}
        wait_following(db)
        assert db.get_video(video.id).status == "published"
        stats = db.stats().cache
    assert stats.bypasses > before, "no read was bypassed while the feed was down"
    assert statuses == {"published"}, "a read served the cache while the feed was down"
