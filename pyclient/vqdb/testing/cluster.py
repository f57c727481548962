"""A throwaway PostgreSQL cluster for tests, the demo and benchmarks.

    with ThrowawayCluster() as cluster:
        cluster.create_database("vqdb")
        url = cluster.dsn("vqdb")   # postgresql://postgres@127.0.0.1:PORT/vqdb

The cluster lives in a temporary directory (data + unix socket + log), listens
on 127.0.0.1 only, on a free port, with trust authentication for the superuser
`postgres`. It is stopped and deleted on exit, also on Ctrl-C or SIGTERM.

initdb and postgres refuse to run as root. When we are root (CI, containers)
the server runs as the system user `vqdbtest` (created if missing) through
`runuser`, and the temporary directory is given to that user. Clients connect
over TCP, so the caller itself stays whoever it is.

Command line:

    python -m vqdb.testing [--durable] -- CMD ARGS...

starts a cluster, creates the database `vqdb`, runs CMD with DATABASE_URL and
PGHOST/PGPORT/PGUSER/PGDATABASE pointing at it, stops the cluster and exits
with CMD's exit code. When DATABASE_URL is already set, CMD simply runs
against that server and nothing is started.
"""

from __future__ import annotations

import argparse
import atexit
import glob
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from types import TracebackType

SERVICE_USER = "vqdbtest"
SUPERUSER = "postgres"

# Settings for a test cluster: nothing here needs to survive a power cut, so
# skip the disk flushes. synchronous_commit stays on (the default), so commit
# behaves as in production apart from the fsync itself.
FAST_SETTINGS = {"fsync": "off", "full_page_writes": "off"}


def find_bindir() -> str:
    """Directory of the server binaries (initdb, pg_ctl, postgres, psql)."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if out and os.path.exists(os.path.join(out, "initdb")):
            return out
    # Debian/Ubuntu keep each major version apart; take the newest.
    candidates = [
        d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.exists(f"{d}/initdb")
    ]
    if candidates:
        return max(candidates, key=lambda d: int(d.split("/")[-2].split(".")[0]))
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(initdb)
    raise RuntimeError("PostgreSQL server binaries not found (no pg_config, no initdb)")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_service_user() -> pwd.struct_passwd:
    """The unprivileged system user the server runs as when we are root."""
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/bin/sh", SERVICE_USER],
            check=True,
        )
        return pwd.getpwnam(SERVICE_USER)


class ThrowawayCluster:
    """A private PostgreSQL cluster in a temporary directory."""

    def __init__(
        self,
        settings: Mapping[str, str | int] | None = None,
        *,
        durable: bool = False,
        max_connections: int = 200,
        preload_pg_stat_statements: bool = True,
    ) -> None:
        self.bindir = find_bindir()
        self.durable = durable
        self.settings: dict[str, str] = {}
        if not durable:  # benchmarks want real fsync; tests do not
            self.settings.update(FAST_SETTINGS)
        self.settings["max_connections"] = str(max_connections)
        if preload_pg_stat_statements and self._has_library("pg_stat_statements"):
            self.settings["shared_preload_libraries"] = "pg_stat_statements"
        self.settings.update({k: str(v) for k, v in (settings or {}).items()})
        self.as_root = os.geteuid() == 0
        self.base_dir: str | None = None
        self.port: int | None = None
        self._initialized = False

    # -- paths ------------------------------------------------------------

    @property
    def data_dir(self) -> str:
        return os.path.join(self._base(), "data")

    @property
    def socket_dir(self) -> str:
        return self._base()

    @property
    def log_file(self) -> str:
        return os.path.join(self._base(), "server.log")

    def _base(self) -> str:
        if self.base_dir is None:
            raise RuntimeError("cluster not created yet (call start())")
        return self.base_dir

    def _has_library(self, name: str) -> bool:
        libdir = (
            subprocess.run(
                [os.path.join(self.bindir, "pg_config"), "--pkglibdir"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            if os.path.exists(os.path.join(self.bindir, "pg_config"))
            else ""
        )
        return bool(libdir) and os.path.exists(os.path.join(libdir, f"{name}.so"))

    # -- running server programs -------------------------------------------

    def _server_cmd(self, program: str, *args: str) -> list[str]:
        """The command line of a server program, run as vqdbtest when we are root."""
        cmd = [os.path.join(self.bindir, program), *args]
        if not self.as_root:
            return cmd
        if shutil.which("runuser"):
            return ["runuser", "-u", SERVICE_USER, "--", *cmd]
        return ["su", "-s", "/bin/sh", SERVICE_USER, "-c", shlex.join(cmd)]

    def _run(
        self, program: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        # cwd: the service user may not be able to enter our current directory.
        # stdin: pg_ctl's server must never hold on to our terminal.
        proc = subprocess.run(
            self._server_cmd(program, *args),
            cwd=self._base(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({proc.returncode}):\n"
                f"{proc.stdout}{proc.stderr}{self._log_tail()}"
            )
        return proc

    def _log_tail(self, lines: int = 30) -> str:
        try:
            with open(self.log_file, encoding="utf-8", errors="replace") as f:
                return "\n--- server log (tail) ---\n" + "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    # -- lifecycle ----------------------------------------------------------

    def _create(self) -> None:
        """Make the temp dir (owned by the service user when root) and initdb into it."""
        if self.as_root:
            user = ensure_service_user()
            # A root-only TMPDIR (e.g. under /root) would be unreachable for the
            # service user; /tmp is reachable by everyone.
            self.base_dir = tempfile.mkdtemp(prefix="vqdb-pg-", dir="/tmp")
            os.chown(self.base_dir, user.pw_uid, user.pw_gid)
        else:
            self.base_dir = tempfile.mkdtemp(prefix="vqdb-pg-")
        self._run(
            "initdb",
            "-D",
            self.data_dir,
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        self._initialized = True
        # Safety net for callers that do not use `with`: never leave a server behind.
        atexit.register(self.cleanup)

    def _options(self) -> str:
        """The postgres command line handed to pg_ctl -o, each as -c key=value."""
        assert self.port is not None
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": self.socket_dir,
            **self.settings,
        }
        # pg_ctl runs the server through /bin/sh, so quote each setting.
        return " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in settings.items())

    def start(self) -> ThrowawayCluster:
        """Create the cluster on first use, then start it and wait until it accepts connections."""
        if self.is_running:
            return self
        if not self._initialized:
            self._create()
        keep_port = self.port is not None  # a restart keeps its address
        for attempt in range(5):
            if not keep_port:
                self.port = free_port()
            proc = self._run(
                "pg_ctl",
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                self.data_dir,
                "-l",
                self.log_file,
                "-o",
                self._options(),
                check=False,
            )
            if proc.returncode == 0:
                return self
            # Another process may have taken the port between our check and
            # the server's bind: try another one (unless restarting).
            if keep_port or attempt == 4:
                raise RuntimeError(
                    f"pg_ctl start failed ({proc.returncode}):\n"
                    f"{proc.stdout}{proc.stderr}{self._log_tail()}"
                )
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (mode: smart, fast or immediate). The data stays until cleanup()."""
        if self.base_dir is None or not self.is_running:
            return
        proc = self._run(
            "pg_ctl", "stop", "-w", "-t", "60", "-D", self.data_dir, "-m", mode, check=False
        )
        if proc.returncode != 0 and self.is_running:
            self._run("pg_ctl", "stop", "-w", "-D", self.data_dir, "-m", "immediate", check=False)
        if self.is_running:  # last resort: kill the postmaster
            pid = self._postmaster_pid()
            if pid:
                os.kill(pid, signal.SIGKILL)
                time.sleep(0.5)

    def restart(self, mode: str = "fast") -> None:
        """Stop (fast: clean shutdown; immediate: like a crash, recovery at start) and start
        again on the same port, so existing DSNs stay valid."""
        if mode not in ("smart", "fast", "immediate"):
            raise ValueError(f"invalid stop mode: {mode!r}")
        self.stop(mode)
        self.start()

    @property
    def is_running(self) -> bool:
        if self.base_dir is None or not self._initialized:
            return False
        return self._run("pg_ctl", "status", "-D", self.data_dir, check=False).returncode == 0

    def _postmaster_pid(self) -> int | None:
        try:
            with open(os.path.join(self.data_dir, "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None

    def cleanup(self) -> None:
        """Stop the server and delete everything it had."""
        try:
            self.stop("immediate")  # the data is thrown away anyway
        finally:
            if self.base_dir is not None:
                shutil.rmtree(self.base_dir, ignore_errors=True)
                self.base_dir = None
                self._initialized = False

    # -- clients -------------------------------------------------------------

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq URL for the superuser, e.g. postgresql://postgres@127.0.0.1:5432/postgres."""
        if self.port is None:
            raise RuntimeError("cluster not started")
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run SQL with psql (stdlib only: no driver needed) and return its output."""
        proc = subprocess.run(
            [
                os.path.join(self.bindir, "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                self.dsn(dbname),
                "-c",
                sql,
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed: {sql}\n{proc.stderr}")
        return proc.stdout

    def create_database(self, name: str, template: str | None = None) -> str:
        """CREATE DATABASE name [TEMPLATE template]; returns its DSN."""
        sql = f"CREATE DATABASE {quote_ident(name)}"
        if template:
            sql += f" TEMPLATE {quote_ident(template)}"
        self.psql(sql)
        return self.dsn(name)

    # -- context manager ---------------------------------------------------

    def __enter__(self) -> ThrowawayCluster:
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sigterm_to_exit(signum: int, frame: object) -> None:
    # Turn SIGTERM into an exception so `with`/finally blocks clean up.
    raise SystemExit(128 + signum)


def run_command(cmd: Sequence[str], durable: bool = False) -> int:
    """Run cmd against DATABASE_URL if set, else against a fresh throwaway cluster."""
    if os.environ.get("DATABASE_URL"):
        return subprocess.call(list(cmd))
    signal.signal(signal.SIGTERM, _sigterm_to_exit)
    with ThrowawayCluster(durable=durable) as cluster:
        url = cluster.create_database("vqdb")
        env = dict(os.environ)
        env.update(
            DATABASE_URL=url,
            PGHOST="127.0.0.1",
            PGPORT=str(cluster.port),
            PGUSER=SUPERUSER,
            PGDATABASE="vqdb",
        )
        child = subprocess.Popen(list(cmd), env=env)
        try:
            return child.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached the child too (same process group): let it finish,
            # then the `with` block stops and deletes the cluster.
            child.wait()
            return 130


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run a command against a throwaway PostgreSQL cluster.",
        usage="python -m vqdb.testing [--durable] -- CMD ARGS...",
    )
    parser.add_argument("--durable", action="store_true", help="keep fsync on (for benchmarks)")
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("no command given")
    return run_command(cmd, durable=args.durable)


if __name__ == "__main__":
    sys.exit(main())
