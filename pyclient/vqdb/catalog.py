"""vqdb.Catalog: the vq SQL API as Python methods, one per SQL function, of the same name.

Each method takes its function's arguments without ``p_`` and hands its
``locals()`` to the transport (vqdb.transport), which sends the ones the
function declares (vqdb.sql_api, generated from the catalog): the argument
list is written in the SQL source and in the method's signature, and a test
compares the two. A method only turns the result into Python (a Video, a list
of VideoQuality, a bool) and, for a call keyed by a quality alone, uses the
by-video form when it knows the quality's video. None means "not given",
which is what the SQL functions' defaults and NULLs mean too. The database
enforces every rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Unpack
from uuid import UUID, uuid4

from vqdb.cache import Rows, as_uuid
from vqdb.models import (
    AttemptsInMinute,
    Change,
    FailedQualityCount,
    QualityAttempt,
    QualityLevel,
    QueueStats,
    RunningQuality,
    Video,
    VideoQuality,
    Webhook,
    WebhookDelivery,
    WebhookSend,
)
from vqdb.sql_api import QualityMetadata
from vqdb.transport import Transport

Id = UUID | str  # a UUID, or its text (a malformed one raises InvalidArgument)


def _metadata(fields: Mapping[str, Any]) -> Mapping[str, Any]:
    """fields, after refusing a name that is not metadata (as a signature would)."""
    unknown = sorted(set(fields) - set(QualityMetadata.__annotations__))
    if unknown:
        raise TypeError(f"unexpected keyword arguments {unknown}")
    return fields


class Catalog(Transport):
    """The client of the vq API: ``with vqdb.Catalog() as db: db.get_video(video_id)``.

    Its arguments (the pool, retries, replicas, the read cache) are
    vqdb.transport.Transport's. Share one Catalog between threads.
    """

    # Public methods that are not calls of an SQL function.
    NOT_API = frozenset({"api_functions"})

    @classmethod
    def api_functions(cls) -> list[str]:
        """The SQL functions this client calls: one method each, of the same name."""
        return sorted(
            name for name, value in vars(cls).items()
            if callable(value) and not name.startswith("_") and name not in cls.NOT_API
        )  # fmt: skip

    # -- results --------------------------------------------------------------

    def _videos(self, rows: Rows) -> list[Video]:
        columns, data = rows
        return [Video.from_row(columns, row) for row in data]

    def _qualities(self, rows: Rows) -> list[VideoQuality]:
        columns, data = rows
        qualities = [VideoQuality.from_row(columns, row) for row in data]
        self.videos_of.learn((q.id, q.video_id) for q in qualities)
        return qualities

    @staticmethod
    def _scalar(rows: Rows) -> Any:
        return rows[1][0][0]

    # -- videos -------------------------------------------------------------

    def create_video(
        self,
        title: str,
        description: str | None = None,
        url: str | None = None,
        thumbnail_url: str | None = None,
        duration: float | None = None,
        user_id: Id | None = None,
        id: Id | None = None,
    ) -> Video:
        """A new video in status draft.

        ``id`` is the new video's id; by default a new uuid4 is drawn here, so that
        a retry after a lost connection returns the video the first attempt created
        (vq.create_video's p_id) instead of creating a second one.
        """
        if id is None:
            id = uuid4()
        return self._videos(self._call("create_video", locals()))[0]

    def get_video(self, video_id: Id, *, read_from_primary: bool = False) -> Video | None:
        """The video, or None when there is no such video."""
        found = self._videos(self._call("get_video", locals()))
        return found[0] if found else None

    def list_videos(
        self,
        status: str | None = None,
        title_prefix: str | None = None,
        after: Id | None = None,
        limit: int | None = None,
    ) -> list[Video]:
        """Up to ``limit`` (50) videos, newest first, of that status and title prefix (any
        case); the next page: ``after=`` the last one's id."""
        return self._videos(self._call("list_videos", locals()))

    def update_video_status(self, video_id: Id, status: str) -> bool:
        """Sets draft, published or processing; False when there is no such video."""
        return bool(self._scalar(self._call("update_video_status", locals())))

    def delete_video(self, video_id: Id) -> list[str]:
        """Deletes the video and its qualities; the URLs of their files (the same on a repeat)."""
        return [url for (url,) in self._call("delete_video", locals())[1]]

    # -- qualities ------------------------------------------------------------

    def create_video_quality(
        self,
        video_id: Id,
        quality: str,
        url: str,
        is_default: bool | None = None,
        status: str | None = None,
        processing_started_at: datetime | None = None,
        max_attempts: int | None = None,
        settings: Mapping[str, Any] | None = None,
        retry_seconds: int | None = None,
        **fields: Unpack[QualityMetadata],
    ) -> VideoQuality:
        """Creates the quality (or restarts the existing one of that label; same id), with
        the encoder's metadata ``fields`` (vqdb.sql_api.QualityMetadata).

        Defaults (None): not default, status pending, 3 attempts for the workers that
        claim it, 30 s before the first retry of a failed attempt (``retry_seconds``,
        doubling after each). ``settings`` (a dict) is kept for the worker that encodes it.
        NotFound when the video does not exist.
        """
        scope = {**_metadata(fields), **locals()}
        return self._qualities(self._call("create_video_quality", scope))[0]

    def create_video_qualities(
        self,
        video_id: Id,
        qualities: Sequence[Mapping[str, Any]],
        settings: Mapping[str, Any] | None = None,
    ) -> list[VideoQuality]:
        """A whole ladder in one call: each dict has create_video_quality's keyword arguments.

        ``settings`` are the ladder's encoder settings: each quality gets them with the
        keys of its own ``settings`` over them. All or nothing; returns the rows in
        ladder order.
        """
        return self._qualities(self._call("create_video_qualities", locals()))

    def update_quality_metadata(
        self,
        quality_id: Id,
        url: str | None = None,
        status: str | None = None,
        error_message: str | None = None,
        **fields: Unpack[QualityMetadata],
    ) -> bool:
        """Changes only the fields given; False when there is no such quality.

        Calls the by-video form when this Catalog has seen the quality's video."""
        video_id = self.videos_of.video_of(as_uuid(quality_id))
        if video_id is not None:
            return self.update_video_quality_metadata(
                video_id, quality_id, url, status, error_message, **fields
            )
        scope = {**_metadata(fields), **locals()}
        return bool(self._scalar(self._call("update_quality_metadata", scope)))

    def update_video_quality_metadata(
        self,
        video_id: Id,
        quality_id: Id,
        url: str | None = None,
        status: str | None = None,
        error_message: str | None = None,
        **fields: Unpack[QualityMetadata],
    ) -> bool:
        """update_quality_metadata of a quality of the video ``video_id``; False when that
        video has no such quality."""
        scope = {**_metadata(fields), **locals()}
        return bool(self._scalar(self._call("update_video_quality_metadata", scope)))

    def update_qualities_metadata(self, updates: Sequence[Mapping[str, Any]]) -> int:
        """The metadata of many qualities in one call: each dict has a ``quality_id`` and any
        of update_quality_metadata's keyword arguments.

        All or nothing; returns how many of the qualities exist (others are skipped).
        """
        return int(self._scalar(self._call("update_qualities_metadata", locals())))

    def update_quality_status(self, quality_id: Id, status: str) -> bool:
        """The status alone; False when there is no such quality.

        Calls the by-video form when this Catalog has seen the quality's video."""
        video_id = self.videos_of.video_of(as_uuid(quality_id))
        if video_id is not None:
            return self.update_video_quality_status(video_id, quality_id, status)
        return bool(self._scalar(self._call("update_quality_status", locals())))

    def update_video_quality_status(self, video_id: Id, quality_id: Id, status: str) -> bool:
        """The status of a quality of the video ``video_id``; False when that video has no
        such quality."""
        return bool(self._scalar(self._call("update_video_quality_status", locals())))

    def update_qualities_status(self, quality_ids: Sequence[Id], status: str) -> int:
        """The status of many qualities, all or nothing; returns how many exist."""
        return int(self._scalar(self._call("update_qualities_status", locals())))

    def list_qualities_ordered(
        self, video_id: Id, *, read_from_primary: bool = False
    ) -> list[VideoQuality]:
        """Every quality of the video: 2160p, 1440p, ..., 144p, original."""
        return self._qualities(self._call("list_qualities_ordered", locals()))

    def set_default_quality(self, video_id: Id, quality_id: Id) -> bool:
        """Makes that ready quality the only default; False when video or quality is missing."""
        return bool(self._scalar(self._call("set_default_quality", locals())))

    def get_default_quality(
        self, video_id: Id, *, read_from_primary: bool = False
    ) -> VideoQuality | None:
        """The default quality, or None."""
        found = self._qualities(self._call("get_default_quality", locals()))
        return found[0] if found else None

    # -- the work queue -------------------------------------------------------

    def claim_qualities(
        self,
        worker: str,
        limit: int | None = None,
        lease_seconds: int | None = None,
        qualities: Sequence[str] | None = None,
    ) -> list[VideoQuality]:
        """Leases up to ``limit`` (1) due qualities to ``worker`` for ``lease_seconds`` (300);
        expired leases first, then pending work oldest first; only ``qualities``' labels
        when given. Each row carries its ``lease_token``; [] when there is no work."""
        return self._qualities(self._call("claim_qualities", locals()))

    def heartbeat_quality(
        self,
        quality_id: Id,
        lease_token: Id,
        progress: float | None = None,
        lease_seconds: int | None = None,
        video_id: Id | None = None,
    ) -> datetime:
        """Extends the lease (by its claimed length unless ``lease_seconds``), records
        ``progress`` (percent); returns the new expiry. LeaseLost when it is gone."""
        if video_id is None:  # the video of a row this Catalog returned: one shard
            video_id = self.videos_of.video_of(as_uuid(quality_id))
        expires: datetime = self._scalar(self._call("heartbeat_quality", locals()))
        return expires

    def complete_quality(
        self,
        quality_id: Id,
        lease_token: Id,
        url: str | None = None,
        video_id: Id | None = None,
        **fields: Unpack[QualityMetadata],
    ) -> VideoQuality:
        """Ready, with the encoder's metadata, if the lease is still held (else LeaseLost)."""
        if video_id is None:  # the video of a row this Catalog returned: one shard
            video_id = self.videos_of.video_of(as_uuid(quality_id))
        scope = {**_metadata(fields), **locals()}
        return self._qualities(self._call("complete_quality", scope))[0]

    def complete_and_claim_quality(
        self,
        quality_id: Id,
        lease_token: Id,
        worker: str,
        metadata: Mapping[str, Any] | None = None,
        lease_seconds: int | None = None,
        qualities: Sequence[str] | None = None,
        video_id: Id | None = None,
    ) -> VideoQuality | None:
        """complete_quality (``metadata``: its keyword arguments) and the next claim in one
        transaction and one commit; the newly leased quality, or None when there is no
        work. LeaseLost (and nothing claimed) when the lease is gone."""
        if video_id is None:  # the video of a row this Catalog returned: one shard
            video_id = self.videos_of.video_of(as_uuid(quality_id))
        found = self._qualities(self._call("complete_and_claim_quality", locals()))
        return found[0] if found else None

    def fail_quality(
        self,
        quality_id: Id,
        lease_token: Id,
        error_code: str,
        error_message: str | None = None,
        retryable: bool | None = None,
        video_id: Id | None = None,
    ) -> VideoQuality:
        """Records the attempt's error: pending again after a backoff while attempts remain
        and ``retryable`` (default True), else failed. LeaseLost when the lease is gone."""
        if video_id is None:  # the video of a row this Catalog returned: one shard
            video_id = self.videos_of.video_of(as_uuid(quality_id))
        return self._qualities(self._call("fail_quality", locals()))[0]

    def release_quality(
        self, quality_id: Id, lease_token: Id, video_id: Id | None = None
    ) -> VideoQuality:
        """Gives the work back (pending, due now, the attempt not counted)."""
        if video_id is None:  # the video of a row this Catalog returned: one shard
            video_id = self.videos_of.video_of(as_uuid(quality_id))
        return self._qualities(self._call("release_quality", locals()))[0]

    def list_quality_attempts(self, quality_id: Id) -> list[QualityAttempt]:
        """The quality's claims, oldest first, with what became of each.

        Calls the by-video form when this Catalog has seen the quality's video."""
        video_id = self.videos_of.video_of(as_uuid(quality_id))
        if video_id is not None:
            return self.list_video_quality_attempts(video_id, quality_id)
        columns, data = self._call("list_quality_attempts", locals())
        return [QualityAttempt.from_row(columns, row) for row in data]

    def list_video_quality_attempts(self, video_id: Id, quality_id: Id) -> list[QualityAttempt]:
        """The claims of a quality of the video ``video_id``, oldest first."""
        columns, data = self._call("list_video_quality_attempts", locals())
        return [QualityAttempt.from_row(columns, row) for row in data]

    def list_quality_levels(self) -> list[QualityLevel]:
        """The ladder's rungs in ladder order (2160p first, original last)."""
        columns, data = self._call("list_quality_levels", locals())
        return [QualityLevel.from_row(columns, row) for row in data]

    def next_work_in(self, qualities: Sequence[str] | None = None) -> float | None:
        """Seconds until a pending quality is due or a lease expires (0: now; None:
        neither), on the server's clock: how long an idle worker may sleep."""
        value = self._scalar(self._call("next_work_in", locals()))
        return None if value is None else float(value)

    def queue_stats(self) -> list[QueueStats]:
        """The queue per quality label, in ladder order (vq.queue_stats)."""
        columns, data = self._call("queue_stats", locals())
        return [QueueStats.from_row(columns, row) for row in data]

    def catalog_stats(self) -> dict[str, dict[str, int]]:
        """How many videos and qualities are in each status (vq.catalog_stats):
        ``{"video": {"draft": n, ...}, "quality": {"pending": n, ...}}``."""
        out: dict[str, dict[str, int]] = {}
        for kind, status, count in self._call("catalog_stats", locals())[1]:
            out.setdefault(kind, {})[status] = count
        return out

    def hls_master_playlist(self, video_id: Id) -> str:
        """The video's HLS master playlist: its ready .m3u8 renditions as variants, the
        default first; a comment line names each quality left out and why."""
        return str(self._scalar(self._call("hls_master_playlist", locals())))

    # -- operating the catalog (the console's calls) ---------------------------

    def restart_video_quality(self, video_id: Id, quality_id: Id) -> VideoQuality:
        """Encode it again: pending, due now, a new series of attempts, any lease ended."""
        return self._qualities(self._call("restart_video_quality", locals()))[0]

    def retry_failed_qualities(
        self, quality: str | None = None, error_code: str | None = None
    ) -> int:
        """Every failed quality of the label with the error code (None: any) pending
        again, in one call; returns how many."""
        return int(self._scalar(self._call("retry_failed_qualities", locals())))

    def list_running_qualities(self, limit: int | None = None) -> list[RunningQuality]:
        """The encodes running now, the lease expiring first first (default 100)."""
        columns, data = self._call("list_running_qualities", locals())
        return [RunningQuality.from_row(columns, row) for row in data]

    def failed_quality_counts(self) -> list[FailedQualityCount]:
        """The failed qualities per label and error code, in ladder order."""
        columns, data = self._call("failed_quality_counts", locals())
        return [FailedQualityCount.from_row(columns, row) for row in data]

    def attempts_per_minute(self, minutes: int | None = None) -> list[AttemptsInMinute]:
        """Attempts ended ready and failed in each of the last ``minutes`` (60)."""
        columns, data = self._call("attempts_per_minute", locals())
        return [AttemptsInMinute.from_row(columns, row) for row in data]

    def recent_failure_counts(self, minutes: int | None = None) -> dict[str, int]:
        """The attempts failed in the last ``minutes`` (60) per error code, most first."""
        return {code: count for code, count in self._call("recent_failure_counts", locals())[1]}

    def list_video_changes(self, video_id: Id, limit: int | None = None) -> list[Change]:
        """The video's feed events, newest first (default 50)."""
        columns, data = self._call("list_video_changes", locals())
        return [Change.from_row(columns, row) for row in data]

    # -- webhooks ---------------------------------------------------------------

    def create_webhook(
        self,
        url: str,
        secret: str,
        events: Sequence[str] | None = None,
        retry_for_seconds: int | None = None,
    ) -> Webhook:
        """Subscribes ``url`` to the feed's events of these types (None: all), signed with
        ``secret`` (Standard Webhooks' whsec_…), from now on."""
        columns, data = self._call("create_webhook", locals())
        return Webhook.from_row(columns, data[0])

    def list_webhooks(self) -> list[Webhook]:
        """Every subscription with its deliveries' counts; never a secret."""
        columns, data = self._call("list_webhooks", locals())
        return [Webhook.from_row(columns, row) for row in data]

    def set_webhook_active(self, webhook_id: Id, active: bool) -> bool:
        """Pauses (False) or resumes a subscription; False when it does not exist."""
        return bool(self._scalar(self._call("set_webhook_active", locals())))

    def list_webhook_deliveries(
        self, webhook_id: Id, status: str | None = None, limit: int | None = None
    ) -> list[WebhookDelivery]:
        """A subscription's delivery records, newest event first (default 100)."""
        columns, data = self._call("list_webhook_deliveries", locals())
        return [WebhookDelivery.from_row(columns, row) for row in data]

    def replay_webhook_delivery(self, delivery_id: Id) -> str:
        """Queues a failed or delivered delivery again (same webhook-id)."""
        return str(self._scalar(self._call("replay_webhook_delivery", locals())))

    def queue_webhook_deliveries(self, limit: int | None = None) -> int:
        """A dispatcher's step: new feed events into delivery records; how many."""
        return int(self._scalar(self._call("queue_webhook_deliveries", locals())))

    def claim_webhook_deliveries(
        self,
        worker: str,
        limit: int | None = None,
        lease_seconds: int | None = None,
        per_webhook: int | None = None,
    ) -> list[WebhookSend]:
        """A dispatcher's step: deliveries to send now, leased, in feed order."""
        columns, data = self._call("claim_webhook_deliveries", locals())
        return [WebhookSend.from_row(columns, row) for row in data]

    def complete_webhook_delivery(
        self,
        delivery_id: Id,
        video_id: Id,
        lease_token: Id,
        http_status: int | None = None,
        error: str | None = None,
    ) -> str:
        """An attempt's outcome: delivered (2xx), pending again (backoff) or failed."""
        return str(self._scalar(self._call("complete_webhook_delivery", locals())))

    # -- the change feed ------------------------------------------------------

    def changes_since(self, position: str | None = None, limit: int | None = None) -> list[Change]:
        """Up to ``limit`` (1000) events after ``position`` (None: from the oldest kept), in
        order; continue with the last one's ``position``: no gap, no repeat."""
        columns, data = self._call("changes_since", locals())
        return [Change.from_row(columns, row) for row in data]

    def prune_changes(self, keep: timedelta | None = None) -> int:
        """Drops the feed's events older than ``keep`` (7 days); returns how many."""
        return int(self._scalar(self._call("prune_changes", locals())))
