"""``vqdb distribute``: turn a migrated catalog on a Citus coordinator into the
layout sharded by video, in one step, idempotently (docs/scaling.md).

The layout is the database's own: ``vq._distribution()`` lists every table with
the column that holds its video's id (distributed, co-located with vq.videos) or
none (a reference table). Every function of vq is copied to the workers, where
the triggers of the shards call them; none is delegated (each call runs on the
coordinator, and its statements, all filtered by the video, go to the video's
shard).

Before anything changes, the preconditions are checked and each one missing is
refused with what to do: Citus installed in this database, worker nodes added,
the migrations applied, and the owner role able to log in to the workers (Citus
connects to them as the current user, which inside a SECURITY DEFINER function
is the owner). Run it again after each ``vqdb migrate``: what is distributed
already is left as it is, and new functions are copied.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import psycopg2
import psycopg2.extensions
from psycopg2 import sql

from vqdb.dsn import resolve_dsn

OWNER = "vq_owner"
COLOCATE_WITH = "vq.videos"


class NotReady(Exception):
    """A precondition of the distribution is missing; nothing was changed."""


@dataclasses.dataclass
class Report:
    done: list[str] = dataclasses.field(default_factory=list)  # what this run changed
    kept: list[str] = dataclasses.field(default_factory=list)  # what was already so


def _rows(
    cur: psycopg2.extensions.cursor, sql: str, args: tuple[object, ...] = ()
) -> list[tuple[Any, ...]]:
    cur.execute(sql, args)
    return cur.fetchall()


def check_preconditions(cur: psycopg2.extensions.cursor) -> None:
    """Raise NotReady naming the first missing precondition."""
    if not _rows(cur, "select 1 from pg_catalog.pg_extension where extname = 'citus'"):
        raise NotReady(
            "Citus is not installed in this database: add citus to shared_preload_libraries "
            "on every node, then CREATE EXTENSION citus here (and on each worker)"
        )
    workers = _rows(
        cur,
        "select nodename, nodeport from pg_catalog.pg_dist_node "
        "where groupid <> 0 and noderole = 'primary' and isactive",
    )
    if not workers:
        raise NotReady(
            "no worker nodes: add each with SELECT citus_add_node(host, port), and the "
            "coordinator with SELECT citus_set_coordinator_host(host, port)"
        )
    (migrated,) = _rows(cur, "select to_regprocedure('vq._distribution()') is not null")[0]
    if not migrated:
        raise NotReady("the catalog is not migrated (or too old): run vqdb migrate first")
    (can_login,) = _rows(
        cur, "select rolcanlogin from pg_catalog.pg_roles where rolname = %s", (OWNER,)
    )[0]
    if not can_login:
        raise NotReady(
            f"role {OWNER} cannot log in: Citus connects to the workers as the owner of the "
            f"SECURITY DEFINER functions. Run ALTER ROLE {OWNER} LOGIN (it is copied to the "
            f"workers) and let {OWNER} authenticate from this node to the workers "
            "(a pg_hba.conf rule for the nodes' network, or a password stored with Citus in "
            "pg_dist_authinfo: docs/scaling.md, step 4)"
        )
    cur.execute(f"set role {OWNER}")
    try:
        failed = _rows(
            cur,
            "select nodename, nodeport, result "
            "from run_command_on_workers('select 1') where not success",
        )
    finally:
        cur.execute("reset role")
    if failed:
        host, port, result = failed[0]
        raise NotReady(f"role {OWNER} cannot connect to the worker {host}:{port}: {result}")


def _table_type(cur: psycopg2.extensions.cursor, table: str) -> str | None:
    found = _rows(
        cur,
        "select citus_table_type from citus_tables where table_name = %s::regclass",
        (table,),
    )
    return found[0][0] if found else None


def distribute_tables(cur: psycopg2.extensions.cursor, report: Report) -> None:
    # A foreign key to a reference table would otherwise turn vq.videos and
    # vq.video_qualities into Citus local tables (silently), and distributing
    # those later drops every function that returns their row type.
    cur.execute("set citus.enable_local_reference_table_foreign_keys = off")
    layout = _rows(
        cur,
        "select table_name::text, video_column::text, kind from vq._distribution() "
        "where kind <> 'coordinator' "  # a cache the coordinator keeps as a plain table
        "order by kind = 'distributed', table_name <> %s::regclass",
        (COLOCATE_WITH,),
    )
    for table, column, want in layout:
        kind = _table_type(cur, table)
        if kind == want:
            report.kept.append(f"{table}: {want}")
            continue
        if kind is not None:
            raise NotReady(f"{table} is a Citus {kind} table, not {want}: undistribute it first")
        if want == "reference":
            cur.execute("select create_reference_table(%s)", (table,))
            report.done.append(f"{table}: reference table")
        else:
            colocate = "default" if table == COLOCATE_WITH else COLOCATE_WITH
            cur.execute(
                "select create_distributed_table(%s, %s, colocate_with => %s)",
                (table, column, colocate),
            )
            report.done.append(f"{table}: distributed by {column}")


def distribute_functions(cur: psycopg2.extensions.cursor, report: Report) -> None:
    # Copied to every node, none delegated: a delegated call whose video is NULL
    # crashes the coordinator (docs/scaling.md), and delegation bought no measurable
    # time (docs/scaling.md, "Why no call is delegated"). A function an earlier
    # version delegated is copied again without a distribution argument, which
    # ends its delegation.
    functions = _rows(
        cur,
        """
        select p.oid::regprocedure::text, o.objid is not null,
               o.distribution_argument_index is not null
          from pg_catalog.pg_proc p
          left join pg_catalog.pg_dist_object o
                 on o.classid = 'pg_catalog.pg_proc'::regclass and o.objid = p.oid
         where p.pronamespace = 'vq'::regnamespace
         order by 1
        """,
    )
    for signature, copied, delegated in functions:
        if copied and not delegated:
            report.kept.append(f"{signature}: on every node")
            continue
        cur.execute("select create_distributed_function(%s)", (signature,))
        ended = ", no longer delegated" if delegated else ""
        report.done.append(f"{signature}: on every node{ended}")


def distribute(database: str | None = None) -> Report:
    """Apply the layout of vq._distribution() on the Citus coordinator at ``database``."""
    conn = psycopg2.connect(resolve_dsn(database))
    conn.autocommit = True  # each Citus step commits on its own, so a rerun resumes
    report = Report()
    try:
        with conn.cursor() as cur:
            check_preconditions(cur)
            # later migrations create or replace the triggers of distributed tables
            cur.execute(
                sql.SQL("alter database {} set citus.enable_unsafe_triggers = on").format(
                    sql.Identifier(conn.info.dbname)
                )
            )
            cur.execute("set citus.enable_unsafe_triggers = on")
            distribute_tables(cur, report)
            distribute_functions(cur, report)
    finally:
        conn.close()
    return report
