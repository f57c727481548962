"""What each recent migration changed: the worker flows on databases migrated up to
each of them, side by side on one durable server, against the plain service.

    .venv/bin/python -m bench.migrations                 # about 4 minutes
    .venv/bin/python -m bench.migrations --since 0090 --threads 1,8 --runs 5

One database per migration from --since on (each migrated up to and including
it), all loaded with the same 10,000 videos, plus the plain service's database
(bench/plain_service.sql). In each of `runs` rounds every database runs the
per-call flow and the batch flow for `seconds`, in turn; a figure is the median
(min-max) of the rounds, and a ratio is against the plain service's flow in the
same round. The difference between two adjacent rows is what one migration did.
"""

from __future__ import annotations

import argparse
import json
import os
from functools import partial
from typing import Any

from vqdb import Catalog
from yoyo import read_migrations

from bench import scale, server
from bench.baseline import BaselineService
from bench.flows import baseline_flow, batch_flow, client_flow, run_threads
from bench.stats import Summary
from bench.throughput import new_videos

CATALOG_VIDEOS = 10_000  # as in python -m bench: plans made on a catalog that has rows

# The first migration with vq.update_video_quality_metadata/status: a database
# migrated before it gets a client that calls the older, by-quality forms.
BY_VIDEO_FORMS = "0150.video_keyed_calls"


def measure(since: str, threads_list: list[int], runs: int, seconds: float) -> dict[str, Any]:
    srv = server.start()
    try:
        ids = sorted(
            {
                m.id
                for m in read_migrations(os.fspath(server.ROOT / "migrations"))
                if m.id >= since and not m.id.endswith(".rollback")
            }
        )
        scale.load(srv, server.PLAIN_DB, 1, CATALOG_VIDEOS, schema="public")
        databases = {}
        for mid in ids:
            dbname = "vq_" + mid.split(".")[0]
            srv.cluster.create_database(dbname)
            server.migrate(srv.cluster.dsn(dbname), up_to=mid)
            scale.load(srv, dbname, 1, CATALOG_VIDEOS)
            databases[mid] = dbname
        out: dict[str, Any] = {"migrations": ids, "threads": {}}
        for threads in threads_list:
            plain = BaselineService(
                srv.dsn(server.PLAIN, dbname=server.PLAIN_DB), threads, threads, schema="public"
            )
            catalogs = {
                mid: Catalog(
                    srv.dsn(server.WORKER, dbname=db),
                    minconn=threads,
                    maxconn=threads,
                    # before the by-video functions, the client's calls by quality alone
                    remember_videos=100_000 if mid >= BY_VIDEO_FORMS else 0,
                )
                for mid, db in databases.items()
            }
            try:
                flows: dict[tuple[str, str], Any] = {
                    ("plain", "per-call"): partial(baseline_flow, plain)
                }
                for mid in ids:
                    flows[(mid, "per-call")] = partial(client_flow, catalogs[mid])
                    flows[(mid, "batch")] = partial(batch_flow, catalogs[mid])
                rates: dict[tuple[str, str], list[float]] = {key: [] for key in flows}
                for run in range(runs + 1):  # the first round warms up and is not counted
                    for key, flow in flows.items():
                        where = (
                            (server.PLAIN_DB, "public")
                            if key[0] == "plain"
                            else (databases[key[0]], "vq")
                        )
                        videos = new_videos(srv, int(600 * seconds * threads) + 10, *where)
                        rate = run_threads(flow, videos, threads, seconds).videos_per_s
                        if run:
                            rates[key].append(rate)
                base = rates[("plain", "per-call")]
                rows = {}
                for (mid, flow), values in rates.items():
                    rows[f"{mid} {flow}"] = {
                        "videos_per_s": Summary.of(values).as_dict(),
                        "ratio_to_plain": Summary.of(
                            [v / b for v, b in zip(values, base, strict=True)]
                        ).as_dict(),
                    }
                out["threads"][str(threads)] = rows
            finally:
                plain.close_all()
                for db in catalogs.values():
                    db.close()
        return out
    finally:
        srv.cluster.cleanup()


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| threads | database migrated up to | flow | videos/s | / plain service |",
        "| ---: | --- | --- | ---: | ---: |",
    ]
    for threads, rows in result["threads"].items():
        for name, row in rows.items():
            mid, flow = name.split(" ", 1)
            v, r = row["videos_per_s"], row["ratio_to_plain"]
            lines.append(
                f"| {threads} | {mid} | {flow} | {v['median']:.1f} ({v['min']:.1f}–{v['max']:.1f})"
                f" | {r['median']:.2f} ({r['min']:.2f}–{r['max']:.2f}) |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.migrations", description=__doc__)
    parser.add_argument("--since", default="0090", help="the first migration measured")
    parser.add_argument("--threads", default="1,8")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    threads = [int(t) for t in args.threads.split(",")]
    result = measure(args.since, threads, args.runs, args.seconds)
    print(markdown(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
