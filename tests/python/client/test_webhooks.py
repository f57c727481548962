"""Webhooks as their users meet them: `vqdb webhooks add/list/deliveries/replay`,
a dispatcher delivering to a real receiver on loopback that verifies with the
README's own example, a receiver that redirects (refused, recorded), a receiver
that is away past the retry time (failed, then replayed)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import vqdb
from vqdb.testing.cluster import free_port
from vqdb.webhooks import Dispatcher

VQDB = str(Path(sys.executable).parent / "vqdb")
README = Path(__file__).resolve().parents[3] / "README.md"
SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()


def readme_receiver():
    """The README's verification example, run as written (its `verify` function)."""
    text = README.read_text()
    block = text.split("<!-- receiver example -->", 1)[1].split("```python", 1)[1]
    namespace: dict = {}
    exec(block.split("```", 1)[0], namespace)  # noqa: S102 - the README's own code
    return namespace["verify"]


def serve(answer, port=None):
    """A receiver on loopback (on ``port``, else a free one):
    answer(headers, body) -> (status, extra headers)."""
    port = port or free_port()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["content-length"]))
            # header names in lower case, as HTTP says they are compared
            status, headers = answer({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


def vqdb_cli(*args: str) -> str:
    done = subprocess.run([VQDB, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def deliver(db, until, seconds=20):
    """A dispatcher in this process until ``until()`` holds."""
    stop = threading.Event()
    dispatcher = Dispatcher(db, "test", threads=2, timeout=1, lease_seconds=5)
    thread = threading.Thread(target=dispatcher.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + seconds
        while not until():
            assert time.monotonic() < deadline, "not delivered in time"
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(10)


def test_a_subscription_from_the_cli_delivers_what_the_readme_verifies(db_url):
    verify = readme_receiver()
    got = []

    def answer(headers, body):
        got.append(verify(body, headers, SECRET))
        return 204, {}

    server, base = serve(answer)
    hook_id = vqdb_cli("webhooks", "add", base + "/hook", "--secret", SECRET,
                       "--events", "quality.ready,video.ladder_finished",
                       "--database", db_url).strip()  # fmt: skip
    assert SECRET not in vqdb_cli("webhooks", "list", "--database", db_url)
    with vqdb.Catalog(db_url, maxconn=3) as db:
        video = db.create_video(title="hooked")
        quality = db.create_video_quality(video.id, "720p", "720p.mp4")
        (lease,) = db.claim_qualities("w", qualities=["720p"])
        db.complete_quality(lease.id, lease.lease_token)
        deliver(db, lambda: len(got) == 2)
    server.shutdown()
    assert [(e["type"], e["video_id"]) for e in got] == [
        ("quality.ready", str(video.id)),
        ("video.ladder_finished", str(video.id)),
    ]
    assert got[0]["data"]["quality_id"] == str(quality.id)
    listed = vqdb_cli("webhooks", "deliveries", hook_id, "--database", db_url)
    assert listed.count("delivered") == 2 and "quality.ready" in listed


def test_a_redirect_is_refused_and_recorded(db_url):
    elsewhere = []
    other, other_base = serve(lambda h, b: (elsewhere.append(b), (204, {}))[1])
    server, base = serve(lambda h, b: (302, {"location": other_base + "/stolen"}))
    with vqdb.Catalog(db_url, maxconn=3) as db:
        hook = db.create_webhook(base + "/hook", SECRET, ["video.created"])
        db.create_video(title="moved")
        deliver(db, lambda: any(d.attempts for d in db.list_webhook_deliveries(hook.id)))
        [record] = db.list_webhook_deliveries(hook.id)
    server.shutdown()
    other.shutdown()
    assert (record.last_status, record.status) == (302, "pending")
    assert record.last_error == "HTTP 302: redirect refused"
    assert elsewhere == []  # the other host never got the body


def test_a_receiver_away_past_the_retry_time_fails_then_is_replayed(db_url):
    got = []
    port = free_port()  # nothing listens there yet
    with vqdb.Catalog(db_url, maxconn=3) as db:
        hook = db.create_webhook(f"http://127.0.0.1:{port}/hook", SECRET, ["video.created"],
                                 retry_for_seconds=2)  # fmt: skip
        db.create_video(title="missed")
        deliver(db, lambda: [d.status for d in db.list_webhook_deliveries(hook.id)] == ["failed"])
        [record] = db.list_webhook_deliveries(hook.id)
        assert record.last_status is None and "Connection" in (record.last_error or "")
        assert SECRET not in (record.last_error or "")

        def keep(headers, body):
            got.append((headers["webhook-id"], json.loads(body)))
            return 200, {}

        server, _ = serve(keep, port)
        assert (
            vqdb_cli("webhooks", "replay", str(record.id), "--database", db_url).strip()
            == "pending"
        )
        deliver(db, lambda: len(got) == 1)
        server.shutdown()
    assert got[0][0] == str(record.id)  # the same webhook-id as every earlier attempt


@pytest.mark.parametrize(
    "url", ["ftp://x.example/hook", "javascript:alert(1)", "file:///etc/passwd"]
)
def test_only_http_urls_are_subscribed(db_url, url):
    with vqdb.Catalog(db_url, maxconn=1) as db, pytest.raises(vqdb.InvalidArgument, match="p_url"):
        db.create_webhook(url, SECRET)


def test_a_slow_receiver_holds_up_only_itself(db_url):
    arrivals = []  # (receiver, monotonic time), in arrival order

    def receiver(name, pause):
        def answer(headers, body):
            time.sleep(pause)
            arrivals.append(name)
            return 204, {}

        return serve(answer)

    slow, slow_base = receiver("slow", 0.8)  # within the timeout, but slow
    fast, fast_base = receiver("fast", 0.0)
    with vqdb.Catalog(db_url, maxconn=4) as db:
        db.create_webhook(slow_base + "/hook", SECRET, ["video.created"])
        db.create_webhook(fast_base + "/hook", SECRET, ["video.created"])
        for i in range(12):
            db.create_video(title=f"busy {i}")
        deliver(db, lambda: arrivals.count("fast") == 12, seconds=30)
    slow.shutdown()
    fast.shutdown()
    # every delivery to the fast receiver arrived while the slow one had had few
    assert arrivals.count("slow") <= 8, arrivals
