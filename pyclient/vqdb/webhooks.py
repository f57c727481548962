"""The webhook dispatcher: `vqdb webhooks run`, or Dispatcher(db, name).run().

Each round it turns the feed's new events into delivery records
(vq.queue_webhook_deliveries), leases the deliveries due now
(vq.claim_webhook_deliveries: per video in feed order, a few at a time per
subscription) and POSTs each from a thread of its own as a Standard Webhooks
request, signed with the subscription's secret by the standardwebhooks package
(extra ``vqdb[webhooks]``); vq.complete_webhook_delivery records what came back
and when to try again. Several dispatchers may run at once: the leases keep a
delivery to one of them, and one that dies (SIGKILL) leaves leases that expire
and are taken by another, so a receiver sees every event at least once and a
duplicate only around a crash, with the same webhook-id.

A request times out after ``timeout`` seconds (connecting, and between reads),
redirects are refused (a receiver that moved is told by a failed delivery, not
followed to another host), and nothing logged carries a secret or a body.
"""

from __future__ import annotations

import http.client
import logging
import threading
import urllib.error
import urllib.request
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

from vqdb.catalog import Catalog
from vqdb.errors import LeaseLost, VqdbError
from vqdb.models import WebhookSend

logger = logging.getLogger("vqdb.webhooks")


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


_OPENER = urllib.request.build_opener(_RefuseRedirects())


def post(send: WebhookSend, timeout: float) -> tuple[int | None, str | None]:
    """POSTs one delivery; (HTTP status or None, what went wrong or None)."""
    now = datetime.now(UTC)
    request = urllib.request.Request(
        send.url,
        data=send.body.encode(),
        method="POST",
        headers={
            "content-type": "application/json",
            "user-agent": "vqdb-webhooks",
            "webhook-id": str(send.id),
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(send.secret).sign(str(send.id), now, send.body),
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            answer.read(65536)
            return int(answer.status), None
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            return exc.code, f"HTTP {exc.code}: redirect refused"
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(reason).__name__}: {reason}"[:500]


class Dispatcher:
    def __init__(
        self,
        db: Catalog,
        name: str,
        threads: int = 8,
        timeout: float = 10.0,
        lease_seconds: int = 60,
        per_webhook: int | None = None,
        poll_seconds: float = 0.2,
    ) -> None:
        if timeout >= lease_seconds:
            raise ValueError("timeout must be shorter than lease_seconds")
        # a slow receiver may take at most half the threads: the others serve the rest
        per_webhook = per_webhook or max(1, threads // 2)
        if threads > 1 and per_webhook >= threads:
            raise ValueError("per_webhook must leave threads for the other subscriptions")
        self.db = db
        self.name = name
        self.threads = threads
        self.timeout = timeout
        self.lease_seconds = lease_seconds
        self.per_webhook = per_webhook
        self.poll_seconds = poll_seconds
        self.delivered = 0

    def run(self, stop: threading.Event | None = None) -> None:
        """Until ``stop`` is set: queue, claim, send, record."""
        stop = stop or threading.Event()
        in_flight: set[Future[None]] = set()
        with ThreadPoolExecutor(self.threads, thread_name_prefix="vqdb-webhook") as pool:
            while not stop.is_set():
                sends: list[WebhookSend] = []
                try:
                    self.db.queue_webhook_deliveries()
                    free = self.threads - len(in_flight)
                    if free > 0:
                        sends = self.db.claim_webhook_deliveries(
                            self.name, free, self.lease_seconds, self.per_webhook
                        )
                except VqdbError as exc:  # the database is away: try again shortly
                    logger.warning("webhooks: %s", exc)
                    stop.wait(1.0)
                    continue
                in_flight |= {pool.submit(self._deliver, send) for send in sends}
                if in_flight:
                    done, _ = wait(in_flight, 0 if sends else self.poll_seconds, FIRST_COMPLETED)
                    in_flight -= done
                else:  # nothing sent, nothing running
                    stop.wait(self.poll_seconds)
            wait(in_flight)

    def _deliver(self, send: WebhookSend) -> None:
        status, error = post(send, self.timeout)
        try:
            outcome = self.db.complete_webhook_delivery(
                send.id, send.video_id, send.lease_token, status, error
            )
        except LeaseLost:
            logger.warning("webhook delivery %s: its lease expired before the answer", send.id)
            return
        except VqdbError as exc:  # not recorded: its lease expires and it is sent again
            logger.warning("webhook delivery %s: not recorded: %s", send.id, exc)
            return
        if outcome == "delivered":
            self.delivered += 1
        else:
            logger.info("webhook delivery %s: %s (%s)", send.id, outcome, error or status)
