"""The change feed across transactions that commit in the opposite order of their
numbers: a naive `where seq > last` loses the first one's event; vq.changes_since
holds the feed back until the older transaction ends, and loses nothing."""

from __future__ import annotations

import psycopg2
import vqdb


def open_writer(db_url: str, title: str) -> tuple[psycopg2.extensions.connection, str]:
    """A transaction that has written one event and is still open."""
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("select id from vq.create_video(%s)", (title,))
        return conn, str(cur.fetchone()[0])


def test_an_event_that_commits_late_is_not_skipped(db_url, superuser_conn) -> None:
    with vqdb.Catalog(db_url, maxconn=1) as db:
        start = db.changes_since()
        position = start[-1].position if start else None

        first, first_video = open_writer(db_url, "numbered first, committed last")
        second, second_video = open_writer(db_url, "numbered second, committed first")
        second.commit()

        with superuser_conn.cursor() as cur:
            cur.execute(
                "select video_id::text, seq from vq.changes where video_id in (%s, %s)",
                (first_video, second_video),
            )
            seqs = dict(cur.fetchall())
        assert seqs == {second_video: seqs[second_video]}, "only the committed one is visible"
        # the naive consumer: everything up to the highest sequence number seen
        naive_last = seqs[second_video]

        # while the first is open, the feed holds back even the committed second
        held = db.changes_since(position)
        assert [c.video_id for c in held] == []

        first.commit()
        with superuser_conn.cursor() as cur:
            cur.execute("select seq from vq.changes where video_id = %s", (first_video,))
            (first_seq,) = cur.fetchone()
        assert first_seq < naive_last, "the first event's number is below what was read"

        got = db.changes_since(position)
        assert [(str(c.video_id), c.kind) for c in got] == [
            (first_video, "video_created"),
            (second_video, "video_created"),
        ]
        assert db.changes_since(got[-1].position) == [], "no repeat"
    first.close()
    second.close()


def test_a_consumer_that_was_away_resumes_where_it_stopped(db_url) -> None:
    with vqdb.Catalog(db_url, maxconn=1) as db:
        video = db.create_video(title="away")
        last = db.changes_since()[-1].position
        db.create_video_qualities(video.id, [{"quality": "720p", "url": "a"}])
        db.update_video_status(video.id, "published")
        events = []
        while batch := db.changes_since(last, limit=1):
            events += batch
            last = batch[-1].position
    assert [(e.kind, e.quality, e.value) for e in events] == [
        ("quality_created", "720p", "pending"),
        ("video_status", None, "published"),
    ]
