"""The work queue: claim + complete cycles per second against procrastinate, claim
latency on a deep queue, and what heartbeats do to the table.

    .venv/bin/python -m bench.queue            # about 10 minutes; --quick: seconds
    .venv/bin/python -m bench.queue --markdown out.md --json out.json

One durable server (bench/server.py), databases on it: vqdb's catalog,
procrastinate's own schema.sql (the PyPI package's, applied as it ships), and
scratch copies of the catalog (one with the quality table's triggers disabled,
for the floor; the heartbeat layouts). Both queues are driven the same way:
psycopg2, autocommit, one connection per thread, the functions called by name:

    vqdb           select * from vq.claim_qualities(worker, 1, 300)
                   select * from vq.complete_quality(id, token, p_bitrate => 1000)
    vqdb, 1 commit select * from vq.complete_and_claim_quality(id, token, worker, ...)
    procrastinate  select * from procrastinate_fetch_job_v2('{default}', worker_id)
                   select procrastinate_finish_job_v1(id, 'succeeded', false)
    the floor      the same row changes as prepared statements (ROW_STATEMENTS)

Rounds of each system alternate within each run, at 1, 4 and 8 threads; each
figure is the median (min-max) of the runs. Both keep their finished rows
(procrastinate with delete_job = false, vqdb's ready qualities), and both
queues are topped up to the same depth before each round.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import procrastinate
import psycopg2
import psycopg2.extensions

from bench import server
from bench.stats import Summary, percentile

VQ_DB = "vqqueue"
VQ_BARE_DB = "vqbare"  # the catalog with the triggers of vq.video_qualities disabled
BASELINE_DB = "vqbaseline"  # the catalog migrated up to --baseline
PROCRASTINATE_DB = "procrastinate"
BATCH_CLAIM = 100  # qualities per claim, for the latency of a batch claim
STATISTICS_SECONDS = 1.5  # sessions report their table statistics within a second
PROCRASTINATE_SCHEMA = Path(procrastinate.__file__).parent / "sql" / "schema.sql"


@dataclass(frozen=True)
class Config:
    threads: tuple[int, ...] = (1, 4, 8)
    runs: int = 5
    seconds: float = 3.0
    depth: int = 40_000  # pending work at the start of every round
    latency_depth: int = 100_000
    latency_claims: int = 2_000
    plan_depth: int = 1_000_000
    heartbeats: int = 100_000
    leased: int = 1_000
    baseline: str | None = None  # a migration id: that catalog runs in the same rounds


QUICK = Config(threads=(1, 2), runs=1, seconds=0.5, depth=2_000, latency_depth=2_000,
               latency_claims=100, plan_depth=5_000, heartbeats=2_000, leased=100)  # fmt: skip


# -- the two queues ----------------------------------------------------------


def top_up_vqdb(conn: psycopg2.extensions.connection, depth: int) -> None:
    """Pending qualities up to depth: videos of 8 qualities each (bulk SQL, untimed)."""
    with conn.cursor() as cur:
        cur.execute("select count(*) from vq.video_qualities where status = 'pending'")
        missing = depth - cur.fetchone()[0]  # type: ignore[index]
        if missing > 0:
            cur.execute(
                """with v as (insert into vq.videos (title)
                              select 'queue bench' from generate_series(1, %s) returning id)
                   insert into vq.video_qualities (video_id, quality, url)
                   select v.id, l.label, 's3://bench/' || l.label
                     from v cross join vq.quality_levels l where l.label <> 'original'""",
                (missing // 8 + 1,),
            )
        cur.execute("vacuum analyze vq.video_qualities")


def top_up_procrastinate(conn: psycopg2.extensions.connection, depth: int) -> None:
    with conn.cursor() as cur:
        cur.execute("select count(*) from procrastinate_jobs where status = 'todo'")
        missing = depth - cur.fetchone()[0]  # type: ignore[index]
        if missing > 0:
            cur.execute(
                "insert into procrastinate_jobs (queue_name, task_name, args)"
                " select 'default', 'encode', '{}' from generate_series(1, %s)",
                (missing,),
            )
        cur.execute("vacuum analyze procrastinate_jobs")


def vqdb_cycle(one_commit: bool) -> Any:
    def run(cur: Any, name: str, state: dict[str, Any]) -> bool:
        held = state.get("held")
        if one_commit and held:
            cur.execute(
                "select id, lease_token from vq.complete_and_claim_quality("
                "p_quality_id => %s, p_lease_token => %s, p_worker => %s, "
                "p_metadata => '{\"bitrate\": 1000}')",
                (held[0], held[1], name),
            )
            row = cur.fetchone()
            state["held"] = row
            return True
        cur.execute("select id, lease_token from vq.claim_qualities(%s, 1, 300)", (name,))
        row = cur.fetchone()
        if row is None:
            return False
        if one_commit:
            state["held"] = row
            return True
        cur.execute(
            "select 1 from vq.complete_quality(p_quality_id => %s, p_lease_token => %s, "
            "p_bitrate => 1000)",
            row,
        )
        return True

    return run


def procrastinate_cycle(cur: Any, name: str, state: dict[str, Any]) -> bool:
    if "worker_id" not in state:
        cur.execute("select worker_id from procrastinate_register_worker_v1()")
        state["worker_id"] = cur.fetchone()[0]
    cur.execute(
        "select id from procrastinate_fetch_job_v2(%s, %s)", (["default"], state["worker_id"])
    )
    row = cur.fetchone()
    if row is None or row[0] is None:
        return False
    cur.execute("select procrastinate_finish_job_v1(%s, 'succeeded', false)", row)
    return True


# -- the floor: the catalog row without vqdb's functions -----------------------
#
# The two row changes of a cycle as prepared statements from a superuser: what
# the work costs the row itself, whatever API sits on it, with plans cached as
# the functions' are. "with its rules" keeps the table's triggers (the status
# rules, the change feed); "bare" runs on a copy with every trigger of the table
# disabled. Neither is a way to use vqdb. In one commit, the completion and the
# next claim go as one query string: one round trip, one implicit transaction.

ROW_STATEMENTS = """
    prepare claim_row(text) as
    update vq.video_qualities q
       set status = 'processing', lease_owner = $1, lease_token = gen_random_uuid(),
           lease_expires_at = now() + interval '300 s', lease_seconds = 300,
           attempts = q.attempts + 1
     where q.id = (select id from vq.video_qualities
                    where status = 'pending' and due_at <= now()
                    order by due_at limit 1 for no key update skip locked)
    returning q.id, q.lease_token;
    prepare complete_row(uuid, uuid) as
    update vq.video_qualities
       set status = 'ready', bitrate = 1000, lease_expires_at = null
     where id = $1 and lease_token = $2"""


def row_cycle(one_commit: bool) -> Any:
    def run(cur: Any, name: str, state: dict[str, Any]) -> bool:
        if "prepared" not in state:
            cur.execute(ROW_STATEMENTS)
            state["prepared"] = True
        held = state.get("held")
        if one_commit and held:
            cur.execute("execute complete_row(%s, %s); execute claim_row(%s)", (*held, name))
            state["held"] = cur.fetchone()
            return True
        cur.execute("execute claim_row(%s)", (name,))
        row = cur.fetchone()
        if row is None:
            return False
        if one_commit:
            state["held"] = row
        else:
            cur.execute("execute complete_row(%s, %s)", row)
        return True

    return run


def round_per_second(dsn: str, cycle: Any, threads: int, seconds: float) -> float:
    """Cycles per second of `threads` threads, each on its own connection."""
    counts = [0] * threads
    start_line = threading.Barrier(threads + 1)
    stop = threading.Event()

    def worker(n: int) -> None:
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        state: dict[str, Any] = {}
        try:
            with conn.cursor() as cur:
                start_line.wait()
                while not stop.is_set():
                    if cycle(cur, f"bench-{n}", state):
                        counts[n] += 1
        finally:
            conn.close()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    start_line.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in pool:
        t.join()
    return sum(counts) / (time.perf_counter() - began)


def throughput(srv: server.BenchServer, cfg: Config) -> list[dict[str, Any]]:
    worker, superuser = server.WORKER, "postgres"
    systems = {  # name: (role, database, cycle)
        "vqdb": (worker, VQ_DB, vqdb_cycle(False)),
        "vqdb_one_commit": (worker, VQ_DB, vqdb_cycle(True)),
        "row_with_rules": (superuser, VQ_DB, row_cycle(False)),
        "row_with_rules_one_commit": (superuser, VQ_DB, row_cycle(True)),
        "row_bare": (superuser, VQ_BARE_DB, row_cycle(False)),
        "row_bare_one_commit": (superuser, VQ_BARE_DB, row_cycle(True)),
        "procrastinate": (superuser, PROCRASTINATE_DB, procrastinate_cycle),
    }
    if cfg.baseline:
        systems["baseline"] = (worker, BASELINE_DB, vqdb_cycle(False))
        systems["baseline_one_commit"] = (worker, BASELINE_DB, vqdb_cycle(True))
    admins = {db: srv.connect(dbname=db) for _, db, _ in systems.values()}
    samples: dict[tuple[str, int], list[float]] = {}
    try:
        for run in range(cfg.runs):
            order = list(systems) if run % 2 == 0 else list(reversed(systems))
            for threads in cfg.threads:
                for name in order:
                    role, db, cycle = systems[name]
                    top_up = top_up_procrastinate if db == PROCRASTINATE_DB else top_up_vqdb
                    top_up(admins[db], cfg.depth)
                    rate = round_per_second(srv.dsn(role, dbname=db), cycle, threads, cfg.seconds)
                    samples.setdefault((name, threads), []).append(rate)
    finally:
        for conn in admins.values():
            conn.close()
    rows = []
    for threads in cfg.threads:
        base = samples[("procrastinate", threads)]
        row: dict[str, Any] = {"threads": threads, "procrastinate": Summary.of(base).as_dict()}
        for name in systems:
            if name != "procrastinate":
                figures = samples[(name, threads)]
                ratios = [v / b for v, b in zip(figures, base, strict=True)]
                row[name] = Summary.of(figures).as_dict()
                row[f"{name}_ratio"] = Summary.of(ratios).as_dict()
        if cfg.baseline:  # this catalog against the baseline's, run by run
            for name in ("vqdb", "vqdb_one_commit"):
                old = samples[(name.replace("vqdb", "baseline"), threads)]
                ratios = [v / b for v, b in zip(samples[(name, threads)], old, strict=True)]
                row[f"{name}_vs_baseline"] = Summary.of(ratios).as_dict()
        rows.append(row)
    return rows


# -- a deep queue ------------------------------------------------------------


def claim_latency(srv: server.BenchServer, cfg: Config) -> dict[str, Any]:
    """p50/p99 of one claim with latency_depth pending qualities, then the plan at plan_depth."""
    name = srv.clone_database("vqdeep")
    dsn = srv.dsn(server.WORKER, dbname=name)
    admin = srv.connect(dbname=name)
    try:
        top_up_vqdb(admin, cfg.latency_depth)
        times = _timed_claims(dsn, cfg.latency_claims)
        batch_claims = max(cfg.latency_claims // 40, 3)
        batches = _timed_claims(dsn, batch_claims, BATCH_CLAIM)
        baseline: dict[str, float] = {}
        if cfg.baseline:  # the baseline's catalog at the same depth, the same claims
            old_dsn = srv.dsn(server.WORKER, dbname=BASELINE_DB)
            old_admin = srv.connect(dbname=BASELINE_DB)
            try:
                top_up_vqdb(old_admin, cfg.latency_depth)
            finally:
                old_admin.close()
            old_batches = _timed_claims(old_dsn, batch_claims, BATCH_CLAIM)
            baseline = {
                "p50_ms": percentile(_timed_claims(old_dsn, cfg.latency_claims), 50),
                "batch_p50_ms": percentile(old_batches, 50),
            }
        top_up_vqdb(admin, cfg.plan_depth)
        with admin.cursor() as cur:
            cur.execute("select count(*) from vq.video_qualities where status = 'pending'")
            depth = cur.fetchone()[0]  # type: ignore[index]
        # The plans of the function's own statements, read from the table's scan
        # counters around the claims: a sequential scan of the table would show.
        # A session reports its counters when it ends, an idle one within a second.
        time.sleep(STATISTICS_SECONDS)
        before = _scan_counts(admin)
        deep = _timed_claims(dsn, cfg.latency_claims // 4)
        time.sleep(STATISTICS_SECONDS)
        after = _scan_counts(admin)
        scans = {scan: after[scan] - before[scan] for scan in after if after[scan] > before[scan]}
        return {
            "depth": cfg.latency_depth,
            "p50_ms": percentile(times, 50),
            "p99_ms": percentile(times, 99),
            "batch": BATCH_CLAIM,
            "batch_p50_ms": percentile(batches, 50),
            "baseline": baseline,
            "plan_depth": depth,
            "plan_p50_ms": percentile(deep, 50),
            "plan_p99_ms": percentile(deep, 99),
            "plan_claims": cfg.latency_claims // 4,
            "scans": scans,
        }
    finally:
        admin.close()


def _timed_claims(dsn: str, claims: int, limit: int = 1) -> list[float]:
    """Milliseconds of each of `claims` claims of `limit` qualities, sorted, on a
    session of their own; each claimed quality is completed, untimed."""
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    times = []
    try:
        with conn.cursor() as cur:
            for _ in range(claims):
                t0 = time.perf_counter()
                cur.execute(
                    "select id, lease_token from vq.claim_qualities('deep', %s, 300)", (limit,)
                )
                rows = cur.fetchall()
                times.append((time.perf_counter() - t0) * 1000)
                for row in rows:
                    cur.execute("select 1 from vq.complete_quality(%s, %s)", row)
    finally:
        conn.close()
    return sorted(times)


def _scan_counts(admin: psycopg2.extensions.connection) -> dict[str, int]:
    """Scans of vq.video_qualities so far: sequential, and by each of its indexes."""
    with admin.cursor() as cur:
        cur.execute(
            """select 'sequential', seq_scan from pg_stat_user_tables
                where relid = 'vq.video_qualities'::regclass
               union all
               select indexrelname, idx_scan from pg_stat_user_indexes
                where relid = 'vq.video_qualities'::regclass"""
        )
        return dict(cur.fetchall())


# -- heartbeats --------------------------------------------------------------

LAYOUTS = {
    "vqdb: running encodes indexed by lease_expires_at": None,
    "HOT heartbeats: running encodes indexed by quality instead": "drop index "
    "vq.video_qualities_running_idx; create index video_qualities_running_idx on "
    "vq.video_qualities (quality) where status = 'processing'",
}


def heartbeat_bloat(srv: server.BenchServer, cfg: Config) -> list[dict[str, Any]]:
    """cfg.leased running encodes among 10x as many finished rows, cfg.heartbeats
    heartbeats from 4 threads; the table and its indexes before and after."""
    out = []
    for n, (layout, ddl) in enumerate(LAYOUTS.items()):
        name = srv.clone_database(f"vqbeat{n}")
        admin = srv.connect(dbname=name)
        try:
            with admin.cursor() as cur:
                if ddl:
                    cur.execute(ddl)
                top_up_vqdb(admin, cfg.leased * 11)
                cur.execute("select id, lease_token from vq.claim_qualities('hb', %s, 3600)",
                            (cfg.leased,))  # fmt: skip
                leases = cur.fetchall()
                # the other rows are finished encodes (pending -> processing -> ready)
                cur.execute("update vq.video_qualities set status = 'processing'"
                            " where status = 'pending'")  # fmt: skip
                cur.execute("update vq.video_qualities set status = 'ready'"
                            " where status = 'processing' and lease_token is null")  # fmt: skip
                cur.execute("vacuum analyze vq.video_qualities")
                before = _table_figures(cur)
            per_thread = cfg.heartbeats // 4
            started = time.perf_counter()

            def beat(offset: int, name: str = name, leases: list = leases) -> None:
                conn = psycopg2.connect(srv.dsn(server.WORKER, dbname=name))
                conn.autocommit = True
                with conn.cursor() as cur:
                    for i in range(cfg.heartbeats // 4):
                        qid, token = leases[(offset + i * 4) % len(leases)]
                        cur.execute(
                            "select vq.heartbeat_quality(%s, %s, %s)", (qid, token, i % 100)
                        )
                conn.close()

            pool = [threading.Thread(target=beat, args=(k,)) for k in range(4)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            seconds = time.perf_counter() - started
            time.sleep(STATISTICS_SECONDS)
            with admin.cursor() as cur:
                after = _table_figures(cur)
        finally:
            admin.close()
        done = per_thread * 4
        out.append({"layout": layout, "heartbeats": done, "per_second": done / seconds,
                    "before": before, "after": after})  # fmt: skip
    return out


def _table_figures(cur: Any) -> dict[str, int]:
    cur.execute(
        """select pg_relation_size('vq.video_qualities'), pg_indexes_size('vq.video_qualities'),
                  n_tup_upd, n_tup_hot_upd, n_dead_tup, autovacuum_count
             from pg_stat_user_tables where relid = 'vq.video_qualities'::regclass"""
    )
    keys = ("table_bytes", "index_bytes", "updates", "hot_updates", "dead_tuples",
            "autovacuums")  # fmt: skip
    return dict(zip(keys, cur.fetchone(), strict=True))


# -- the whole run -----------------------------------------------------------


def prepare(srv: server.BenchServer, cfg: Config) -> None:
    if cfg.baseline:
        srv.cluster.create_database(BASELINE_DB)
        server.migrate(srv.cluster.dsn(BASELINE_DB), up_to=cfg.baseline)
    srv.clone_database(VQ_DB)
    srv.clone_database(VQ_BARE_DB)
    bare = srv.connect(dbname=VQ_BARE_DB)
    try:
        with bare.cursor() as cur:
            cur.execute("alter table vq.video_qualities disable trigger all")
    finally:
        bare.close()
    srv.cluster.psql(f"create database {PROCRASTINATE_DB}")
    conn = srv.connect(dbname=PROCRASTINATE_DB)
    try:
        with conn.cursor() as cur:
            cur.execute(PROCRASTINATE_SCHEMA.read_text())
    finally:
        conn.close()


def run(cfg: Config) -> dict[str, Any]:
    srv = server.start()
    try:
        prepare(srv, cfg)
        return {
            "procrastinate_version": procrastinate.__version__,
            "baseline": cfg.baseline,
            "throughput": throughput(srv, cfg),
            "latency": claim_latency(srv, cfg),
            "heartbeats": heartbeat_bloat(srv, cfg),
        }
    finally:
        srv.cluster.cleanup()


def markdown(results: dict[str, Any]) -> str:
    def fig(s: dict[str, float], digits: int = 0) -> str:
        return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"

    lines = [
        f"Claim + complete cycles per second (procrastinate {results['procrastinate_version']}):",
        "",
        "| threads | procrastinate | vqdb claim + complete | ratio | vqdb one commit | ratio |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results["throughput"]:
        lines.append(
            f"| {r['threads']} | {fig(r['procrastinate'])} | {fig(r['vqdb'])} | "
            f"{fig(r['vqdb_ratio'], 2)} | {fig(r['vqdb_one_commit'])} | "
            f"{fig(r['vqdb_one_commit_ratio'], 2)} |"
        )
    lines += [
        "",
        "The floor: the same row changes as prepared statements, without vqdb's functions"
        " (ratios against procrastinate):",
        "",
        "| threads | the row with its rules | ratio | in one commit | ratio "
        "| the bare row (no triggers) | ratio | in one commit | ratio |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results["throughput"]:
        cells = [
            f"{fig(r[name])} | {fig(r[name + '_ratio'], 2)}"
            for name in ("row_with_rules", "row_with_rules_one_commit", "row_bare",
                         "row_bare_one_commit")
        ]  # fmt: skip
        lines.append(f"| {r['threads']} | " + " | ".join(cells) + " |")
    if results["baseline"]:
        lines += [
            "",
            f"Against the catalog at {results['baseline']}, in the same rounds:",
            "",
            "| threads | baseline claim + complete | vqdb | ratio | baseline one commit | vqdb "
            "| ratio |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in results["throughput"]:
            lines.append(
                f"| {r['threads']} | {fig(r['baseline'])} | {fig(r['vqdb'])} | "
                f"{fig(r['vqdb_vs_baseline'], 2)} | {fig(r['baseline_one_commit'])} | "
                f"{fig(r['vqdb_one_commit'])} | {fig(r['vqdb_one_commit_vs_baseline'], 2)} |"
            )
    lat = results["latency"]
    lines += [
        "",
        f"Claim latency, one thread: {lat['depth']:,} pending: p50 {lat['p50_ms']:.3f} ms, "
        f"p99 {lat['p99_ms']:.3f} ms (a claim of {lat['batch']}: p50 "
        f"{lat['batch_p50_ms']:.2f} ms); {lat['plan_depth']:,} pending: p50 "
        f"{lat['plan_p50_ms']:.3f} ms, p99 {lat['plan_p99_ms']:.3f} ms. Scans of "
        f"vq.video_qualities during those {lat['plan_claims']} claims and completions: "
        + ", ".join(f"{name} {n}" for name, n in sorted(lat["scans"].items()))
        + " (no sequential scan)" * ("sequential" not in lat["scans"])
        + ".",
        (
            f"At {results['baseline']}, the same depth: p50 {lat['baseline']['p50_ms']:.3f} ms, "
            f"a claim of {lat['batch']}: p50 {lat['baseline']['batch_p50_ms']:.2f} ms."
        )
        if lat["baseline"]
        else "",
        "",
        "| heartbeat layout | heartbeats/s | table MB before → after | indexes MB before → after "
        "| HOT updates | dead tuples after | autovacuums |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for h in results["heartbeats"]:
        b, a = h["before"], h["after"]
        mb = 1024 * 1024
        hot = (a["hot_updates"] - b["hot_updates"]) / max(a["updates"] - b["updates"], 1)
        lines.append(
            f"| {h['layout']} | {h['per_second']:.0f} | {b['table_bytes'] / mb:.1f} → "
            f"{a['table_bytes'] / mb:.1f} | {b['index_bytes'] / mb:.1f} → "
            f"{a['index_bytes'] / mb:.1f} | {hot:.0%} | {a['dead_tuples']} | "
            f"{a['autovacuums'] - b['autovacuums']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument("--json", help="write every figure to this file")
    parser.add_argument("--markdown", help="write the tables to this file")
    parser.add_argument(
        "--baseline",
        metavar="MIGRATION",
        help="also run the catalog migrated up to this migration (e.g. 0150.video_keyed_calls)"
        " in the same rounds, and give each figure against it",
    )
    args = parser.parse_args()
    cfg = QUICK if args.quick else Config()
    results = run(dataclasses.replace(cfg, baseline=args.baseline))
    text = markdown(results)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if args.markdown:
        Path(args.markdown).write_text(text)


if __name__ == "__main__":
    main()
