"""A checksum of every table of schema vq: proof that a failed call changed nothing."""

from __future__ import annotations

import psycopg2.extensions
from psycopg2 import sql


def vq_tables(conn: psycopg2.extensions.connection) -> list[str]:
    """Every table of schema vq, from the catalog (a table added later is covered too)."""
    with conn.cursor() as cur:
        cur.execute(
            "select relname from pg_class where relnamespace = 'vq'::regnamespace"
            " and relkind in ('r', 'p') order by relname"
        )
        return [name for (name,) in cur.fetchall()]


def table_checksums(conn: psycopg2.extensions.connection) -> dict[str, tuple[int, str]]:
    """{table: (row count, md5 of all its rows as text, sorted)} for every table of vq.

    Needs a role that can read the tables (the superuser in the tests).
    """
    sums: dict[str, tuple[int, str]] = {}
    with conn.cursor() as cur:
        for table in vq_tables(conn):
            cur.execute(
                sql.SQL(
                    "select count(*), md5(coalesce(string_agg(t::text, e'\\n' order by t::text),"
                    " '')) from vq.{} t"
                ).format(sql.Identifier(table))
            )
            count, digest = cur.fetchone()  # type: ignore[misc]
            sums[table] = (count, digest)
    return sums
