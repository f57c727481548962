"""Read replicas: which pool a call goes to.

Writes always go to the primary. Reads (get_video, list_qualities_ordered,
get_default_quality) go to the replicas in turn, one pool per replica. A
replica whose call fails with a lost or refused connection (vqdb.Unavailable)
is skipped for ``cooldown`` seconds and the read is repeated at once on the
primary: the caller sees no error. Meanwhile reads go to the other replicas,
or to the primary when none is left. After the cooldown the replica gets
reads again; if it is still down, one more failed connect puts it back in
cooldown.

What libpq does is used where it fits (use what libpq already
does"):

* each replica DSN gets ``target_session_attrs=standby`` unless it sets that
  keyword itself, so libpq refuses a server that is not (or no longer) a
  standby, say a promoted former replica: that counts as a failure too;
* a replica entry may be a multi-host DSN (``host=r1,r2 port=5432,5432
  load_balance_hosts=random``): libpq picks a live host of the list, and the
  entry is one target here;
* ``connect_timeout`` and keepalives (vqdb.dsn.DEFAULTS) bound how long a dead
  replica can hold a read up.

Why not one read pool whose DSN lists every replica and the primary with
``target_session_attrs=prefer-standby``: libpq chooses per *connection*, and
pooled connections live long. A pool that connected to the primary while the
replicas were down would keep reading from the primary after they come back,
and it could not say which server served how many reads. One pool per replica
gives per-call round robin, a return to the replica after its cooldown, and
per-target figures, for a few dozen lines.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from psycopg2.extensions import make_dsn, parse_dsn

from vqdb.pool import Pool, PoolStats

logger = logging.getLogger("vqdb")

PRIMARY = "primary"
ENV_REPLICA_URLS = "VQDB_REPLICA_URLS"  # comma separated replica DSNs (URLs)


def replica_dsns_from_env() -> list[str]:
    """VQDB_REPLICA_URLS as a list (empty when unset)."""
    raw = os.environ.get(ENV_REPLICA_URLS, "")
    return [url.strip() for url in raw.split(",") if url.strip()]


def standby_dsn(dsn: str) -> str:
    """The DSN with target_session_attrs=standby, unless it chose a value itself."""
    if "target_session_attrs" in parse_dsn(dsn):
        return dsn
    return make_dsn(dsn, target_session_attrs="standby")


def target_name(dsn: str, index: int) -> str:
    """A name for a replica in stats(): host:port from the DSN, else its position."""
    params = parse_dsn(dsn)
    host, port = params.get("host"), params.get("port")
    if host:
        return f"{host}:{port}" if port else host
    return f"replica{index}"


@dataclasses.dataclass(frozen=True)
class CatalogStats(PoolStats):
    """PoolStats of the primary pool, plus where the reads went (see Catalog.stats())."""

    reads: Mapping[str, int] = dataclasses.field(default_factory=dict)
    # reads sent to each target: "primary" and each replica's name
    fallbacks: int = 0  # reads sent to the primary because no replica was usable (or
    # because theirs failed)
    replica_errors: int = 0  # reads that failed on a replica and were repeated on the primary
    replicas_down: tuple[str, ...] = ()  # replicas in their cooldown right now
    replica_pools: Mapping[str, PoolStats] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class _Replica:
    name: str
    pool: Pool
    down_until: float = 0.0


class ReplicaRouter:
    """Picks the pool of each call: the primary for writes, the replicas in turn for reads."""

    def __init__(
        self,
        primary: Pool,
        replica_dsns: Sequence[str],
        *,
        cooldown: float = 30.0,
        read_your_writes: bool = False,
        maxconn: int = 10,
        acquire_timeout: float = 30.0,
    ) -> None:
        if cooldown < 0:
            raise ValueError("cooldown must be >= 0")
        self.primary = primary
        self.cooldown = cooldown
        self.read_your_writes = read_your_writes
        self.clock: Callable[[], float] = time.monotonic  # replaceable in tests
        self.replicas: list[_Replica] = []
        for i, dsn in enumerate(replica_dsns):
            name = target_name(dsn, i)
            if name == PRIMARY or any(r.name == name for r in self.replicas):
                name = f"{name}#{i}"  # the same server twice: still two targets
            # minconn=0: a replica that is down when the client starts is no error.
            pool = Pool(
                standby_dsn(dsn), minconn=0, maxconn=maxconn, acquire_timeout=acquire_timeout
            )
            self.replicas.append(_Replica(name, pool))
        self._mutex = threading.Lock()
        self._next = 0
        self._reads: dict[str, int] = {PRIMARY: 0, **{r.name: 0 for r in self.replicas}}
        self._fallbacks = 0
        self._replica_errors = 0

    def pool_for(self, read: bool) -> Pool:
        """The pool for a call: a usable replica for a read (in turn), else the primary."""
        if not read or self.read_your_writes:
            return self.primary
        with self._mutex:
            now = self.clock()
            count = len(self.replicas)
            for step in range(count):
                replica = self.replicas[(self._next + step) % count]
                if replica.down_until <= now:
                    self._next = (self._next + step + 1) % count
                    self._reads[replica.name] += 1
                    return replica.pool
            self._fallbacks += 1
            self._reads[PRIMARY] += 1
            return self.primary

    def failed(self, pool: Pool) -> Pool | None:
        """A call on ``pool`` lost or could not get its connection. When that pool is
        a replica, it is skipped for ``cooldown`` s from now on and the call is to be
        repeated on the returned pool, the primary's; None for any other pool."""
        for replica in self.replicas:
            if replica.pool is pool:
                with self._mutex:
                    replica.down_until = self.clock() + self.cooldown
                    self._replica_errors += 1
                    self._fallbacks += 1
                    self._reads[PRIMARY] += 1
                logger.warning(
                    "vqdb: replica %s unavailable, skipped for %g s", replica.name, self.cooldown
                )
                # Straight to the primary: bounded, whatever the cooldown (even 0).
                return self.primary
        return None

    def stats(self, primary: PoolStats) -> CatalogStats:
        with self._mutex:
            now = self.clock()
            return CatalogStats(
                **{f.name: getattr(primary, f.name) for f in dataclasses.fields(primary)},
                reads=dict(self._reads),
                fallbacks=self._fallbacks,
                replica_errors=self._replica_errors,
                replicas_down=tuple(r.name for r in self.replicas if r.down_until > now),
                replica_pools={r.name: r.pool.stats() for r in self.replicas},
            )

    def close(self) -> None:
        for replica in self.replicas:
            replica.pool.close()
