"""The shared fixtures give each test its own database, migrated by yoyo."""

from __future__ import annotations

from pathlib import Path

from tests.python.conftest import MIGRATIONS_DIR

seen_databases: list[str] = []


def migration_ids() -> set[str]:
    return {
        p.stem for p in Path(MIGRATIONS_DIR).glob("[0-9]*.sql") if not p.stem.endswith(".rollback")
    }


def check_fresh_migrated_database(superuser_conn) -> None:
    with superuser_conn.cursor() as cur:
        cur.execute("select current_database(), current_user")
        dbname, user = cur.fetchone()
        cur.execute("select migration_id from _yoyo_migration")
        applied = {row[0] for row in cur.fetchall()}
    assert dbname.startswith("t_") and dbname not in seen_databases
    seen_databases.append(dbname)
    assert user == "postgres"
    assert applied == migration_ids()


def test_db_url_is_a_migrated_copy(superuser_conn) -> None:
    check_fresh_migrated_database(superuser_conn)


def test_each_test_gets_its_own_database(superuser_conn) -> None:
    check_fresh_migrated_database(superuser_conn)
