"""What no client sees, for Prometheus: the catalog's size, its work queue, replication.

    vqdb exporter --listen 127.0.0.1:9465 --database URL     # then scrape /metrics

At each scrape: vq.catalog_stats() (videos and qualities by status),
vq.queue_stats() (the queue per quality label), and the server's replication
figures. The catalog's figures come through the API, so the exporter's role
needs only vq_reader; replication comes from pg_stat_replication (on a
primary: each standby's replay lag in bytes and seconds) and
pg_last_xact_replay_timestamp() (on a standby), which PostgreSQL shows in
full to members of pg_monitor. A scrape whose database is unreachable answers
`vqdb_up 0` instead of failing. The names are in METRICS (the table of
docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

import psycopg2
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vqdb.catalog import Catalog
from vqdb.errors import VqdbError

# name: (help, label)
METRICS: dict[str, tuple[str, str]] = {
    "vqdb_up": ("1 when this scrape could read the database, else 0.", ""),
    "vqdb_videos": ("Videos in each status.", "status"),
    "vqdb_qualities": ("Qualities in each status.", "status"),
    "vqdb_queue_pending": ("Pending qualities (work), by label.", "quality"),
    "vqdb_queue_due": ("Pending qualities due now, by label.", "quality"),
    "vqdb_queue_processing": ("Qualities being encoded under a lease, by label.", "quality"),
    "vqdb_queue_expired_leases": (
        "Encodes whose lease expired (their worker died), by label.", "quality",
    ),
    "vqdb_queue_failed": ("Failed qualities, by label.", "quality"),
    "vqdb_queue_oldest_due_seconds": ("Age of the oldest due work, by label.", "quality"),
    "vqdb_server_in_recovery": ("1 on a standby, 0 on the primary.", ""),
    "vqdb_replication_lag_bytes": (
        "On the primary: WAL each standby has yet to replay.", "standby",
    ),
    "vqdb_replication_lag_seconds": (
        "Replay lag: per standby on the primary, since the last replayed commit on a standby.",
        "standby",
    ),
}  # fmt: skip

QUEUE_COLUMNS = {
    "vqdb_queue_pending": "pending",
    "vqdb_queue_due": "due",
    "vqdb_queue_processing": "processing",
    "vqdb_queue_expired_leases": "expired",
    "vqdb_queue_failed": "failed",
    "vqdb_queue_oldest_due_seconds": "oldest_due_seconds",
}
REPLICATION_SQL = """
select pg_is_in_recovery(),
       case when pg_is_in_recovery()
            then extract(epoch from now() - pg_last_xact_replay_timestamp()) end,
       (select coalesce(json_agg(json_build_array(
                   application_name,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn),
                   extract(epoch from replay_lag))), '[]')
          from pg_stat_replication where not pg_is_in_recovery())
"""


def _gauge(name: str) -> GaugeMetricFamily:
    help_text, label = METRICS[name]
    return GaugeMetricFamily(name, help_text, labels=[label] if label else None)


class DatabaseCollector(Collector):
    def __init__(self, dsn: str | None) -> None:
        self.db = Catalog(dsn, minconn=0, maxconn=1, retries=0, acquire_timeout=5.0)

    def collect(self) -> Iterator[Metric]:
        up = _gauge("vqdb_up")
        try:
            families = list(self._families())
        except (VqdbError, psycopg2.Error):
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self) -> Iterator[Metric]:
        stats = self.db.catalog_stats()
        for kind, name in (("video", "vqdb_videos"), ("quality", "vqdb_qualities")):
            family = _gauge(name)
            for status, count in stats.get(kind, {}).items():
                family.add_metric([status], count)
            yield family
        queue = self.db.queue_stats()
        for name, column in QUEUE_COLUMNS.items():
            family = _gauge(name)
            for row in queue:
                value = getattr(row, column)
                if value is not None:
                    family.add_metric([row.quality], value)
            yield family
        yield from self._replication()

    def _replication(self) -> Iterator[Metric]:
        # not an API call: the server's own view of replication
        with self.db.pool.connection() as conn, conn.cursor() as cur:
            cur.execute(REPLICATION_SQL)
            row = cur.fetchone()
        assert row is not None  # the query always returns one row
        in_recovery, replay_age, standbys = row
        g = _gauge("vqdb_server_in_recovery")
        g.add_metric([], 1 if in_recovery else 0)
        yield g
        lag_bytes, lag_seconds = (
            _gauge("vqdb_replication_lag_bytes"),
            _gauge("vqdb_replication_lag_seconds"),
        )
        if replay_age is not None:
            lag_seconds.add_metric([""], float(replay_age))
        for name, lag, seconds in standbys:
            if lag is not None:
                lag_bytes.add_metric([name], float(lag))
            lag_seconds.add_metric([name], float(seconds or 0.0))
        yield lag_bytes
        yield lag_seconds

    def close(self) -> None:
        self.db.close()


def serve(dsn: str | None, host: str, port: int) -> tuple[WSGIServer, DatabaseCollector]:
    """Start the HTTP server (in a thread) with its own registry; returns it and the
    collector (close both to stop)."""
    registry = CollectorRegistry()
    collector = DatabaseCollector(dsn)
    registry.register(collector)
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server, collector
