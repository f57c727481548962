"""Does delegating a by-video call to the worker that holds the video pay? The
per-call time of seven API functions on a Citus coordinator, delegated
(``create_distributed_function(…, 'p_video_id', colocate_with => 'vq.videos')``)
and run on the coordinator (``vqdb distribute``'s way), alternating in the same
process (docs/scaling.md, "Why no call is delegated").

    python -m bench.delegation --coordinator postgresql://postgres@127.0.0.1:9700/vqdb

It delegates and undelegates the functions of the catalog at that URL, and
leaves them undelegated, as ``vqdb distribute`` does. One connection, one call
at a time; each call on a video of its own with one ready quality (set up, not
timed). Figures: the median over the rounds of each round's median.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import psycopg2
import psycopg2.extensions

CALLS: dict[str, Callable[[str, str], tuple[str, tuple[str, ...]]]] = {
    "get_video": lambda v, q: ("select * from vq.get_video(%s)", (v,)),
    "list_qualities_ordered": lambda v, q: ("select * from vq.list_qualities_ordered(%s)", (v,)),
    "update_video_status": lambda v, q: (
        "select * from vq.update_video_status(%s, 'processing')", (v,)),
    "update_video_quality_status": lambda v, q: (
        "select * from vq.update_video_quality_status(%s, %s, 'processing')", (v, q)),
    "update_video_quality_metadata": lambda v, q: (
        "select * from vq.update_video_quality_metadata(%s, %s, p_codec => 'h264')", (v, q)),
    "set_default_quality": lambda v, q: ("select * from vq.set_default_quality(%s, %s)", (v, q)),
    "create_video_quality": lambda v, q: (
        "select * from vq.create_video_quality(%s, '480p', 's3://b/480p')", (v,)),
}  # fmt: skip


def delegate(cur: psycopg2.extensions.cursor, on: bool) -> None:
    cur.execute(
        "select p.oid::regprocedure::text from pg_proc p where p.pronamespace = 'vq'::regnamespace"
        " and p.proname = any (%s)",
        (list(CALLS),),
    )
    for (signature,) in cur.fetchall():
        if on:
            cur.execute(
                "select create_distributed_function(%s, 'p_video_id',"
                " colocate_with => 'vq.videos')",
                (signature,),
            )
        else:
            cur.execute("select create_distributed_function(%s)", (signature,))


def round_medians(cur: psycopg2.extensions.cursor, calls: int) -> dict[str, float]:
    medians = {}
    for name, make in CALLS.items():
        times = []
        for _ in range(calls):
            cur.execute("select id from vq.create_video('delegation bench')")
            (video,) = cur.fetchone()
            cur.execute(
                "select id from vq.create_video_quality(%s, '720p', 's3://b/720p',"
                " p_status => 'ready')",
                (video,),
            )
            (quality,) = cur.fetchone()
            sql, args = make(str(video), str(quality))
            began = time.perf_counter()
            cur.execute(sql, args)
            cur.fetchall()
            times.append(time.perf_counter() - began)
        medians[name] = statistics.median(times) * 1000
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.delegation", description=__doc__)
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=200, help="calls per function per round")
    args = parser.parse_args()
    conn = psycopg2.connect(args.coordinator)
    conn.autocommit = True
    figures: dict[str, dict[str, list[float]]] = {"delegated": {}, "coordinator": {}}
    try:
        with conn.cursor() as cur:
            for _ in range(args.rounds):
                for way in figures:
                    delegate(cur, way == "delegated")
                    for name, ms in round_medians(cur, args.calls).items():
                        figures[way].setdefault(name, []).append(ms)
            delegate(cur, False)
    finally:
        conn.close()
    print("| function | delegated, ms | on the coordinator, ms | coordinator / delegated |")
    print("| --- | ---: | ---: | ---: |")
    for name in CALLS:
        d = statistics.median(figures["delegated"][name])
        c = statistics.median(figures["coordinator"][name])
        print(f"| `{name}` | {d:.2f} | {c:.2f} | {c / d:.2f} |")


if __name__ == "__main__":
    main()
