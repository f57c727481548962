"""vq.update_qualities_metadata under concurrency: overlapping batches do not deadlock.

The function locks its rows in id order before it updates them; without that,
two batches naming the same qualities in opposite orders would each lock the
first of its list and wait for the other's (PostgreSQL detects it after
deadlock_timeout and fails one with 40P01). Real threads, real connections.
"""

from __future__ import annotations

import threading
import uuid

import psycopg2
import psycopg2.errors
import psycopg2.extras
import pytest
import vqdb
from psycopg2 import sql

psycopg2.extras.register_uuid()

LABELS = ["2160p", "1440p", "1080p", "720p", "480p", "360p", "240p", "144p"]


def _ladder(conn: psycopg2.extensions.connection) -> list[uuid.UUID]:
    with conn.cursor() as cur:
        cur.execute("select id from vq.create_video(p_title => 'concurrent batches')")
        video_id = cur.fetchone()[0]
        cur.execute(
            "select id from vq.create_video_qualities(p_video_id => %s, p_qualities => %s)",
            (
                video_id,
                psycopg2.extras.Json(
                    [
                        {
                            "quality": q,
                            "url": f"https://cdn.example/{q}.mp4",
                            "status": "processing",
                        }
                        for q in LABELS
                    ]
                ),
            ),
        )
        return [uuid.UUID(str(r[0])) for r in cur.fetchall()]


def test_overlapping_batches_in_opposite_orders_do_not_deadlock(db_url, superuser_conn):
    ids = _ladder(superuser_conn)
    with superuser_conn.cursor() as cur:
        # enough other rows that the planner reaches the qualities through the primary
        # key in the batch's order, as in production (a tiny table is scanned whole, in
        # the same physical order for everyone, and would hide the problem)
        cur.execute(
            "insert into vq.videos (id, title) select md5('v' || g)::uuid, 'v' "
            "from generate_series(1, 500) g"
        )
        cur.execute(
            "insert into vq.video_qualities (video_id, quality, url) "
            "select md5('v' || g)::uuid, l.label, 'u' "
            "from generate_series(1, 500) g, vq.quality_levels l"
        )
        cur.execute("analyze vq.video_qualities")
        # fail fast instead of waiting a second per deadlock
        cur.execute(
            sql.SQL("alter database {} set deadlock_timeout = '100ms'").format(
                sql.Identifier(db_url.rsplit("/", 1)[1])
            )
        )
    rounds = 40
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(order: list[uuid.UUID], bitrate: int) -> None:
        conn = psycopg2.connect(db_url)
        conn.autocommit = True
        try:
            start.wait()
            with conn.cursor() as cur:
                for n in range(rounds):
                    cur.execute(
                        "select vq.update_qualities_metadata(p_updates => %s)",
                        (
                            psycopg2.extras.Json(
                                [{"quality_id": str(i), "bitrate": bitrate + n} for i in order]
                            ),
                        ),
                    )
                    assert cur.fetchone()[0] == len(order)
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [
        threading.Thread(target=worker, args=(ids, 1000)),
        threading.Thread(target=worker, args=(list(reversed(ids)), 5000)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with superuser_conn.cursor() as cur:
        cur.execute(
            "select count(distinct bitrate) from vq.video_qualities where id = any(%s)", (ids,)
        )
        # each batch is atomic: every quality holds the last batch's bitrate
        assert cur.fetchone()[0] == 1


def test_a_failing_batch_leaves_no_trace_even_after_earlier_valid_elements(superuser_conn):
    ids = _ladder(superuser_conn)
    with superuser_conn.cursor() as cur:
        cur.execute(
            "select id, bitrate, status from vq.video_qualities where id = any(%s) order by id",
            (ids,),
        )
        before = cur.fetchall()
        with pytest.raises(psycopg2.errors.InvalidParameterValue, match=r"p_updates\[8\]"):
            cur.execute(
                "select vq.update_qualities_metadata(p_updates => %s)",
                (
                    psycopg2.extras.Json(
                        [{"quality_id": str(i), "bitrate": 1, "status": "ready"} for i in ids[:7]]
                        + [{"quality_id": str(ids[7]), "status": "unknown"}]
                    ),
                ),
            )
        cur.execute(
            "select id, bitrate, status from vq.video_qualities where id = any(%s) order by id",
            (ids,),
        )
        assert cur.fetchall() == before


# ------------------------------------------------ vqdb.Catalog.update_qualities_metadata --


@pytest.fixture
def db(db_url):
    with vqdb.Catalog(db_url, maxconn=2) as catalog:
        yield catalog


def test_client_update_qualities_metadata_completes_a_ladder(db):
    video = db.create_video(title="ladder")
    rows = db.create_video_qualities(
        video.id,
        [
            {"quality": q, "url": f"https://cdn.example/{q}.mp4", "status": "processing"}
            for q in ("1080p", "720p")
        ],
    )
    by_label = {r.quality: r for r in rows}
    updated = db.update_qualities_metadata(
        [
            {"quality_id": by_label["1080p"].id, "bitrate": 5000, "fps": 29.97, "status": "ready"},
            {"quality_id": str(by_label["720p"].id), "codec": "h264"},  # a UUID's text works too
            {"quality_id": uuid.uuid4(), "bitrate": 1},  # no such quality: skipped
        ]
    )
    assert updated == 2
    after = {q.quality: q for q in db.list_qualities_ordered(video.id)}
    assert (after["1080p"].bitrate, after["1080p"].fps, after["1080p"].status) == (
        5000,
        29.97,
        "ready",
    )
    assert after["1080p"].processing_completed_at is not None
    assert (after["720p"].codec, after["720p"].status, after["720p"].bitrate) == (
        "h264",
        "processing",
        None,
    )
    assert db.update_qualities_metadata([]) == 0


def test_client_update_qualities_metadata_is_all_or_nothing_and_names_the_element(db):
    video = db.create_video(title="ladder")
    rows = db.create_video_qualities(
        video.id, [{"quality": q, "url": f"https://cdn.example/{q}.mp4"} for q in ("1080p", "720p")]
    )
    with pytest.raises(vqdb.InvalidArgument, match=r"p_updates\[2\]") as raised:
        db.update_qualities_metadata(
            [
                {"quality_id": rows[0].id, "bitrate": 5000},
                {"quality_id": rows[1].id, "bitrate": -1},
            ]
        )
    assert raised.value.sqlstate == "22003"
    assert [q.bitrate for q in db.list_qualities_ordered(video.id)] == [None, None]
    with pytest.raises(vqdb.InvalidArgument, match="unknown key"):
        db.update_qualities_metadata([{"quality_id": rows[0].id, "p_bitrate": 1}])
