"""Does the client's memory stay flat over many calls?

One thread calls get_video (the cheapest call, so the most calls per second)
`calls` times through one Catalog and samples this process's resident set size
(VmRSS) ten times along the way. After a warm-up (first sample), a leak of
even a few hundred bytes per call would show as steady growth: at a million
calls, 100 bytes per call is 100 MB.
"""

from __future__ import annotations

import gc
import uuid
from typing import Any

from vqdb import Catalog

from bench.server import WORKER, BenchServer


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def measure(server: BenchServer, video_id: uuid.UUID, calls: int) -> dict[str, Any]:
    db = Catalog(server.dsn(WORKER), minconn=1, maxconn=1)
    samples: list[tuple[int, int]] = []
    step = max(1, calls // 10)
    try:
        for _ in range(min(calls, 10_000)):  # warm-up: caches, allocator arenas
            db.get_video(video_id)
        gc.collect()
        samples.append((0, rss_kib()))
        for i in range(1, calls + 1):
            db.get_video(video_id)
            if i % step == 0:
                samples.append((i, rss_kib()))
    finally:
        db.close()
    first, last = samples[0][1], samples[-1][1]
    return {
        "calls": calls,
        "samples": [{"calls": c, "rss_kib": r} for c, r in samples],
        "rss_start_kib": first,
        "rss_end_kib": last,
        "rss_max_kib": max(r for _, r in samples),
        "growth_kib": last - first,
        "bytes_per_call": (last - first) * 1024 / calls,
    }
