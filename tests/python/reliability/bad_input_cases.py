"""The bad-input cases: one row per (function, hostile argument, expected outcome).

Each case is run twice by tests/python/reliability/test_reliability_bad_input.py: as plain
SQL (psycopg2, as vq_worker) and through the Python client. The expectation is
the contract of the API (docs/sql-api.md, docs/errors.md): an error of SQLSTATE
class 22/23 or P0002 whose message names the argument (for a value that cannot even be cast to the
argument's type, 22P02/22007, the message names the value), or the value
stored exactly as given, or a write on a missing target answering false/0/no row.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Ref(enum.Enum):
    """An id of the fixture, resolved at run time."""

    VIDEO = "video"  # a video with READY (720p) and PENDING (480p)
    READY = "ready"  # a ready quality of VIDEO, its default
    PENDING = "pending"  # a pending quality of VIDEO
    OTHER_VIDEO = "other_video"  # a second video
    OTHER_READY = "other_ready"  # a ready quality of OTHER_VIDEO
    UNKNOWN = "unknown"  # a well-formed UUID of nothing


@dataclass(frozen=True)
class Sql:
    """An argument written as an SQL expression on the SQL path (as psql or a driver
    that sends text would), and given as ``client`` to the Python client."""

    expr: str
    client: Any


@dataclass(frozen=True)
class Raises:
    sqlstate: str
    # text the error message must contain (one of them, for a tuple)
    mentions: str | tuple[str, ...] | None


@dataclass(frozen=True)
class Returns:
    """A call on a missing target: false, 0, or no row (None / [] in the client)."""

    what: str  # "false", "zero" or "nothing"


@dataclass(frozen=True)
class Stored:
    """Accepted, and the column holds exactly the value given."""

    column: str
    value: Any


Expect = Raises | Returns | Stored


@dataclass(frozen=True)
class Case:
    id: str
    function: str
    args: Mapping[str, Any]  # names without p_
    expect: Expect
    via: tuple[str, ...] = field(default=("sql", "client"))


INJECTION = "'); drop table vq.videos; --"
INJECTION_OR = "x' or '1'='1"
INJECTION_DOLLAR = "$$; delete from vq.video_qualities; $$"
INJECTION_COMMENT = "*/ select pg_sleep(10); /*"
CONTROL = "a\x01b\x1b[31mred\x1b[0m\r\n\ttab\x7f\u200b\u202eevil"
MEGABYTE = "x" * 1_000_000
NUL = Sql("e'a\\x00b'", "a\x00b")  # NUL is not valid in PostgreSQL text
MALFORMED_UUIDS = {
    "word": "not-a-uuid",
    "empty": "",
    "short": "00000000-0000-0000-0000-00000000000",
    "injection": "'; drop table vq.videos; --",
}

NAN = float("nan")
INF = float("inf")


def _e(sqlstate: str, mentions: str | tuple[str, ...] | None) -> Raises:
    return Raises(sqlstate, mentions)


V, READY, PENDING = Ref.VIDEO, Ref.READY, Ref.PENDING
OTHER_READY, UNKNOWN = Ref.OTHER_READY, Ref.UNKNOWN

QUALITY_ARGS: dict[str, Any] = {"video_id": V, "quality": "360p", "url": "s3://b/360.mp4"}


def _create_video() -> list[Case]:
    f = "create_video"
    return [
        Case("title-null", f, {"title": None}, _e("22004", "p_title")),
        Case("title-empty", f, {"title": ""}, _e("22023", "p_title")),
        Case("title-blank", f, {"title": "   "}, _e("22023", "p_title")),
        Case("title-1mb", f, {"title": MEGABYTE}, _e("22001", "p_title")),
        Case("title-501", f, {"title": "t" * 501}, _e("22001", "p_title")),
        Case("title-nul", f, {"title": NUL}, _e("22021", ("p_title", "0x00"))),
        # psycopg2 cannot even send a lone surrogate: a client-side check, client only
        Case(
            "title-lone-surrogate",
            f,
            {"title": "a\udc80b"},
            _e("22021", "p_title"),
            via=("client",),
        ),
        Case("title-injection", f, {"title": INJECTION}, Stored("title", INJECTION)),
        Case("title-injection-or", f, {"title": INJECTION_OR}, Stored("title", INJECTION_OR)),
        Case("title-control", f, {"title": CONTROL}, Stored("title", CONTROL)),
        Case(
            "description-1mb",
            f,
            {"title": "t", "description": MEGABYTE},
            _e("22001", "p_description"),
        ),
        Case(
            "description-injection",
            f,
            {"title": "t", "description": INJECTION_DOLLAR},
            Stored("description", INJECTION_DOLLAR),
        ),
        Case("url-1mb", f, {"title": "t", "url": MEGABYTE}, _e("22001", "p_url")),
        Case("url-2049", f, {"title": "t", "url": "u" * 2049}, _e("22001", "p_url")),
        Case(
            "url-injection",
            f,
            {"title": "t", "url": INJECTION_COMMENT},
            Stored("url", INJECTION_COMMENT),
        ),
        Case(
            "thumbnail-1mb",
            f,
            {"title": "t", "thumbnail_url": MEGABYTE},
            _e("22001", "p_thumbnail_url"),
        ),
        Case(
            "thumbnail-injection",
            f,
            {"title": "t", "thumbnail_url": INJECTION},
            Stored("thumbnail_url", INJECTION),
        ),
        Case("duration-negative", f, {"title": "t", "duration": -1}, _e("22003", "p_duration")),
        Case(
            "duration-absurd", f, {"title": "t", "duration": 2_000_000}, _e("22003", "p_duration")
        ),
        Case(
            "duration-beyond-integer",
            f,
            {"title": "t", "duration": Sql("'1000000000000'", 10**12)},
            _e("22003", None),
        ),
        Case(
            "user-id-malformed",
            f,
            {"title": "t", "user_id": "not-a-uuid"},
            _e("22P02", "not-a-uuid"),
        ),
        Case("user-id-empty", f, {"title": "t", "user_id": ""}, _e("22P02", "uuid")),
        Case("id-malformed", f, {"title": "t", "id": "not-a-uuid"}, _e("22P02", "not-a-uuid")),
        Case("id-of-another-video", f, {"title": "t", "id": V}, _e("23505", "p_id")),
    ]


def _by_video_id(f: str, missing: Returns | Raises, extra: Mapping[str, Any]) -> list[Case]:
    """The id cases every function taking p_video_id shares."""
    cases = [
        Case("video-id-null", f, {"video_id": None, **extra}, _e("22004", "p_video_id")),
        Case("video-id-unknown", f, {"video_id": UNKNOWN, **extra}, missing),
    ]
    cases += [
        Case(f"video-id-{name}", f, {"video_id": bad, **extra}, _e("22P02", bad if bad else "uuid"))
        for name, bad in MALFORMED_UUIDS.items()
    ]
    return cases


def _videos() -> list[Case]:
    f = "update_video_status"
    return [
        *_by_video_id("get_video", Returns("nothing"), {}),
        *_by_video_id(f, Returns("false"), {"status": "published"}),
        Case("status-unknown", f, {"video_id": V, "status": "deleted"}, _e("22023", "p_status")),
        Case("status-case", f, {"video_id": V, "status": "Published"}, _e("22023", "p_status")),
        Case("status-empty", f, {"video_id": V, "status": ""}, _e("22023", "p_status")),
        Case("status-null", f, {"video_id": V, "status": None}, _e("22004", "p_status")),
        Case("status-injection", f, {"video_id": V, "status": INJECTION}, _e("22023", "p_status")),
        Case("status-1mb", f, {"video_id": V, "status": MEGABYTE}, _e("22001", "p_status")),
    ]


def _create_video_quality() -> list[Case]:
    f = "create_video_quality"

    def q(**kw: Any) -> dict[str, Any]:
        return {**QUALITY_ARGS, **kw}

    return [
        *_by_video_id(f, _e("P0002", "p_video_id"), {"quality": "360p", "url": "u"}),
        *[
            Case(f"quality-{name}", f, q(quality=label), _e("22023", "p_quality"))
            for name, label in {
                "720": "720",
                "720P": "720P",
                "empty": "",
                "spaced": " 720p",
                "injection": INJECTION,
                "4320p": "4320p",
            }.items()
        ],
        Case("quality-null", f, q(quality=None), _e("22004", "p_quality")),
        Case("quality-1mb", f, q(quality=MEGABYTE), _e("22001", "p_quality")),
        Case("url-null", f, q(url=None), _e("22004", "p_url")),
        Case("url-empty", f, q(url=""), _e("22023", "p_url")),
        Case("url-1mb", f, q(url=MEGABYTE), _e("22001", "p_url")),
        Case("url-injection", f, q(url=INJECTION), Stored("url", INJECTION)),
        Case("file-size-negative", f, q(file_size=-1), _e("22003", "p_file_size")),
        Case("file-size-absurd", f, q(file_size=10**14), _e("22003", "p_file_size")),
        Case("file-size-beyond-integer", f, q(file_size=5 * 10**9), Stored("file_size", 5 * 10**9)),
        Case(
            "frame-count-beyond-bigint",
            f,
            q(frame_count=Sql("'100000000000000000000'", 10**20)),
            _e("22003", None),
        ),
        Case("bitrate-negative", f, q(bitrate=-1), _e("22003", "p_bitrate")),
        Case("bitrate-absurd", f, q(bitrate=2_000_000_000), _e("22003", "p_bitrate")),
        Case(
            "bitrate-beyond-integer", f, q(bitrate=Sql("'10000000000'", 10**10)), _e("22003", None)
        ),
        Case("width-zero", f, q(resolution_width=0), _e("22003", "p_resolution_width")),
        Case("width-negative", f, q(resolution_width=-1920), _e("22003", "p_resolution_width")),
        Case("height-absurd", f, q(resolution_height=100_000), _e("22003", "p_resolution_height")),
        Case("fps-zero", f, q(fps=0.0), _e("22003", "p_fps")),
        Case("fps-negative", f, q(fps=-30.0), _e("22003", "p_fps")),
        Case("fps-nan", f, q(fps=NAN), _e("22003", "p_fps")),
        Case("fps-infinity", f, q(fps=INF), _e("22003", "p_fps")),
        Case("fps-minus-infinity", f, q(fps=-INF), _e("22003", "p_fps")),
        Case("duration-nan", f, q(duration=NAN), _e("22003", "p_duration")),
        Case("duration-negative", f, q(duration=-0.5), _e("22003", "p_duration")),
        Case("duration-infinity", f, q(duration=INF), _e("22003", "p_duration")),
        Case("encoding-time-negative", f, q(encoding_time=-1.0), _e("22003", "p_encoding_time")),
        Case("audio-channels-negative", f, q(audio_channels=-2), _e("22003", "p_audio_channels")),
        Case(
            "sample-rate-absurd", f, q(audio_sample_rate=10**7), _e("22003", "p_audio_sample_rate")
        ),
        Case("frame-count-negative", f, q(frame_count=-1), _e("22003", "p_frame_count")),
        Case("status-unknown", f, q(status="done"), _e("22023", "p_status")),
        Case("status-upper", f, q(status="READY"), _e("22023", "p_status")),
        Case(
            "default-not-ready",
            f,
            q(is_default=True, status="pending"),
            _e("22023", "p_is_default"),
        ),
        Case(
            "restart-forbidden-transition",
            f,
            q(quality="720p", status="pending"),
            _e("22023", "ready"),
        ),
        Case("codec-injection", f, q(codec=INJECTION), Stored("codec", INJECTION)),
        Case("codec-65", f, q(codec="c" * 65), _e("22001", "p_codec")),
        Case("container-1mb", f, q(container=MEGABYTE), _e("22001", "p_container")),
        Case(
            "pixel-format-control",
            f,
            q(pixel_format="yuv\x01\t420p\r\n"),
            Stored("pixel_format", "yuv\x01\t420p\r\n"),
        ),
        Case(
            "color-space-injection",
            f,
            q(color_space=INJECTION_OR),
            _e("22023", "p_color_space"),  # not of its form (vq._form): refused, not run
        ),
        Case(
            "audio-codec-injection",
            f,
            q(audio_codec=INJECTION_DOLLAR[:60]),
            Stored("audio_codec", INJECTION_DOLLAR[:60]),
        ),
        Case(
            "aspect-ratio-injection",
            f,
            q(aspect_ratio=INJECTION),
            _e("22023", "p_aspect_ratio"),  # not of its form (vq._form): refused, not run
        ),
        Case("aspect-ratio-nul", f, q(aspect_ratio=NUL), _e("22021", ("p_aspect_ratio", "0x00"))),
        Case(
            "started-at-malformed",
            f,
            q(processing_started_at="not a time"),
            _e("22007", "not a time"),
        ),
    ]


def _ladder() -> list[Case]:
    f = "create_video_qualities"

    def lad(*elements: Any) -> dict[str, Any]:
        return {"video_id": V, "qualities": list(elements)}

    ok = {"quality": "240p", "url": "u"}
    return [
        Case("qualities-null", f, {"video_id": V, "qualities": None}, _e("22004", "p_qualities")),
        Case(
            "video-id-unknown",
            f,
            {"video_id": UNKNOWN, "qualities": [ok]},
            _e("P0002", "p_video_id"),
        ),
        Case("video-id-null", f, {"video_id": None, "qualities": [ok]}, _e("22004", "p_video_id")),
        # The client takes a list of dicts (a type error in Python otherwise): SQL only.
        Case(
            "qualities-object",
            f,
            {"video_id": V, "qualities": Sql("'{}'", None)},
            _e("22023", "p_qualities"),
            via=("sql",),
        ),
        Case(
            "qualities-not-json",
            f,
            {"video_id": V, "qualities": Sql("'not json'", None)},
            _e("22P02", "json"),
            via=("sql",),
        ),
        Case(
            "element-not-object",
            f,
            {"video_id": V, "qualities": Sql("'[1]'", None)},
            _e("22023", "p_qualities[1]"),
            via=("sql",),
        ),
        Case("element-no-url", f, lad({"quality": "720p"}), _e("22004", "p_url")),
        Case(
            "element-bad-label", f, lad({"quality": "720P", "url": "u"}), _e("22023", "p_quality")
        ),
        Case(
            "element-injection-label",
            f,
            lad({"quality": INJECTION, "url": "u"}),
            _e("22023", "p_quality"),
        ),
        Case("element-unknown-key", f, lad({**ok, "drop table": 1}), _e("22023", "p_qualities[1]")),
        Case(
            "second-element-bad",
            f,
            lad(ok, {"quality": "144p", "url": "u", "bitrate": -5}),
            _e("22003", "p_qualities[2]"),
        ),
        Case("element-bitrate-text", f, lad({**ok, "bitrate": "abc"}), _e("22P02", "abc")),
        Case(
            "element-bitrate-beyond-integer",
            f,
            lad({**ok, "bitrate": 10**12}),
            _e("22003", "p_qualities[1]"),
        ),
        Case("element-fps-zero", f, lad({**ok, "fps": 0}), _e("22003", "p_fps")),
        Case(
            "element-started-at-malformed",
            f,
            lad({**ok, "processing_started_at": "soon"}),
            _e("22007", "soon"),
        ),
        Case(
            "element-injection-stored",
            f,
            lad({"quality": "2160p", "url": INJECTION, "codec": "h264\x01"}),
            Stored("url", INJECTION),
        ),
    ]


def _metadata() -> list[Case]:
    f = "update_quality_metadata"

    def m(**kw: Any) -> dict[str, Any]:
        return {"quality_id": PENDING, **kw}

    return [
        Case("quality-id-null", f, {"quality_id": None, "bitrate": 1}, _e("22004", "p_quality_id")),
        Case(
            "quality-id-malformed",
            f,
            {"quality_id": "not-a-uuid", "bitrate": 1},
            _e("22P02", "not-a-uuid"),
        ),
        Case("quality-id-unknown", f, {"quality_id": UNKNOWN, "bitrate": 1}, Returns("false")),
        Case("url-empty", f, m(url=""), _e("22023", "p_url")),
        Case("url-blank", f, m(url="   "), _e("22023", "p_url")),
        Case("url-1mb", f, m(url=MEGABYTE), _e("22001", "p_url")),
        Case("bitrate-negative", f, m(bitrate=-1), _e("22003", "p_bitrate")),
        Case("fps-nan", f, m(fps=NAN), _e("22003", "p_fps")),
        Case("fps-zero", f, m(fps=0.0), _e("22003", "p_fps")),
        Case("height-zero", f, m(resolution_height=0), _e("22003", "p_resolution_height")),
        Case("duration-absurd", f, m(duration=1e7), _e("22003", "p_duration")),
        Case("duration-minus-infinity", f, m(duration=-INF), _e("22003", "p_duration")),
        Case("audio-bitrate-negative", f, m(audio_bitrate=-1), _e("22003", "p_audio_bitrate")),
        Case("file-size-negative", f, m(file_size=-5), _e("22003", "p_file_size")),
        Case("status-unknown", f, m(status="finished"), _e("22023", "p_status")),
        Case("status-forbidden", f, m(status="ready"), _e("22023", "pending")),
        Case("error-message-1mb", f, m(error_message=MEGABYTE), _e("22001", "p_error_message")),
        Case(
            "error-message-injection",
            f,
            m(error_message=INJECTION),
            Stored("error_message", INJECTION),
        ),
        Case(
            "error-message-control", f, m(error_message=CONTROL), Stored("error_message", CONTROL)
        ),
        Case("codec-nul", f, m(codec=NUL), _e("22021", ("p_codec", "0x00"))),
        Case(
            "container-injection",
            f,
            m(container=INJECTION_OR[:60]),
            _e("22023", "p_container"),  # not of its form (vq._form): refused, not run
        ),
    ]


def _batch_metadata() -> list[Case]:
    f = "update_qualities_metadata"

    def b(*updates: Any) -> dict[str, Any]:
        return {"updates": list(updates)}

    return [
        Case("updates-null", f, {"updates": None}, _e("22004", "p_updates")),
        Case(
            "updates-object",
            f,
            {"updates": Sql("'{}'", None)},
            _e("22023", "p_updates"),
            via=("sql",),
        ),
        Case("no-quality-id", f, b({"bitrate": 1}), _e("22004", "p_updates[1]")),
        Case("quality-id-malformed", f, b({"quality_id": "not-a-uuid"}), _e("22P02", "not-a-uuid")),
        Case(
            "quality-id-twice",
            f,
            b({"quality_id": PENDING}, {"quality_id": PENDING}),
            _e("22023", "p_updates[2]"),
        ),
        Case(
            "unknown-key",
            f,
            b({"quality_id": PENDING, "drop table vq.videos": 1}),
            _e("22023", "p_updates[1]"),
        ),
        Case(
            "bitrate-negative",
            f,
            b({"quality_id": PENDING, "bitrate": -1}),
            _e("22003", "p_updates[1]"),
        ),
        Case(
            "bitrate-beyond-integer",
            f,
            b({"quality_id": PENDING, "bitrate": 10**12}),
            _e("22003", "p_updates[1]"),
        ),
        Case(
            "status-forbidden",
            f,
            b({"quality_id": PENDING, "status": "ready"}),
            _e("22023", "pending"),
        ),
        Case(
            "error-message-1mb",
            f,
            b({"quality_id": PENDING, "error_message": MEGABYTE}),
            _e("22001", "p_updates[1]"),
        ),
        Case(
            "second-bad-first-kept",
            f,
            b({"quality_id": READY, "bitrate": 1}, {"quality_id": PENDING, "url": ""}),
            _e("22023", "p_updates[2]"),
        ),
        Case("quality-id-unknown", f, b({"quality_id": UNKNOWN, "bitrate": 5}), Returns("zero")),
        Case(
            "codec-injection",
            f,
            b({"quality_id": PENDING, "codec": INJECTION}),
            Stored("codec", INJECTION),
        ),
    ]


def _statuses() -> list[Case]:
    f, fb = "update_quality_status", "update_qualities_status"
    return [
        Case(
            "quality-id-null",
            f,
            {"quality_id": None, "status": "failed"},
            _e("22004", "p_quality_id"),
        ),
        Case(
            "quality-id-malformed", f, {"quality_id": "zzz", "status": "failed"}, _e("22P02", "zzz")
        ),
        Case(
            "quality-id-unknown", f, {"quality_id": UNKNOWN, "status": "failed"}, Returns("false")
        ),
        Case("status-null", f, {"quality_id": PENDING, "status": None}, _e("22004", "p_status")),
        Case("status-empty", f, {"quality_id": PENDING, "status": ""}, _e("22023", "p_status")),
        Case("status-case", f, {"quality_id": PENDING, "status": "Ready"}, _e("22023", "p_status")),
        Case(
            "status-injection",
            f,
            {"quality_id": PENDING, "status": INJECTION},
            _e("22023", "p_status"),
        ),
        Case(
            "pending-to-ready",
            f,
            {"quality_id": PENDING, "status": "ready"},
            _e("22023", "pending"),
        ),
        Case(
            "ready-to-pending", f, {"quality_id": READY, "status": "pending"}, _e("22023", "ready")
        ),
        Case(
            "ids-null", fb, {"quality_ids": None, "status": "failed"}, _e("22004", "p_quality_ids")
        ),
        Case(
            "ids-with-null",
            fb,
            {"quality_ids": [PENDING, None], "status": "failed"},
            _e("22004", "p_quality_ids"),
        ),
        Case(
            "ids-with-malformed",
            fb,
            {
                "quality_ids": Sql("array['not-a-uuid']::uuid[]", [PENDING, "not-a-uuid"]),
                "status": "failed",
            },
            _e("22P02", ("not-a-uuid", "p_quality_ids")),
        ),
        Case(
            "status-unknown",
            fb,
            {"quality_ids": [PENDING], "status": "archived"},
            _e("22023", "p_status"),
        ),
        Case(
            "one-forbidden-all-refused",
            fb,
            {"quality_ids": [PENDING, READY], "status": "ready"},
            _e("22023", "pending"),
        ),
        Case("ids-unknown", fb, {"quality_ids": [UNKNOWN], "status": "failed"}, Returns("zero")),
    ]


def _defaults() -> list[Case]:
    f = "set_default_quality"
    return [
        *_by_video_id("list_qualities_ordered", Returns("nothing"), {}),
        *_by_video_id("get_default_quality", Returns("nothing"), {}),
        Case(
            "quality-of-another-video",
            f,
            {"video_id": V, "quality_id": OTHER_READY},
            _e("22023", "p_quality_id"),
        ),
        Case(
            "quality-not-ready",
            f,
            {"video_id": V, "quality_id": PENDING},
            _e("22023", "p_quality_id"),
        ),
        Case(
            "quality-id-null", f, {"video_id": V, "quality_id": None}, _e("22004", "p_quality_id")
        ),
        Case(
            "video-id-null", f, {"video_id": None, "quality_id": READY}, _e("22004", "p_video_id")
        ),
        Case("video-id-unknown", f, {"video_id": UNKNOWN, "quality_id": READY}, Returns("false")),
        Case("quality-id-unknown", f, {"video_id": V, "quality_id": UNKNOWN}, Returns("false")),
        Case("quality-id-malformed", f, {"video_id": V, "quality_id": "1234"}, _e("22P02", "1234")),
    ]


CASES: list[Case] = [
    *_create_video(),
    *_videos(),
    *_create_video_quality(),
    *_ladder(),
    *_metadata(),
    *_batch_metadata(),
    *_statuses(),
    *_defaults(),
]
