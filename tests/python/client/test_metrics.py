"""Metrics for operators, scraped over real HTTP and parsed with prometheus_client's parser.

- vqdb.metrics: a Catalog's pool and calls, with the values this test caused;
- `vqdb exporter`: the database's figures (videos and qualities by status, the
  queue, replication), from the command an operator runs;
- docs/operations.md's table of names is the one in the code.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import vqdb
import vqdb.exporter
import vqdb.metrics
from prometheus_client import CollectorRegistry, start_http_server
from vqdb.testing.cluster import free_port

from tests.python.scrape import scrape

OPERATIONS_MD = Path(__file__).resolve().parents[3] / "docs" / "operations.md"


def test_a_catalogs_pool_and_calls(db_url) -> None:
    registry = CollectorRegistry()
    with vqdb.Catalog(db_url, maxconn=3) as db:
        vqdb.metrics.instrument(db, registry)
        video = db.create_video(title="metrics")
        for _ in range(5):
            db.get_video(video.id)
        for _ in range(2):
            with pytest.raises(vqdb.InvalidArgument):
                db.update_video_status(video.id, "no such status")
        server, thread = start_http_server(free_port(), addr="127.0.0.1", registry=registry)
        try:
            m = scrape(server.server_port)
        finally:
            server.shutdown()
            thread.join(5)
        stats = db.stats()
    fn = (("function", "get_video"),)
    assert m[("vqdb_call_duration_seconds_count", fn)] == 5
    assert m[("vqdb_call_duration_seconds_sum", fn)] > 0
    assert m[("vqdb_call_duration_seconds_bucket", (*fn, ("le", "+Inf")))] == 5
    assert m[("vqdb_call_duration_seconds_count", (("function", "update_video_status"),))] == 2
    key = (("exception", "InvalidArgument"), ("function", "update_video_status"),
           ("sqlstate", "22023"))  # fmt: skip
    assert m[("vqdb_call_errors_total", key)] == 2
    assert ("vqdb_call_errors_total", (("exception", "InvalidArgument"), ("function",
            "get_video"), ("sqlstate", "22023"))) not in m  # fmt: skip
    pool = (("pool", "primary"),)
    assert m[("vqdb_pool_connections", (*pool, ("state", "used")))] == 0
    assert m[("vqdb_pool_connections", (*pool, ("state", "idle")))] == stats.idle
    assert m[("vqdb_pool_connections_max", pool)] == 3
    assert m[("vqdb_pool_pending_requests", pool)] == 0
    assert m[("vqdb_pool_wait_seconds_count", pool)] == stats.acquisitions >= 8
    assert m[("vqdb_pool_timeouts_total", pool)] == 0
    assert m[("vqdb_pool_connections_discarded_total", pool)] == 0


def test_the_exporter_serves_the_database(db_url) -> None:
    with vqdb.Catalog(db_url) as db:
        videos = [db.create_video(title=f"exported {n}") for n in range(3)]
        db.update_video_status(videos[0].id, "published")
        db.create_video_qualities(
            videos[1].id, [{"quality": q, "url": f"s3://x/{q}"} for q in ("720p", "480p")]
        )
        db.create_video_quality(videos[2].id, "720p", "s3://y/720p", status="processing")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vqdb.cli", "exporter", "--listen", f"127.0.0.1:{port}",
         "--database", db_url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        m = scrape(port)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err.decode()
    assert m[("vqdb_up", ())] == 1
    assert m[("vqdb_videos", (("status", "draft"),))] == 2
    assert m[("vqdb_videos", (("status", "published"),))] == 1
    assert m[("vqdb_videos", (("status", "processing"),))] == 0
    assert m[("vqdb_qualities", (("status", "pending"),))] == 2
    assert m[("vqdb_qualities", (("status", "processing"),))] == 1
    assert m[("vqdb_qualities", (("status", "ready"),))] == 0
    assert m[("vqdb_queue_pending", (("quality", "720p"),))] == 1
    assert m[("vqdb_queue_due", (("quality", "480p"),))] == 1
    assert m[("vqdb_queue_processing", (("quality", "720p"),))] == 1
    assert m[("vqdb_queue_expired_leases", (("quality", "720p"),))] == 0
    assert m[("vqdb_queue_oldest_due_seconds", (("quality", "720p"),))] >= 0
    assert m[("vqdb_server_in_recovery", ())] == 0


def test_the_exporter_says_when_the_database_is_down() -> None:
    port = free_port()
    server, collector = vqdb.exporter.serve(
        f"host=127.0.0.1 port={free_port()} dbname=x user=x connect_timeout=2", "127.0.0.1", port
    )
    try:
        m = scrape(port)
    finally:
        server.shutdown()
        collector.close()
    assert m[("vqdb_up", ())] == 0


def test_the_operations_table_lists_every_metric() -> None:
    """docs/operations.md's table of names is the code's (vqdb.metrics, vqdb.exporter)."""
    row = re.compile(r"^\| `(vqdb_[a-z_]+)` \| (\w+) \|\s*`?([a-z._]*)`?\s*\|", re.M)
    rows = row.findall(OPERATIONS_MD.read_text())
    documented = {name: (kind, otel) for name, kind, otel in rows}
    expected = {name: (kind, otel) for name, (kind, _, otel) in vqdb.metrics.METRICS.items()}
    expected |= {name: ("gauge", "") for name in vqdb.exporter.METRICS}
    assert documented == expected, "docs/operations.md's metrics table differs from the code"
