"""The per-video worker flow on a catalog sharded by video with Citus, against one plain
server, side by side in the same rounds (docs/scaling.md).

    python -m bench.citus --coordinator postgresql://postgres@127.0.0.1:9700/postgres

The coordinator's database must be migrated and distributed (`vqdb migrate`,
`vqdb distribute`); the plain server is bench.server's throwaway cluster on this
machine. Three flows of bench.flows, at 1, 4 and 8 threads:

* per-call: the client learns each quality's video from the rows it returns, so
  its metadata updates take the by-video form;
* per-call, by id: the same with a client that remembers no video
  (``remember_videos=0``), so every metadata update is keyed by the quality alone
  (the older interface's calls, and what a client that cannot know the video does);
* batch: the ladder in one call, its metadata in one call;
* queue: a worker's claim (``claim_qualities``) and ``complete_quality`` of one
  pending quality per video; figures are qualities/s.

Each round runs every (target, flow, threads) once, for `duration` seconds on
fresh videos; figures are the median videos/s over the rounds, and the ratio
of the cluster to the plain server.

With ``--wakeups N``, also the time from an enqueue (``create_video_qualities``)
to its claim by a ``vqdb.Worker`` waiting in LISTEN with a 60 s poll, N times
on each target: the wake-up reaches the worker or the poll would show.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import psycopg2
from vqdb import Catalog, Worker

from bench.flows import _metadata, batch_flow, client_flow, run_threads
from bench.server import start


def queue_flow(db: Catalog, video_id: Any) -> None:
    """One claim and its completion (the pending work: one quality per video). The
    sharded claim may come back empty while every candidate it found was being
    taken by the others: then it claims again, as a worker would."""
    while not (claimed := db.claim_qualities("bench")):
        pass
    (quality,) = claimed
    metadata = {k: v for k, v in _metadata(1280, 720, 2500).items() if k != "status"}
    db.complete_quality(quality.id, quality.lease_token, **metadata)


FLOWS: dict[str, tuple[Callable[[Catalog, Any], None], int]] = {
    # name: (flow, remember_videos)
    "per-call": (client_flow, 100_000),
    "per-call, by id": (client_flow, 0),
    "batch": (batch_flow, 100_000),
    "queue": (queue_flow, 100_000),
}
THREADS = (1, 4, 8)


def new_videos(url: str, count: int) -> list[uuid.UUID]:
    """Fresh draft videos, inserted directly (setting up, not measured)."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                "insert into vq.videos (title) select 'citus bench ' || g "
                "from generate_series(1, %s) g returning id",
                (count,),
            )
            return [uuid.UUID(str(r[0])) for r in cur.fetchall()]
    finally:
        conn.close()


def enqueue(url: str, videos: list[uuid.UUID]) -> None:
    """A pending 720p of each video, the only due work (setting up, not measured)."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                "insert into vq.video_qualities (video_id, quality, url) "
                "select v, '720p', 's3://bench/' || v from unnest(%s::uuid[]) v",
                ([str(v) for v in videos],),
            )
    finally:
        conn.close()


def measure(url: str, flow: str, threads: int, duration: float) -> float:
    """Videos/s of one flow at `threads` threads against the catalog at `url`."""
    run, remember = FLOWS[flow]
    videos = new_videos(url, int(400 * duration * threads) + 100)
    if flow == "queue":
        enqueue(url, videos)
    with Catalog(url, maxconn=threads, remember_videos=remember) as db:
        result = run_threads(partial(run, db), videos, threads, duration)
    return result.videos_per_s


def wakeup_latencies(url: str, runs: int) -> list[float]:
    """Seconds from each enqueue to its claim by a worker waiting in LISTEN."""
    claimed: list[float] = []
    taken = threading.Event()

    def encode(quality: Any, lease: Any) -> dict[str, Any]:
        claimed.append(time.perf_counter())
        taken.set()
        return {}

    conn = psycopg2.connect(url)  # no other due work: the worker would take it instead
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "update vq.video_qualities set status = 'failed'"
            " where status in ('pending', 'processing')"
        )
    conn.close()
    with Catalog(url, maxconn=3) as db:
        worker = Worker(db, "bench-wakeup", poll_seconds=60)
        thread = threading.Thread(target=worker.run, args=(encode,))
        thread.start()
        latencies = []
        try:
            for video in new_videos(url, runs):
                time.sleep(0.3)  # the worker is back in LISTEN
                taken.clear()
                enqueued = time.perf_counter()
                db.create_video_qualities(video, [{"quality": "720p", "url": f"s3://w/{video}"}])
                if not taken.wait(70):
                    raise RuntimeError("no claim within the poll: the wake-up was lost")
                latencies.append(claimed[-1] - enqueued)
        finally:
            worker.stop()
            thread.join(20)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.citus", description=__doc__)
    parser.add_argument("--coordinator", required=True, help="URL of the distributed catalog")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per run")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--flows", default=",".join(FLOWS), help="which flows, comma-separated")
    parser.add_argument("--wakeups", type=int, default=0, help="enqueue-to-claim runs per target")
    args = parser.parse_args()

    flows = args.flows.split(",")
    server = start()
    try:
        targets = {"citus": args.coordinator, "plain": server.dsn()}
        figures: dict[str, list[float]] = {}
        wakeups = {target: wakeup_latencies(url, args.wakeups) for target, url in targets.items()}
        for _ in range(args.rounds):
            for flow in flows:
                for threads in THREADS:
                    for target, url in targets.items():
                        key = f"{target}|{flow}|{threads}"
                        figures.setdefault(key, []).append(
                            measure(url, flow, threads, args.duration)
                        )
    finally:
        server.cluster.cleanup()

    print("| flow | threads | Citus, videos/s | one plain server, videos/s | Citus / plain |")
    print("| --- | ---: | ---: | ---: | ---: |")
    table = []
    for flow in flows:
        for threads in THREADS:
            citus = statistics.median(figures[f"citus|{flow}|{threads}"])
            plain = statistics.median(figures[f"plain|{flow}|{threads}"])
            table.append({"flow": flow, "threads": threads, "citus": citus, "plain": plain})
            print(f"| {flow} | {threads} | {citus:.1f} | {plain:.1f} | {citus / plain:.2f}× |")
    if args.wakeups:
        print("\n| target | enqueue to claim, p50 ms | p95 ms | runs |")
        print("| --- | ---: | ---: | ---: |")
        for target, seconds in wakeups.items():
            ms = sorted(x * 1000 for x in seconds)
            p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
            print(f"| {target} | {statistics.median(ms):.0f} | {p95:.0f} | {len(ms)} |")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"rounds": args.rounds, "duration": args.duration, "table": table,
                       "runs": figures}, out, indent=1)  # fmt: skip


if __name__ == "__main__":
    main()
