"""plpgsql/ is the source of truth: a database built from plpgsql/ alone
(tools.build) and one built by every migration are the same, across the whole
catalog (tools.catalog: tables, columns, constraints, indexes, triggers,
functions, types, owners, ACLs, comments, reference rows).

The comparison is shown not to be blind: a copy of plpgsql/ with one change of
each kind fails it, with the object named.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg2
import pytest
from vqdb.testing.cluster import quote_ident

from tests.python.conftest import PgServer
from tools import build, catalog

PLPGSQL_DIR = build.PLPGSQL_DIR


@pytest.fixture
def built_from(pg_server: PgServer) -> Iterator[Callable[[Path], catalog.Snapshot]]:
    """Build a new database from a plpgsql/ directory; return its snapshot."""
    created: list[str] = []

    def make(directory: Path) -> catalog.Snapshot:
        name = f"b_{uuid.uuid4().hex[:12]}"
        pg_server.execute(f"CREATE DATABASE {quote_ident(name)}")
        created.append(name)
        conn = psycopg2.connect(pg_server.url(name))
        try:
            build.build(conn, directory)
            return catalog.snapshot(conn)
        finally:
            conn.close()

    yield make
    for name in created:
        pg_server.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")


@pytest.fixture
def migrated(superuser_conn) -> catalog.Snapshot:
    return catalog.snapshot(superuser_conn)


def test_one_file_per_function_named_after_it() -> None:
    files = sorted((PLPGSQL_DIR / "functions").glob("*.sql"))
    assert len(files) >= 19, files
    for path in files:
        text = path.read_text().lower()
        assert text.count("create or replace function") == 1, f"{path.name}: one function"
        assert f"create or replace function vq.{path.stem}(" in text, (
            f"{path.name} must define vq.{path.stem}"
        )
        assert f"comment on function vq.{path.stem} is" in text, f"{path.name}: no COMMENT"


def test_no_file_grants_or_owns_anything() -> None:
    """Ownership and privileges come from one rule (vq._apply_privileges), not per file."""
    rule = PLPGSQL_DIR / "functions" / "_apply_privileges.sql"
    for path in [p for p in build.source_files() if p != rule]:
        statements = re.findall(r"^\s*(grant|revoke|alter \w+ .* owner to)\b", path.read_text(),
                                flags=re.I | re.M)  # fmt: skip
        assert not statements, f"{path.name}: {statements}"


def test_migrations_and_plpgsql_build_the_same_catalog(migrated, built_from) -> None:
    from_files = built_from(PLPGSQL_DIR)
    assert len(migrated["function"]) >= 19 and len(migrated["rows"]) >= 6
    report = catalog.differences(migrated, from_files, "migrations", "plpgsql/")
    assert not report, "plpgsql/ and the migrations disagree:\n" + report


EDITS = {
    # file, old text, new text, the line the report must have
    "function body": (
        "functions/get_video.sql",
        "return query select * from vq.videos where id = p_video_id;",
        "return query select * from vq.videos where id = p_video_id limit 1;",
        "function vq.get_video(uuid): definition differs",
    ),
    "function comment": (
        "functions/get_video.sql", "Returns the video p_video_id", "Returns video p_video_id",
        "function vq.get_video(uuid): comment differs",
    ),
    "column": (
        "schema.sql", "    description   text,\n", "    description   text not null default '',\n",
        "column vq.videos.description: not null differs",
    ),
    "constraint": (
        "schema.sql", "check (fps > 0)", "check (fps >= 0)",
        "constraint vq.video_qualities video_qualities_fps_check: definition differs",
    ),
    "reference row": (
        "schema.sql", "('144p', 80, 144)", "('144p', 80, 144), ('4320p', 5, 4320)",
        "rows of vq.quality_levels differ",
    ),
    "index": (
        "schema.sql", "create index videos_user_id_idx on vq.videos (user_id);",
        "create index videos_user_id_idx on vq.videos (user_id, created_at);",
        "index vq.videos_user_id_idx: definition differs",
    ),
    "trigger": (
        "triggers.sql", "before update on vq.videos", "before insert or update on vq.videos",
        "trigger vq.videos videos_before_update: definition differs",
    ),
    "privilege rule": (
        "functions/_apply_privileges.sql", "in ('s', 'i')", "in ('s', 'i', 'v')",
        "function vq.create_video(text,text,text,text,double precision,uuid,uuid): acl differs",
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_a_change_in_plpgsql_alone_is_caught(kind, migrated, built_from, tmp_path) -> None:
    file, old, new, expected = EDITS[kind]
    copy = tmp_path / "plpgsql"
    shutil.copytree(PLPGSQL_DIR, copy)
    text = (copy / file).read_text()
    assert old in text, f"{file} no longer has {old!r}: update this test"
    (copy / file).write_text(text.replace(old, new, 1))
    report = catalog.differences(migrated, built_from(copy), "migrations", "plpgsql/")
    assert expected in report, report


def test_a_function_missing_from_plpgsql_is_named(migrated, built_from, tmp_path) -> None:
    copy = tmp_path / "plpgsql"
    shutil.copytree(PLPGSQL_DIR, copy)
    (copy / "functions" / "list_qualities_ordered.sql").unlink()
    report = catalog.differences(migrated, built_from(copy), "migrations", "plpgsql/")
    assert report == "function vq.list_qualities_ordered(uuid): only in migrations", report


def test_a_change_behind_plpgsqls_back_is_caught(superuser_conn, migrated) -> None:
    with superuser_conn.cursor() as cur:
        cur.execute("grant execute on function vq._require_range(text, numeric) to vq_reader")
        cur.execute("comment on function vq.get_video(uuid) is 'changed'")
    report = catalog.differences(catalog.snapshot(superuser_conn), migrated, "changed", "before")
    assert "function vq._require_range(text,numeric): acl differs" in report
    assert "function vq.get_video(uuid): comment differs" in report
    assert report.count("\n") == 1, report


def test_definitions_differ_with_a_diff() -> None:
    a = {"function": {"vq.f()": ("begin\n  return 1;\nend", "o", [], "c", "f", "int", "")}}
    b = {"function": {"vq.f()": ("begin\n  return 2;\nend", "o", [], "c", "f", "int", "")}}
    report = catalog.differences(a, b)
    assert "function vq.f(): definition differs" in report
    assert "-  return 1;" in report and "+  return 2;" in report
