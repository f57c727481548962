"""Where a call's time goes on loopback: the per-call worker flow against the plain
service, one call at a time, client and server side.

    .venv/bin/python -m bench.breakdown            # about a minute
    .venv/bin/python -m bench.breakdown --videos 300 --rounds 3

On one durable server (bench/server.py) with 10,000 videos in each catalog,
`rounds` times: `videos` videos through vqdb's client, then as many through the
plain service (bench/baseline.py on bench/plain_service.sql), one thread. It
prints, per operation of the flow:

- wall: the median time of one call, as the caller sees it;
- cpu: the client process's CPU per call (Python, psycopg2, libpq);
- server: the executor time of the statement the client sent, and its
  planning time (pg_stat_statements, track = all, track_planning on);

then, for vqdb, the time in each PL/pgSQL function per call, total and self
(pg_stat_user_functions, track_functions = pl: triggers and helpers included),
and the machine's constants: a round trip (SELECT 1) and a commit's WAL flush
(an autocommitted one-row INSERT minus the same INSERT inside a transaction).
"""

from __future__ import annotations

import argparse
import collections
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any, cast

import psycopg2
from vqdb import Catalog

from bench import scale, server
from bench.baseline import BaselineService
from bench.flows import baseline_flow, client_flow
from bench.throughput import new_videos

CATALOG_VIDEOS = 10_000


class Timings:
    """Wall and CPU time of each call, by operation name."""

    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = collections.defaultdict(list)
        self.cpu: dict[str, list[float]] = collections.defaultdict(list)

    def call(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn(*args, **kwargs)
        self.wall[name].append(time.perf_counter() - wall)
        self.cpu[name].append(time.process_time() - cpu)
        return result


# each side's method for each operation of the flow, where its name differs
CLIENT_NAMES = {"list_qualities_ordered": "list_qualities"}
PLAIN_NAMES = {
    "get_video_by_id": "get_video",
    "update_video_quality": "update_quality_metadata",
    "get_video_qualities": "list_qualities",
}


class Timed:
    """`target` with every method call timed into `timings` under its operation's name,
    so that bench.flows' own flows run unchanged."""

    def __init__(self, target: Any, timings: Timings, names: Mapping[str, str]) -> None:
        self._target, self._timings, self._names = target, timings, names

    def __getattr__(self, attr: str) -> Callable[..., Any]:
        fn = getattr(self._target, attr)
        name = self._names.get(attr, attr)
        return lambda *args, **kwargs: self._timings.call(name, fn, *args, **kwargs)


def _median_us(values: list[float]) -> float:
    return statistics.median(values) * 1e6


def constants(srv: server.BenchServer) -> dict[str, float]:
    conn = psycopg2.connect(srv.dsn(server.PLAIN, dbname=server.PLAIN_DB))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:

            def median(sql: str, n: int = 2000) -> float:
                times = []
                for _ in range(n):
                    start = time.perf_counter()
                    cur.execute(sql)
                    times.append(time.perf_counter() - start)
                return statistics.median(times) * 1e6

            rtt = median("select 1")
            cur.execute("create table if not exists flush_probe (v integer)")
            autocommit = median("insert into flush_probe values (1)")
            cur.execute("begin")
            in_transaction = median("insert into flush_probe values (1)")
            cur.execute("rollback")
            cur.execute("drop table flush_probe")
        return {"round_trip_us": rtt, "commit_flush_us": autocommit - in_transaction}
    finally:
        conn.close()


def _server_figures(srv: server.BenchServer, dbname: str, min_calls: int) -> list[tuple[Any, ...]]:
    conn = srv.connect()  # pg_stat_statements is in vqdb's database; it sees them all
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select left(regexp_replace(query, '\\s+', ' ', 'g'), 60), calls,"
                " total_exec_time * 1000 / calls, total_plan_time * 1000 / calls"
                " from pg_stat_statements"
                " where dbid = (select oid from pg_database where datname = %s)"
                "   and calls >= %s and query !~* '^(begin|commit)'"
                " order by total_exec_time desc",
                (dbname, min_calls),
            )
            return cur.fetchall()
    finally:
        conn.close()


def measure(videos: int, rounds: int) -> dict[str, Any]:
    srv = server.start()
    try:
        admin = srv.connect()
        with admin.cursor() as cur:
            cur.execute("alter system set track_functions = 'pl'")
            cur.execute("alter system set pg_stat_statements.track = 'all'")
            cur.execute("alter system set pg_stat_statements.track_planning = on")
            cur.execute("select pg_reload_conf()")
        scale.load(srv, server.DBNAME, 1, CATALOG_VIDEOS)
        scale.load(srv, server.PLAIN_DB, 1, CATALOG_VIDEOS, schema="public")
        db = Catalog(srv.dsn(server.WORKER), minconn=1, maxconn=1)
        svc = BaselineService(srv.dsn(server.PLAIN, dbname=server.PLAIN_DB), 1, 1, schema="public")
        sides = {"vqdb": Timings(), "plain": Timings()}
        try:
            # warm-up: connections open, plans cached; then count from zero
            for vid in new_videos(srv, 20):
                client_flow(db, vid)
            for vid in new_videos(srv, 20, server.PLAIN_DB, "public"):
                baseline_flow(svc, vid)
            with admin.cursor() as cur:
                cur.execute("select pg_stat_statements_reset()")
                cur.execute("select pg_stat_reset()")
            for _ in range(rounds):
                timed_db = cast(Catalog, Timed(db, sides["vqdb"], CLIENT_NAMES))
                timed_svc = cast(BaselineService, Timed(svc, sides["plain"], PLAIN_NAMES))
                for vid in new_videos(srv, videos):
                    client_flow(timed_db, vid)
                for vid in new_videos(srv, videos, server.PLAIN_DB, "public"):
                    baseline_flow(timed_svc, vid)
        finally:
            db.close()
            svc.close_all()
        time.sleep(0.6)  # the statistics collector's last report
        with admin.cursor() as cur:
            cur.execute(
                "select funcname, calls, total_time * 1000 / calls, self_time * 1000 / calls"
                " from pg_stat_user_functions order by total_time desc"
            )
            functions = cur.fetchall()
        admin.close()
        calls = {
            side: {
                name: {"wall_us": _median_us(t.wall[name]), "cpu_us": _median_us(t.cpu[name])}
                for name in t.wall
            }
            for side, t in sides.items()
        }
        statements = {  # before constants() adds its own statements
            "vqdb": _server_figures(srv, server.DBNAME, videos * rounds),
            "plain": _server_figures(srv, server.PLAIN_DB, videos * rounds),
        }
        return {
            "constants": constants(srv),
            "calls": calls,
            "statements": statements,
            "functions": functions,
        }
    finally:
        srv.cluster.cleanup()


def markdown(r: dict[str, Any]) -> str:
    c = r["constants"]
    out = [
        f"Round trip (SELECT 1): {c['round_trip_us']:.0f} µs; "
        f"a commit's WAL flush: {c['commit_flush_us']:.0f} µs.",
        "",
        "| operation | vqdb wall µs | plain wall µs | vqdb / plain | vqdb client CPU µs "
        "| plain client CPU µs |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    vq, plain = r["calls"]["vqdb"], r["calls"]["plain"]
    for name in vq:
        out.append(
            f"| {name} | {vq[name]['wall_us']:.0f} | {plain[name]['wall_us']:.0f} | "
            f"{vq[name]['wall_us'] / plain[name]['wall_us']:.2f} | "
            f"{vq[name]['cpu_us']:.0f} | {plain[name]['cpu_us']:.0f} |"
        )
    for side in ("vqdb", "plain"):
        out += [
            "",
            f"| {side}: statement sent | calls | executor µs | planning µs |",
            "| --- | ---: | ---: | ---: |",
        ]
        for query, n, exec_us, plan_us in r["statements"][side]:
            out.append(f"| `{query}…` | {n} | {exec_us:.1f} | {plan_us:.1f} |")
    out += ["", "| PL/pgSQL function | calls | total µs per call | self µs per call |"]
    out.append("| --- | ---: | ---: | ---: |")
    for name, n, total, own in r["functions"]:
        out.append(f"| {name} | {n} | {total:.1f} | {own:.1f} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.breakdown", description=__doc__)
    parser.add_argument("--videos", type=int, default=150, help="videos per side and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(markdown(measure(args.videos, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
