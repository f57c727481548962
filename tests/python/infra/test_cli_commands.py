"""The `vqdb` command, run as a user would (subprocess) on fresh databases."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from vqdb.testing.cluster import quote_ident

VQDB = str(Path(sys.executable).parent / "vqdb")  # the console script of this venv
MIGRATION_IDS = sorted(
    p.name[:-4]
    for p in (Path(__file__).resolve().parents[3] / "migrations").glob("[0-9]*.sql")
    if not p.name.endswith(".rollback.sql")
)


def vqdb_cli(*args, env=None):
    run_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    run_env.update(env or {})
    return subprocess.run(
        [VQDB, *args], capture_output=True, text=True, env=run_env, timeout=120, check=False
    )


@pytest.fixture
def empty_db(pg_server):
    name = f"cli_{uuid.uuid4().hex[:12]}"
    pg_server.execute(f"CREATE DATABASE {quote_ident(name)}")
    try:
        yield pg_server.url(name)
    finally:
        pg_server.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")


def test_migrate_status_check_rollback_on_an_empty_database(empty_db):
    status = vqdb_cli("status", "--database", empty_db)
    assert status.returncode == 0, status.stderr
    assert [
        line.split()[1] for line in status.stdout.splitlines() if line.startswith("pending")
    ] == MIGRATION_IDS

    check = vqdb_cli("check", "--database", empty_db)
    assert check.returncode == 1
    assert "FAIL migrations: pending" in check.stdout
    missing = check.stdout.split("FAIL functions missing: ", 1)[1].splitlines()[0]
    assert "vq.create_video," in missing and "vq.claim_qualities" in missing

    migrate = vqdb_cli("migrate", "--database", empty_db)
    assert migrate.returncode == 0, migrate.stderr
    assert migrate.stdout.strip() == "applied: " + ", ".join(MIGRATION_IDS)
    assert "up to date" in vqdb_cli("migrate", "--database", empty_db).stdout

    status = vqdb_cli("status", "--database", empty_db)
    assert f"{len(MIGRATION_IDS)} applied, 0 pending" in status.stdout

    check = vqdb_cli("check", "--database", empty_db)
    assert check.returncode == 0, check.stdout
    assert "FAIL" not in check.stdout
    assert "ok   roles: vq_owner, vq_worker, vq_reader" in check.stdout

    rollback = vqdb_cli("rollback", "--database", empty_db)
    assert rollback.returncode == 0, rollback.stderr
    assert rollback.stdout.strip() == f"rolled back: {MIGRATION_IDS[-1]}"
    check = vqdb_cli("check", "--database", empty_db)
    assert check.returncode == 1 and f"pending {MIGRATION_IDS[-1]}" in check.stdout

    everything = vqdb_cli("rollback", "--count", str(len(MIGRATION_IDS)), "--database", empty_db)
    assert everything.returncode == 0, everything.stderr
    status = vqdb_cli("status", "--database", empty_db)
    assert f"0 applied, {len(MIGRATION_IDS)} pending" in status.stdout

    assert vqdb_cli("migrate", "--database", empty_db).returncode == 0
    assert vqdb_cli("check", "--database", empty_db).returncode == 0


def test_database_url_is_the_default(empty_db):
    assert vqdb_cli("migrate", env={"DATABASE_URL": empty_db}).returncode == 0
    assert vqdb_cli("check", env={"DATABASE_URL": empty_db}).returncode == 0


def test_check_fails_when_a_function_is_missing(db_url, superuser_conn):
    with superuser_conn.cursor() as cur:
        cur.execute("drop function vq.get_default_quality(uuid)")
    check = vqdb_cli("check", "--database", db_url)
    assert check.returncode == 1
    assert "FAIL functions missing: vq.get_default_quality" in check.stdout


def test_distribute_refuses_without_citus_and_changes_nothing(db_url, superuser_conn):
    # Where Citus is, it was run by hand on a real cluster: docs/scaling.md
    def layout():
        with superuser_conn.cursor() as cur:
            cur.execute(
                "select c.relname, c.relkind, "
                "(select array_agg(conname order by conname) from pg_constraint "
                "  where conrelid = c.oid), "
                "(select setconfig from pg_db_role_setting s where s.setdatabase = "
                "  (select oid from pg_database where datname = current_database()) limit 1) "
                "from pg_class c where c.relnamespace = 'vq'::regnamespace order by 1"
            )
            return cur.fetchall()

    before = layout()
    result = vqdb_cli("distribute", "--database", db_url)
    assert result.returncode == 1
    assert "vqdb distribute: not done: Citus is not installed in this database" in result.stderr
    assert "CREATE EXTENSION citus" in result.stderr
    assert layout() == before


def test_check_fails_when_the_server_is_unreachable():
    from vqdb.testing.cluster import free_port

    check = vqdb_cli("check", "--database", f"postgresql://postgres@127.0.0.1:{free_port()}/x")
    assert check.returncode == 1
    assert check.stdout.startswith("FAIL connect:")


def test_demo_simulated(db_url, superuser_conn):
    demo = vqdb_cli("demo", "--simulated", "--videos", "3", "--threads", "2", "--database", db_url)
    assert demo.returncode == 0, demo.stderr
    out = demo.stdout
    assert "3 videos x 9 qualities on 2 threads" in out
    ladder = [
        line.split()[0]
        for line in out.splitlines()
        if line.startswith("  ") and line.split()[0].endswith(("p", "original"))
    ]
    assert ladder == ["2160p", "1440p", "1080p", "720p", "480p", "360p", "240p", "144p", "original"]
    assert [line.split()[0] for line in out.splitlines() if "<- default" in line] == ["1080p"]
    assert "timeouts      0" in out and "acquisitions" in out
    assert "66/66 calls" in demo.stderr  # the progress bar's last state
    with superuser_conn.cursor() as cur:  # every video published, its ladder ready
        cur.execute("select status, count(*) from vq.videos group by status")
        assert cur.fetchall() == [("published", 3)]
        cur.execute(
            "select status, count(*), count(*) filter (where is_default) "
            "from vq.video_qualities group by status"
        )
        assert cur.fetchall() == [("ready", 27, 3)]


def test_migrations_dir_from_the_environment(empty_db, tmp_path):
    root = Path(__file__).resolve().parents[3] / "migrations"
    for name in ("0001.schema.sql", "0001.schema.rollback.sql"):
        (tmp_path / name).write_text((root / name).read_text())
    env = {"VQDB_MIGRATIONS": str(tmp_path)}
    assert vqdb_cli("migrate", "--database", empty_db, env=env).stdout.strip() == (
        "applied: 0001.schema"
    )
    status = vqdb_cli("status", "--database", empty_db, env=env)
    assert status.stdout.splitlines() == ["applied  0001.schema", "1 applied, 0 pending"]
    assert vqdb_cli("check", "--database", empty_db).returncode == 1  # the repo's: pending


def test_queue_prints_the_queue_per_label(db_url):
    import json

    import vqdb

    with vqdb.Catalog(db_url, maxconn=1) as db:
        video = db.create_video(title="queue cli")
        db.create_video_qualities(
            video.id, [{"quality": "720p", "url": "a"}, {"quality": "480p", "url": "b"}]
        )
        db.claim_qualities("cli", qualities=["720p"])
    table = vqdb_cli("queue", "--database", db_url)
    assert table.returncode == 0, table.stderr
    lines = {line.split()[0]: line.split()[1:] for line in table.stdout.splitlines()[1:]}
    assert lines["720p"][:5] == ["0", "0", "1", "0", "0"]
    assert lines["480p"][:5] == ["1", "1", "0", "0", "0"]
    rows = [
        json.loads(line)
        for line in vqdb_cli("queue", "--json", "--database", db_url).stdout.splitlines()
    ]
    assert [r["quality"] for r in rows][:3] == ["2160p", "1440p", "1080p"]
    assert {r["quality"]: r["processing"] for r in rows}["720p"] == 1


def test_watch_tails_the_feed_for_people_and_programs(db_url):
    import json

    import vqdb

    with vqdb.Catalog(db_url, maxconn=1) as db:
        video = db.create_video(title="watched")
        since = db.changes_since()[-1].position
        (q,) = db.create_video_qualities(video.id, [{"quality": "1080p", "url": "a"}])
        (claimed,) = db.claim_qualities("w")
        db.fail_quality(claimed.id, claimed.lease_token, "ffmpeg_exit_1", retryable=False)
    people = vqdb_cli("watch", "--since", since, "--count", "3", "--database", db_url)
    assert people.returncode == 0, people.stderr
    short = str(video.id)[:8]
    assert [line.split(" ", 1)[1] for line in people.stdout.splitlines()] == [
        f"video {short}: 1080p created (pending)",
        f"video {short}: 1080p processing",
        f"video {short}: 1080p failed (ffmpeg_exit_1)",
    ]
    programs = vqdb_cli(
        "watch", "--json", "--since", "oldest", "--count", "4", "--database", db_url
    )
    events = [json.loads(line) for line in programs.stdout.splitlines()]
    assert [e["kind"] for e in events] == [
        "video_created",
        "quality_created",
        "quality_status",
        "quality_status",
    ]
    assert events[-1]["error_code"] == "ffmpeg_exit_1" and events[0]["position"]


def test_demo_encodes_for_real(db_url, superuser_conn, tmp_path):
    demo = vqdb_cli("demo", "--output", str(tmp_path), "--database", db_url)
    assert demo.returncode == 0, demo.stderr
    rows = [line.split() for line in demo.stdout.splitlines() if line.startswith("  ")]
    ladder = {r[0]: r for r in rows if r[0].endswith("p")}
    assert list(ladder) == ["720p", "480p", "360p", "240p", "144p"]
    assert ladder["240p"][1] == "426x240" and ladder["240p"][2] == "29.970"  # ffprobe's
    assert ladder["720p"][-2:] == ["<-", "default"]
    assert any(r[:3] == ["ladder_finished", "144p", "ready"] or r[0] == "ladder_finished"
               for r in rows)  # fmt: skip
    with superuser_conn.cursor() as cur:
        cur.execute("select url, file_size from vq.video_qualities")
        for url, size in cur.fetchall():  # each file is there, as large as measured
            assert (tmp_path / url).stat().st_size == size
