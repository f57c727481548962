"""One worker process of the queue chaos test: claims, "encodes", heartbeats,
completes or fails, and logs every call with the server's own time.

    python -m tests.python.reliability.queue_worker DSN NAME LOG SEED

Each log line is JSON: {"event", "quality", "token", "ok", "at"}. "at" is a
server timestamp (epoch seconds), read back from what the call returned:
    claim      processing_started_at of the claimed row (attempts too)
    heartbeat  the new expiry minus the lease length
    complete   processing_completed_at
    fail       updated_at
A refused call is logged with ok=false (LeaseLost) and no time. A line is
written after the call returns, so a SIGKILL between the two loses the line
of a call that did happen: the checks allow for exactly that.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import datetime
from typing import Any

import vqdb

LEASE_SECONDS = 2
HEARTBEAT_EVERY = 0.5
POISON = "poison"  # a url containing this always fails: it must end failed


def epoch(value: datetime) -> float:
    return value.timestamp()


def main(dsn: str, name: str, log_path: str, seed: int) -> None:
    rnd = random.Random(seed)
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 - line-buffered for SIGKILL

    def write(**fields: Any) -> None:
        log.write(json.dumps(fields) + "\n")

    with vqdb.Catalog(dsn, maxconn=2, retries=10, retry_backoff=0.1) as db:
        while True:
            try:
                claimed = db.claim_qualities(name, 1, LEASE_SECONDS)
            except vqdb.Unavailable:
                time.sleep(0.2)
                continue
            if not claimed:
                time.sleep(0.05)
                continue
            q = claimed[0]
            token = str(q.lease_token)
            assert q.processing_started_at is not None
            write(event="claim", quality=str(q.id), token=token, ok=True,
                  at=epoch(q.processing_started_at), attempts=q.attempts)  # fmt: skip
            work(db, q, token, rnd, write)


def work(db: vqdb.Catalog, q: vqdb.VideoQuality, token: str, rnd: random.Random, write) -> None:
    # mostly short encodes; one in twenty outlives a few heartbeats
    duration = rnd.uniform(1.0, 2.5) if rnd.random() < 0.05 else rnd.uniform(0.02, 0.2)
    deadline = time.monotonic() + duration
    try:
        while time.monotonic() < deadline:
            time.sleep(min(HEARTBEAT_EVERY, max(deadline - time.monotonic(), 0)))
            if time.monotonic() < deadline:
                expires = db.heartbeat_quality(q.id, token, progress=50.0)
                write(event="heartbeat", quality=str(q.id), token=token, ok=True,
                      at=epoch(expires) - LEASE_SECONDS)  # fmt: skip
        if POISON in q.url or rnd.random() < 0.05:
            row = db.fail_quality(q.id, token, "EncoderCrash", "simulated")
            write(event="fail", quality=str(q.id), token=token, ok=True,
                  at=epoch(row.updated_at), status=row.status)  # fmt: skip
        else:
            row = db.complete_quality(q.id, token, bitrate=1000, codec="h264")
            assert row.processing_completed_at is not None
            write(event="complete", quality=str(q.id), token=token, ok=True,
                  at=epoch(row.processing_completed_at))  # fmt: skip
    except vqdb.LeaseLost:
        write(event="lease_lost", quality=str(q.id), token=token, ok=False)
    except vqdb.Unavailable:
        write(event="unavailable", quality=str(q.id), token=token, ok=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
