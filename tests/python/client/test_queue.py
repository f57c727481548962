"""The work queue through the client: Catalog's lease methods, LeaseLost, SKIP LOCKED
across real connections, and vqdb.Worker (heartbeats, complete/fail, LISTEN, SIGTERM,
a lost lease)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter

import pytest
import vqdb


def ladder(db: vqdb.Catalog, videos: int, labels=("720p", "480p")) -> list[vqdb.VideoQuality]:
    rows = []
    for i in range(videos):
        video = db.create_video(title=f"queue {i}")
        rows += db.create_video_qualities(
            video.id, [{"quality": q, "url": f"s3://v/{i}/{q}"} for q in labels]
        )
    return rows


def test_the_lease_calls_round_trip(db_url) -> None:
    with vqdb.Catalog(db_url, maxconn=2) as db:
        (q,) = ladder(db, 1, ("720p",))
        (claimed,) = db.claim_qualities("w1", lease_seconds=30)
        assert (claimed.id, claimed.status, claimed.lease_owner, claimed.attempts) == (
            q.id,
            "processing",
            "w1",
            1,
        )
        assert db.heartbeat_quality(q.id, claimed.lease_token, progress=10.0) > claimed.created_at
        with pytest.raises(vqdb.LeaseLost) as lost:
            db.heartbeat_quality(q.id, q.id)  # not its token
        assert lost.value.sqlstate == "55000"
        failed = db.fail_quality(q.id, claimed.lease_token, "OSError", "disk full")
        assert (failed.status, failed.error_code, failed.due_at > failed.updated_at) == (
            "pending",
            "OSError",
            True,
        )
        stats = {s.quality: s for s in db.queue_stats()}
        assert (stats["720p"].pending, stats["720p"].due) == (1, 0)


def test_complete_and_release(db_url) -> None:
    with vqdb.Catalog(db_url, maxconn=2) as db:
        ladder(db, 1)
        first, second = db.claim_qualities("w", limit=2)
        done = db.complete_quality(first.id, first.lease_token, bitrate=900, codec="av1")
        assert (done.status, done.bitrate, done.codec, done.progress) == ("ready", 900, "av1", 100)
        # a repeat after a lost answer gets the same answer
        assert db.complete_quality(first.id, first.lease_token) == done
        back = db.release_quality(second.id, second.lease_token)
        assert (back.status, back.attempts) == ("pending", 0)
        with pytest.raises(vqdb.LeaseLost):
            db.complete_quality(second.id, second.lease_token)


def test_bad_input_is_invalid_argument(db_url) -> None:
    with vqdb.Catalog(db_url, maxconn=1) as db:
        with pytest.raises(vqdb.InvalidArgument, match="p_limit"):
            db.claim_qualities("w", limit=0)
        with pytest.raises(vqdb.InvalidArgument, match="4320p"):
            db.claim_qualities("w", qualities=["4320p"])


def test_concurrent_claims_never_get_the_same_quality(db_url) -> None:
    """SKIP LOCKED across 8 real connections: 400 qualities, each claimed exactly once."""
    with vqdb.Catalog(db_url, maxconn=2) as db:
        expected = {q.id for q in ladder(db, 200)}
    claims: Counter = Counter()
    mutex = threading.Lock()

    def claimer(n: int) -> None:
        with vqdb.Catalog(db_url, maxconn=1) as db:
            while rows := db.claim_qualities(f"t{n}", limit=3):
                with mutex:
                    claims.update(r.id for r in rows)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(claims) == expected
    assert max(claims.values()) == 1, "a quality was handed out twice"


def test_worker_completes_fails_and_counts(db_url) -> None:
    with vqdb.Catalog(db_url, maxconn=4) as db:
        rows = ladder(db, 10)
        bad = {r.id for r in rows if r.quality == "480p"}

        def encode(quality: vqdb.VideoQuality, lease: vqdb.Lease) -> dict:
            lease.progress(50.0)
            if quality.id in bad:
                raise ValueError("corrupt input")
            return {"bitrate": 1000, "codec": "h264"}

        worker = vqdb.Worker(db, "helper", lease_seconds=10, poll_seconds=0.2)
        worker.run(encode, max_qualities=len(rows))
        after = {q.id: q for r in rows for q in db.list_qualities_ordered(r.video_id)}
    assert worker.done == 20
    for qid, q in after.items():
        if qid in bad:
            assert (q.status, q.error_code, q.error_message) == (
                "pending",
                "ValueError",
                "corrupt input",
            )
        else:
            assert (q.status, q.bitrate, q.lease_owner) == ("ready", 1000, "helper")


def test_worker_wakes_on_listen_before_its_poll(db_url) -> None:
    """Waiting with a 60 s poll, the worker takes work enqueued later at once (NOTIFY)."""
    with vqdb.Catalog(db_url, maxconn=3) as db:
        taken = threading.Event()
        worker = vqdb.Worker(db, "listener", poll_seconds=60)

        def encode(quality, lease):
            taken.set()
            return {}

        thread = threading.Thread(target=worker.run, args=(encode, 1))
        thread.start()
        try:
            time.sleep(1.0)  # the worker found nothing and waits in LISTEN
            assert not taken.is_set()
            ladder(db, 1, ("720p",))
            assert taken.wait(20), "the worker did not wake up on NOTIFY"
        finally:
            worker.stop()  # a failure above must not leave the worker waiting
            thread.join(20)
        assert not thread.is_alive()


def test_stop_ends_a_worker_waiting_for_work_at_once(db_url) -> None:
    """stop() while the worker waits in LISTEN with a 60 s poll: it returns within a second."""
    with vqdb.Catalog(db_url, maxconn=2) as db:
        worker = vqdb.Worker(db, "idle", poll_seconds=60)
        thread = threading.Thread(target=worker.run, args=(lambda q, lease: {},))
        thread.start()
        time.sleep(1.0)  # nothing to claim: waiting
        stopped_at = time.monotonic()
        worker.stop()
        thread.join(10)
        assert not thread.is_alive()
        assert time.monotonic() - stopped_at < 2.0


def test_a_lost_lease_stops_the_encode_and_sends_nothing(db_url) -> None:
    with vqdb.Catalog(db_url, maxconn=3) as db:
        (q,) = ladder(db, 1, ("720p",))
        lost_seen = threading.Event()

        def encode(quality, lease):
            lease.on_lost(lost_seen.set)
            # an operator restarts the quality while it encodes
            db.create_video_quality(quality.video_id, "720p", "s3://restarted")
            for _ in range(100):
                time.sleep(0.05)
                lease.progress(1.0)  # raises LeaseLost once the heartbeat saw it
            return {"bitrate": 1}

        worker = vqdb.Worker(db, "w", lease_seconds=3, heartbeat_seconds=0.2)
        worker.run(encode, max_qualities=1)
        (after,) = db.list_qualities_ordered(q.video_id)
    assert lost_seen.is_set()
    assert (after.status, after.url, after.bitrate, after.attempts) == (
        "pending",
        "s3://restarted",
        None,
        0,
    )


WORKER_SCRIPT = textwrap.dedent(
    """
    import sys, time, vqdb
    def encode(quality, lease):
        print("encoding", flush=True)
        time.sleep(60)
    with vqdb.Catalog(sys.argv[1], maxconn=2) as db:
        vqdb.Worker(db, "sigterm", lease_seconds=120).run(encode)
    print("stopped", flush=True)
    """
)


def test_sigterm_releases_the_quality_at_once(db_url) -> None:
    with vqdb.Catalog(db_url, maxconn=1) as db:
        (q,) = ladder(db, 1, ("720p",))
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER_SCRIPT, db_url],
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "encoding"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert proc.stdout.read().strip() == "stopped"
        (after,) = db.list_qualities_ordered(q.video_id)
    assert (after.status, after.attempts, after.lease_expires_at) == ("pending", 0, None)


def test_metadata_the_catalog_refuses_fails_the_quality_instead_of_the_worker(db_url) -> None:
    with vqdb.Catalog(db_url, maxconn=3) as db:
        (q,) = ladder(db, 1, ("720p",))
        worker = vqdb.Worker(db, "w", lease_seconds=10)
        worker.run(lambda quality, lease: {"bitrate": -1}, max_qualities=1)
        (after,) = db.list_qualities_ordered(q.video_id)
    assert (after.status, after.error_code) == ("failed", "InvalidArgument")
    assert "p_bitrate" in (after.error_message or "")


@pytest.mark.parametrize(
    ("metadata", "named"),
    [({"bitrate": 1200.5}, "bitrate = 1200.5"),  # refused by the client or the JSON call
     ({"bitrate": -1}, "p_bitrate"),  # by the server
     ({"frame_rate": 30}, "frame_rate")],  # by name
)  # fmt: skip
@pytest.mark.parametrize("path", ["complete_quality", "complete_and_claim_quality"])
def test_both_completions_fail_refused_metadata_at_once(db_url, path, metadata, named) -> None:
    """The last quality of a run completes with complete_quality, the others with
    complete_and_claim_quality: refused metadata fails the quality there and then
    (not retried), naming the field, on either path."""
    with vqdb.Catalog(db_url, maxconn=3) as db:
        rows = ladder(db, 1, ("720p", "480p"))
        results = iter([metadata, {"bitrate": 1200.0, "frame_count": 180.0}])
        worker = vqdb.Worker(db, "w", lease_seconds=10)
        runs = 1 if path == "complete_quality" else 2
        worker.run(lambda quality, lease: next(results), max_qualities=runs)
        by_id = {q.id: q for q in db.list_qualities_ordered(rows[0].video_id)}
    refused = [q for q in by_id.values() if q.status == "failed"]
    assert len(refused) == 1
    assert (refused[0].error_code, refused[0].attempts) == ("InvalidArgument", 1)
    assert named in (refused[0].error_message or "")
    if runs == 2:  # the next one was claimed afterwards and completed
        (done,) = [q for q in by_id.values() if q.status == "ready"]
        assert (done.bitrate, done.frame_count) == (1200, 180)


def test_metadata_forms_of_an_encoders_report(db_url) -> None:
    """A whole number with a fraction for an integer field, a frame rate as a
    fraction: taken by the keyword calls and the JSON ones; another fraction is
    InvalidArgument naming the argument and the value."""
    with vqdb.Catalog(db_url) as db:
        a, b = ladder(db, 1, ("720p", "480p"))
        assert db.update_quality_metadata(a.id, bitrate=1200.0, fps="30000/1001")
        assert db.update_qualities_metadata([{"quality_id": b.id, "frame_count": 180.0,
                                              "fps": "24000/1001"}])  # fmt: skip
        with pytest.raises(vqdb.InvalidArgument, match=r"p_bitrate = 1086\.826"):
            db.update_quality_metadata(a.id, bitrate=1086.826)
        with pytest.raises(vqdb.InvalidArgument, match=r"bitrate = 1086\.826 is not a valid"):
            db.update_qualities_metadata([{"quality_id": a.id, "bitrate": 1086.826}])
        with pytest.raises(vqdb.InvalidArgument, match="p_fps"):
            db.update_quality_metadata(a.id, fps="30/0")
        a, b = db.list_qualities_ordered(a.video_id)
    assert (a.bitrate, round(a.fps, 6)) == (1200, 29.97003)
    assert (b.frame_count, round(b.fps, 6)) == (180, 23.976024)


def test_the_job_carries_the_source_the_rung_and_the_settings(db_url) -> None:
    with vqdb.Catalog(db_url, maxconn=3) as db:
        video = db.create_video(title="job", url="file:///media/source.mov")
        db.create_video_qualities(
            video.id,
            [{"quality": "720p", "url": "out/720p.mp4", "settings": {"crf": 21}},
             {"quality": "480p", "url": "out/480p.mp4"}],
            settings={"preset": "veryfast", "crf": 23},
        )  # fmt: skip
        seen: list[vqdb.Job] = []

        def encode(job: vqdb.Job) -> dict:
            seen.append(job)
            return {}

        vqdb.Worker(db, "w", lease_seconds=10).run(encode, max_qualities=2)
    by_label = {job.quality.quality: job for job in seen}
    assert {label: job.level.height for label, job in by_label.items()} == {
        "720p": 720,
        "480p": 480,
    }
    assert {job.source for job in seen} == {"file:///media/source.mov"}
    assert by_label["720p"].output == "out/720p.mp4"
    assert by_label["720p"].settings == {"preset": "veryfast", "crf": 21}
    assert by_label["480p"].settings == {"preset": "veryfast", "crf": 23}
    assert all(job.lease.token == job.quality.lease_token for job in seen)


def test_the_older_encode_form_still_works(db_url) -> None:
    with vqdb.Catalog(db_url, maxconn=3) as db:
        (q,) = ladder(db, 1, ("720p",))
        got = []
        vqdb.Worker(db, "w", lease_seconds=10).run(
            lambda quality, lease: got.append((quality.id, lease.token)) or {"bitrate": 900},
            max_qualities=1,
        )
        (after,) = db.list_qualities_ordered(q.video_id)
    assert got and got[0][0] == q.id and (after.status, after.bitrate) == ("ready", 900)


KILLED_WORKER_SCRIPT = textwrap.dedent(
    """
    import sys, time, vqdb
    def encode(job):
        print("encoding", flush=True)
        time.sleep(600)
    with vqdb.Catalog(sys.argv[1], maxconn=2) as db:
        vqdb.Worker(db, "doomed", lease_seconds=int(sys.argv[2])).run(encode)
    """
)


def test_an_idle_worker_takes_a_dead_workers_quality_when_its_lease_expires(db_url) -> None:
    """The idle worker polls every 60 s; nobody notifies an expiry. It sleeps until
    the lease's expiry (vq.next_work_in) and takes the quality then: well within
    the poll interval (docs/benchmarks.md measures how soon)."""
    lease = 2
    with vqdb.Catalog(db_url, maxconn=4) as db:
        (q,) = ladder(db, 1, ("720p",))
        doomed = subprocess.Popen(
            [sys.executable, "-c", KILLED_WORKER_SCRIPT, db_url, str(lease)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert doomed.stdout is not None and doomed.stdout.readline().strip() == "encoding"
        taken = threading.Event()
        took_at: list[float] = []

        def encode(job: vqdb.Job) -> dict:
            took_at.append(time.monotonic())
            taken.set()
            return {}

        idle = vqdb.Worker(db, "idle", lease_seconds=30, poll_seconds=60)
        thread = threading.Thread(target=idle.run, args=(encode, 1))
        thread.start()
        time.sleep(1)  # idle is waiting, the doomed worker heartbeating
        killed_at = time.monotonic()
        doomed.kill()
        doomed.wait()
        assert taken.wait(30), "not taken within 30 s"
        thread.join(10)
        (after,) = db.list_qualities_ordered(q.video_id)
    # not at the next poll (60 s): at the expiry (bench/recovery.py measures how soon)
    assert took_at[0] - killed_at < 20
    assert (after.status, after.attempts, after.lease_owner) == ("ready", 2, "idle")


def test_an_error_code_can_be_made_permanent(db_url) -> None:
    class Flaky(Exception):
        error_code = "bad_source"

    def encode(job: vqdb.Job) -> dict:
        raise Flaky("the source is not a video")

    with vqdb.Catalog(db_url, maxconn=3) as db:
        (q,) = ladder(db, 1, ("720p",))
        vqdb.Worker(db, "w", permanent_errors={"bad_source"}).run(encode, max_qualities=1)
        (after,) = db.list_qualities_ordered(q.video_id)
    assert (after.status, after.error_code, after.attempts) == ("failed", "bad_source", 1)


def test_the_attempt_history_through_the_client(db_url) -> None:
    with vqdb.Catalog(db_url, maxconn=3) as db:
        (q,) = ladder(db, 1, ("720p",))
        outcomes = iter([RuntimeError("exit 1"), {"bitrate": 900}])

        def encode(job: vqdb.Job) -> dict:
            job.lease.progress(30.0)
            result = next(outcomes)
            if isinstance(result, Exception):
                raise result
            return result

        worker = vqdb.Worker(db, "w", heartbeat_seconds=0.05)
        worker.run(encode, max_qualities=1)
        db.update_quality_status(q.id, "failed")  # an operator gives up ...
        db.update_quality_status(q.id, "pending")  # ... and queues it again
        worker.run(encode, max_qualities=2)
        attempts = vqdb.Catalog(db_url).list_quality_attempts(q.id)  # by quality alone
        by_video = db.list_quality_attempts(q.id)  # this catalog knows the video
    assert attempts == by_video
    assert [(a.attempt, a.worker, a.outcome, a.error_code) for a in attempts] == [
        (1, "w", "failed", "RuntimeError"),
        (1, "w", "ready", None),
    ]
    assert all(a.ended_at and a.ended_at >= a.started_at for a in attempts)


def test_a_failed_attempt_is_retried_after_its_backoff_by_a_waiting_worker(db_url) -> None:
    """retry_seconds 1: the worker, idle with a 60 s poll, wakes when the retry is
    due (vq.next_work_in) and encodes it again."""
    with vqdb.Catalog(db_url, maxconn=3) as db:
        video = db.create_video(title="backoff")
        (q,) = db.create_video_qualities(
            video.id, [{"quality": "720p", "url": "u", "retry_seconds": 1}]
        )
        starts: list[float] = []

        def encode(job: vqdb.Job) -> dict:
            starts.append(time.monotonic())
            if len(starts) == 1:
                raise RuntimeError("first try fails")
            return {}

        vqdb.Worker(db, "w", poll_seconds=60).run(encode, max_qualities=2)
        (after,) = db.list_qualities_ordered(video.id)
        attempts = db.list_quality_attempts(q.id)
    assert (after.status, after.attempts) == ("ready", 2)
    assert 1.0 <= starts[1] - starts[0] < 20  # the backoff, then at once: not the 60 s poll
    assert [a.outcome for a in attempts] == ["failed", "ready"]
