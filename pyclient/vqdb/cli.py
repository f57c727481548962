"""The ``vqdb`` command: migrations, a health check, the work queue and a demo.

    vqdb migrate | rollback [--count N] | status | check | queue [--json]
         | watch [--json] [--since POSITION|oldest] [--count N]
         | demo [--output DIR] | demo --simulated [--videos N] [--threads T]
         | exporter [--listen HOST:PORT] | distribute
         | worker --ffmpeg --output DIR [--qualities 720p,480p] [--lease-seconds N]
                  [--name NAME] [--max-qualities N]
         | console [--listen HOST:PORT] [--actions] [--reader-database URL]
         | playlist VIDEO_ID
         | webhooks add URL --secret S [--events a,b] [--retry-for SECONDS]
         | webhooks list | webhooks deliveries WEBHOOK_ID [--status S]
         | webhooks replay DELIVERY_ID
         | webhooks run [--threads N] [--timeout S] [--lease-seconds N] [--name NAME]

Every command takes ``--database URL`` (default: DATABASE_URL, else libpq's
PG* variables).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import psycopg2

from vqdb import migrations
from vqdb.catalog import Catalog
from vqdb.dsn import resolve_dsn
from vqdb.errors import VqdbError
from vqdb.extras import extra_providing
from vqdb.models import Change

# What `check` expects in the database.
API_FUNCTIONS = Catalog.api_functions()  # what this client calls must exist
ROLES = ["vq_owner", "vq_worker", "vq_reader"]


def cmd_migrate(args: argparse.Namespace) -> int:
    applied = migrations.apply(args.database)
    print("applied: " + ", ".join(applied) if applied else "nothing to apply: up to date")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    done = migrations.rollback(args.database, count=args.count)
    print("rolled back: " + ", ".join(done) if done else "nothing to roll back")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    st = migrations.status(args.database)
    for mid in st.applied:
        print(f"applied  {mid}")
    for mid in st.pending:
        print(f"pending  {mid}")
    print(f"{len(st.applied)} applied, {len(st.pending)} pending")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 0 when the database is reachable, up to date and complete; else 1."""
    failures: list[str] = []
    try:
        conn = psycopg2.connect(resolve_dsn(args.database))
    except psycopg2.Error as exc:
        print(f"FAIL connect: {str(exc).strip()}")
        return 1
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("select current_database(), current_setting('server_version')")
            dbname, version = cur.fetchone() or ("?", "?")
            print(f"ok   connect: database {dbname}, PostgreSQL {version}")
            cur.execute(
                "select p.proname from pg_catalog.pg_proc p "
                "join pg_catalog.pg_namespace n on n.oid = p.pronamespace "
                "where n.nspname = 'vq' and p.proname = any(%s)",
                (API_FUNCTIONS,),
            )
            present = {name for (name,) in cur.fetchall()}
            cur.execute("select rolname from pg_catalog.pg_roles where rolname = any(%s)", (ROLES,))
            roles = {name for (name,) in cur.fetchall()}
    finally:
        conn.close()
    try:
        st = migrations.status(args.database)
    except Exception as exc:  # noqa: BLE001 - reported as a failed check
        failures.append(f"migrations: cannot read their status: {exc}")
    else:
        if st.pending:
            failures.append("migrations: pending " + ", ".join(st.pending))
        else:
            print(f"ok   migrations: {len(st.applied)} applied, none pending")
    missing = [f"vq.{f}" for f in API_FUNCTIONS if f not in present]
    if missing:
        failures.append("functions missing: " + ", ".join(missing))
    else:
        print(f"ok   functions: all {len(API_FUNCTIONS)} API functions present")
    missing_roles = [r for r in ROLES if r not in roles]
    if missing_roles:
        failures.append("roles missing: " + ", ".join(missing_roles))
    else:
        print("ok   roles: " + ", ".join(ROLES))
    for failure in failures:
        print(f"FAIL {failure}")
    return 1 if failures else 0


def cmd_queue(args: argparse.Namespace) -> int:
    """vq.queue_stats() as a table for people, or JSON lines for programs."""
    import dataclasses
    import json

    with Catalog(args.database, maxconn=1) as db:
        stats = db.queue_stats()
    if args.json:
        for row in stats:
            print(json.dumps(dataclasses.asdict(row)))
        return 0
    header = ("quality", "pending", "due", "processing", "expired", "failed", "oldest due s")
    print("{:<9} {:>8} {:>8} {:>10} {:>8} {:>8} {:>12}".format(*header))
    for r in stats:
        age = "" if r.oldest_due_seconds is None else f"{r.oldest_due_seconds:.1f}"
        print(
            f"{r.quality:<9} {r.pending:>8} {r.due:>8} {r.processing:>10} {r.expired:>8} "
            f"{r.failed:>8} {age:>12}"
        )
    return 0


def describe(change: Change) -> str:
    """One line for people: `video 3f2a1b2c: 1080p ready`."""
    what = {
        "video_created": f"created ({change.value})",
        "video_status": f"{change.value}",
        "video_deleted": "deleted",
        "quality_created": f"{change.quality} created ({change.value})",
        "quality_status": f"{change.quality} {change.value}"
        + (f" ({change.error_code})" if change.error_code else ""),
        "quality_restarted": f"{change.quality} restarted ({change.value})",
        "quality_reclaimed": f"{change.quality} taken again: its lease expired",
        "ladder_finished": f"ladder finished ({change.value})",
        "default_changed": f"default is {change.value}",
    }.get(change.kind, f"{change.kind} {change.quality or ''} {change.value or ''}".strip())
    return f"{change.at:%H:%M:%S} video {str(change.video_id)[:8]}: {what}"


def cmd_watch(args: argparse.Namespace) -> int:
    """Tails the change feed: polls vq.changes_since every --interval seconds."""
    import dataclasses
    import json
    import time

    printed = 0
    with Catalog(args.database, maxconn=1) as db:
        position = None if args.since == "oldest" else args.since
        if args.since is None:  # from now on: skip what is already there
            while batch := db.changes_since(position):
                position = batch[-1].position
        while args.count is None or printed < args.count:
            batch = db.changes_since(position)
            for change in batch[: None if args.count is None else args.count - printed]:
                if args.json:
                    print(json.dumps(dataclasses.asdict(change), default=str), flush=True)
                else:
                    print(describe(change), flush=True)
                printed += 1
                position = change.position
            if not batch:
                time.sleep(args.interval)
    return 0


def cmd_distribute(args: argparse.Namespace) -> int:
    """Shard the migrated catalog by video on a Citus coordinator (vqdb.distribute)."""
    from vqdb import distribute

    try:
        report = distribute.distribute(args.database)
    except distribute.NotReady as exc:
        print(f"vqdb distribute: not done: {exc}", file=sys.stderr)
        return 1
    for line in report.done:
        print(f"done  {line}")
    print(f"{len(report.done)} changed, {len(report.kept)} already distributed")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if args.simulated:
        from vqdb import demo

        with Catalog(args.database, maxconn=max(args.threads, 1)) as db:
            demo.run(db, videos=args.videos, threads=args.threads)
        return 0
    from pathlib import Path

    from vqdb import demo_ffmpeg

    with Catalog(args.database, maxconn=6) as db:
        demo_ffmpeg.run(db, Path(args.output) if args.output else None)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Encode with ffmpeg until SIGTERM/SIGINT (or --max-qualities): vqdb.ffmpeg."""
    import logging
    import socket

    from vqdb.ffmpeg import Encoder
    from vqdb.worker import Worker

    if not args.ffmpeg:
        print("vqdb worker: say which encoder: --ffmpeg", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    qualities = [q.strip() for q in args.qualities.split(",")] if args.qualities else None
    name = args.name or f"{socket.gethostname()}-{os.getpid()}"
    with Catalog(args.database, maxconn=3) as db:
        worker = Worker(db, name, qualities=qualities, lease_seconds=args.lease_seconds)
        worker.run(Encoder(args.output), max_qualities=args.max_qualities)
    return 0


def cmd_exporter(args: argparse.Namespace) -> int:
    """Serve the database's figures to Prometheus until interrupted (vqdb.exporter)."""
    import signal
    import threading

    from vqdb import exporter

    host, _, port = args.listen.rpartition(":")
    server, collector = exporter.serve(args.database, host or "127.0.0.1", int(port))
    print(f"vqdb exporter: http://{host or '127.0.0.1'}:{port}/metrics", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        collector.close()
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    """Serve the console until interrupted (vqdb.console). Off loopback it needs
    VQDB_CONSOLE_USER and VQDB_CONSOLE_PASSWORD: exit 2 without them."""
    import uvicorn

    from vqdb import console
    from vqdb.console import security

    host, _, port = args.listen.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    try:
        credentials = security.credentials_from_environment()
    except security.CredentialsError as exc:
        print(f"vqdb console: {exc}", file=sys.stderr)
        return 2
    if credentials is None and not security.is_loopback(host):
        print(
            f"vqdb console: refusing to listen on {host}, which is not loopback, without "
            f"credentials: set {security.USER_VARIABLE} and {security.PASSWORD_VARIABLE} "
            "(every page then asks for them), or listen on 127.0.0.1",
            file=sys.stderr,
        )
        return 2
    application = console.app(
        args.database,
        reader_database=args.reader_database,
        actions=args.actions,
        credentials=credentials,
    )
    mode = "actions on" if args.actions else "read-only"
    print(f"vqdb console: http://{args.listen} ({mode})", flush=True)
    uvicorn.run(application, host=host, port=int(port), log_level="warning", access_log=False)
    return 0


def cmd_playlist(args: argparse.Namespace) -> int:
    """Print the video's HLS master playlist (vq.hls_master_playlist)."""
    with Catalog(args.database, maxconn=1) as db:
        sys.stdout.write(db.hls_master_playlist(args.video_id))
    return 0


def cmd_webhooks(args: argparse.Namespace) -> int:
    """Subscriptions, their delivery records, and the dispatcher (vqdb.webhooks)."""
    if args.action == "run":
        import logging
        import signal
        import socket
        import threading

        from vqdb.webhooks import Dispatcher

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        name = args.name or f"{socket.gethostname()}-{os.getpid()}"
        with Catalog(args.database, maxconn=args.threads + 2) as db:
            dispatcher = Dispatcher(
                db, name, args.threads, args.timeout, lease_seconds=args.lease_seconds
            )
            try:
                dispatcher.run(stop)
            except KeyboardInterrupt:
                pass
        return 0
    with Catalog(args.database, maxconn=1) as db:
        if args.action == "add":
            events = [e.strip() for e in args.events.split(",")] if args.events else None
            hook = db.create_webhook(args.url, args.secret, events, args.retry_for)
            print(hook.id)
        elif args.action == "list":
            for h in db.list_webhooks():
                types = ",".join(h.events) if h.events else "all events"
                state = "active" if h.active else "paused"
                print(f"{h.id}  {h.url}  {types}  {state}  pending {h.pending}, "
                      f"failed {h.failed}, delivered {h.delivered}")  # fmt: skip
        elif args.action == "deliveries":
            for d in db.list_webhook_deliveries(args.webhook_id, args.status):
                print(f"{d.id}  {d.position}  {d.type}  {d.status}  attempts {d.attempts}  "
                      f"last {d.last_status or '-'} {d.last_error or ''}".rstrip())  # fmt: skip
        elif args.action == "replay":
            print(db.replay_webhook_delivery(args.delivery_id))
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        metavar="URL",
        default=os.environ.get("DATABASE_URL"),
        help="libpq URL or key=value DSN (default: DATABASE_URL, else the PG* variables)",
    )
    parser = argparse.ArgumentParser(prog="vqdb", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", parents=[common], help="apply pending migrations").set_defaults(
        func=cmd_migrate
    )
    rb = sub.add_parser("rollback", parents=[common], help="roll back the latest migrations")
    rb.add_argument("--count", type=int, default=1, help="how many (default 1)")
    rb.set_defaults(func=cmd_rollback)
    sub.add_parser(
        "status", parents=[common], help="list applied and pending migrations"
    ).set_defaults(func=cmd_status)
    sub.add_parser(
        "check", parents=[common], help="health check: exit 0 when all is well, else 1"
    ).set_defaults(func=cmd_check)
    qu = sub.add_parser("queue", parents=[common], help="the work queue per quality label")
    qu.add_argument("--json", action="store_true", help="one JSON object per label")
    qu.set_defaults(func=cmd_queue)
    wa = sub.add_parser("watch", parents=[common], help="tail the change feed")
    wa.add_argument("--json", action="store_true", help="one JSON object per event")
    wa.add_argument("--since", metavar="POSITION", help="after this position ('oldest': all kept)")
    wa.add_argument("--count", type=int, help="stop after this many events")
    wa.add_argument("--interval", type=float, default=0.5, help="seconds between polls")
    wa.set_defaults(func=cmd_watch)
    dm = sub.add_parser("demo", parents=[common], help="two ffmpeg workers encode a ladder")
    dm.add_argument("--output", metavar="DIR", help="keep the files here (default: a temp dir)")
    dm.add_argument("--simulated", action="store_true", help="simulated workers, many videos")
    dm.add_argument("--videos", type=int, default=20, help="with --simulated (default 20)")
    dm.add_argument("--threads", type=int, default=4, help="with --simulated (default 4)")
    dm.set_defaults(func=cmd_demo)
    ex = sub.add_parser(
        "exporter", parents=[common], help="serve the database's figures to Prometheus"
    )
    ex.add_argument(
        "--listen", default="127.0.0.1:9465", metavar="HOST:PORT", help="default 127.0.0.1:9465"
    )
    ex.set_defaults(func=cmd_exporter)
    sub.add_parser(
        "distribute", parents=[common], help="shard the catalog by video on a Citus coordinator"
    ).set_defaults(func=cmd_distribute)
    wk = sub.add_parser("worker", parents=[common], help="encode the queue's qualities")
    wk.add_argument("--ffmpeg", action="store_true", help="encode with ffmpeg (vqdb.ffmpeg)")
    wk.add_argument("--output", metavar="DIR", default=".", help="where relative urls go")
    wk.add_argument("--qualities", metavar="LABELS", help="only these, e.g. 720p,480p")
    wk.add_argument("--lease-seconds", type=int, default=60, help="default 60")
    wk.add_argument("--name", help="the worker's name (default host-pid)")
    wk.add_argument("--max-qualities", type=int, help="stop after this many")
    wk.set_defaults(func=cmd_worker)
    co = sub.add_parser("console", parents=[common], help="the catalog in a browser")
    co.add_argument(
        "--listen", default="127.0.0.1:8080", metavar="HOST:PORT", help="default 127.0.0.1:8080"
    )
    co.add_argument("--actions", action="store_true", help="allow actions (default read-only)")
    co.add_argument(
        "--reader-database", metavar="URL", help="pages read through this (default --database)"
    )
    co.set_defaults(func=cmd_console)
    pl = sub.add_parser("playlist", parents=[common], help="a video's HLS master playlist")
    pl.add_argument("video_id", metavar="VIDEO_ID")
    pl.set_defaults(func=cmd_playlist)
    wh = sub.add_parser("webhooks", help="signed webhooks from the change feed")
    whs = wh.add_subparsers(dest="action", required=True)
    add = whs.add_parser("add", parents=[common], help="subscribe a URL")
    add.add_argument("url")
    add.add_argument("--secret", required=True, help="whsec_… (Standard Webhooks)")
    add.add_argument("--events", help="types, e.g. quality.ready,video.ladder_finished")
    add.add_argument("--retry-for", type=int, metavar="SECONDS", help="default 86400")
    whs.add_parser("list", parents=[common], help="the subscriptions")
    de = whs.add_parser("deliveries", parents=[common], help="a subscription's records")
    de.add_argument("webhook_id", metavar="WEBHOOK_ID")
    de.add_argument("--status", help="pending, delivering, delivered or failed")
    rp = whs.add_parser("replay", parents=[common], help="send a delivery again")
    rp.add_argument("delivery_id", metavar="DELIVERY_ID")
    run = whs.add_parser("run", parents=[common], help="deliver until SIGTERM")
    run.add_argument("--threads", type=int, default=8, help="requests at once (default 8)")
    run.add_argument("--timeout", type=float, default=10.0, help="per request, s (default 10)")
    run.add_argument("--name", help="the dispatcher's name (default host-pid)")
    run.add_argument(
        "--lease-seconds", type=int, default=60, help="a dead dispatcher's deliveries wait this"
    )
    wh.set_defaults(func=cmd_webhooks)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except (VqdbError, psycopg2.Error) as exc:
        print(f"vqdb {args.command}: {str(exc).strip()}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:
        extra = extra_providing(exc.name)
        if extra is None:
            raise
        print(
            f"vqdb {args.command}: needs the optional part '{extra}' ({exc.name} is not "
            f"installed): pip install 'vqdb[{extra}]'",
            file=sys.stderr,
        )
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
