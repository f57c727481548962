"""Read replicas against a real streaming standby (tests/replication.py).

A primary and a hot standby made with pg_basebackup -R, each on its own
loopback port and data directory. Writes go through the client to the
primary; reads come back from the standby (after waiting for replay), and
fall back to the primary without an error while the standby is down.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import vqdb
from vqdb.routing import CatalogStats, ReplicaRouter, standby_dsn
from vqdb.testing.cluster import ThrowawayCluster, free_port

from tests.replication import StandbyCluster, streaming_pair

MIGRATIONS = str(Path(__file__).resolve().parents[3] / "migrations")


class FakeClock:
    """The router's clock, moved by hand: cooldowns without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[ThrowawayCluster, StandbyCluster]]:
    """Primary + standby with a migrated database `vqdb` on both."""
    from yoyo import get_backend, read_migrations

    with streaming_pair() as (primary, standby):
        primary.create_database("vqdb")
        backend = get_backend(primary.dsn("vqdb"))
        try:
            with backend.lock():
                backend.apply_migrations(backend.to_apply(read_migrations(MIGRATIONS)))
        finally:
            backend.connection.close()
        standby.wait_for_replay()
        yield primary, standby


@pytest.fixture
def standby_up(pair: tuple[ThrowawayCluster, StandbyCluster]) -> StandbyCluster:
    """The standby, running (a test that stops it may have failed half-way)."""
    standby = pair[1]
    standby.start()
    return standby


def router_of(catalog: vqdb.Catalog) -> ReplicaRouter:
    router = catalog.router
    assert router is not None, "no replicas configured"
    return router


def stats_of(catalog: vqdb.Catalog) -> CatalogStats:
    stats = catalog.stats()
    assert isinstance(stats, CatalogStats)
    return stats


def make_ladder(db: vqdb.Catalog) -> tuple[uuid.UUID, uuid.UUID]:
    """A video with three qualities, 1080p ready and default; (video id, 1080p id)."""
    video = db.create_video(title=f"replica {uuid.uuid4().hex[:6]}")
    rows = db.create_video_qualities(
        video.id,
        [
            {"quality": "720p", "url": "s3://b/720"},
            {"quality": "1080p", "url": "s3://b/1080", "status": "ready"},
            {"quality": "original", "url": "s3://b/orig"},
        ],
    )
    hd = next(q.id for q in rows if q.quality == "1080p")
    assert db.set_default_quality(video.id, hd)
    return video.id, hd


def read_all(db: vqdb.Catalog, video_id: uuid.UUID) -> tuple[str, list[str], str | None]:
    video = db.get_video(video_id)
    assert video is not None
    ladder = [q.quality for q in db.list_qualities_ordered(video_id)]
    default = db.get_default_quality(video_id)
    return video.title, ladder, default.quality if default else None


def test_writes_go_to_primary_and_reads_to_the_standby(
    pair: tuple[ThrowawayCluster, StandbyCluster], standby_up: StandbyCluster
) -> None:
    primary, standby = pair
    with vqdb.Catalog(primary.dsn("vqdb"), replica_dsns=[standby.dsn("vqdb")]) as db:
        video_id, _ = make_ladder(db)  # would fail on the standby: read-only
        standby.wait_for_replay()

        title, ladder, default = read_all(db, video_id)
        assert title.startswith("replica ")
        assert ladder == ["1080p", "720p", "original"]
        assert default == "1080p"

        stats = stats_of(db)
        name = f"127.0.0.1:{standby.port}"
        assert stats.reads == {"primary": 0, name: 3}
        assert stats.fallbacks == 0 and stats.replica_errors == 0
        # The replica pool's connections really are on the standby.
        replica_pool = router_of(db).replicas[0].pool
        with replica_pool.connection() as conn, conn.cursor() as cur:
            cur.execute("select pg_is_in_recovery(), inet_server_port()")
            assert cur.fetchone() == (True, standby.port)


def test_read_from_primary_sees_a_write_the_standby_has_not_replayed(
    pair: tuple[ThrowawayCluster, StandbyCluster], standby_up: StandbyCluster
) -> None:
    primary, standby = pair
    standby.psql("select pg_wal_replay_pause()")
    try:
        with vqdb.Catalog(primary.dsn("vqdb"), replica_dsns=[standby.dsn("vqdb")]) as db:
            video = db.create_video(title="not replayed yet")
            assert db.get_video(video.id) is None  # the standby lags: replay is paused
            found = db.get_video(video.id, read_from_primary=True)
            assert found is not None and found.title == "not replayed yet"
        with vqdb.Catalog(
            primary.dsn("vqdb"), replica_dsns=[standby.dsn("vqdb")], read_your_writes=True
        ) as db:
            assert db.get_video(video.id) is not None
            assert stats_of(db).reads == {"primary": 0, f"127.0.0.1:{standby.port}": 0}
    finally:
        standby.psql("select pg_wal_replay_resume()")
    standby.wait_for_replay()


def test_standby_down_reads_fall_back_then_return(
    pair: tuple[ThrowawayCluster, StandbyCluster], standby_up: StandbyCluster
) -> None:
    primary, standby = pair
    clock = FakeClock()
    name = f"127.0.0.1:{standby.port}"
    with vqdb.Catalog(
        primary.dsn("vqdb"), replica_dsns=[standby.dsn("vqdb")], replica_cooldown=30.0
    ) as db:
        router_of(db).clock = clock
        video_id, _ = make_ladder(db)
        standby.wait_for_replay()
        expected = read_all(db, video_id)  # from the standby; its pool now holds a connection
        assert stats_of(db).reads[name] == 3

        standby.stop()
        try:
            # No error for the caller: the first read fails on the standby and is
            # repeated on the primary; the next ones skip the standby (cooldown).
            for _ in range(3):
                assert read_all(db, video_id) == expected
            stats = stats_of(db)
            assert stats.replica_errors == 1
            assert stats.replicas_down == (name,)
            assert stats.reads["primary"] == 9  # all 9 reads, the first after its error
            assert stats.fallbacks == 9
            assert stats.reads[name] == 4  # the 3 before + the one that failed

            # After the cooldown the standby is tried again; still down: one more error.
            clock.now += 31
            assert read_all(db, video_id) == expected
            assert stats_of(db).replica_errors == 2
        finally:
            standby.start()
        standby.wait_for_replay()

        # Back up: after the cooldown, reads return to it.
        clock.now += 31
        assert read_all(db, video_id) == expected
        stats = stats_of(db)
        assert stats.replicas_down == ()
        assert stats.replica_errors == 2
        assert stats.reads[name] == 5 + 3


def test_a_server_that_is_not_a_standby_is_refused(
    pair: tuple[ThrowawayCluster, StandbyCluster],
) -> None:
    """target_session_attrs=standby (added by the client): libpq refuses a primary."""
    primary, _ = pair
    with vqdb.Catalog(primary.dsn("vqdb"), replica_dsns=[primary.dsn("vqdb")]) as db:
        video = db.create_video(title="primary only")
        found = db.get_video(video.id)
        assert found is not None
        stats = stats_of(db)
        assert stats.replica_errors == 1 and stats.reads["primary"] == 1


def test_round_robin_and_a_multi_host_entry(
    pair: tuple[ThrowawayCluster, StandbyCluster], standby_up: StandbyCluster
) -> None:
    """Three replica entries take reads in turn: the standby, the same standby again
    (still a target of its own), and a libpq multi-host DSN whose first host is
    dead, where libpq itself moves on to the next host."""
    primary, standby = pair
    dead = free_port()  # nothing listens there
    multi = f"host=127.0.0.1,127.0.0.1 port={dead},{standby.port} dbname=vqdb user=postgres"
    replicas = [standby.dsn("vqdb"), standby.dsn("vqdb"), multi]
    with vqdb.Catalog(primary.dsn("vqdb"), replica_dsns=replicas) as db:
        video_id, _ = make_ladder(db)
        standby.wait_for_replay()
        for _ in range(2):
            read_all(db, video_id)
        stats = stats_of(db)
        name = f"127.0.0.1:{standby.port}"
        assert stats.reads == {
            "primary": 0,
            name: 2,
            f"{name}#1": 2,
            f"127.0.0.1,127.0.0.1:{dead},{standby.port}": 2,
        }
        assert stats.replica_errors == 0


def test_replicas_from_the_environment_and_the_seed_facade(
    pair: tuple[ThrowawayCluster, StandbyCluster],
    standby_up: StandbyCluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    primary, standby = pair
    monkeypatch.setenv("VQDB_REPLICA_URLS", f" {standby.dsn('vqdb')} ,")
    monkeypatch.setenv("DATABASE_URL", primary.dsn("vqdb"))
    vqdb.DatabaseService.configure()
    try:
        db = vqdb.DatabaseService.catalog()
        video_id, _ = make_ladder(db)
        standby.wait_for_replay()
        video = vqdb.DatabaseService.get_video_by_id(str(video_id))
        assert video is not None
        stats = stats_of(db)
        assert stats.reads[f"127.0.0.1:{standby.port}"] >= 1
    finally:
        vqdb.DatabaseService.close_all()
        vqdb.DatabaseService.configure()


def test_replica_dsn_keeps_an_explicit_target_session_attrs() -> None:
    assert "target_session_attrs=standby" in standby_dsn("postgresql://u@h:1/d")
    explicit = "host=h target_session_attrs=prefer-standby"
    assert standby_dsn(explicit) == explicit
