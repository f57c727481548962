"""The migrations, run with the real `yoyo` command line on empty databases.

- `yoyo apply` works on an empty database;
- up -> down -> up gives the same schema, for all migrations at once and for
  each migration's rollback on its own (rolling back migration k gives exactly
  the schema of a database migrated up to k-1);
- an upgrade over existing data keeps every row, whatever the starting point;
- rolling back later migrations keeps the data, and re-applying completes.

Concurrent and interrupted runs are in test_migrations_concurrency.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from vqdb.testing.cluster import quote_ident

from tests.python.conftest import MIGRATIONS_DIR, PgServer
from tools import catalog
from tools.make_migration import read_snapshot

# The yoyo of the interpreter running the tests (.venv/bin/yoyo under ./dev test).
YOYO = str(Path(sys.executable).parent / "yoyo")


def migration_ids() -> list[str]:
    """Every migration id, in the order yoyo applies them (ids sort by number)."""
    return sorted(
        p.name.removesuffix(".sql")
        for p in MIGRATIONS_DIR.glob("[0-9]*.sql")
        if not p.name.endswith(".rollback.sql")
    )


# The checks of each migration on its own (its rollback, an upgrade over data from
# before it) take minutes over all of them. A partial run (./dev test PATH or -m
# sql) sets VQDB_EVERY_MIGRATION=0 and checks the newest migration only, the one
# being written; the full run (./dev test, CI) checks every one.
EVERY_MIGRATION = os.environ.get("VQDB_EVERY_MIGRATION", "1") != "0"


def checked_positions(first: int) -> range:
    """The positions in migration_ids() whose own checks run (see EVERY_MIGRATION)."""
    count = len(migration_ids())
    return range(first, count) if EVERY_MIGRATION else range(count - 1, count)


def only(ids: list[str]) -> str:
    """A yoyo --match pattern selecting exactly these migrations."""
    return "^(" + "|".join(i.replace(".", r"\.") for i in ids) + ")$"


def yoyo(
    command: str, url: str, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [YOYO, command, "--batch", "--no-config-file", "--database", url, *args,
         str(MIGRATIONS_DIR)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if check:
        assert proc.returncode == 0, f"yoyo {command} {args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params or None)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def applied(url: str) -> list[str]:
    """The migrations yoyo recorded as applied (none before yoyo ever ran)."""
    if query(url, "select to_regclass('_yoyo_migration')") == [(None,)]:
        return []
    return [r[0] for r in query(url, "select migration_id from _yoyo_migration order by 1")]


# What a migration may create or change (tools.catalog), read at a URL.
catalog_snapshot = read_snapshot


def assert_same_catalog(got: catalog.Snapshot, want: catalog.Snapshot, context: str) -> None:
    report = catalog.differences(got, want, "the first", "the second")
    assert not report, f"{context}:\n{report}"


# ------------------------------------------------------------- test data --

# Columns as migration 0001 created them: a later migration may add columns,
# never lose or change these rows.
VIDEO_COLUMNS = ("id, title, description, url, thumbnail_url, duration, user_id, views, likes, "
                 "status, created_at, updated_at")  # fmt: skip
QUALITY_COLUMNS = (
    "id, video_id, quality, url, file_size, bitrate, resolution_width, resolution_height, "
    "codec, container, duration, fps, pixel_format, color_space, audio_codec, audio_bitrate, "
    "audio_channels, audio_sample_rate, aspect_ratio, frame_count, encoding_time, is_default, "
    "status, error_message, processing_started_at, processing_completed_at, created_at, "
    "updated_at"
)

# Plain SQL, valid from migration 0001 on (no API function needed): 40 videos,
# each with some qualities in every status and a ready default for half of them.
INSERT_DATA = f"""
insert into vq.videos ({VIDEO_COLUMNS})
select md5('video' || i)::uuid, 'video ' || i, case when i % 3 = 0 then 'about ' || i end,
       'https://cdn.example/' || i, null, i * 10, md5('user' || (i % 5))::uuid, i * 7, i,
       (array['draft', 'published', 'processing'])[1 + i % 3],
       '2024-01-01'::timestamptz + i * interval '1 hour',
       '2024-02-01'::timestamptz + i * interval '1 hour'
  from generate_series(1, 40) i;
insert into vq.video_qualities ({QUALITY_COLUMNS})
select md5('quality' || i || l.label)::uuid, md5('video' || i)::uuid, l.label,
       'https://cdn.example/' || i || '/' || l.label, (100 * l.rank + 128) * i * 10 * 125,
       100 * l.rank,
       l.height * 16 / 9, l.height, 'h264', 'mp4', i * 10, 30, 'yuv420p', 'bt709', 'aac',
       128, 2, 48000, '16:9', i * 300, 1.5,
       s.status = 'ready' and i % 2 = 0 and l.label = '720p', s.status,
       case when s.status = 'failed' then 'encoder crashed' end,
       case when s.status <> 'pending' then '2024-03-01'::timestamptz end,
       case when s.status in ('ready', 'failed') then '2024-03-01 01:00'::timestamptz end,
       '2024-03-01'::timestamptz, '2024-03-01'::timestamptz
  from generate_series(1, 40) i
  join vq.quality_levels l on l.label in ('1080p', '720p', '480p', '144p')
  cross join lateral (select (array['pending', 'processing', 'ready', 'failed'])[
      1 + (i + l.rank / 10) % 4] as status) s0
  cross join lateral (select case when l.label = '720p' then 'ready' else s0.status end
                          as status) s;
"""

CHECKSUM = f"""
select (select count(*) from vq.videos),
       (select md5(string_agg(row({VIDEO_COLUMNS})::text, ',' order by id)) from vq.videos),
       (select count(*) from vq.video_qualities),
       (select md5(string_agg(row({QUALITY_COLUMNS})::text, ',' order by id))
          from vq.video_qualities)
"""


def insert_data(url: str) -> tuple[Any, ...]:
    """Insert the test data, return its checksum."""
    query(url, INSERT_DATA)
    (checksum,) = query(url, CHECKSUM)
    assert checksum[0] == 40 and checksum[2] == 160, checksum
    return checksum


@pytest.fixture
def new_db(pg_server: PgServer) -> Iterator[Any]:
    """A factory of empty databases (no migration applied); all dropped afterwards."""
    created: list[str] = []

    def make() -> str:
        name = f"m_{uuid.uuid4().hex[:12]}"
        pg_server.execute(f"CREATE DATABASE {quote_ident(name)}")
        created.append(name)
        return pg_server.url(name)

    yield make
    for name in created:
        pg_server.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")


# ---------------------------------------------------------------- tests --


def test_there_are_migrations_each_with_a_rollback() -> None:
    ids = migration_ids()
    assert ids[:2] == ["0001.schema", "0002.api"]
    for mid in ids:
        assert (MIGRATIONS_DIR / f"{mid}.rollback.sql").is_file(), f"{mid} has no rollback"


def test_apply_on_an_empty_database(new_db) -> None:
    url = new_db()
    assert query(url, "select count(*) from pg_namespace where nspname = 'vq'") == [(0,)]
    proc = yoyo("apply", url)
    assert applied(url) == migration_ids(), proc.stdout + proc.stderr
    assert query(url, "select count(*) from vq.quality_levels") == [(9,)]
    # the API answers
    (video_id,) = query(url, "select id from vq.create_video(p_title => 'hello')")[0]
    assert query(url, "select title from vq.get_video(p_video_id => %s)", (video_id,)) == [
        ("hello",)
    ]
    # a second apply has nothing to do and succeeds
    yoyo("apply", url)
    assert applied(url) == migration_ids()


def test_up_down_up_gives_the_same_schema(new_db) -> None:
    url = new_db()
    yoyo("apply", url)
    up = catalog_snapshot(url)
    assert len(up["function"]) >= 18

    yoyo("rollback", url, "--all")
    assert applied(url) == []
    down = catalog_snapshot(url)
    assert down["schema"] == {} and down["relation"] == {} and down["function"] == {}
    # roles are cluster-wide: they stay for the other databases of the cluster
    assert sorted(down["role"]) == ["vq_owner", "vq_reader", "vq_worker"]

    yoyo("apply", url)
    assert applied(url) == migration_ids()
    assert_same_catalog(catalog_snapshot(url), up, "after up, down, up")


@pytest.mark.parametrize(
    "position", checked_positions(0), ids=[migration_ids()[p] for p in checked_positions(0)]
)
def test_each_rollback_restores_the_previous_schema(new_db, position: int) -> None:
    """Rolling back migration k gives the schema of a database migrated up to k-1."""
    ids = migration_ids()
    before, this = ids[:position], ids[position]

    reference = new_db()
    if before:
        yoyo("apply", reference, "--match", only(before))
    assert applied(reference) == before
    want_before = catalog_snapshot(reference)

    url = new_db()
    yoyo("apply", url, "--match", only([*before, this]))
    want_after = catalog_snapshot(url)

    yoyo("rollback", url, "--match", only([this]))
    assert applied(url) == before
    assert_same_catalog(catalog_snapshot(url), want_before, f"after rolling back {this}")

    yoyo("apply", url, "--match", only([*before, this]))
    assert_same_catalog(catalog_snapshot(url), want_after, f"after re-applying {this}")


@pytest.mark.parametrize("applied_first", [p for p in checked_positions(1)],
                         ids=[f"after-{migration_ids()[p - 1]}"
                              for p in checked_positions(1)])  # fmt: skip
def test_upgrade_over_existing_data_keeps_every_row(new_db, applied_first: int) -> None:
    ids = migration_ids()
    url = new_db()
    yoyo("apply", url, "--match", only(ids[:applied_first]))
    assert applied(url) == ids[:applied_first]
    checksum = insert_data(url)

    yoyo("apply", url)
    assert applied(url) == ids
    assert query(url, CHECKSUM) == [checksum], "the upgrade changed or lost rows"
    # the upgraded data is usable through the API
    ladder = query(
        url,
        "select quality from vq.list_qualities_ordered(p_video_id => md5('video2')::uuid)",
    )
    assert ladder == [("1080p",), ("720p",), ("480p",), ("144p",)]
    assert query(
        url, "select quality from vq.get_default_quality(p_video_id => md5('video2')::uuid)"
    ) == [("720p",)]


def test_rollback_of_the_last_migration_keeps_the_data(new_db) -> None:
    ids = migration_ids()
    url = new_db()
    yoyo("apply", url)
    checksum = insert_data(url)

    yoyo("rollback", url, "--match", only(ids[-1:]))
    assert applied(url) == ids[:-1]
    assert query(url, CHECKSUM) == [checksum]

    yoyo("apply", url)
    assert applied(url) == ids
    assert query(url, CHECKSUM) == [checksum]


def test_rollback_to_the_bare_schema_keeps_the_data(new_db) -> None:
    """Every rollback but the first one's (which drops the schema) keeps the rows."""
    ids = migration_ids()
    url = new_db()
    yoyo("apply", url)
    checksum = insert_data(url)

    for mid in reversed(ids[1:]):
        yoyo("rollback", url, "--match", only([mid]))
        assert query(url, CHECKSUM) == [checksum], f"rolling back {mid} changed rows"
    assert applied(url) == ids[:1]
    assert query(url, "select count(*) from pg_proc where pronamespace = 'vq'::regnamespace") == [
        (0,)
    ]

    yoyo("apply", url)
    assert applied(url) == ids
    assert query(url, CHECKSUM) == [checksum]


def test_the_catalog_snapshot_sees_what_a_migration_may_change(new_db) -> None:
    """The comparisons above are not blind: each kind of change shows in the snapshot."""
    url = new_db()
    yoyo("apply", url)
    base = catalog_snapshot(url)
    changes = {
        "relation": "grant select on vq.videos to vq_reader",
        "column": "alter table vq.videos alter column title drop not null",
        "constraint": "alter table vq.videos add check (views < 10000000000)",
        "index": "create index on vq.videos (created_at)",
        "trigger": "alter trigger videos_before_update on vq.videos rename to videos_bu",
        "function": "alter function vq.get_video(uuid) set work_mem = '1MB'",
        "rows": "update vq.quality_levels set rank = 11 where label = '2160p'",
    }
    for key, statement in changes.items():
        query(url, statement)
        changed = catalog_snapshot(url)
        assert changed[key] != base[key], f"{statement!r} does not show in {key}"
        with pytest.raises(AssertionError, match=rf"(?m)^\s*{key} "):
            assert_same_catalog(changed, base, statement)
        base = changed
