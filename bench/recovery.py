"""How soon work starts: after a worker dies, and after it is enqueued.

    .venv/bin/python -m bench.recovery [--runs 5] [--lease 3] [--samples 200]

Recovery: a worker process encoding a quality (lease ``--lease`` s) is SIGKILLed;
an idle vqdb.Worker (poll interval 30 s) is waiting. The figure is the time from
the kill to the idle worker's encode starting, median (min-max) over ``--runs``.
Side by side, in the same rounds: the same idle worker waking only on NOTIFY and
its poll interval (5 s, the default) -- the Worker before vq.next_work_in, what
a user of the previous release had.

Enqueue to claim: an idle Worker waits; the bench enqueues one quality
(create_video_qualities) and times until the worker's encode starts, one at a
time, ``--samples`` times: p50 and p99, waiting on LISTEN vq_work, and, side by
side, polling every second (listen=False, as behind PgBouncer).

One durable throwaway server (bench.server) on loopback.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from typing import Any

import vqdb
from vqdb.worker import Worker

from bench import server

DOOMED = textwrap.dedent(
    """
    import sys, time, vqdb
    def encode(job):
        print("encoding", flush=True)
        time.sleep(3600)
    with vqdb.Catalog(sys.argv[1], maxconn=2) as db:
        vqdb.Worker(db, "doomed", lease_seconds=int(sys.argv[2])).run(encode)
    """
)


class PollingWorker(Worker):
    """The idle wait as it was: NOTIFY or the poll interval, nothing else (its catalog
    tells no next moment of work)."""

    def __init__(self, catalog: vqdb.Catalog, name: str) -> None:
        catalog.next_work_in = lambda qualities=None: None  # type: ignore[method-assign]
        super().__init__(catalog, name)


def _starts(worker: Worker, count: int) -> tuple[threading.Thread, list[float]]:
    """Run worker for count qualities in a thread; the times its encodes start."""
    started: list[float] = []

    def encode(job: vqdb.Job) -> dict[str, Any]:
        started.append(time.monotonic())
        return {}

    thread = threading.Thread(target=worker.run, args=(encode, count), daemon=True)
    thread.start()
    return thread, started


def recovery_seconds(dsn: str, lease: int, make_worker: Callable[[vqdb.Catalog], Worker]) -> float:
    with vqdb.Catalog(dsn, maxconn=4) as db:
        video = db.create_video(title="recovery")
        db.create_video_qualities(video.id, [{"quality": "720p", "url": "out.mp4"}])
        doomed = subprocess.Popen(
            [sys.executable, "-c", DOOMED, dsn, str(lease)], stdout=subprocess.PIPE, text=True
        )
        assert doomed.stdout is not None and doomed.stdout.readline().strip() == "encoding"
        thread, started = _starts(make_worker(db), 1)
        time.sleep(1.0)  # the idle worker is waiting, the doomed one heartbeating
        killed = time.monotonic()
        doomed.kill()
        doomed.wait()
        thread.join(120)
        assert started, "the idle worker never took the quality"
        return started[0] - killed


def enqueue_latencies(dsn: str, samples: int, listen: bool) -> list[float]:
    with vqdb.Catalog(dsn, maxconn=4) as db:
        worker = Worker(db, "latency", listen=listen, poll_seconds=30 if listen else 1.0)
        thread, started = _starts(worker, samples)
        time.sleep(0.5)  # waiting
        out = []
        for n in range(samples):
            video = db.create_video(title=f"latency {n}")
            enqueued = time.monotonic()
            db.create_video_quality(video.id, "720p", f"out-{n}.mp4")
            while len(started) <= n:
                time.sleep(0.0005)
            out.append(started[n] - enqueued)
            while worker.done <= n:  # completed: the worker is waiting again
                time.sleep(0.0005)
            time.sleep(0.05)
        thread.join(30)
        return out


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lease", type=int, default=3)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    srv = server.start()
    try:
        dsn = srv.dsn()
        now: list[float] = []
        before: list[float] = []
        for _ in range(args.runs):  # the two side by side, in the same rounds
            idle = recovery_seconds(dsn, args.lease, lambda db: Worker(db, "idle", poll_seconds=30))
            now.append(idle)
            before.append(recovery_seconds(dsn, args.lease, lambda db: PollingWorker(db, "idle")))
        listening = enqueue_latencies(dsn, args.samples, listen=True)
        polling = enqueue_latencies(dsn, max(args.samples // 5, 20), listen=False)
    finally:
        srv.cluster.cleanup()

    def row(name: str, values: list[float]) -> str:
        return (f"| {name} | {statistics.median(values):.2f} | "
                f"{min(values):.2f}–{max(values):.2f} |")  # fmt: skip

    print(f"SIGKILL to the encode running again, lease {args.lease} s, {args.runs} runs (s)")
    print("| idle worker | median | min–max |\n| --- | ---: | ---: |")
    print(row("wakes at the lease's expiry (vq.next_work_in)", now))
    print(row("wakes on NOTIFY or its 5 s poll (before)", before))
    print(f"ratio of medians: {statistics.median(before) / statistics.median(now):.2f}x")
    print("\nenqueue to the encode starting (ms)")
    print("| idle worker | samples | p50 | p99 |\n| --- | ---: | ---: | ---: |")
    for name, values in (("LISTEN vq_work", listening), ("polling every 1 s", polling)):
        print(f"| {name} | {len(values)} | {_pct(values, 50) * 1000:.1f} | "
              f"{_pct(values, 99) * 1000:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
