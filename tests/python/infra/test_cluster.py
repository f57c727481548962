"""ThrowawayCluster really runs a PostgreSQL server we can connect to, restart and stop."""

from __future__ import annotations

import os

import psycopg2
from vqdb.testing.cluster import ThrowawayCluster


def query_one(url: str, sql: str) -> object:
    conn = psycopg2.connect(url, connect_timeout=10)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            row = cur.fetchone()
            assert row is not None
            return row[0]
    finally:
        conn.close()


def test_start_connect_restart_stop() -> None:
    with ThrowawayCluster() as cluster:
        assert cluster.is_running
        url = cluster.dsn()
        assert url == f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres"
        assert query_one(url, "select current_user") == "postgres"
        assert query_one(url, "show fsync") == "off"
        assert query_one(url, "show max_connections") == "200"
        assert query_one(url, "show listen_addresses") == "127.0.0.1"

        # Data written before a restart is still there after it, in both modes
        # (immediate = crash, so this also exercises WAL recovery).
        conn = psycopg2.connect(url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("create table t (x int); insert into t values (1)")
        conn.close()

        port = cluster.port
        cluster.restart("fast")
        assert cluster.is_running and cluster.port == port
        assert query_one(url, "select count(*) from t") == 1

        started = query_one(url, "select pg_postmaster_start_time()")
        cluster.restart("immediate")
        assert cluster.is_running
        assert query_one(url, "select count(*) from t") == 1
        assert query_one(url, "select pg_postmaster_start_time()") != started

        cluster.stop()
        assert not cluster.is_running
        try:
            psycopg2.connect(url, connect_timeout=3).close()
        except psycopg2.OperationalError:
            pass
        else:
            raise AssertionError("server still accepts connections after stop()")
        base_dir = cluster.base_dir
        assert base_dir is not None and os.path.isdir(base_dir)
    assert not os.path.exists(base_dir), "cleanup must delete the cluster's directory"


def test_create_database_and_durable_settings() -> None:
    with ThrowawayCluster({"work_mem": "8MB"}, durable=True) as cluster:
        url = cluster.create_database("vqdb")
        assert url.endswith("/vqdb")
        assert query_one(url, "select current_database()") == "vqdb"
        assert query_one(url, "show fsync") == "on"
        assert query_one(url, "show synchronous_commit") == "on"
        assert query_one(url, "show work_mem") == "8MB"
        cluster.create_database("copy", template="vqdb")
        assert query_one(cluster.dsn("copy"), "select 1") == 1
