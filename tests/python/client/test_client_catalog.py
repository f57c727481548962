"""vqdb.Catalog against a real server: every method and the shape of its results."""

from __future__ import annotations

import dataclasses
import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import vqdb

LADDER = ["2160p", "1440p", "1080p", "720p", "480p", "360p", "240p", "144p", "original"]


@pytest.fixture
def db(db_url):
    with vqdb.Catalog(db_url, maxconn=4) as catalog:
        yield catalog


def test_create_video_returns_every_column(db):
    user = uuid.uuid4()
    video = db.create_video(
        title="Intro",
        description="d",
        url="https://x/v.mp4",
        thumbnail_url="https://x/t.jpg",
        duration=61,
        user_id=user,
    )
    assert isinstance(video, vqdb.Video)
    assert isinstance(video.id, uuid.UUID)
    assert (video.title, video.description, video.url, video.thumbnail_url) == (
        "Intro",
        "d",
        "https://x/v.mp4",
        "https://x/t.jpg",
    )
    assert (video.duration, video.user_id, video.views, video.likes) == (61, user, 0, 0)
    assert video.status == "draft"
    assert video.created_at.tzinfo is not None and video.updated_at >= video.created_at
    with pytest.raises(dataclasses.FrozenInstanceError):
        video.title = "other"  # type: ignore[misc]


def test_create_video_with_only_the_title_leaves_the_rest_null(db):
    video = db.create_video("Only a title")
    assert (video.description, video.url, video.duration, video.user_id) == (None,) * 4


def test_get_video_by_uuid_or_text_and_none_when_missing(db):
    video = db.create_video(title="A")
    assert db.get_video(video.id) == video
    assert db.get_video(str(video.id)) == video
    assert db.get_video(uuid.uuid4()) is None


def test_list_videos_pages_through_every_video_once(db):
    made = [db.create_video(title=f"Clip {i}") for i in range(7)]
    db.update_video_status(made[3].id, "published")
    seen, after = [], None
    while page := db.list_videos(after=after, limit=3):
        assert len(page) <= 3
        seen += page
        after = page[-1].id
    assert [v.id for v in seen] == [v.id for v in reversed(made)]  # newest first
    assert all(isinstance(v, vqdb.Video) for v in seen)
    assert [v.id for v in db.list_videos(status="published")] == [made[3].id]
    assert len(db.list_videos(title_prefix="clip")) == 7
    with pytest.raises(vqdb.NotFound, match="p_after"):
        db.list_videos(after=uuid.uuid4())


def test_update_video_status(db):
    video = db.create_video(title="A")
    assert db.update_video_status(video.id, "processing") is True
    assert db.get_video(video.id).status == "processing"
    assert db.update_video_status(video.id, "published") is True
    assert db.get_video(video.id).status == "published"
    assert db.update_video_status(uuid.uuid4(), "published") is False


def test_create_video_quality_with_every_argument(db):
    video = db.create_video(title="A")
    started = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    q = db.create_video_quality(
        video_id=video.id,
        quality="720p",
        url="https://x/720.mp4",
        file_size=104857600,
        bitrate=5000,
        resolution_width=1280,
        resolution_height=720,
        codec="h264",
        container="mp4",
        duration=61.5,
        fps=29.97,
        pixel_format="yuv420p",
        color_space="bt709",
        audio_codec="aac",
        audio_bitrate=128,
        audio_channels=2,
        audio_sample_rate=48000,
        aspect_ratio="16:9",
        frame_count=1843,
        encoding_time=12.5,
        is_default=True,
        status="ready",
        processing_started_at=started,
    )
    assert isinstance(q, vqdb.VideoQuality)
    assert (q.video_id, q.quality, q.url) == (video.id, "720p", "https://x/720.mp4")
    assert (q.file_size, q.bitrate, q.resolution_width, q.resolution_height) == (
        104857600,
        5000,
        1280,
        720,
    )
    assert (q.codec, q.container, q.duration, q.fps) == ("h264", "mp4", 61.5, 29.97)
    assert (q.pixel_format, q.color_space, q.audio_codec) == ("yuv420p", "bt709", "aac")
    assert (q.audio_bitrate, q.audio_channels, q.audio_sample_rate) == (128, 2, 48000)
    assert (q.aspect_ratio, q.frame_count, q.encoding_time) == ("16:9", 1843, 12.5)
    assert (q.is_default, q.status, q.error_message) == (True, "ready", None)
    assert q.processing_started_at == started
    assert q.processing_completed_at is not None and q.processing_completed_at >= started


def test_create_video_quality_defaults_and_restart_keeps_the_id(db):
    video = db.create_video(title="A")
    first = db.create_video_quality(video_id=video.id, quality="480p", url="u1")
    assert (first.status, first.is_default, first.bitrate) == ("pending", False, None)
    again = db.create_video_quality(
        video_id=video.id, quality="480p", url="u2", status="processing", bitrate=900
    )
    assert again.id == first.id and again.created_at == first.created_at
    assert (again.url, again.status, again.bitrate) == ("u2", "processing", 900)
    assert again.processing_started_at is not None
    assert len(db.list_qualities_ordered(video.id)) == 1


def test_create_video_qualities_in_one_call(db):
    video = db.create_video(title="A")
    started = datetime.now(UTC) - timedelta(minutes=5)
    rows = db.create_video_qualities(
        video.id,
        [
            {"quality": "144p", "url": "u144"},
            {
                "quality": "1080p",
                "url": "u1080",
                "bitrate": 8000,
                "status": "processing",
                "processing_started_at": started,
            },
            {"quality": "original", "url": "uo", "fps": 25.0},
        ],
    )
    assert [r.quality for r in rows] == ["1080p", "144p", "original"]
    by_label = {r.quality: r for r in rows}
    assert by_label["1080p"].bitrate == 8000
    assert by_label["1080p"].processing_started_at == started
    assert by_label["original"].fps == 25.0
    assert by_label["144p"].status == "pending"


def test_create_video_qualities_is_all_or_nothing(db):
    video = db.create_video(title="A")
    with pytest.raises(vqdb.InvalidArgument) as err:
        db.create_video_qualities(
            video.id, [{"quality": "720p", "url": "ok"}, {"quality": "999p", "url": "bad"}]
        )
    assert "p_qualities[2]" in err.value.message
    assert db.list_qualities_ordered(video.id) == []
    assert db.create_video_qualities(video.id, []) == []


def test_update_quality_metadata_changes_only_what_is_given(db):
    video = db.create_video(title="A")
    q = db.create_video_quality(
        video_id=video.id, quality="720p", url="u", codec="h264", status="processing"
    )
    assert (
        db.update_quality_metadata(
            q.id,
            file_size=10,
            bitrate=5000,
            resolution_width=1280,
            resolution_height=720,
            status="ready",
        )
        is True
    )
    (after,) = db.list_qualities_ordered(video.id)
    assert (after.codec, after.url) == ("h264", "u")  # kept
    assert (after.file_size, after.bitrate, after.status) == (10, 5000, "ready")
    assert after.processing_completed_at is not None
    assert db.update_quality_metadata(q.id, error_message="note") is True
    assert db.list_qualities_ordered(video.id)[0].error_message == "note"
    assert db.update_quality_metadata(uuid.uuid4(), bitrate=1) is False


def test_update_quality_status_and_transitions(db):
    video = db.create_video(title="A")
    q = db.create_video_quality(video_id=video.id, quality="720p", url="u")
    assert db.update_quality_status(q.id, "processing") is True
    assert db.update_quality_status(q.id, "processing") is True  # same status: a no-op
    assert db.update_quality_status(q.id, "failed") is True
    assert db.update_quality_status(uuid.uuid4(), "failed") is False
    with pytest.raises(vqdb.InvalidArgument):
        db.update_quality_status(q.id, "ready")  # failed -> ready is not allowed


def test_calls_keyed_by_a_quality_use_the_by_video_form_once_the_video_is_known(db_url):
    calls: list[str] = []
    with vqdb.Catalog(db_url, maxconn=2) as writer, vqdb.Catalog(db_url, maxconn=2) as other:
        video = writer.create_video(title="A")
        q = writer.create_video_quality(video_id=video.id, quality="720p", url="u")
        for catalog in (writer, other):
            catalog.on_call = lambda function, seconds, error: calls.append(function)
        # the writer has seen the row: by video
        assert writer.update_quality_status(q.id, "processing") is True
        assert writer.update_quality_metadata(str(q.id), bitrate=900) is True
        # a Catalog that has not: by the quality alone, same outcome
        assert other.update_quality_metadata(q.id, codec="av1") is True
        assert other.update_quality_status(q.id, "ready") is True
        assert calls == [
            "update_video_quality_status",
            "update_video_quality_metadata",
            "update_quality_metadata",
            "update_quality_status",
        ]
        (row,) = other.list_qualities_ordered(video.id)  # now the other one knows it too
        assert (row.bitrate, row.codec, row.status) == (900, "av1", "ready")
        calls.clear()
        assert other.update_quality_status(q.id, "processing") is True
        assert calls == ["update_video_quality_status"]
        # the by-video form itself: another video has no such quality
        stranger = writer.create_video(title="B")
        assert writer.update_video_quality_status(stranger.id, q.id, "ready") is False
        assert writer.update_video_quality_metadata(stranger.id, q.id, bitrate=1) is False
        assert writer.update_video_quality_metadata(video.id, q.id, bitrate=1) is True
        with pytest.raises(vqdb.InvalidArgument) as raised:
            writer.update_video_quality_status(None, q.id, "ready")
        assert raised.value.sqlstate == "22004"


def test_update_qualities_status_counts_the_existing_rows(db):
    video = db.create_video(title="A")
    rows = db.create_video_qualities(
        video.id, [{"quality": label, "url": label} for label in ("720p", "480p", "360p")]
    )
    ids = [r.id for r in rows]
    assert db.update_qualities_status(ids + [uuid.uuid4()], "processing") == 3
    assert {r.status for r in db.list_qualities_ordered(video.id)} == {"processing"}
    assert db.update_qualities_status([str(i) for i in ids], "ready") == 3
    assert db.update_qualities_status([], "ready") == 0
    with pytest.raises(vqdb.InvalidArgument):
        db.update_qualities_status(["not-a-uuid"], "ready")


def test_list_qualities_ordered_follows_the_ladder(db):
    video = db.create_video(title="A")
    shuffled = LADDER[:]
    random.Random(7).shuffle(shuffled)
    for label in shuffled:
        db.create_video_quality(video_id=video.id, quality=label, url=label)
    assert [q.quality for q in db.list_qualities_ordered(video.id)] == LADDER
    assert db.list_qualities_ordered(uuid.uuid4()) == []


def test_set_and_get_default_quality(db):
    video = db.create_video(title="A")
    q720, q1080 = (
        db.create_video_quality(video_id=video.id, quality=label, url=label, status="processing")
        for label in ("720p", "1080p")
    )
    assert db.get_default_quality(video.id) is None
    for q in (q720, q1080):
        db.update_quality_status(q.id, "ready")
    assert db.set_default_quality(video.id, q720.id) is True
    assert db.get_default_quality(video.id).id == q720.id
    assert db.set_default_quality(video.id, q1080.id) is True
    default = db.get_default_quality(video.id)
    assert default.id == q1080.id and default.is_default
    assert [q.quality for q in db.list_qualities_ordered(video.id) if q.is_default] == ["1080p"]
    assert db.set_default_quality(video.id, uuid.uuid4()) is False
    assert db.set_default_quality(uuid.uuid4(), q720.id) is False


def test_delete_video_returns_its_urls_and_hides_it(db):
    video = db.create_video(title="Gone", url="https://x/v.mp4")
    q = db.create_video_quality(video.id, "720p", "https://x/720.mp4", status="ready",
                                is_default=True)  # fmt: skip
    db.create_video_quality(video.id, "1080p", "https://x/1080.mp4", status="processing")
    urls = ["https://x/v.mp4", "https://x/1080.mp4", "https://x/720.mp4"]
    assert db.delete_video(video.id) == urls
    assert db.get_video(video.id) is None and db.list_qualities_ordered(video.id) == []
    assert db.update_quality_status(q.id, "processing") is False
    assert db.delete_video(str(video.id)) == urls  # a repeat: the same answer
    assert db.delete_video(uuid.uuid4()) == []


def test_threads_share_one_catalog(db_url):
    """16 threads on a pool of 4: every ladder complete, one default each, no leaked slot."""
    errors: list[BaseException] = []
    videos: list[vqdb.Video] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            for i in range(3):
                video = db.create_video(title=f"w{n}-{i}")
                for label in LADDER:
                    q = db.create_video_quality(
                        video_id=video.id, quality=label, url=label, status="processing"
                    )
                    db.update_quality_metadata(q.id, bitrate=1000, status="ready")
                    db.set_default_quality(video.id, q.id)  # races on purpose
                with lock:
                    videos.append(video)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with vqdb.Catalog(db_url, maxconn=4) as db:
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(videos) == 48
        for video in videos:
            ladder = db.list_qualities_ordered(video.id)
            assert [q.quality for q in ladder] == LADDER
            assert sum(q.is_default for q in ladder) == 1
        stats = db.stats()
        assert stats.in_use == 0 and stats.waiting == 0
        assert stats.size <= 4
        assert stats.acquisitions >= 48 * (1 + 3 * 9)
