"""The work queue under chaos, as a function two tests run: real worker processes
(reliability/queue_worker.py), SIGKILLed mid-encode and SIGSTOPped past their
lease and resumed (zombies that heartbeat and complete late), optionally a
server restart in the middle. Every call is logged by the workers with the
server's time; at the end the catalog and the logs must agree:

  * every quality is ready exactly once, or failed with its attempts used up;
  * the lease that completed a quality is the last one claimed on it, and no call
    under a lease was accepted after the next claim of that quality (no stale
    completion or heartbeat got through, never two live leases at once);
  * nothing is left processing (or pending); attempts never exceed the limit.

Failed attempts back off 30 s and more; so that the run does not wait for the
clock, a thread moves the due time of pending qualities to now, every 0.2 s, as
an operator retrying at once would.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import psycopg2
import vqdb

from tests.python.conftest import REPO_ROOT

WORKERS = 8
LABELS = ["2160p", "1440p", "1080p", "720p", "480p", "360p", "240p", "144p"]


def enqueue(url: str, videos: int) -> int:
    with vqdb.Catalog(url, maxconn=1) as db:
        for i in range(videos):
            video = db.create_video(title=f"chaos {i}")
            db.create_video_qualities(
                video.id,
                [
                    # one quality in fifty always fails: it must end failed at the limit
                    {
                        "quality": q,
                        "url": f"s3://c/{i}/{q}" + ("/poison" if (i * 8 + n) % 50 == 7 else ""),
                    }
                    for n, q in enumerate(LABELS)
                ],
            )
    return videos * len(LABELS)


def spawn(url: str, name: str, log_dir: Path, seed: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.python.reliability.queue_worker", url, name,
         str(log_dir / f"{name}.jsonl"), str(seed)],
        cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def settled(conn) -> tuple[int, int]:
    with conn.cursor() as cur:
        cur.execute(
            "select count(*) filter (where status = 'ready'),"
            " count(*) filter (where status = 'failed') from vq.video_qualities"
        )
        ready, failed = cur.fetchone()
    return ready, failed


def run_chaos(
    url: str,
    log_dir: Path,
    videos: int,
    seconds: float,
    restart: Callable[[], None] | None = None,
    seed: int = 20261201,
) -> str:
    """Enqueue ``videos`` ladders at ``url``, work them with WORKERS processes under
    SIGKILL and SIGSTOP (and ``restart`` once, a third of the way), for at most
    ``seconds``; assert the checks above; return the figures as a line."""
    rnd = random.Random(seed)
    kills = stops = restarts = 0
    total = enqueue(url, videos)
    stop_hurry = threading.Event()

    def hurry() -> None:  # the backoff, skipped (see the module's docstring)
        while not stop_hurry.is_set():
            try:
                with psycopg2.connect(url) as c, c.cursor() as cur:
                    cur.execute(
                        "update vq.video_qualities set due_at = now()"
                        " where status = 'pending' and due_at > now()"
                    )
            except psycopg2.Error:
                pass  # the server is restarting
            stop_hurry.wait(0.2)

    hurrier = threading.Thread(target=hurry, daemon=True)
    hurrier.start()
    procs = {f"w{n}": spawn(url, f"w{n}", log_dir, n) for n in range(WORKERS)}
    spawned = WORKERS
    stopped_until: dict[str, float] = {}
    killed: set[str] = set()
    restarted = False
    started = time.monotonic()
    deadline = started + seconds
    try:
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = time.monotonic()
            for name, until in list(stopped_until.items()):
                if now >= until:  # the zombie wakes up, its lease long gone
                    procs[name].send_signal(signal.SIGCONT)
                    del stopped_until[name]
            try:
                with psycopg2.connect(url) as c:
                    ready, failed = settled(c)
            except psycopg2.Error:
                continue
            if ready + failed == total:
                break
            if restart is not None and not restarted and ready > total // 3:
                restart()
                restarts, restarted = restarts + 1, True
                continue
            victim = rnd.choice(sorted(set(procs) - set(stopped_until)))
            roll = rnd.random()
            if roll < 0.25:
                procs[victim].kill()  # SIGKILL, mid-encode or mid-call
                procs[victim].wait()
                killed.add(victim)
                kills += 1
                spawned += 1
                new = f"w{spawned}"
                del procs[victim]
                procs[new] = spawn(url, new, log_dir, spawned)
            elif roll < 0.45:
                procs[victim].send_signal(signal.SIGSTOP)  # longer than its 2 s lease
                stopped_until[victim] = now + 4.0
                stops += 1
    finally:
        for name in stopped_until:
            procs[name].send_signal(signal.SIGCONT)
        time.sleep(1.0)  # let the last zombies try their late calls
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            proc.wait(30)
        stop_hurry.set()
        hurrier.join()
    elapsed = time.monotonic() - started

    with psycopg2.connect(url) as c, c.cursor() as cur:
        cur.execute(
            "select id::text, status, attempts, max_attempts, lease_token::text, url"
            " from vq.video_qualities"
        )
        rows = {r[0]: r[1:] for r in cur.fetchall()}

    events = [
        {**json.loads(line), "worker": f.stem} for f in log_dir.glob("*.jsonl") for line in f.open()
    ]
    by_quality: dict[str, list[dict]] = defaultdict(list)
    for e in events:
        by_quality[e["quality"]].append(e)
    counts = Counter((e["event"], e["ok"]) for e in events)

    assert len(rows) == total
    statuses = Counter(r[0] for r in rows.values())
    assert set(statuses) <= {"ready", "failed"}, f"not settled: {statuses}"
    problems = []
    unlogged = 0
    for qid, (status, attempts, max_attempts, token, qurl) in rows.items():
        log = by_quality[qid]
        claims = sorted((e for e in log if e["event"] == "claim"), key=lambda e: e["at"])
        completes = [e for e in log if e["event"] == "complete" and e["ok"]]
        if attempts > max_attempts:
            problems.append(f"{qid}: {attempts} attempts > {max_attempts}")
        if status == "ready":
            # a completion whose log line was lost: its worker was SIGKILLed right after
            # the call returned; the row still names its lease, the last one claimed
            lost_line = (
                not completes and claims and claims[-1]["token"] == token
                and claims[-1]["worker"] in killed
            )  # fmt: skip
            if lost_line:
                unlogged += 1
            elif len(completes) != 1:
                problems.append(f"{qid}: ready with {len(completes)} accepted completions")
            elif not (claims and completes[0]["token"] == claims[-1]["token"] == token):
                problems.append(f"{qid}: completed by a lease that is not the last claimed")
        else:
            if completes:
                problems.append(f"{qid}: failed but a completion was accepted")
            if "poison" not in qurl and attempts < max_attempts:
                problems.append(f"{qid}: failed after {attempts} of {max_attempts} attempts")
        # every accepted call under a lease happened before the next claim
        next_claim = {c["token"]: n["at"] for c, n in zip(claims, claims[1:], strict=False)}
        for e in log:
            if e["ok"] and e["event"] != "claim" and e["token"] in next_claim:
                if e["at"] >= next_claim[e["token"]]:
                    problems.append(f"{qid}: a {e['event']} under a stale lease was accepted")
    assert not problems, "\n".join(problems[:20])
    poison = sum(1 for r in rows.values() if "poison" in r[4])
    assert statuses["failed"] >= poison
    return (
        f"queue chaos: {total} qualities, {spawned} worker processes in {elapsed:.1f} s; "
        f"{kills} SIGKILLed, {stops} SIGSTOPped past their lease, {restarts} server restart; "
        f"final: {dict(statuses)} ({poison} poisoned); claims {counts[('claim', True)]}, "
        f"accepted completes {counts[('complete', True)]}, fails {counts[('fail', True)]}, "
        f"heartbeats {counts[('heartbeat', True)]}; refused stale calls (LeaseLost) "
        f"{counts[('lease_lost', False)]}, calls lost to the restart "
        f"{counts[('unavailable', False)]}; completions whose log line died with their "
        f"SIGKILLed worker {unlogged}"
    )
