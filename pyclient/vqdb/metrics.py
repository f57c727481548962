"""Prometheus metrics of a Catalog, with prometheus_client (the extra ``vqdb[metrics]``).

    import vqdb, vqdb.metrics, prometheus_client
    db = vqdb.Catalog()
    vqdb.metrics.instrument(db)                 # into prometheus_client's default registry
    prometheus_client.start_http_server(9464)   # or your web framework's /metrics

What it exports (names, types and the OpenTelemetry database-client metric
each maps to: METRICS below, the table of docs/operations.md, which a test
compares with it):
- the pool, read at each scrape from Catalog.stats(): connections by state,
  callers waiting, time spent waiting, timeouts, connections discarded,
  retries; with replicas, reads by target and fallbacks; with the read cache,
  hits and misses;
- each API call's duration, a histogram by function, and its errors, by
  function, exception class and SQLSTATE, observed through Catalog.on_call.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from vqdb.catalog import Catalog
from vqdb.errors import VqdbError

# name: (type, help, OpenTelemetry semantic-convention metric it maps to, or "")
METRICS: dict[str, tuple[str, str, str]] = {
    "vqdb_pool_connections": (
        "gauge", "Connections of the pool, by state (idle, used).",
        "db.client.connection.count",
    ),
    "vqdb_pool_connections_max": (
        "gauge", "The most connections the pool opens.", "db.client.connection.max",
    ),
    "vqdb_pool_pending_requests": (
        "gauge", "Callers waiting for a connection now.",
        "db.client.connection.pending_requests",
    ),
    "vqdb_pool_wait_seconds": (
        "summary", "Time callers waited for a connection (count: connections handed out).",
        "db.client.connection.wait_time",
    ),
    "vqdb_pool_timeouts_total": (
        "counter", "Callers that gave up waiting for a connection (PoolTimeout).",
        "db.client.connection.timeouts",
    ),
    "vqdb_pool_connections_discarded_total": (
        "counter", "Connections closed because they were broken.", "",
    ),
    "vqdb_call_retries_total": (
        "counter", "API calls repeated after a lost connection.", "",
    ),
    "vqdb_replica_reads_total": (
        "counter", "Reads by where they went (primary or a replica).", "",
    ),
    "vqdb_replica_fallbacks_total": (
        "counter", "Reads sent to the primary because no replica was usable.", "",
    ),
    "vqdb_cache_hits_total": ("counter", "Reads answered by the read cache.", ""),
    "vqdb_cache_misses_total": (
        "counter", "Reads the read cache sent to the database.", "",
    ),
    "vqdb_call_duration_seconds": (
        "histogram", "Duration of each API call, by function (db.operation.name).",
        "db.client.operation.duration",
    ),
    "vqdb_call_errors_total": (
        "counter", "API calls that raised, by function, exception and SQLSTATE (error.type).",
        "",
    ),
}  # fmt: skip

# Call durations: from a cached read (~0.1 ms) to a call that rode out a failover (30 s).
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


def _help(name: str) -> str:
    return METRICS[name][1]


class PoolCollector(Collector):
    """The pool's figures, read from Catalog.stats() at each scrape."""

    def __init__(self, catalog: Catalog, pool: str = "primary") -> None:
        self.catalog = catalog
        self.pool = pool

    def collect(self) -> Iterator[Metric]:
        stats: Any = self.catalog.stats()
        labels = ["pool"]
        conns = GaugeMetricFamily("vqdb_pool_connections", _help("vqdb_pool_connections"),
                                  labels=[*labels, "state"])  # fmt: skip
        conns.add_metric([self.pool, "idle"], stats.idle)
        conns.add_metric([self.pool, "used"], stats.in_use)
        yield conns
        g = GaugeMetricFamily("vqdb_pool_connections_max", _help("vqdb_pool_connections_max"),
                              labels=labels)  # fmt: skip
        g.add_metric([self.pool], self.catalog.pool.maxconn)
        yield g
        g = GaugeMetricFamily(
            "vqdb_pool_pending_requests", _help("vqdb_pool_pending_requests"), labels=labels
        )
        g.add_metric([self.pool], stats.waiting)
        yield g
        s = SummaryMetricFamily(
            "vqdb_pool_wait_seconds", _help("vqdb_pool_wait_seconds"), labels=labels
        )
        s.add_metric([self.pool], count_value=stats.acquisitions, sum_value=stats.total_wait_s)
        yield s
        for name, value in (
            ("vqdb_pool_timeouts_total", stats.timeouts),
            ("vqdb_pool_connections_discarded_total", stats.discarded),
            ("vqdb_call_retries_total", stats.retries),
        ):
            c = CounterMetricFamily(name.removesuffix("_total"), _help(name), labels=labels)
            c.add_metric([self.pool], value)
            yield c
        reads = getattr(stats, "reads", None)
        if reads is not None:
            c = CounterMetricFamily(
                "vqdb_replica_reads", _help("vqdb_replica_reads_total"), labels=["target"]
            )
            for target, n in reads.items():
                c.add_metric([target], n)
            yield c
            yield CounterMetricFamily(
                "vqdb_replica_fallbacks", _help("vqdb_replica_fallbacks_total"),
                value=stats.fallbacks,
            )  # fmt: skip
        if stats.cache is not None:
            yield CounterMetricFamily(
                "vqdb_cache_hits", _help("vqdb_cache_hits_total"), value=stats.cache.hits
            )
            yield CounterMetricFamily(
                "vqdb_cache_misses", _help("vqdb_cache_misses_total"), value=stats.cache.misses
            )


def instrument(catalog: Catalog, registry: CollectorRegistry = REGISTRY) -> None:
    """Export the catalog's metrics to `registry`: its pool at each scrape, its calls as
    they happen (through Catalog.on_call, which this sets)."""
    registry.register(PoolCollector(catalog))
    duration = Histogram(
        "vqdb_call_duration_seconds",
        _help("vqdb_call_duration_seconds"),
        ["function"],
        buckets=BUCKETS,
        registry=registry,
    )
    errors = Counter(
        "vqdb_call_errors",
        _help("vqdb_call_errors_total"),
        ["function", "exception", "sqlstate"],
        registry=registry,
    )

    def on_call(function: str, seconds: float, error: BaseException | None) -> None:
        duration.labels(function).observe(seconds)
        if error is not None:
            sqlstate = error.sqlstate if isinstance(error, VqdbError) else None
            errors.labels(function, type(error).__name__, sqlstate or "").inc()

    catalog.on_call = on_call
