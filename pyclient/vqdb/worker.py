"""vqdb.Worker: takes encodes from the catalog and runs them the safe way.

    def encode(job: vqdb.Job) -> dict:           # job.source, job.output, job.level...
        ...                                   # run the encoder; job.lease.progress(50.0)
        return vqdb.probe(output_file)        # complete_quality's metadata


    with vqdb.Catalog() as db:
        vqdb.Worker(db, "encoder-1", qualities=["720p", "480p"]).run(encode)

For each quality it claims (vq.claim_qualities; after the first, the completion
claims the next in the same commit: complete_and_claim_quality), a background
thread renews the lease every ``lease_seconds / 3`` while ``encode`` runs. What ``encode``
returns completes the quality (complete_quality); an exception fails it
(fail_quality, with the exception's ``error_code`` attribute or else its type's
name as error_code; retried later unless the exception has ``retryable = False``
or its code is one of ``permanent_errors``). SIGTERM or SIGINT during an encode
releases the quality at once (release_quality, no attempt used) and ends
``run``. When the lease is lost (another worker took the quality after this
one stalled, or an operator restarted it), ``lease.lost`` is set, the next
``lease.progress()`` raises LeaseLost, ``on_lost`` callbacks run (kill the
encoder there), and nothing this worker sends afterwards is accepted.

With no work, the worker waits on LISTEN vq_work (the catalog notifies when
it enqueues work) until the next retry is due or the next lease expires
(vq.next_work_in: nobody notifies those), and polls every ``poll_seconds`` as well; behind PgBouncer
in transaction mode LISTEN does not work: pass ``listen=False`` to only poll.
"""

from __future__ import annotations

import logging
import select
import signal
import threading
import time
from collections.abc import Callable, Collection, Mapping
from types import FrameType
from typing import Any

import psycopg2
import psycopg2.extensions

from vqdb.catalog import Catalog
from vqdb.errors import InvalidArgument, LeaseLost, VqdbError
from vqdb.job import Encode, Job, LegacyEncode, as_job_function
from vqdb.lease import Lease
from vqdb.models import QualityLevel, VideoQuality
from vqdb.sql_api import QualityMetadata

# The longest a waiting worker takes to notice stop().
STOP_CHECK_SECONDS = 0.5
# Waking for a lease's expiry or a retry's due time a little after it, so that the
# claim finds it expired (the server's clock decides).
WAKE_MARGIN_SECONDS = 0.05

logger = logging.getLogger("vqdb.worker")


class Shutdown(BaseException):
    """Raised in the main thread by SIGTERM/SIGINT while ``run`` is running."""


class Worker:
    def __init__(
        self,
        catalog: Catalog,
        name: str,
        qualities: list[str] | None = None,
        lease_seconds: int = 60,
        poll_seconds: float = 5.0,
        listen: bool = True,
        heartbeat_seconds: float | None = None,
        permanent_errors: Collection[str] = (),
    ) -> None:
        self.catalog = catalog
        self.name = name
        self.qualities = qualities
        self.lease_seconds = lease_seconds
        self.heartbeat_seconds = heartbeat_seconds or lease_seconds / 3
        self.poll_seconds = poll_seconds
        self.listen = listen
        # error codes that fail the quality at once, whatever the exception says
        self.permanent_errors = frozenset(permanent_errors)
        self._stop = threading.Event()
        self._listener: psycopg2.extensions.connection | None = None
        self.done = 0  # qualities completed, failed or released by this worker
        self._levels: dict[str, QualityLevel] | None = None

    def stop(self) -> None:
        """Ends ``run`` after the current encode (from any thread)."""
        self._stop.set()

    def run(self, encode: Encode | LegacyEncode, max_qualities: int | None = None) -> None:
        """Claims and encodes until stop(), a signal, or ``max_qualities`` are done.

        encode(job) gets a vqdb.Job; the older encode(quality, lease) works too."""
        encode = as_job_function(encode)
        in_main = threading.current_thread() is threading.main_thread()
        previous = {}
        if in_main:
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, _raise_shutdown)
        current: VideoQuality | None = None
        try:
            while not self._stop.is_set():
                if max_qualities is not None and self.done >= max_qualities:
                    return
                if current is None:
                    try:
                        claimed = self.catalog.claim_qualities(
                            self.name, 1, self.lease_seconds, self.qualities
                        )
                    except VqdbError as exc:  # the server is away: try again after a pause
                        if isinstance(exc, InvalidArgument):
                            raise
                        logger.warning("%s: cannot claim: %s", self.name, exc)
                        self._stop.wait(self.poll_seconds)
                        continue
                    if not claimed:
                        self._wait_for_work()
                        continue
                    current = claimed[0]
                last = max_qualities is not None and self.done + 1 >= max_qualities
                current = self._process(current, encode, claim_next=not last)
        except Shutdown:
            logger.info("%s: stopping on a signal", self.name)
            if current is not None and current.lease_token is not None:
                held_id, held_token = current.id, current.lease_token  # claimed, not started
                self._end(lambda: self.catalog.release_quality(held_id, held_token))
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self._close_listener()

    # -- one quality --------------------------------------------------------

    def _process(
        self, quality: VideoQuality, encode: Encode, claim_next: bool
    ) -> VideoQuality | None:
        """Encodes one quality and ends its lease; with claim_next, the completion also
        claims the next quality in the same commit (complete_and_claim_quality)."""
        lease = Lease(quality)
        beat_stop = threading.Event()
        beat = threading.Thread(
            target=self._heartbeat, args=(lease, beat_stop), name=f"{self.name}-heartbeat",
            daemon=True,
        )  # fmt: skip
        beat.start()
        failure: Exception | None = None
        try:
            try:
                metadata = encode(self._job(quality, lease))
            finally:
                beat_stop.set()
                beat.join()
        except Shutdown:
            self._end(lambda: self.catalog.release_quality(quality.id, lease.token))
            raise
        except LeaseLost as exc:  # lease.progress() or check() inside encode
            logger.warning("%s: %s", self.name, exc.message)
            metadata, failure = None, exc
        except Exception as exc:
            metadata, failure = None, exc
        self.done += 1
        if isinstance(failure, LeaseLost) or lease.lost.is_set():
            return None  # someone else has the quality: send nothing
        if failure is not None:
            # an exception may name its code (vqdb.ffmpeg.FfmpegError does); else its class
            code = str(getattr(failure, "error_code", None) or type(failure).__name__)
            message = str(failure)[:10000]
            retryable = bool(getattr(failure, "retryable", True))
            retryable = retryable and code not in self.permanent_errors
            logger.warning("%s: quality %s failed: %s: %s", self.name, quality.id, code, message)
            self._end(
                lambda: self.catalog.fail_quality(quality.id, lease.token, code, message, retryable)
            )
            return None
        try:
            # the same checks whichever call sends it: refused metadata fails the quality
            metadata = _known_metadata(metadata)
            if claim_next and not self._stop.is_set():
                return self.catalog.complete_and_claim_quality(
                    quality.id, lease.token, self.name, metadata,
                    self.lease_seconds, self.qualities,
                )  # fmt: skip
            self.catalog.complete_quality(quality.id, lease.token, **metadata)
        except InvalidArgument as exc:  # encode returned metadata the catalog refuses
            logger.error("%s: quality %s: %s", self.name, quality.id, exc)
            refused = exc.message[:10000]
            self._end(
                lambda: self.catalog.fail_quality(
                    quality.id, lease.token, "InvalidArgument", refused, False
                )
            )
        except VqdbError as exc:  # lease lost, or the server away: its lease will expire
            logger.warning("%s: %s", self.name, exc)
        return None

    def _end(self, call: Callable[[], Any]) -> Any:
        """call() for a quality's last word; a lost lease or an unreachable server is
        logged, not raised: the quality is someone else's, or its lease will expire and
        another claim will take it again."""
        try:
            return call()
        except LeaseLost as exc:
            logger.warning("%s: %s", self.name, exc.message)
        except VqdbError as exc:
            if isinstance(exc, InvalidArgument):
                raise  # a bug in encode's metadata: do not hide it
            logger.warning("%s: %s", self.name, exc)
        return None

    def _job(self, quality: VideoQuality, lease: Lease) -> Job:
        """The quality with its video, its rung of the ladder and its settings."""
        if self._levels is None:  # the rungs change only with a migration
            self._levels = {level.label: level for level in self.catalog.list_quality_levels()}
        return Job(
            quality=quality,
            video=self.catalog.get_video(quality.video_id),
            level=self._levels[quality.quality],
            settings=quality.settings or {},
            lease=lease,
        )

    def _heartbeat(self, lease: Lease, stop: threading.Event) -> None:
        while not stop.wait(self.heartbeat_seconds):
            try:
                self.catalog.heartbeat_quality(
                    lease.quality_id, lease.token, lease._progress, self.lease_seconds
                )
            except LeaseLost:
                lease._mark_lost()
                return
            except VqdbError as exc:  # the server is away: the next beat may get through
                logger.warning("%s: heartbeat failed: %s", self.name, exc)

    # -- waiting for work ---------------------------------------------------

    def _wait_for_work(self) -> None:
        """Until NOTIFY vq_work (new work), the next due retry or expiring lease
        (vq.next_work_in: nobody notifies those), or poll_seconds, whichever is first."""
        seconds = self.poll_seconds
        try:
            due_in = self.catalog.next_work_in(self.qualities)
            if due_in is not None:
                seconds = min(seconds, due_in + WAKE_MARGIN_SECONDS)
        except VqdbError as exc:  # the server is away: the poll interval, as before
            logger.warning("%s: %s", self.name, exc)
        conn = self._listening() if self.listen else None
        if conn is None:
            self._stop.wait(seconds)
            return
        # in slices of at most STOP_CHECK_SECONDS, so that stop() ends the wait soon
        deadline = time.monotonic() + seconds
        try:
            while not self._stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                ready, _, _ = select.select([conn], [], [], min(left, STOP_CHECK_SECONDS))
                if ready:
                    conn.poll()
                    conn.notifies.clear()
                    return
        except (OSError, psycopg2.Error):
            self._close_listener()  # lost: poll this time, listen again next time

    def _listening(self) -> psycopg2.extensions.connection | None:
        if self._listener is None or self._listener.closed:
            try:
                conn = psycopg2.connect(self.catalog.pool.dsn)
                conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute("LISTEN vq_work")  # the channel the catalog notifies
                self._listener = conn
            except psycopg2.Error as exc:
                logger.warning("%s: cannot LISTEN, polling: %s", self.name, exc)
                return None
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None


# what encode may return: complete_quality's metadata keyword arguments and its url
METADATA_KEYS = frozenset(QualityMetadata.__annotations__) | {"url"}


def _known_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """encode's result as complete_quality's keyword arguments; an unknown name is
    refused as the JSON form of the call refuses it (so both completions agree)."""
    metadata = dict(metadata or {})
    unknown = sorted(set(metadata) - METADATA_KEYS)
    if unknown:
        raise InvalidArgument("22023", f"encode returned unknown metadata {', '.join(unknown)}")
    return metadata


def _raise_shutdown(signum: int, frame: FrameType | None) -> None:
    raise Shutdown(signal.Signals(signum).name)
