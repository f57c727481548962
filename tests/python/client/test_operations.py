"""The operator's calls through vqdb.Catalog, as the worker role makes them: restart,
retry by class, the running encodes, the failures, the last hour, a video's history."""

from __future__ import annotations

import pytest
import vqdb


@pytest.fixture
def db(worker_url):
    with vqdb.Catalog(worker_url, maxconn=2) as catalog:
        yield catalog


def test_an_operator_sees_a_failure_and_retries_its_class(db):
    video = db.create_video(title="ops")
    q720 = db.create_video_quality(video.id, "720p", "a.mp4", max_attempts=1)
    q480 = db.create_video_quality(video.id, "480p", "b.mp4", max_attempts=1)
    (lease,) = db.claim_qualities("w1", qualities=["720p"])
    db.fail_quality(q720.id, lease.lease_token, "ffmpeg_failed", "exit 1")
    (running,) = db.claim_qualities("w2", qualities=["480p"])
    db.heartbeat_quality(q480.id, running.lease_token, 30)

    [count] = db.failed_quality_counts()
    assert (count.quality, count.error_code, count.count) == ("720p", "ffmpeg_failed", 1)
    assert db.recent_failure_counts() == {"ffmpeg_failed": 1}
    [run] = db.list_running_qualities()
    assert (run.title, run.quality, run.lease_owner, run.progress) == ("ops", "480p", "w2", 30)
    minutes = db.attempts_per_minute(5)
    assert len(minutes) == 5 and sum(m.failed for m in minutes) == 1

    assert db.retry_failed_qualities("720p", "ffmpeg_input") == 0
    assert db.retry_failed_qualities("720p", "ffmpeg_failed") == 1
    assert db.get_video(video.id) is not None
    assert {q.quality: q.status for q in db.list_qualities_ordered(video.id)} == {
        "720p": "pending",
        "480p": "processing",
    }

    restarted = db.restart_video_quality(video.id, q480.id)
    assert (restarted.status, restarted.attempts, restarted.lease_token) == ("pending", 0, None)
    with pytest.raises(vqdb.LeaseLost):
        db.heartbeat_quality(q480.id, running.lease_token, 40)
    kinds = [c.kind for c in db.list_video_changes(video.id)]
    assert kinds[0] == "quality_status" and kinds[-1] == "video_created"


def test_a_refused_operation_says_why_and_changes_nothing(db):
    video = db.create_video(title="ops")
    ready = db.create_video_quality(video.id, "720p", "a.mp4", status="ready")
    with pytest.raises(vqdb.InvalidArgument, match="from ready to pending"):
        db.restart_video_quality(video.id, ready.id)
    with pytest.raises(vqdb.NotFound):
        db.restart_video_quality(video.id, "00000000-0000-0000-0000-000000000001")
    with pytest.raises(vqdb.InvalidArgument, match="p_quality"):
        db.retry_failed_qualities("999p")
    assert db.list_qualities_ordered(video.id)[0].status == "ready"
