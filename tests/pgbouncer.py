"""A PgBouncer in transaction pooling mode on loopback, in front of a PostgreSQL server.

    with ThrowawayCluster() as cluster, PgBouncer(cluster.dsn()) as bouncer:
        url = bouncer.url("vqdb")      # postgresql://postgres@127.0.0.1:BOUNCER_PORT/vqdb

It runs Debian's /usr/sbin/pgbouncer with an ini written into a temporary
directory. The settings are the ones docs/operations.md recommends:

- pool_mode = transaction: a server connection belongs to a client only for
  one transaction, so nothing may outlive a transaction (no SET, no
  server-side prepared statements, no session advisory locks). vqdb's client
  makes one autocommit `SELECT ... FROM vq.fn(...)` per call, so it fits.
- `* = host=... port=...`: a fallback entry, so every database name the client
  asks for (the tests make one per test) goes to the same server.
- auth_type = trust towards the clients (loopback only); the target's user and
  password go into auth_file, which PgBouncer also uses to log in to the
  server; auth_user + auth_query let other roles (created by a test) log in.

PgBouncer refuses to run as root: then it runs as the vqdbtest user, like
the PostgreSQL of vqdb/testing/cluster.py. Standard library only.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from urllib.parse import quote, unquote, urlsplit

from vqdb.testing.cluster import SERVICE_USER, ensure_service_user, free_port


def find_pgbouncer() -> str:
    exe = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None
    )
    if not exe:
        raise RuntimeError("pgbouncer not found (./dev test installs the Debian package)")
    return exe


class PgBouncer:
    """PgBouncer (transaction pooling) forwarding every database to target_url's server."""

    def __init__(
        self,
        target_url: str,
        *,
        default_pool_size: int = 20,
        max_client_conn: int = 500,
    ) -> None:
        target = urlsplit(target_url)
        self.server_host = target.hostname or "127.0.0.1"
        self.server_port = target.port or 5432
        self.user = unquote(target.username or "postgres")
        self.password = unquote(target.password or "")
        self.default_pool_size = default_pool_size
        self.max_client_conn = max_client_conn
        self.base_dir: str | None = None
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None

    # -- files ---------------------------------------------------------------

    @property
    def log_file(self) -> str:
        assert self.base_dir is not None
        return os.path.join(self.base_dir, "pgbouncer.log")

    def ini(self) -> str:
        """The pgbouncer.ini this instance runs with."""
        assert self.base_dir is not None and self.port is not None
        return f"""\
[databases]
; every database name goes to the same server (the tests make one per test)
* = host={self.server_host} port={self.server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
pool_mode = transaction
max_client_conn = {self.max_client_conn}
default_pool_size = {self.default_pool_size}
; trust towards the clients (loopback only); auth_file holds the password
; PgBouncer itself uses to log in to the server
auth_type = trust
auth_file = {self.base_dir}/userlist.txt
; roles that are not in auth_file (created by a test) are looked up this way
auth_user = {self.user}
auth_query = select usename, passwd from pg_catalog.pg_shadow where usename = $1
admin_users = {self.user}
; drivers such as JDBC send it; harmless to ignore
ignore_startup_parameters = extra_float_digits
logfile = {self.log_file}
pidfile = {self.base_dir}/pgbouncer.pid
"""

    def _write_files(self) -> None:
        assert self.base_dir is not None
        userlist = f'"{self.user}" "{self.password}"\n'
        Path(self.base_dir, "userlist.txt").write_text(userlist)
        Path(self.base_dir, "pgbouncer.ini").write_text(self.ini())

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> PgBouncer:
        exe = find_pgbouncer()
        as_root = os.geteuid() == 0
        self.base_dir = tempfile.mkdtemp(prefix="vqdb-pgbouncer-", dir="/tmp")
        atexit.register(self.cleanup)
        user = None
        if as_root:  # pgbouncer refuses root
            pw = ensure_service_user()
            os.chown(self.base_dir, pw.pw_uid, pw.pw_gid)
            user = SERVICE_USER
        for attempt in range(5):
            self.port = free_port()
            self._write_files()
            if as_root:
                pw = ensure_service_user()
                for name in ("userlist.txt", "pgbouncer.ini"):
                    os.chown(os.path.join(self.base_dir, name), pw.pw_uid, pw.pw_gid)
            self.process = subprocess.Popen(
                [exe, os.path.join(self.base_dir, "pgbouncer.ini")],
                cwd=self.base_dir,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                user=user,
            )
            if self._wait_listening():
                return self
            self.stop()
            if attempt == 4:
                raise RuntimeError(f"pgbouncer did not start:{self._log_tail()}")
        return self

    def _wait_listening(self, timeout: float = 20.0) -> bool:
        assert self.process is not None and self.port is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False  # exited: port taken, bad ini, ...
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: immediate shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def _log_tail(self, lines: int = 30) -> str:
        try:
            with open(self.log_file, encoding="utf-8", errors="replace") as f:
                return "\n--- pgbouncer log (tail) ---\n" + "".join(f.readlines()[-lines:])
        except (OSError, AssertionError):
            return ""

    # -- clients ---------------------------------------------------------------

    def url(self, dbname: str, user: str | None = None) -> str:
        """A libpq URL to dbname through this PgBouncer."""
        if self.port is None:
            raise RuntimeError("pgbouncer not started")
        return f"postgresql://{quote(user or self.user)}@127.0.0.1:{self.port}/{quote(dbname)}"

    def __enter__(self) -> PgBouncer:
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
