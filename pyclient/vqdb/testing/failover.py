"""A throwaway high-availability topology for tests: pg_auto_failover on loopback.

    with FailoverCluster(nodes=2) as ha:
        ha.create_database("vqdb")
        url = ha.dsn("vqdb")   # host=127.0.0.1,127.0.0.1 port=P1,P2 ... read-write
        ha.kill_node(ha.primary())           # the machine is lost: the standby takes over
        ha.wait_for_primary(other_than=...)  # then ha.restart_node(...) rejoins it

One pg_auto_failover monitor (a PostgreSQL of its own, which decides who is
primary) and `nodes` PostgreSQL nodes, each run by its keeper (`pg_autoctl
run`), all in one temporary directory, on free ports of 127.0.0.1, with trust
authentication. The monitor checks health every second, so that a lost primary
is replaced in seconds rather than the half minute of its defaults (the
settings are in MONITOR_SETTINGS). Replication is synchronous: pg_auto_failover
sets `synchronous_standby_names` to a quorum of the standbys, so a commit
returns only once a standby has it. As root, everything runs as the service
user of vqdb.testing.cluster, like a ThrowawayCluster.

Needs `pg_autoctl` (Debian: postgresql-15-auto-failover, pg-auto-failover-cli).
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from types import TracebackType

from vqdb.testing.cluster import (
    SERVICE_USER,
    SUPERUSER,
    ensure_service_user,
    find_bindir,
    free_port,
)

# Health checks every second and a node given up after 2 s without one: a
# failover in about 5 s here (docs/reliability.md), instead of about 30.
MONITOR_SETTINGS = {
    "pgautofailover.health_check_period": "1000",
    "pgautofailover.health_check_timeout": "1000",
    "pgautofailover.health_check_max_retries": "1",
    "pgautofailover.health_check_retry_delay": "500",
    "pgautofailover.node_considered_unhealthy_timeout": "2000",
    "pgautofailover.primary_demote_timeout": "3000",
}
WRITABLE = ("primary", "wait_primary", "single")  # the monitor's states of a primary
# The nodes are throwaway: a killed process loses nothing the OS has, and these
# tests kill processes, not machines.
NODE_SETTINGS = {"fsync": "off", "max_connections": "200"}


def pg_autoctl_path() -> str | None:
    return shutil.which("pg_autoctl")


@dataclass
class Node:
    name: str
    port: int
    pgdata: str
    keeper: subprocess.Popen[bytes] | None = None


class FailoverCluster:
    """A pg_auto_failover monitor and `nodes` PostgreSQL nodes in a temporary directory."""

    def __init__(self, nodes: int = 2) -> None:
        if nodes < 2:
            raise ValueError("a failover needs at least 2 nodes")
        pg_autoctl = pg_autoctl_path()
        if pg_autoctl is None:
            raise RuntimeError("pg_autoctl not found (install postgresql-15-auto-failover)")
        self.pg_autoctl = pg_autoctl
        self.count = nodes
        self.bindir = find_bindir()
        self.as_root = os.geteuid() == 0
        # pg_autoctl makes the OS user that runs it the servers' first superuser
        self.os_user = SERVICE_USER if self.as_root else getpass.getuser()
        self.base: str | None = None
        self.monitor: Node | None = None
        self.nodes: list[Node] = []

    # -- running pg_autoctl ---------------------------------------------------

    def _env(self) -> dict[str, str]:
        assert self.base is not None
        return {
            "PATH": f"{self.bindir}:/usr/bin:/bin",
            "HOME": self.base,
            "XDG_CONFIG_HOME": os.path.join(self.base, "config"),
            "XDG_DATA_HOME": os.path.join(self.base, "state"),
            # the unix sockets in our directory, not /var/run/postgresql
            "PG_REGRESS_SOCK_DIR": self.socket_dir,
            "PGHOST": self.socket_dir,
            "LANG": "C.UTF-8",
        }

    def _cmd(self, *args: str) -> list[str]:
        cmd = [self.pg_autoctl, *args]
        if not self.as_root:
            return cmd
        return [shutil.which("runuser") or "/usr/sbin/runuser", "-u", SERVICE_USER, "--", *cmd]

    def _autoctl(self, *args: str, timeout: float = 120) -> str:
        proc = subprocess.run(
            self._cmd(*args),
            env=self._env(),
            cwd=self.base,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"pg_autoctl {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
            )
        return proc.stdout

    def _spawn_keeper(self, node: Node) -> None:
        """`pg_autoctl run` for a node: it starts, watches and restarts its PostgreSQL."""
        assert self.base is not None
        log = open(os.path.join(self.base, f"{node.name}.log"), "ab")  # noqa: SIM115
        node.keeper = subprocess.Popen(
            self._cmd("run", "--pgdata", node.pgdata),
            env=self._env(),
            cwd=self.base,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as one, like a machine
        )
        log.close()

    # -- lifecycle --------------------------------------------------------------

    @property
    def socket_dir(self) -> str:
        assert self.base is not None
        return os.path.join(self.base, "sockets")

    def start(self) -> FailoverCluster:
        if self.as_root:
            user = ensure_service_user()
            self.base = tempfile.mkdtemp(prefix="vqdb-ha-", dir="/tmp")
            os.chown(self.base, user.pw_uid, user.pw_gid)
        else:
            self.base = tempfile.mkdtemp(prefix="vqdb-ha-")
        os.mkdir(self.socket_dir)
        if self.as_root:
            os.chown(self.socket_dir, user.pw_uid, user.pw_gid)
        try:
            common = ["--hostname", "127.0.0.1", "--listen", "127.0.0.1"]
            common += ["--auth", "trust", "--no-ssl"]
            self.monitor = Node("monitor", free_port(), os.path.join(self.base, "monitor"))
            self._autoctl(
                "create", "monitor", "--pgdata", self.monitor.pgdata,
                "--pgport", str(self.monitor.port), *common,
            )  # fmt: skip
            self._spawn_keeper(self.monitor)
            self._wait(lambda: self._monitor_sql("select 1") == "1", 60, "the monitor")
            for name, value in MONITOR_SETTINGS.items():
                self._monitor_sql(f"alter system set {name} = '{value}'")
            self._monitor_sql("select pg_reload_conf()")
            monitor_uri = (
                f"postgres://autoctl_node@127.0.0.1:{self.monitor.port}"
                "/pg_auto_failover?sslmode=disable"
            )
            for i in range(1, self.count + 1):
                node = Node(f"node_{i}", free_port(), os.path.join(self.base, f"node_{i}"))
                self._autoctl(
                    "create", "postgres", "--pgdata", node.pgdata, "--pgport", str(node.port),
                    "--name", node.name, "--monitor", monitor_uri, *common,
                )  # fmt: skip
                with open(os.path.join(node.pgdata, "postgresql.conf"), "a") as conf:
                    conf.writelines(f"{k} = '{v}'\n" for k, v in NODE_SETTINGS.items())
                self._spawn_keeper(node)
                self.nodes.append(node)
                want = "single" if i == 1 else "secondary"  # alone, a node is "single"
                self._wait(lambda n=node, w=want: self.states().get(n.name) == w, 120, node.name)
            self.wait_for_standbys()
            # the superuser the rest of vqdb.testing uses (the keeper's is the OS user)
            self._psql(
                self.nodes[0].port,
                "postgres",
                f"create role {SUPERUSER} superuser login",
                user=self.os_user,
            )
            return self
        except BaseException:
            self.cleanup()
            raise

    def cleanup(self) -> None:
        """Stop every keeper and server and delete everything."""
        for node in [*self.nodes, *([self.monitor] if self.monitor else [])]:
            self._kill_keeper(node, signal.SIGKILL)
            self._kill_postmaster(node)
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None
        self.nodes, self.monitor = [], None

    def __enter__(self) -> FailoverCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()

    # -- what the monitor says ---------------------------------------------------

    def _monitor_sql(self, sql: str) -> str:
        assert self.monitor is not None
        return self._psql(self.monitor.port, "pg_auto_failover", sql, user=self.os_user)

    def states(self) -> dict[str, str]:
        """Each node's state as the monitor last heard it (primary, secondary, ...)."""
        try:
            out = self._monitor_sql(
                "select coalesce(json_object_agg(nodename, reportedstate), '{}')"
                " from pgautofailover.node"
            )
        except RuntimeError:
            return {}
        return dict(json.loads(out or "{}"))

    def primary(self) -> str | None:
        """The node that takes writes (None while there is none): "primary", or
        "wait_primary" while no standby is there to replicate to (the writes it
        takes then are on that node alone until a standby catches up)."""
        # the monitor's last report from a lost node stays "primary": also require
        # that the monitor still assigns it that role
        try:
            out = self._monitor_sql(
                "select nodename from pgautofailover.node"
                f" where reportedstate in {WRITABLE} and goalstate in {WRITABLE}"
                " order by nodeid limit 1"
            )
        except RuntimeError:
            return None
        return out or None

    def wait_for_primary(self, other_than: str | None = None, timeout: float = 60) -> str:
        """Wait until a node (not `other_than`) is primary with a standby back in sync."""
        found: list[str] = []

        def ready() -> bool:
            p = self.primary()
            if p is None or p == other_than:
                return False
            found.append(p)
            return True

        self._wait(ready, timeout, f"a primary other than {other_than}")
        return found[-1]

    def wait_for_standbys(self, timeout: float = 300) -> None:
        """Wait until every node is back: one primary, the others secondary. (A rejoin
        that pg_rewind cannot do is a pg_basebackup, which takes a while under load.)"""
        self._wait(
            lambda: (
                sorted(self.states().values()) == ["primary"] + ["secondary"] * (self.count - 1)
            ),
            timeout,
            "every node primary or secondary",
        )

    # -- faults and operations --------------------------------------------------

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def kill_node(self, name: str) -> None:
        """Lose the node as a machine is lost: its keeper and its PostgreSQL, SIGKILL."""
        node = self.node(name)
        self._kill_keeper(node, signal.SIGKILL)
        self._kill_postmaster(node)

    def kill_postmaster(self, name: str) -> int:
        """SIGKILL the node's postmaster only (its keeper notices and acts). Returns the pid."""
        pid = self._postmaster_pid(self.node(name))
        if pid is None:
            raise RuntimeError(f"{name}: no postmaster running")
        os.kill(pid, signal.SIGKILL)
        return pid

    def restart_node(self, name: str) -> None:
        """Start the keeper of a lost node again: it rejoins as a standby (pg_rewind)."""
        self._spawn_keeper(self.node(name))

    def switchover(self) -> None:
        """A planned change of primary (pg_autoctl perform switchover), waited for."""
        assert self.monitor is not None
        self._autoctl("perform", "switchover", "--pgdata", self.monitor.pgdata)

    # -- clients ---------------------------------------------------------------------

    def dsn(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        """libpq's multi-host DSN: every node, the one that takes writes chosen at connect."""
        hosts = ",".join("127.0.0.1" for _ in self.nodes)
        ports = ",".join(str(n.port) for n in self.nodes)
        return (
            f"host={hosts} port={ports} dbname={dbname} user={user} target_session_attrs=read-write"
        )

    def node_dsn(self, name: str, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.node(name).port} dbname={dbname} user={SUPERUSER}"

    def sql(self, sql: str, dbname: str = "postgres") -> str:
        """Run SQL on the primary as its superuser."""
        primary = self.primary()
        if primary is None:
            raise RuntimeError("no primary")
        return self._psql(self.node(primary).port, dbname, sql, user=SUPERUSER)

    def create_database(self, name: str) -> None:
        self.sql(f"create database {name}")

    # -- helpers -----------------------------------------------------------------------

    def _psql(self, port: int, dbname: str, sql: str, user: str) -> str:
        proc = subprocess.run(
            [
                os.path.join(self.bindir, "psql"), "-X", "-q", "-A", "-t",
                "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port),
                "-U", user, "-d", dbname, "-c", sql,
            ],
            capture_output=True, text=True, check=False, timeout=30,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"psql on port {port}: {proc.stderr.strip()}")
        return proc.stdout.strip()

    def _postmaster_pid(self, node: Node) -> int | None:
        try:
            with open(os.path.join(node.pgdata, "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None

    def _kill_postmaster(self, node: Node) -> None:
        pid = self._postmaster_pid(node)
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _kill_keeper(self, node: Node, sig: int) -> None:
        if node.keeper is not None and node.keeper.poll() is None:
            try:
                os.killpg(node.keeper.pid, sig)
            except ProcessLookupError:
                pass
            node.keeper.wait(timeout=30)
        node.keeper = None

    def logs(self, lines: int = 15) -> str:
        """The tail of every keeper's log (what a timeout message shows)."""
        out = []
        for node in [*([self.monitor] if self.monitor else []), *self.nodes]:
            path = os.path.join(self.base or "", f"{node.name}.log")
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.readlines()
                bad = [t for t in text if " ERROR " in t or " FATAL " in t or "ewind" in t]
                out.append(f"--- {node.name} ---\n" + "".join(bad[-lines:] + text[-lines:]))
            except OSError:
                pass
        return "\n".join(out)

    def _wait(self, ready: object, timeout: float, what: str) -> None:
        assert callable(ready)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if ready():
                    return
            except RuntimeError:  # a server not up yet
                pass
            time.sleep(0.2)
        raise TimeoutError(
            f"timed out after {timeout:.0f} s waiting for {what}; states {self.states()}\n"
            + self.logs()
        )
