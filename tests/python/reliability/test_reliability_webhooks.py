"""Webhooks under faults, end to end: `vqdb webhooks run` processes deliver the
change feed to a real HTTP receiver on loopback that verifies every signature
(standardwebhooks) while the receiver answers 500, goes down, answers too
slowly, a dispatcher is SIGKILLed mid-batch and replaced, two dispatchers run at
once, and the database restarts. At the end: every event of the feed was
received, none skipped, each video's events in feed order, duplicates only with
the webhook-id of their event, and the delivery records agree."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg2
import vqdb
from standardwebhooks import Webhook
from vqdb.testing.cluster import free_port

from tests.python.reliability.clusters import migrated_cluster

VQDB = str(Path(sys.executable).parent / "vqdb")
SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()


class Receiver:
    """An HTTP receiver that verifies each request and records it; ``mode`` is how
    it answers: ok, error (500), slow (past the dispatcher's timeout, then 200)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mode = "ok"
        self.received: list[tuple[str, str, str]] = []  # (webhook-id, position, video)
        self.refused_signatures = 0
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["content-length"]))
                try:
                    event = Webhook(SECRET).verify(body, dict(self.headers))
                except Exception:  # noqa: BLE001 - any failure is a refused signature
                    with receiver.lock:
                        receiver.refused_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                if receiver.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                with receiver.lock:
                    receiver.received.append(
                        (self.headers["webhook-id"], event["position"], event["video_id"])
                    )
                if receiver.mode == "slow":
                    time.sleep(1.5)  # the dispatcher has given up: it will send it again
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


def dispatcher(url: str, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [VQDB, "webhooks", "run", "--database", url, "--name", name, "--threads", "4",
         "--timeout", "1", "--lease-seconds", "3"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def write_events(url: str, stop: threading.Event) -> None:
    """Eight videos whose ladders move on, until stopped."""
    with vqdb.Catalog(url, maxconn=1, retry_for=60) as db:
        videos = [db.create_video(title=f"hooked {i}").id for i in range(8)]
        step = 0
        while not stop.is_set():
            for video_id in videos:
                label = ("1080p", "720p", "480p", "360p", "240p", "144p")[step % 6]
                quality = db.create_video_quality(video_id, label, f"{label}.mp4")
                db.update_video_quality_status(video_id, quality.id, "processing")
            step += 1
            time.sleep(0.3)


def position(text: str) -> tuple[int, int]:
    xid, seq = text.split("/")
    return int(xid), int(seq)


def test_every_event_arrives_in_order_through_every_fault() -> None:
    with migrated_cluster() as (cluster, url):
        receiver = Receiver()
        receiver.start()
        with vqdb.Catalog(url, maxconn=1, retry_for=60) as db:
            hook = db.create_webhook(f"http://127.0.0.1:{receiver.port}/hook", SECRET)
        dispatchers = [dispatcher(url, "d1"), dispatcher(url, "d2")]
        stop = threading.Event()
        writer = threading.Thread(target=write_events, args=(url, stop))
        writer.start()
        try:
            time.sleep(2)
            receiver.mode = "slow"  # answers after the dispatchers' timeout
            time.sleep(2)
            receiver.mode = "error"  # 500s for a while
            time.sleep(2)
            receiver.mode = "ok"
            receiver.stop()  # down: connections refused
            time.sleep(2)
            receiver.start()
            dispatchers[0].send_signal(signal.SIGKILL)  # mid-batch: its leases expire
            dispatchers[0].wait()
            dispatchers.append(dispatcher(url, "d3"))
            time.sleep(1)
            cluster.restart(mode="fast")
            time.sleep(2)
        finally:
            stop.set()
            writer.join(60)

        conn = psycopg2.connect(url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select xid::text || '/' || seq::text, video_id::text from vq.changes")
            feed = dict(cur.fetchall())
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with conn.cursor() as cur:
                cur.execute(
                    "select count(*) filter (where status <> 'delivered'), count(*) "
                    "from vq.webhook_deliveries"
                )
                undelivered, total = cur.fetchone()
            if total == len(feed) and undelivered == 0:
                break
            time.sleep(0.5)
        for process in dispatchers:
            process.send_signal(signal.SIGTERM)
        errors = b"".join(p.communicate(timeout=30)[1] or b"" for p in dispatchers)
        with conn.cursor() as cur:
            cur.execute(
                "select id::text, xid::text || '/' || seq::text, status, attempts, lease_owner "
                "from vq.webhook_deliveries"
            )
            records = {pos: (id_, status, attempts, owner) for id_, pos, status, attempts, owner
                       in cur.fetchall()}  # fmt: skip
        conn.close()
        receiver.stop()

    received = receiver.received
    ids_of = defaultdict(set)
    for webhook_id, pos, _ in received:
        ids_of[pos].add(webhook_id)
    counts = Counter(pos for _, pos, _ in received)
    duplicates = sum(n - 1 for n in counts.values())
    summary = (f"events {len(feed)}, records {len(records)}, received {len(received)}, "
               f"duplicates {duplicates}, skipped {len(set(feed) - set(counts))}")  # fmt: skip
    print(summary)
    assert receiver.refused_signatures == 0
    assert set(records) == set(feed), summary  # one record per event
    assert set(counts) == set(feed), summary  # none skipped, nothing else
    assert all(status == "delivered" for _, status, _, _ in records.values()), summary
    assert all(ids_of[pos] == {records[pos][0]} for pos in counts)  # one webhook-id each
    first_seen: dict[str, list[tuple[int, int]]] = defaultdict(list)
    seen = set()
    for _, pos, video in received:
        if pos not in seen:
            seen.add(pos)
            first_seen[video].append(position(pos))
    for video, positions in first_seen.items():
        assert positions == sorted(positions), f"video {video} out of order"
    assert {owner for _, _, _, owner in records.values()} >= {"d2", "d3"}
    assert max(attempts for _, _, attempts, _ in records.values()) > 1  # the faults hit
    assert duplicates > 0  # the slow answers were sent again, each with its webhook-id
    assert SECRET.encode() not in errors
    assert hook.id is not None
