"""A primary and a streaming hot standby on loopback, for the replica tests.

    with streaming_pair() as (primary, standby):
        primary.create_database("vqdb")
        ...write on primary.dsn("vqdb")...
        standby.wait_for_replay(primary)
        ...read on standby.dsn("vqdb")...
        standby.stop(); standby.start()      # same port, it catches up by itself

The primary is a ThrowawayCluster with the settings streaming needs (they are
PostgreSQL 15's defaults, set here so that they are written down): initdb's
pg_hba.conf already trusts replication connections from 127.0.0.1 for the
superuser, since the cluster is initialized with --auth=trust.

The standby is made the way a DBA makes one: `pg_basebackup -R` copies the
primary's data directory over the replication protocol and writes
standby.signal plus primary_conninfo, so it starts as a hot standby that
streams from the primary. It has its own temporary directory and port and runs
as the same user as the primary (vqdbtest when we are root). Standard library
only, like vqdb/testing/cluster.py.
"""

from __future__ import annotations

import atexit
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from vqdb.testing.cluster import SUPERUSER, ThrowawayCluster, ensure_service_user

# What a primary needs for streaming replication (all PostgreSQL 15 defaults).
PRIMARY_SETTINGS = {"wal_level": "replica", "max_wal_senders": "10", "hot_standby": "on"}


class StandbyCluster(ThrowawayCluster):
    """A hot standby of `primary`, created by pg_basebackup -R instead of initdb."""

    def __init__(self, primary: ThrowawayCluster) -> None:
        # Keep the primary's settings: a hot standby refuses to start with a
        # smaller max_connections (and friends) than its primary.
        super().__init__(
            primary.settings, durable=primary.durable, preload_pg_stat_statements=False
        )
        self.primary = primary

    def _create(self) -> None:
        if self.primary.port is None:
            raise RuntimeError("start the primary before its standby")
        if self.as_root:
            user = ensure_service_user()
            self.base_dir = tempfile.mkdtemp(prefix="vqdb-standby-", dir="/tmp")
            os.chown(self.base_dir, user.pw_uid, user.pw_gid)
        else:
            self.base_dir = tempfile.mkdtemp(prefix="vqdb-standby-")
        # -R: standby.signal + primary_conninfo in postgresql.auto.conf;
        # -X stream: the WAL written during the copy comes along;
        # --checkpoint=fast: do not wait for the next scheduled checkpoint.
        self._run(
            "pg_basebackup",
            "-D",
            self.data_dir,
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            SUPERUSER,
        )
        self._initialized = True
        atexit.register(self.cleanup)  # as ThrowawayCluster: never leave a server behind

    def in_recovery(self) -> bool:
        return self.psql("select pg_is_in_recovery()").strip() == "t"

    def wait_for_replay(self, timeout: float = 60.0) -> None:
        """Wait until this standby has replayed everything the primary has written so far."""
        target = self.primary.psql("select pg_current_wal_lsn()").strip()
        deadline = time.monotonic() + timeout
        while True:
            try:
                done = (
                    self.psql(
                        f"select coalesce(pg_last_wal_replay_lsn() >= '{target}'::pg_lsn, false)"
                    ).strip()
                    == "t"
                )
            except RuntimeError:  # still starting up
                done = False
            if done:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"standby on port {self.port} did not replay up to {target} "
                    f"within {timeout}s{self._log_tail()}"
                )
            time.sleep(0.05)


@contextmanager
def streaming_pair() -> Iterator[tuple[ThrowawayCluster, StandbyCluster]]:
    """A started primary and a started hot standby streaming from it; both deleted after."""
    with ThrowawayCluster(PRIMARY_SETTINGS) as primary:
        with StandbyCluster(primary) as standby:
            yield primary, standby
