"""plpgsql/ is the source of truth: the functions a database gets from all the
migrations are exactly the functions of plpgsql/*.sql.

Snapshot A is taken from a database built by the migrations. Then, in one
transaction, the triggers (the only objects that depend on the functions) are
dropped, every function of schema vq is dropped, every plpgsql/*.sql file is
executed, and snapshot B is taken; the transaction is rolled back. A and B must
agree for every function: its full definition (pg_get_functiondef: arguments,
defaults, result, language, volatility, SECURITY DEFINER, SET options, body),
its owner, its privileges and its comment.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path
from typing import Any

import psycopg2.extensions

from tests.python.conftest import REPO_ROOT

PLPGSQL_DIR = REPO_ROOT / "plpgsql"

Snapshot = dict[str, dict[str, Any]]

SNAPSHOT_SQL = """
select p.oid::regprocedure::text,
       pg_get_functiondef(p.oid),
       p.prosecdef,
       p.proconfig,
       array(select a::text from unnest(p.proacl) a order by 1),
       pg_get_userbyid(p.proowner),
       obj_description(p.oid, 'pg_proc')
  from pg_proc p
 where p.pronamespace = 'vq'::regnamespace
"""
FIELDS = ("definition", "security_definer", "config", "acl", "owner", "comment")


def function_snapshot(cur: psycopg2.extensions.cursor) -> Snapshot:
    cur.execute(SNAPSHOT_SQL)
    return {row[0]: dict(zip(FIELDS, row[1:], strict=True)) for row in cur.fetchall()}


def rebuild_from_plpgsql_dir(
    cur: psycopg2.extensions.cursor, directory: Path = PLPGSQL_DIR
) -> None:
    """Drop every vq function (and the triggers using them), run directory/*.sql."""
    cur.execute(
        """select format('drop trigger %I on %s', t.tgname, t.tgrelid::regclass)
             from pg_trigger t
             join pg_proc p on p.oid = t.tgfoid
            where p.pronamespace = 'vq'::regnamespace and not t.tgisinternal"""
    )
    for (statement,) in cur.fetchall():
        cur.execute(statement)
    cur.execute(
        """select format('drop function %s', p.oid::regprocedure)
             from pg_proc p where p.pronamespace = 'vq'::regnamespace"""
    )
    for (statement,) in cur.fetchall():
        # no CASCADE: anything else depending on a function must make this fail
        cur.execute(statement)
    cur.execute("select count(*) from pg_proc where pronamespace = 'vq'::regnamespace")
    assert cur.fetchone() == (0,)
    for path in sorted(directory.glob("*.sql")):
        cur.execute(path.read_text())


def rebuilt_snapshot(conn: psycopg2.extensions.connection, directory: Path) -> Snapshot:
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            rebuild_from_plpgsql_dir(cur, directory)
            return function_snapshot(cur)
    finally:
        conn.rollback()
        conn.autocommit = True


def describe_differences(migrated: Snapshot, from_files: Snapshot) -> str:
    lines: list[str] = []
    for name in sorted(migrated.keys() - from_files.keys()):
        lines.append(f"{name}: created by the migrations but by no file of plpgsql/")
    for name in sorted(from_files.keys() - migrated.keys()):
        lines.append(f"{name}: in plpgsql/ but not created by the migrations")
    for name in sorted(migrated.keys() & from_files.keys()):
        a, b = migrated[name], from_files[name]
        for field in FIELDS:
            if a[field] == b[field]:
                continue
            if field == "definition":
                diff = difflib.unified_diff(
                    str(a[field]).splitlines(),
                    str(b[field]).splitlines(),
                    "migrations",
                    "plpgsql/",
                    lineterm="",
                )
                lines.append(f"{name}: definition differs:\n" + "\n".join(diff))
            else:
                lines.append(
                    f"{name}: {field} differs: migrations {a[field]!r}, plpgsql/ {b[field]!r}"
                )
    return "\n".join(lines)


def test_plpgsql_dir_has_one_file_per_function() -> None:
    files = sorted(PLPGSQL_DIR.glob("*.sql"))
    assert files, "plpgsql/ is empty"
    for path in files:
        text = path.read_text().lower()
        assert text.count("create or replace function") == 1, f"{path.name}: one function"
        assert f"function vq.{path.stem}(" in text, f"{path.name} must define vq.{path.stem}"


def test_migrated_functions_are_exactly_those_of_plpgsql_dir(superuser_conn) -> None:
    with superuser_conn.cursor() as cur:
        migrated = function_snapshot(cur)
    from_files = rebuilt_snapshot(superuser_conn, PLPGSQL_DIR)

    assert len(migrated) >= 18, sorted(migrated)
    assert migrated == from_files, "plpgsql/ and the migrations disagree:\n" + describe_differences(
        migrated, from_files
    )


def test_rebuild_is_rolled_back(superuser_conn) -> None:
    """The comparison leaves the database as it was (the triggers are back)."""
    with superuser_conn.cursor() as cur:
        before = function_snapshot(cur)
        superuser_conn.autocommit = False
        try:
            rebuild_from_plpgsql_dir(cur)
        finally:
            superuser_conn.rollback()
            superuser_conn.autocommit = True
        cur.execute(
            "select count(*) from pg_trigger where tgrelid in "
            "('vq.videos'::regclass, 'vq.video_qualities'::regclass) and not tgisinternal"
        )
        assert cur.fetchone() == (2,)
        assert function_snapshot(cur) == before


def test_an_edited_plpgsql_file_is_caught(superuser_conn, tmp_path: Path) -> None:
    """A body or a grant changed in plpgsql/ without a migration fails the comparison."""
    copy = tmp_path / "plpgsql"
    shutil.copytree(PLPGSQL_DIR, copy)
    source = copy / "get_video.sql"
    text = source.read_text()
    assert "return query select * from vq.videos where id = p_video_id;" in text
    source.write_text(
        text.replace(
            "return query select * from vq.videos where id = p_video_id;",
            "return query select * from vq.videos where id = p_video_id limit 1;",
        ).replace("to vq_worker, vq_reader;", "to vq_worker;")
    )
    (copy / "list_qualities_ordered.sql").unlink()
    with superuser_conn.cursor() as cur:
        migrated = function_snapshot(cur)
    report = describe_differences(migrated, rebuilt_snapshot(superuser_conn, copy))
    assert "vq.get_video(uuid): definition differs" in report
    assert "+    return query select * from vq.videos where id = p_video_id limit 1;" in report
    assert "vq.get_video(uuid): acl differs" in report
    assert (
        "vq.list_qualities_ordered(uuid): created by the migrations but by no file of plpgsql/"
        in report
    )


def test_a_difference_is_reported_by_function(superuser_conn) -> None:
    """The comparison is not blind: a function changed behind plpgsql/'s back shows."""
    with superuser_conn.cursor() as cur:
        migrated = function_snapshot(cur)
        cur.execute(
            "grant execute on function vq.require_range(text, numeric, numeric, numeric)"
            " to vq_reader"
        )
        cur.execute("comment on function vq.get_video(uuid) is 'changed'")
        changed = function_snapshot(cur)
    report = describe_differences(changed, migrated)
    assert "vq.require_range(text,numeric,numeric,numeric): acl differs" in report
    assert "vq.get_video(uuid): comment differs" in report
    assert report.count("\n") == 1, report


def test_definition_differences_show_a_diff() -> None:
    a = {"vq.f()": dict.fromkeys(FIELDS, "x") | {"definition": "begin\n  return 1;\nend"}}
    b = {"vq.f()": dict.fromkeys(FIELDS, "x") | {"definition": "begin\n  return 2;\nend"}}
    report = describe_differences(a, b)
    assert "vq.f(): definition differs" in report
    assert "-  return 1;" in report and "+  return 2;" in report


def test_missing_and_extra_functions_are_named() -> None:
    a: Snapshot = {"vq.only_migrated()": dict.fromkeys(FIELDS)}
    b: Snapshot = {"vq.only_in_files()": dict.fromkeys(FIELDS)}
    report = describe_differences(a, b)
    assert "vq.only_migrated(): created by the migrations but by no file of plpgsql/" in report
    assert "vq.only_in_files(): in plpgsql/ but not created by the migrations" in report
