"""Build schema vq from plpgsql/ alone, as the migrations should build it.

The order is the one a reader follows: the tables and reference data
(schema.sql), every function (functions/*.sql, whose bodies are only checked
when called, so their order does not matter), the triggers (triggers.sql), and
last the rule of ownership and privileges (vq._apply_privileges).
"""

from __future__ import annotations

from pathlib import Path

import psycopg2.extensions

PLPGSQL_DIR = Path(__file__).resolve().parents[1] / "plpgsql"


def source_files(directory: Path = PLPGSQL_DIR) -> list[Path]:
    """The files of plpgsql/ in the order they are applied."""
    return [
        directory / "schema.sql",
        *sorted((directory / "functions").glob("*.sql")),
        directory / "triggers.sql",
    ]


def build(conn: psycopg2.extensions.connection, directory: Path = PLPGSQL_DIR) -> None:
    """Create schema vq in conn's (empty) database from directory, in one transaction."""
    with conn:  # commits, or rolls back on an error
        with conn.cursor() as cur:
            for path in source_files(directory):
                try:
                    cur.execute(path.read_text())
                except Exception as exc:
                    raise RuntimeError(f"{path}: {exc}") from exc
            cur.execute("select vq._apply_privileges()")
