"""The console's pages at a million qualities: each page's latency over HTTP, and
the vq calls it makes, timed the same way without HTTP or templates.

    .venv/bin/python -m bench.console [--videos 125000] [--requests 200] [--runs 5]

One durable throwaway server (bench.server), loaded with bench/load.sql (videos
1..N, 8 ready qualities each: 125,000 videos are 1,000,000 qualities), then a
queue on top of it as an operator would see one: 2,000 qualities pending,
500 processing with progress, 3,000 failed under 4 error codes, 20,000 attempts
ended over the last hour, and one video with a full history (the video page's
subject). The overview's counts by status are the console's background count
(at most every 10 s, never while a page waits); its time is given apart.
`vqdb console` runs as its own process on loopback, logged in as the bench's
worker role; one client with a kept-alive connection requests each page
``--requests`` times per run (after 10 unmeasured), the pages taking turns over
``--runs`` runs. Figures: the median over runs of each run's p50 and p95 (ms).
Baseline, in the same process and runs: the page's own vq calls through
vqdb.Catalog (what the page waits for from the database). pg_stat_statements
gives the statements each page runs, with their mean time.
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import vqdb
from vqdb.testing.cluster import free_port

from bench import scale, server
from bench.stats import percentile

Calls = Callable[[Any], Any]  # a page's vq calls, made directly on a Catalog

QUEUE_STATE = """
set session_replication_role = replica;  -- bench data: no feed, no attempts by trigger
update vq.video_qualities set status = 'pending', due_at = now() - interval '1 minute',
       processing_completed_at = null, is_default = false
 where video_id in (select md5('video' || g)::uuid from generate_series(1, 250) g);
update vq.video_qualities set status = 'processing',
       lease_owner = 'worker-' || (random() * 20)::int, lease_token = gen_random_uuid(),
       lease_expires_at = now() + interval '5 minutes', lease_seconds = 300, attempts = 1,
       progress = (random() * 100)::real, processing_completed_at = null, is_default = false
 where video_id in (select md5('video' || g)::uuid from generate_series(251, 312) g)
   and quality <> '144p';
update vq.video_qualities set status = 'failed', attempts = max_attempts,
       error_code = (array['ffmpeg_failed', 'ffmpeg_input', 'lease_expired', 'ffmpeg_options'])
                    [1 + (hashtext(id::text) & 3)],
       error_message = 'exit 1', is_default = false
 where video_id in (select md5('video' || g)::uuid from generate_series(313, 687) g);
insert into vq.quality_attempts (video_id, quality_id, lease_token, attempt, worker, started_at,
                                 ended_at, outcome, error_code)
select md5('video' || (1000 + g % 100000))::uuid, gen_random_uuid(), gen_random_uuid(), 1,
       'worker-' || g % 20, now() - g * interval '180 ms' - interval '30 s',
       now() - g * interval '180 ms',
       case when g % 10 = 0 then 'failed' else 'ready' end,
       case when g % 10 = 0 then 'ffmpeg_failed' end
  from generate_series(1, 20000) g;
reset session_replication_role;
"""


def subject(url: str) -> uuid.UUID:
    """A video with a ladder in every state, its attempts and its feed events."""
    with vqdb.Catalog(url, maxconn=1) as db:
        video = db.create_video(title="video 0 (the bench's subject)", duration=600)
        for label in ("2160p", "1080p", "720p", "480p", "360p", "240p"):
            db.create_video_quality(video.id, label, f"{label}.mp4", max_attempts=2)
        for _ in range(3):
            for lease in db.claim_qualities("bench", limit=6, qualities=["2160p", "1080p", "720p"]):
                db.fail_quality(lease.id, lease.lease_token, "ffmpeg_failed", "exit 1")
        for lease in db.claim_qualities("bench", limit=3, qualities=["480p", "360p", "240p"]):
            if lease.quality == "480p":
                db.complete_quality(lease.id, lease.lease_token, bitrate=900, codec="h264")
            else:
                db.heartbeat_quality(lease.id, lease.lease_token, 55)
        return video.id


def pages(
    video_id: uuid.UUID, deep_after: uuid.UUID
) -> dict[str, tuple[str, Callable[[Any], Any]]]:
    """Each page's path, and its vq calls made directly (the baseline)."""

    def video_calls(db: Any) -> None:
        db.get_video(video_id)
        for q in db.list_qualities_ordered(video_id):
            db.list_video_quality_attempts(video_id, q.id)
        db.list_video_changes(video_id, 50)

    def videos(status: str | None, prefix: str | None, after: uuid.UUID | None) -> Calls:
        return lambda db: db.list_videos(status, prefix, after, 51)

    return {
        # its counts by status come from the console's background count (console/counts.py)
        "overview": ("/", lambda db: (db.attempts_per_minute(60), db.queue_stats(),
                                      db.recent_failure_counts(60))),
        "videos": ("/videos", videos(None, None, None)),
        "videos, title search": ("/videos?q=video+12", videos(None, "video 12", None)),
        "videos, status": ("/videos?status=published", videos("published", None, None)),
        "videos, deep page": (f"/videos?after={deep_after}", videos(None, None, deep_after)),
        "a video": (f"/videos/{video_id}", video_calls),
        "queue": ("/queue", lambda db: (db.queue_stats(), db.list_running_qualities(100),
                                        db.failed_quality_counts())),
    }  # fmt: skip


def fetch(conn: http.client.HTTPConnection, path: str) -> float:
    began = time.perf_counter()
    conn.request("GET", path)
    answer = conn.getresponse()
    body = answer.read()
    elapsed = time.perf_counter() - began
    if answer.status != 200:
        raise RuntimeError(f"{path}: {answer.status} {body[:200]!r}")
    return elapsed * 1000


def timed(calls: Calls, catalog: Any) -> float:
    began = time.perf_counter()
    calls(catalog)
    return (time.perf_counter() - began) * 1000


def statements(srv: server.BenchServer, path: str, conn: http.client.HTTPConnection) -> list[str]:
    """The statements one request of the page runs, from pg_stat_statements."""
    admin = srv.connect()
    admin.autocommit = True
    conn.close()  # a new keep-alive connection: the server closes idle ones after 5 s
    try:
        with admin.cursor() as cur:
            cur.execute("select pg_stat_statements_reset()")
            for _ in range(20):
                fetch(conn, path)
            cur.execute(
                "select query, calls, mean_exec_time from pg_stat_statements "
                "where query like '%%vq.%%' and query not like '%%pg_stat_statements%%' "
                "and toplevel order by calls desc, query"
            )
            return [
                f"`{' '.join(q.split())}` ×{c / 20:g}, {t:.2f} ms" for q, c, t in cur.fetchall()
            ]
    finally:
        admin.close()


def event_latency(port: int, url: str, samples: int) -> list[float]:
    """From a write's commit (another connection) to its event on an open page's
    stream, in ms: what the feed follower adds before a browser can show it."""
    import json
    import queue
    import threading

    arrived: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
    stream = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    stream.request("GET", "/events")
    answer = stream.getresponse()

    def read() -> None:
        try:
            for line in answer:
                if line.startswith(b"data: {"):
                    arrived.put((time.perf_counter(), json.loads(line[6:])))
        except (OSError, AttributeError, ValueError):
            pass  # the stream closed at the end

    def wait_for(video_id: str, kind: str, value: str) -> float:
        while True:
            at, event = arrived.get(timeout=10)
            if (event["video_id"], event["kind"], event["value"]) == (video_id, kind, value):
                return at

    threading.Thread(target=read, daemon=True).start()
    time.sleep(1)  # the follower has this page
    latencies = []
    with vqdb.Catalog(url, maxconn=1) as db:
        video = db.create_video(title="latency")
        wait_for(str(video.id), "video_created", "draft")
        for i in range(samples):
            status = "published" if i % 2 else "processing"
            began = time.perf_counter()
            db.update_video_status(video.id, status)
            latencies.append((wait_for(str(video.id), "video_status", status) - began) * 1000)
            time.sleep(random.uniform(0.05, 0.5))  # writes at any moment of a poll
    stream.close()
    return sorted(latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=125_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    srv = server.start()
    console = None
    try:
        step = time.perf_counter()
        scale.load(srv, server.DBNAME, 1, args.videos)
        admin = srv.connect()
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(QUEUE_STATE)
            cur.execute("vacuum analyze vq.video_qualities")
            cur.execute("vacuum analyze vq.quality_attempts")
            cur.execute("select count(*) from vq.video_qualities")
            qualities = cur.fetchone()[0]
            cur.execute(  # a page deep in the list: 4/5 of the way down
                "select id from vq.videos order by created_at desc, id desc offset %s limit 1",
                (args.videos * 4 // 5,),
            )
            deep_after = cur.fetchone()[0]
        admin.close()
        url = srv.dsn(server.WORKER)
        video_id = subject(url)
        print(f"loaded {qualities:,} qualities in {time.perf_counter() - step:.0f} s", flush=True)

        port = free_port()
        vqdb_command = str(Path(sys.executable).parent / "vqdb")
        console = subprocess.Popen(
            [vqdb_command, "console", "--listen", f"127.0.0.1:{port}", "--database", url],
            stdout=subprocess.DEVNULL,
        )
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(100):
            try:
                fetch(conn, "/healthz")
                break
            except (OSError, RuntimeError, http.client.HTTPException):
                conn.close()
                time.sleep(0.2)
        catalog = vqdb.Catalog(url, maxconn=1)
        table = pages(uuid.UUID(str(video_id)), uuid.UUID(str(deep_after)))
        figures: dict[str, dict[str, list[float]]] = {
            name: {"p50": [], "p95": [], "calls p50": [], "calls p95": []} for name in table
        }
        for run in range(args.runs):
            for name, (path, calls) in table.items():
                for _ in range(10):
                    fetch(conn, path)
                    calls(catalog)
                page = sorted(fetch(conn, path) for _ in range(args.requests))
                direct = sorted(timed(calls, catalog) for _ in range(args.requests))
                figures[name]["p50"].append(percentile(page, 50))
                figures[name]["p95"].append(percentile(page, 95))
                figures[name]["calls p50"].append(percentile(direct, 50))
                figures[name]["calls p95"].append(percentile(direct, 95))
            print(f"run {run + 1}/{args.runs} done", flush=True)

        print(f"\n{qualities:,} qualities, {args.videos + 1:,} videos; "
              f"{args.requests} requests per page per run, {args.runs} runs; ms\n")  # fmt: skip
        print("| page | p50 | p95 | its vq calls p50 | p95 | page / calls (p50) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, f in figures.items():
            m = {k: statistics.median(v) for k, v in f.items()}
            print(f"| {name} | {m['p50']:.1f} | {m['p95']:.1f} | {m['calls p50']:.1f} | "
                  f"{m['calls p95']:.1f} | {m['p50'] / m['calls p50']:.2f} |")  # fmt: skip
        latency = event_latency(port, url, 100)
        p50, p95 = percentile(latency, 50), percentile(latency, 95)
        print(f"\nA write to its event on an open page's stream: p50 {p50:.1f} ms, "
              f"p95 {p95:.1f} ms, max {latency[-1]:.1f} ms (100 writes)")  # fmt: skip
        count = statistics.median(timed(lambda db: db.catalog_stats(), catalog) for _ in range(5))
        print(f"\nThe overview's background count (vq.catalog_stats, every 10 s): {count:.0f} ms\n")
        for name, (path, _) in table.items():
            print(f"- {name} (`{path.split('?')[0]}`): " + "; ".join(statements(srv, path, conn)))
        catalog.close()
    finally:
        if console is not None:
            console.terminate()
            console.wait(10)
        srv.cluster.cleanup()


if __name__ == "__main__":
    main()
