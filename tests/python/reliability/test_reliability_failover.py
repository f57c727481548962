"""Losing the primary under load: pg_auto_failover promotes the standby, the client follows.

A real topology on loopback (vqdb.testing.failover: a pg_auto_failover monitor
and two PostgreSQL nodes with synchronous replication), migrated. Under load
(8 threads running the worker flow of reliability/flow.py, 2 threads claiming
and completing work, a probe writing every 10 ms and another reading from the
standby side), each test does one thing to the primary:

  * its machine is lost (keeper and postmaster SIGKILLed): the standby takes
    over, and the old primary rejoins as a standby afterwards (pg_rewind);
  * its postmaster alone is SIGKILLed (its keeper restarts it or fails over);
  * a planned switchover;
  * the network to it cut: the client's path to the primary crosses a network
    namespace whose link goes down (no FIN, no RST) as the standby takes over
    (root and iproute2 needed, as in CI).

The client is vqdb.Catalog with its defaults (retry_for = 30 s) on libpq's
multi-host DSN with target_session_attrs=read-write, reads routed to a DSN
that prefers a standby. Each test asserts: no call failed (not one
Unavailable), every acknowledged write is in the database afterwards and
nothing unacknowledged appeared, one ready default per video and the status
rules hold, and the client works after the old primary is back. It prints the
figures (time until writes succeed again, calls retried, connections
discarded): `pytest ... -s`. VQDB_SOAK=full runs the lost-machine case three
times in a row.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psycopg2
import pytest
import vqdb
from vqdb.dsn import yoyo_url
from vqdb.routing import CatalogStats
from vqdb.testing.failover import FailoverCluster, pg_autoctl_path

from tests.python.reliability.clusters import apply_migrations
from tests.python.reliability.flow import Worker, check_ledgers
from tests.python.reliability.soak import scale

pytestmark = pytest.mark.skipif(
    pg_autoctl_path() is None, reason="pg_auto_failover (pg_autoctl) is not installed"
)
T = TypeVar("T")
WORKERS = 8
CLAIMERS = 2
QUEUE_LADDER = ["2160p", "144p"]  # not in the workers' ladder: the claimers' work only


@pytest.fixture(scope="module")
def ha() -> Iterator[FailoverCluster]:
    with FailoverCluster(nodes=2) as cluster:
        cluster.create_database("vqdb")
        apply_migrations(yoyo_url(cluster.dsn("vqdb")))
        yield cluster


@dataclass
class Load:
    """The threads that run against the topology while a test does its fault."""

    db: vqdb.Catalog
    reader: vqdb.Catalog  # reads routed to a standby while there is one
    stop: threading.Event = field(default_factory=threading.Event)
    workers: list[Worker] = field(default_factory=list)
    completed: dict[uuid.UUID, str] = field(default_factory=dict)  # acked: quality -> url
    writes: list[float] = field(default_factory=list)  # the write probe's acks (monotonic)
    reads: list[float] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)
    probe_video: uuid.UUID | None = None
    before: frozenset[uuid.UUID] = frozenset()  # videos of earlier tests

    def start(self, before: frozenset[uuid.UUID]) -> None:
        db = self.db
        self.before = before
        self.probe_video = db.create_video(title="probe").id
        # work for the claimers: pending qualities
        for n in range(300):
            video = db.create_video(title=f"queue {n}")
            db.create_video_qualities(
                video.id, [{"quality": q, "url": f"s3://{video.id}/{q}"} for q in QUEUE_LADDER]
            )
        self.workers = [Worker(db, f"w{i}", self.stop) for i in range(WORKERS)]
        targets = [w.run for w in self.workers]
        targets += [lambda i=i: self._claim(f"claimer-{i}") for i in range(CLAIMERS)]
        targets += [self._probe_writes, self._probe_reads]
        self.threads = [threading.Thread(target=t) for t in targets]
        for t in self.threads:
            t.start()

    def _guard(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[bool, T | None]:
        """fn(...); a failure is recorded (the test fails on any) and the loop goes on."""
        try:
            return True, fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            self.failures.append(exc)
            time.sleep(0.05)
            return False, None

    def _claim(self, name: str) -> None:
        while not self.stop.is_set():
            ok, rows = self._guard(self.db.claim_qualities, name, qualities=QUEUE_LADDER)
            if not ok:
                continue
            if not rows:
                time.sleep(0.05)
                continue
            row = rows[0]
            url = f"s3://done/{row.id}"
            if self._guard(self.db.complete_quality, row.id, row.lease_token, url=url)[0]:
                self.completed[row.id] = url

    def _probe_writes(self) -> None:
        status = ["processing", "draft"]
        while not self.stop.is_set():
            if self._guard(self.db.update_video_status, self.probe_video, status[0])[0]:
                self.writes.append(time.monotonic())
                status.reverse()
            time.sleep(0.01)

    def _probe_reads(self) -> None:
        while not self.stop.is_set():
            if self._guard(self.reader.get_video, self.probe_video)[0]:
                self.reads.append(time.monotonic())
            time.sleep(0.01)

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(120)
        assert not any(t.is_alive() for t in self.threads), "a thread hangs"

    def write_stall(self, fault: float) -> float:
        """The longest time without an acknowledged write from the fault on (the probe
        writes every 10 ms): how long writes were unavailable."""
        acks = [t for t in self.writes if t >= fault - 0.1]
        return max(b - a for a, b in zip(acks, acks[1:], strict=False))


def check_database(ha: FailoverCluster, load: Load) -> dict[str, int]:
    """Every acknowledged write is there, and the catalog's invariants hold."""
    conn = psycopg2.connect(ha.dsn("vqdb"))
    try:
        queue_videos = frozenset(
            r[0] for r in _rows(conn, "select id from vq.videos where title like 'queue %'")
        )
        assert load.probe_video is not None
        figures = check_ledgers(
            conn, [w.ledger for w in load.workers], queue_videos | {load.probe_video} | load.before
        )
        done = dict(
            _rows(
                conn,
                "select id, url from vq.video_qualities where status = 'ready' and id = any(%s)",
                (list(load.completed),),
            )
        )
        assert done == load.completed, "an acknowledged completion is not ready"
        # one default per video, always a ready one; clocks consistent with the status
        assert (
            _rows(
                conn,
                "select video_id from vq.video_qualities where is_default"
                " group by video_id having count(*) > 1",
            )
            == []
        )
        assert (
            _rows(conn, "select id from vq.video_qualities where is_default and status <> 'ready'")
            == []
        )
        assert (
            _rows(
                conn,
                "select id from vq.video_qualities"
                " where (status in ('ready', 'failed')) <> (processing_completed_at is not null)",
            )
            == []
        )
        figures["completed"] = len(done)
        return figures
    finally:
        conn.close()


def _rows(conn: psycopg2.extensions.connection, sql: str, args: tuple = ()) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql, args or None)
        return cur.fetchall()


def run_fault(
    ha: FailoverCluster, name: str, fault: Callable[[str], str], dsn: str | None = None
) -> str:
    """Start the load, do the fault, let the load run on, check everything; the figures.

    fault(old primary) does the fault and returns the new primary once there is one.
    A node whose keeper the fault stopped is started again afterwards: it rejoins
    as a standby, under load. dsn: the clients' DSN (default: the topology's)."""
    old = ha.primary()
    assert old is not None
    conn = psycopg2.connect(ha.dsn("vqdb"))
    try:
        before = frozenset(r[0] for r in _rows(conn, "select id from vq.videos"))
    finally:
        conn.close()
    standby_first = ha.dsn("vqdb").replace("read-write", "prefer-standby")
    with (
        vqdb.Catalog(dsn or ha.dsn("vqdb"), maxconn=16) as db,
        vqdb.Catalog(ha.dsn("vqdb"), maxconn=2, replica_dsns=[standby_first]) as reader,
    ):
        load = Load(db, reader)
        load.start(before)
        try:
            time.sleep(2.0)
            began = time.monotonic()
            new = fault(old)
            promoted = time.monotonic() - began
            time.sleep(3.0)  # load on the new primary
            for node in ha.nodes:
                if node.keeper is None:
                    ha.restart_node(node.name)
            ha.wait_for_standbys()
            time.sleep(2.0)  # load with the old primary back
        finally:
            load.finish()
        stall = load.write_stall(began)
        stats = db.stats()
        assert load.failures == [], f"{len(load.failures)} calls failed: {load.failures[:3]!r}"
        errors = [e for w in load.workers for e in w.ledger.errors]
        assert errors == [], f"{len(errors)} worker flows failed: {errors[:3]!r}"
        repeated = [e for w in load.workers for e in w.ledger.repeated]
        assert repeated == [], f"{len(repeated)} worker calls raised Unavailable: {repeated[:3]!r}"
        assert db.get_video(uuid.uuid4()) is None  # the client still works
        assert stats.in_use == 0
        read_stats = reader.stats()
        assert isinstance(read_stats, CatalogStats)
    figures = check_database(ha, load)
    return (
        f"{name}: {old} -> {new} in {promoted:.1f} s (monitor), no write acknowledged for "
        f"{stall:.2f} s; 0 failed calls; "
        f"{sum(w.ledger.acked_calls for w in load.workers)} worker calls, "
        f"{figures['videos']} videos / {figures['qualities']} qualities and "
        f"{figures['completed']} completed encodes all present (0 acknowledged writes lost); "
        f"retries {stats.retries}, connections discarded {stats.discarded}; "
        f"reader: {len(load.reads)} reads, by target {dict(read_stats.reads)}, "
        f"fallbacks {read_stats.fallbacks}, replica errors {read_stats.replica_errors}"
    )


def test_primary_machine_lost_then_rejoins(ha: FailoverCluster) -> None:
    def machine_lost(old: str) -> str:
        ha.kill_node(old)
        return ha.wait_for_primary(other_than=old)

    for _ in range(scale(1, 3)):
        print("\n" + run_fault(ha, "machine lost", machine_lost))


def test_primary_postmaster_killed(ha: FailoverCluster) -> None:
    def postmaster_killed(old: str) -> str:
        ha.kill_postmaster(old)
        time.sleep(1.0)  # its keeper restarts it, or the monitor promotes the standby
        return ha.wait_for_primary()

    print("\n" + run_fault(ha, "postmaster killed", postmaster_killed))


def test_planned_switchover(ha: FailoverCluster) -> None:
    def switchover(old: str) -> str:
        ha.switchover()
        return ha.wait_for_primary(other_than=old)

    print("\n" + run_fault(ha, "switchover", switchover))


@contextmanager
def cuttable_path(target_port: int) -> Iterator[tuple[str, int, Callable[[], None]]]:
    """A TCP path to 127.0.0.1:target_port that crosses a network namespace, and how to
    cut it: the link goes down, so packets vanish (no FIN, no RST), as when a machine
    or a switch disappears. Yields (host, port, cut)."""
    tag = os.getpid() % 200 + 20
    ns, veth = f"vqdb-cut-{os.getpid()}", f"vqc{os.getpid() % 100000}"
    inside, outside = f"10.213.{tag}.2", f"10.213.{tag}.1"
    repo = Path(__file__).resolve().parents[3]

    def proxy(listen: str, target: str, netns: str | None) -> tuple[subprocess.Popen[str], int]:
        cmd = [sys.executable, "-m", "bench.delay_proxy", "--target", target,
               "--one-way-ms", "0", "--listen", listen]  # fmt: skip
        if netns:
            cmd = ["ip", "netns", "exec", netns, *cmd]
        proc = subprocess.Popen(cmd, cwd=repo, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        return proc, int(proc.stdout.readline())

    ip = ["ip"]
    for args in (
        ["netns", "add", ns],
        ["link", "add", f"{veth}a", "type", "veth", "peer", "name", f"{veth}b"],
        ["link", "set", f"{veth}b", "netns", ns],
        ["addr", "add", f"{outside}/30", "dev", f"{veth}a"],
        ["link", "set", f"{veth}a", "up"],
        ["-n", ns, "addr", "add", f"{inside}/30", "dev", f"{veth}b"],
        ["-n", ns, "link", "set", f"{veth}b", "up"],
    ):
        subprocess.run(ip + args, check=True)
    procs = []
    try:
        near, near_port = proxy(outside, f"127.0.0.1:{target_port}", None)
        procs.append(near)
        far, far_port = proxy(inside, f"{outside}:{near_port}", ns)
        procs.append(far)

        def cut() -> None:
            subprocess.run(ip + ["link", "set", f"{veth}a", "down"], check=True)

        yield inside, far_port, cut
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
        subprocess.run(ip + ["link", "del", f"{veth}a"], check=False)
        subprocess.run(ip + ["netns", "del", ns], check=False)


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None,
    reason="cutting a network path needs root and iproute2 (ip netns)",
)
def test_network_to_the_primary_cut(ha: FailoverCluster) -> None:
    """The primary goes silent behind a cut link while the standby takes over: the
    client's calls on the dead path give up within tcp_user_timeout, and it
    reconnects to the new primary, with no failed call."""
    old = ha.primary()
    assert old is not None
    other = next(n for n in ha.nodes if n.name != old)
    with cuttable_path(ha.node(old).port) as (host, port, cut):

        def cut_and_lost(old: str) -> str:
            cut()
            ha.kill_node(old)  # the monitor sees it gone too, and promotes the standby
            return ha.wait_for_primary(other_than=old)

        dsn = (
            f"host={host},127.0.0.1 port={port},{other.port} dbname=vqdb user=postgres "
            "target_session_attrs=read-write"
        )
        print("\n" + run_fault(ha, "network cut", cut_and_lost, dsn))


def test_the_exporter_reports_replication(ha: FailoverCluster) -> None:
    """vqdb exporter on the topology: the primary shows its standby's lag, the standby
    says it is one (values scraped over HTTP, parsed by prometheus_client)."""
    import vqdb.exporter
    from vqdb.testing.cluster import free_port

    from tests.python.scrape import scrape

    ha.wait_for_standbys()
    primary = ha.primary()
    assert primary is not None
    standby = next(n.name for n in ha.nodes if n.name != primary)
    seen = {}
    for name, dsn in (("primary", ha.dsn("vqdb")), ("standby", ha.node_dsn(standby, "vqdb"))):
        port = free_port()
        server, collector = vqdb.exporter.serve(dsn, "127.0.0.1", port)
        try:
            seen[name] = scrape(port)
        finally:
            server.shutdown()
            collector.close()
    p, s = seen["primary"], seen["standby"]
    assert p[("vqdb_up", ())] == 1 and s[("vqdb_up", ())] == 1
    assert p[("vqdb_server_in_recovery", ())] == 0
    assert s[("vqdb_server_in_recovery", ())] == 1
    lags = {k[1][0][1]: v for k, v in p.items() if k[0] == "vqdb_replication_lag_bytes"}
    assert len(lags) == 1 and all(v >= 0 for v in lags.values()), lags  # its one standby
    assert next(iter(lags)).startswith("pgautofailover_standby_")
    # the catalog's figures come from a standby too (read functions, read-only server)
    published = ("vqdb_videos", (("status", "published"),))
    assert p[published] >= 1 and s[published] >= 1
    print(f"\nexporter: primary lag by standby {lags}; the standby says in_recovery 1")
