"""vq.list_videos at a million videos: each shape of call, and a deep page by keyset
against the same page by OFFSET (what a hand-written list would do).

    .venv/bin/python -m bench.list_videos [--videos 1000000] [--calls 200] [--runs 5]

One durable throwaway server (bench.server); the videos are inserted in one
statement, spread over a year, a third in each status, then analyzed. Each figure
is the median (min-max) over runs of the median server-side time of ``calls``
calls in one session, in milliseconds (psql-like: the statement's wall time on
loopback).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from bench import server

LOAD = """
insert into vq.videos (title, status, created_at)
select (array['Cats', 'Dogs', 'Trains', 'Birds'])[1 + i %% 4] || ' ' || i,
       (array['draft', 'published', 'processing'])[1 + i %% 3],
       '2026-01-01'::timestamptz + i * interval '31 seconds'
  from generate_series(1, %s) i;
analyze vq.videos;
"""

OFFSET = """select * from vq.videos order by created_at desc, id desc offset %s limit 50"""


def _median_ms(cur: Any, sql: str, params: tuple[Any, ...], calls: int) -> float:
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        cur.execute(sql, params)
        cur.fetchall()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    srv = server.start()
    try:
        conn = srv.connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(LOAD % args.videos)
            # the 10,000th page, newest first: its last video is the keyset cursor
            deep = 10_000 * 50
            cur.execute(OFFSET % (deep - 1) + " ", ())
            after = cur.fetchone()[0]
            shapes: dict[str, tuple[str, tuple[Any, ...]]] = {
                "first page": ("select * from vq.list_videos(p_limit => 50)", ()),
                "a status": ("select * from vq.list_videos(p_status => 'processing')", ()),
                "a title prefix": (
                    "select * from vq.list_videos(p_title_prefix => 'trains 99')",
                    (),
                ),
                "page 10,001 by p_after": ("select * from vq.list_videos(p_after => %s)", (after,)),
                "page 10,001 by OFFSET": (OFFSET % deep, ()),
            }
            results: dict[str, list[float]] = {name: [] for name in shapes}
            for _ in range(args.runs):
                for name, (sql, params) in shapes.items():
                    results[name].append(_median_ms(cur, sql, params, args.calls))
        conn.close()
    finally:
        srv.cluster.cleanup()
    print(f"{args.videos:,} videos, {args.calls} calls per run, {args.runs} runs (ms per call)")
    print("| call | median | min–max |")
    print("| --- | ---: | ---: |")
    for name, values in results.items():
        print(f"| {name} | {statistics.median(values):.3f} | "
              f"{min(values):.3f}–{max(values):.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()
