"""What the change feed costs the writers: the per-call worker flow (bench/flows.py)
at 1 and 8 threads with the feed's triggers enabled and disabled, in alternating
rounds on one durable server.

    .venv/bin/python -m bench.feed_cost            # about 3 minutes; --quick: seconds

Each round runs the flow for `seconds` on fresh videos; the figure per thread
count is the median (min-max) of the per-run ratios with/without.
"""

from __future__ import annotations

import argparse
import json
from functools import partial

from vqdb import Catalog

from bench import server
from bench.flows import client_flow, run_threads
from bench.stats import Summary
from bench.throughput import new_videos

TRIGGERS = {
    "vq.video_qualities": ("video_qualities_changes_insert", "video_qualities_changes_update"),
    "vq.videos": ("videos_changes_insert", "videos_changes_update", "videos_changes_delete"),
}


def set_feed(srv: server.BenchServer, enabled: bool) -> None:
    conn = srv.connect()
    try:
        with conn.cursor() as cur:
            for table, names in TRIGGERS.items():
                for name in names:
                    cur.execute(
                        f"alter table {table} {'enable' if enabled else 'disable'} trigger {name}"
                    )
    finally:
        conn.close()


def measure(threads_list: tuple[int, ...], runs: int, seconds: float) -> dict[str, dict]:
    srv = server.start()
    out: dict[str, dict] = {}
    try:
        for threads in threads_list:
            db = Catalog(srv.dsn(server.WORKER), minconn=threads, maxconn=threads)
            flow = partial(client_flow, db)
            try:
                run_threads(flow, new_videos(srv, threads * 2), threads, 60.0)  # warm-up
                rates: dict[bool, list[float]] = {True: [], False: []}
                for run in range(runs):
                    for enabled in (True, False) if run % 2 == 0 else (False, True):
                        set_feed(srv, enabled)
                        ids = new_videos(srv, int(400 * seconds * threads) + 10)
                        rates[enabled].append(run_threads(flow, ids, threads, seconds).videos_per_s)
                ratios = [a / b for a, b in zip(rates[True], rates[False], strict=True)]
                out[str(threads)] = {
                    "with_feed": Summary.of(rates[True]).as_dict(),
                    "without_feed": Summary.of(rates[False]).as_dict(),
                    "ratio": Summary.of(ratios).as_dict(),
                }
            finally:
                db.close()
        set_feed(srv, True)
    finally:
        srv.cluster.cleanup()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = measure((1, 2), 1, 0.5) if args.quick else measure((1, 8), 7, 4.0)
    print(json.dumps(result, indent=1))
    for threads, r in result.items():
        w, wo, ratio = r["with_feed"], r["without_feed"], r["ratio"]
        print(
            f"| {threads} | {wo['median']:.1f} | {w['median']:.1f} | "
            f"{ratio['median']:.3f} ({ratio['min']:.3f}–{ratio['max']:.3f}) |"
        )


if __name__ == "__main__":
    main()
