"""Webhook delivery latency, from a writer's commit to the receiver, and what the
dispatcher costs the database.

    .venv/bin/python -m bench.webhooks [--runs 3] [--seconds 20]

One durable throwaway server (bench.server). A receiver on loopback (this
process, http.server) verifies nothing and records when each event arrives; one
`vqdb webhooks run` process (the bench's worker role, 8 threads) delivers. The
writer calls vq.update_video_status on a video of its own per event (so each
arrival names its write), at 1 event/s and at 100 events/s, for ``--seconds``
each (100/s: a tenth of that), ``--runs`` times; latency is from the call's
return (its commit) to the request's arrival. Side by side, in the same runs: a
follower polling vq.changes_since every 20 ms sees the same writes, the feed's
own floor. The database's load: pg_stat_statements' calls and execution time of
the dispatcher's statements per second, idle and at each rate.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import vqdb
from vqdb.testing.cluster import free_port

from bench import server
from bench.stats import percentile

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
DISPATCHER_CALLS = ("queue_webhook_deliveries", "claim_webhook_deliveries",
                    "complete_webhook_delivery")  # fmt: skip


class Arrivals:
    def __init__(self) -> None:
        self.at: dict[str, float] = {}  # video id -> arrival
        self.lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                now = time.perf_counter()
                event = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with arrivals.lock:
                    arrivals.at.setdefault(event["video_id"], now)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def follow(url: str, seen: dict[str, float], stop: threading.Event) -> None:
    """The feed's floor: changes_since every 20 ms."""
    with vqdb.Catalog(url, maxconn=1) as db:
        position = None
        while batch := db.changes_since(position):
            position = batch[-1].position
        while not stop.is_set():
            for change in db.changes_since(position):
                seen.setdefault(str(change.video_id), time.perf_counter())
                position = change.position
            time.sleep(0.02)


def load(srv: server.BenchServer, seconds: float) -> tuple[float, float, dict[str, float]]:
    """(calls/s, ms of execution/s) of the dispatcher's statements over ``seconds``,
    and each function's mean ms per call."""
    admin = srv.connect()
    try:
        with admin.cursor() as cur:
            cur.execute("select pg_stat_statements_reset()")
            time.sleep(seconds)
            means, calls, ms = {}, 0.0, 0.0
            for name in DISPATCHER_CALLS:
                cur.execute(
                    "select coalesce(sum(calls), 0), coalesce(sum(total_exec_time), 0) "
                    "from pg_stat_statements where query like %s and toplevel",
                    (f"%vq.{name}%",),
                )
                n, t = cur.fetchone()
                calls, ms = calls + float(n), ms + float(t)
                means[name] = float(t) / float(n) if n else 0.0
        return calls / seconds, ms / seconds, means
    finally:
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    srv = server.start()
    arrivals = Arrivals()
    receiver = ThreadingHTTPServer(("127.0.0.1", free_port()), arrivals.handler())
    receiver.daemon_threads = True
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = srv.dsn(server.WORKER)
    rates = {1: args.seconds, 100: args.seconds / 10}
    needed = sum(int(rate * seconds) for rate, seconds in rates.items()) * args.runs
    with vqdb.Catalog(url, maxconn=2) as db:
        videos = [str(db.create_video(title=f"hook {i}").id) for i in range(needed)]
        db.create_webhook(f"http://127.0.0.1:{receiver.server_port}/hook", SECRET,
                          ["video.status"])  # fmt: skip
    vqdb_command = str(Path(sys.executable).parent / "vqdb")
    dispatcher = subprocess.Popen(
        [vqdb_command, "webhooks", "run", "--database", url, "--name", "bench"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    seen: dict[str, float] = {}
    stop = threading.Event()
    follower = threading.Thread(target=follow, args=(url, seen, stop), daemon=True)
    follower.start()
    results: dict[int, dict[str, list[float]]] = {
        rate: {"p50": [], "p99": [], "feed p50": [], "feed p99": [], "calls/s": [], "ms/s": []}
        for rate in rates
    }
    idle = []
    try:
        time.sleep(2)
        pending = iter(videos)
        with vqdb.Catalog(url, maxconn=1) as db:
            for _ in range(args.runs):
                idle.append(load(srv, 5))
                for rate, seconds in rates.items():
                    written: dict[str, float] = {}
                    measured: list[tuple[float, float, dict[str, float]]] = []
                    meter = threading.Thread(
                        target=lambda s=seconds, out=measured: out.append(load(srv, s))
                    )
                    meter.start()
                    began = time.perf_counter()
                    for n in range(int(rate * seconds)):
                        time.sleep(max(0.0, began + n / rate - time.perf_counter()))
                        video = next(pending)
                        db.update_video_status(video, "published")
                        written[video] = time.perf_counter()
                    deadline = time.perf_counter() + 30
                    while time.perf_counter() < deadline and not all(
                        v in arrivals.at for v in written
                    ):
                        time.sleep(0.05)
                    meter.join()
                    lat = sorted((arrivals.at[v] - t) * 1000 for v, t in written.items())
                    feed = sorted((seen[v] - t) * 1000 for v, t in written.items() if v in seen)
                    r = results[rate]
                    r["p50"].append(percentile(lat, 50))
                    r["p99"].append(percentile(lat, 99))
                    r["feed p50"].append(percentile(feed, 50))
                    r["feed p99"].append(percentile(feed, 99))
                    r["calls/s"].append(measured[0][0])
                    r["ms/s"].append(measured[0][1])
                    for name, mean in measured[0][2].items():
                        r.setdefault(name, []).append(mean)
        print(f"\n{args.runs} runs; medians; ms from the write's commit\n")
        print("| events/s | delivered p50 | p99 | the feed (20 ms poll) p50 | p99 | "
              "dispatcher statements/s | their execution ms/s |")  # fmt: skip
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        i_calls = statistics.median(c for c, _, _ in idle)
        i_ms = statistics.median(m for _, m, _ in idle)
        print(f"| 0 (idle) | | | | | {i_calls:.1f} | {i_ms:.2f} |")
        for rate, r in results.items():
            m = {k: statistics.median(v) for k, v in r.items()}
            print(f"| {rate} | {m['p50']:.1f} | {m['p99']:.1f} | {m['feed p50']:.1f} | "
                  f"{m['feed p99']:.1f} | {m['calls/s']:.1f} | {m['ms/s']:.2f} |")  # fmt: skip
        for rate, r in results.items():
            means = (f"{name} {statistics.median(r[name]):.2f}" for name in DISPATCHER_CALLS)
            print(f"\nmean ms per call at {rate}/s: " + ", ".join(means))
    finally:
        stop.set()
        dispatcher.terminate()
        dispatcher.wait(30)
        receiver.shutdown()
        srv.cluster.cleanup()


if __name__ == "__main__":
    main()
