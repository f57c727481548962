"""Write the next migration and its rollback from plpgsql/, or check that none is needed.

    python -m tools.make_migration SLUG     # ./dev migration SLUG
    python -m tools.make_migration --check  # ./dev migration --check

Two scratch databases are made on DATABASE_URL's server: one by every migration
(with yoyo, as users get it) and one from plpgsql/ (tools.build). Their
difference becomes migrations/NNNN.SLUG.sql, and the way back
NNNN.SLUG.rollback.sql:

* functions: the file of plpgsql/functions/ for a new or changed function (its
  CREATE OR REPLACE and COMMENT), DROP for one that is gone; the rollback
  restores the previous definition, comment, owner and privileges exactly;
* triggers and indexes that do not back a constraint: dropped and created from
  their definitions;
* a new table: pg_dump's DDL and rows for it; a dropped table: DROP TABLE;
* ownership and privileges: vq._apply_privileges() at the end (the rule);
* anything else (a column, a constraint, a reference row of an existing table)
  is a change of data, which only its author can write: the command lists each
  such difference in both files where the DDL goes, and exits with status 2;
  write the DDL there, then run --check, which builds both again and compares.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import psycopg2.extensions
from vqdb.testing.server import with_dbname

from tools import build, catalog

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS_DIR = ROOT / "migrations"
TODO = "-- TODO(ddl):"


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new empty database on the server (dropped afterwards); yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(with_dbname(server_url, "postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'create database "{name}"')
        yield with_dbname(server_url, name)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


def migrate(url: str, directory: Path = MIGRATIONS_DIR) -> None:
    """Every migration of directory, applied with yoyo (post-apply hook included)."""
    from yoyo import get_backend, read_migrations

    backend = get_backend(url)
    try:
        with backend.lock():
            backend.apply_migrations(backend.to_apply(read_migrations(str(directory))))
    finally:
        backend.connection.close()


def build_from_source(url: str, directory: Path = build.PLPGSQL_DIR) -> None:
    conn = psycopg2.connect(url)
    try:
        build.build(conn, directory)
    finally:
        conn.close()


def read_snapshot(url: str) -> catalog.Snapshot:
    conn = psycopg2.connect(url)
    try:
        return catalog.snapshot(conn)
    finally:
        conn.close()


@contextmanager
def both_databases(server_url: str) -> Iterator[tuple[str, str]]:
    """(URL of a database built by the migrations, URL of one built from plpgsql/)."""
    with (
        scratch_database(server_url, "vq_migrated") as migrated,
        scratch_database(server_url, "vq_source") as source,
    ):
        migrate(migrated)
        build_from_source(source)
        yield migrated, source


# ------------------------------------------------------------ statements --


def quote_literal(text: str | None) -> str:
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


# aclitem letters (see the PostgreSQL docs, "Privileges", table of abbreviations)
PRIVILEGE = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "D": "TRUNCATE",
             "x": "REFERENCES", "t": "TRIGGER", "X": "EXECUTE"}  # fmt: skip


def privileges_sql(shot: catalog.Snapshot, kind: str, name: str) -> list[str]:
    """Statements giving the object exactly the owner and privileges it has in shot."""
    fields = catalog.FIELDS["function" if kind == "function" else "relation"]
    props = shot["function" if kind == "function" else "relation"][name]
    owner, acl = props[fields.index("owner")], props[fields.index("acl")]
    statements = [
        f"alter {kind} {name} owner to {owner};",
        f"revoke all on {kind} {name} from public, vq_worker, vq_reader;",
    ]
    for item in acl:  # grantee=privileges/grantor; an empty grantee is PUBLIC
        grantee, privileges = item.split("/", 1)[0].split("=")
        if grantee == owner:
            continue
        statements += [
            f"grant {PRIVILEGE[letter]} on {kind} {name} to {grantee or 'public'}"
            + (" with grant option;" if star else ";")
            for letter, star in re.findall(r"(\w)(\*?)", privileges)
        ]
    return statements


def pg_dump_table(url: str, table: str) -> str:
    """pg_dump's DDL and rows of one table, without its session settings."""
    out = subprocess.run(
        ["pg_dump", "--no-owner", "--no-privileges", "--inserts", "--table", table, url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    kept = [
        line
        for line in out.splitlines()
        if not line.startswith(
            ("SET ", "SELECT pg_catalog.set_config", "SELECT pg_catalog.setval", "--", "\\")
        )
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def function_file_text(name: str, directory: Path = build.PLPGSQL_DIR) -> str:
    path = directory / "functions" / f"{name}.sql"
    return path.read_text().strip()


def function_definition_sql(shot: catalog.Snapshot, identity: str) -> str:
    definition, _owner, _acl, comment, *_ = shot["function"][identity]
    return f"{definition.strip()};\ncomment on function {identity} is {quote_literal(comment)};"


def needs_drop(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """CREATE OR REPLACE cannot change a function's result, argument names or defaults."""
    fields = catalog.FIELDS["function"]
    return any(a[fields.index(f)] != b[fields.index(f)] for f in ("result", "arguments"))


def table_of(kind: str, key: str) -> str:
    """The table a column, constraint or row set belongs to (the object itself otherwise)."""
    if kind == "column":
        return key.rsplit(".", 1)[0]
    if kind == "constraint":
        return key.split(" ")[0]
    return key


def author_differences(old: catalog.Snapshot, new: catalog.Snapshot, skip: set[str]) -> list[str]:
    """Differences no statement of this tool makes: columns, constraints, rows, types...

    Tables in skip (created or dropped whole) and owners and privileges (the
    rule's) are left out.
    """
    lines = []
    for kind in ("column", "constraint", "rows", "type", "relation", "schema"):
        a, b = old[kind], new[kind]
        for key in sorted(a.keys() | b.keys()):
            va, vb = a.get(key), b.get(key)
            if va == vb or table_of(kind, key) in skip:
                continue
            if kind == "relation" and "i" in (va or vb or ("",))[0]:
                continue  # an index: made or dropped above, or with its constraint
            if kind == "relation" and "S" in (va or vb or ("",))[0]:
                if any(key.startswith(t + "_") for t in skip):
                    continue  # the identity or serial sequence of a new or dropped table
            if kind in ("relation", "schema") and va and vb:
                fields = catalog.FIELDS[kind]
                if all(x == y for f, x, y in zip(fields, va, vb, strict=True)
                       if f not in ("owner", "acl")):  # fmt: skip
                    continue
            lines.append(f"{kind} {key}: before {va!r}, after {vb!r}")
    return lines


def change_sql(
    old: catalog.Snapshot,
    new: catalog.Snapshot,
    new_url: str,
    function_source: dict[str, str] | None,
) -> tuple[list[str], list[str]]:
    """Statements taking a database from snapshot old to snapshot new, and what they miss.

    function_source maps a function's name to the text that creates it (the
    file of plpgsql/); None takes the definitions of new (for a rollback), and
    then the exact owner and privileges of new are restored too.
    """
    out: list[str] = []
    new_tables = {t for t, p in new["relation"].items() if p[0] == "r"} - old["relation"].keys()
    gone_tables = {t for t, p in old["relation"].items() if p[0] == "r"} - new["relation"].keys()

    def changed(kind: str) -> tuple[set[str], set[str], set[str]]:
        a, b = old[kind], new[kind]
        return a.keys() - b.keys(), b.keys() - a.keys(), {k for k in a.keys() & b.keys()
                                                           if a[k] != b[k]}  # fmt: skip

    t_gone, t_new, t_changed = changed("trigger")
    for key in sorted(t_gone | t_changed):
        table, name = old["trigger"][key][2], old["trigger"][key][3]
        if table not in gone_tables:
            out.append(f"drop trigger {name} on {table};")
    i_gone, i_new, i_changed = changed("index")
    for key in sorted(i_gone | i_changed):
        if old["index"][key][2] is None and old["index"][key][1] not in gone_tables:
            out.append(f"drop index {key};")

    f_gone, f_new, f_changed = changed("function")
    for key in sorted(f_gone):
        out.append(f"drop function {key};")
    recreate = sorted(f_new | {k for k in f_changed
                               if old["function"][k][0] != new["function"][k][0]})  # fmt: skip
    comment = catalog.FIELDS["function"].index("comment")
    recomment = sorted(k for k in f_changed - set(recreate)
                       if old["function"][k][comment] != new["function"][k][comment])  # fmt: skip
    for key in recreate:
        if key in f_changed and needs_drop(old["function"][key], new["function"][key]):
            out.append(f"drop function {key};")

    for table in sorted(gone_tables):
        out.append(f"drop table {table};")
    # new tables, their foreign keys after every one of them (a key may refer to a
    # table that sorts later)
    foreign_keys = []
    for table in sorted(new_tables):
        ddl = pg_dump_table(new_url, table)
        keys = re.findall(
            r"ALTER TABLE ONLY [^\n]+\n    ADD CONSTRAINT [^\n]+ FOREIGN KEY [^\n]+;", ddl
        )
        for key in keys:
            ddl = ddl.replace(key, "")
        out.append(re.sub(r"\n{3,}", "\n\n", ddl).strip())
        foreign_keys.extend(keys)
    out.extend(foreign_keys)

    # owner and privileges of tables: the rule forward, exactly as they were back
    for key in sorted(old["relation"].keys() & new["relation"].keys()):
        if old["relation"][key][1:3] != new["relation"][key][1:3] and function_source is None:
            out.extend(privileges_sql(new, "table", key))
    todo = author_differences(old, new, new_tables | gone_tables)

    for key in recreate:
        name = new["function"][key][catalog.FIELDS["function"].index("name")]
        if function_source is not None:
            out.append(function_source[name])
        else:
            out.append(function_definition_sql(new, key))
            out.extend(privileges_sql(new, "function", key))
    for key in recomment:
        out.append(f"comment on function {key} is {quote_literal(new['function'][key][comment])};")
    if function_source is None:
        # a function whose owner or privileges alone changed
        for key in sorted(f_changed - set(recreate)):
            if old["function"][key][1:3] != new["function"][key][1:3]:
                out.extend(privileges_sql(new, "function", key))

    for key in sorted(i_new | i_changed):
        definition, table, constraint = new["index"][key]
        if constraint is None and table not in new_tables:
            out.append(f"{definition};")
    for key in sorted(t_new | t_changed):
        if new["trigger"][key][2] not in new_tables:
            out.append(f"{new['trigger'][key][0]};")
    if function_source is not None:
        # in a DO block: yoyo prints the rows of a SELECT
        out.append("do $$ begin perform vq._apply_privileges(); end $$;")
    return out, todo


# --------------------------------------------------------------- writing --


def migration_ids(directory: Path = MIGRATIONS_DIR) -> list[str]:
    return sorted(
        p.name.removesuffix(".sql")
        for p in directory.glob("[0-9]*.sql")
        if not p.name.endswith(".rollback.sql")
    )


def next_id(slug: str, directory: Path = MIGRATIONS_DIR) -> str:
    last = int(migration_ids(directory)[-1].split(".")[0])
    return f"{(last // 10 + 1) * 10:04d}.{slug}"


def render(header: str, statements: list[str], todo: list[str]) -> str:
    parts = [header]
    if todo:
        parts.append(
            "\n".join(
                [f"{TODO} write the DDL for these differences here, then ./dev migration --check"]
                + [f"--   {line}" for line in todo]
            )
        )
    parts.extend(statements)
    return "\n\n".join(parts) + "\n"


def write_migration(server_url: str, slug: str) -> int:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", slug):
        print(f"make_migration: SLUG must be lowercase words with - or _: {slug!r}")
        return 1
    with both_databases(server_url) as (migrated_url, source_url):
        before, after = read_snapshot(migrated_url), read_snapshot(source_url)
        if not catalog.differences(before, after):
            print("make_migration: plpgsql/ and the migrations agree: nothing to write")
            return 0
        sources = {p.stem: function_file_text(p.stem) for p in build.PLPGSQL_DIR.glob(
            "functions/*.sql")}  # fmt: skip
        forward, forward_todo = change_sql(before, after, source_url, sources)
        backward, backward_todo = change_sql(after, before, migrated_url, None)
    mid = next_id(slug)
    previous = migration_ids()[-1]
    header = (
        f"-- {slug}: written by `./dev migration {slug}`\n-- from the difference between "
        f"plpgsql/ and the migrations up to {previous}.\n"
        f"-- depends: {previous}"
    )
    up = MIGRATIONS_DIR / f"{mid}.sql"
    down = MIGRATIONS_DIR / f"{mid}.rollback.sql"
    up.write_text(render(header, forward, forward_todo))
    down.write_text(render(f"-- The way back from {mid}.", backward, backward_todo))
    print(f"make_migration: wrote {up.relative_to(ROOT)} and {down.relative_to(ROOT)}")
    if forward_todo or backward_todo:
        print(f"make_migration: write the DDL at the {TODO} lines of both files, then:")
        print("    ./dev migration --check")
        return 2
    return 0


def check(server_url: str) -> int:
    with both_databases(server_url) as (migrated_url, source_url):
        report = catalog.differences(
            read_snapshot(migrated_url), read_snapshot(source_url), "migrations", "plpgsql/"
        )
    if report:
        print("plpgsql/ and the migrations disagree:\n" + report)
        return 1
    print("plpgsql/ and the migrations agree")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev migration", description=__doc__.split("\n")[0])
    parser.add_argument("slug", nargs="?", help="name of the new migration, e.g. add-delete-video")
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        parser.error("DATABASE_URL is not set (./dev migration starts a server for you)")
    if args.check:
        return check(server_url)
    if not args.slug:
        parser.error("give a SLUG, or --check")
    return write_migration(server_url, args.slug)


if __name__ == "__main__":
    sys.exit(main())
