"""The vq API as a database's catalog declares it: what every generated file derives from.

An API function is a function of schema vq not named ``_…``; its arguments, their
types and defaults are written once, in its source (plpgsql/functions/<name>.sql),
and read here from pg_proc. A function declared ``stable`` only reads.
"""

from __future__ import annotations

import dataclasses

import psycopg2.extensions


@dataclasses.dataclass(frozen=True)
class Argument:
    name: str  # without p_
    sql_type: str  # format_type: integer, text, uuid[], double precision, ...
    required: bool  # no default: the client sends it even when None (the server names it)


@dataclasses.dataclass(frozen=True)
class Function:
    name: str
    arguments: tuple[Argument, ...]
    reads: bool  # declared stable: writes nothing
    returns: str  # pg_get_function_result
    comment: str
    declaration: str  # pg_get_function_arguments: names, types, defaults


API_QUERY = """
select p.proname, p.pronargs, p.pronargdefaults,
       coalesce(p.proargnames[1:p.pronargs], '{}'),
       array(select format_type(t, null) from unnest(p.proargtypes) with ordinality a(t, i)
              order by i),
       p.provolatile in ('s', 'i'), pg_get_function_result(p.oid),
       coalesce(obj_description(p.oid, 'pg_proc'), ''), pg_get_function_arguments(p.oid)
  from pg_proc p
 where p.pronamespace = 'vq'::regnamespace and p.proname !~ '^_' and p.prokind = 'f'
 order by p.proname"""

INDEX_QUERY = """
select c.relname, i.relname
  from pg_index x
  join pg_class i on i.oid = x.indexrelid
  join pg_class c on c.oid = x.indrelid
 where c.relnamespace = 'vq'::regnamespace
 order by 1, 2"""


def read_api(conn: psycopg2.extensions.connection) -> dict[str, Function]:
    """name -> Function, for every API function of conn's schema vq."""
    with conn.cursor() as cur:
        cur.execute(API_QUERY)
        rows = cur.fetchall()
    api = {}
    for name, nargs, ndefaults, names, types, reads, returns, comment, declaration in rows:
        arguments = tuple(
            Argument(arg.removeprefix("p_"), type_, position < nargs - ndefaults)
            for position, (arg, type_) in enumerate(zip(names, types, strict=True))
        )
        api[name] = Function(name, arguments, reads, returns, comment, declaration)
    return api


def read_indexes(conn: psycopg2.extensions.connection) -> list[tuple[str, str]]:
    """(table, index) of every index of schema vq."""
    with conn.cursor() as cur:
        cur.execute(INDEX_QUERY)
        return [(table, index) for table, index in cur.fetchall()]
