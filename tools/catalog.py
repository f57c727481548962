"""What a database's schema vq is, read from the system catalogs, and how two differ.

A snapshot maps each kind of object to {object name: its properties}. Two
databases with equal snapshots have the same vq: tables, columns (type,
default, nullability), constraints, indexes, triggers, functions (full
definition: arguments, result, language, volatility, SECURITY DEFINER, SET
options, body), types, owners, ACLs (a default one spelled out, so that
"never granted" equals "granted and revoked"), comments, the rows of every
table, and the roles vq uses. ``differences`` names each object that differs.

    snapshot = catalog.snapshot(conn)
    print(catalog.differences(migrated, built, "migrations", "plpgsql/"))
"""

from __future__ import annotations

import difflib
from typing import Any

import psycopg2.extensions

Snapshot = dict[str, dict[str, tuple[Any, ...]]]

# kind -> query; the first column names the object, the others are its properties
QUERIES: dict[str, str] = {
    "schema": """
        select n.nspname, pg_get_userbyid(n.nspowner),
               array(select a::text from unnest(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
                      order by 1)
          from pg_namespace n where n.nspname = 'vq'""",
    "relation": """
        select c.oid::regclass::text, c.relkind, pg_get_userbyid(c.relowner),
               array(select a::text
                      from unnest(coalesce(c.relacl,
                                           acldefault(case c.relkind when 'S' then 's'
                                                      else 'r' end::"char", c.relowner))) a
                     order by 1),
               c.reloptions, c.relrowsecurity, obj_description(c.oid, 'pg_class')
          from pg_class c where c.relnamespace = to_regnamespace('vq')""",
    "column": """
        select c.oid::regclass::text || '.' || a.attname,
               format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attgenerated, a.attidentity,
               array(select x::text from unnest(a.attacl) x order by 1),
               col_description(c.oid, a.attnum),
               -- the position among the live columns (a dropped one leaves a gap in attnum)
               row_number() over (partition by a.attrelid order by a.attnum)
          from pg_attribute a
          join pg_class c on c.oid = a.attrelid
          left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
         where c.relnamespace = to_regnamespace('vq') and c.relkind in ('r', 'p', 'v', 'm', 'f')
           and a.attnum > 0 and not a.attisdropped""",
    "constraint": """
        select c.conrelid::regclass::text || ' ' || c.conname, pg_get_constraintdef(c.oid)
          from pg_constraint c where c.connamespace = to_regnamespace('vq')""",
    "index": """
        select c.oid::regclass::text, pg_get_indexdef(c.oid), i.indrelid::regclass::text,
               (select k.conname from pg_constraint k where k.conindid = c.oid
                   and k.contype in ('p', 'u', 'x'))
          from pg_index i join pg_class c on c.oid = i.indexrelid
         where c.relnamespace = to_regnamespace('vq')""",
    "trigger": """
        select t.tgrelid::regclass::text || ' ' || t.tgname, pg_get_triggerdef(t.oid),
               t.tgenabled, t.tgrelid::regclass::text, t.tgname::text
          from pg_trigger t join pg_class c on c.oid = t.tgrelid
         where c.relnamespace = to_regnamespace('vq') and not t.tgisinternal""",
    "function": """
        select p.oid::regprocedure::text, pg_get_functiondef(p.oid), pg_get_userbyid(p.proowner),
               array(select a::text from unnest(coalesce(p.proacl, acldefault('f', p.proowner))) a
                      order by 1),
               obj_description(p.oid, 'pg_proc'), p.proname::text,
               pg_get_function_result(p.oid), pg_get_function_arguments(p.oid)
          from pg_proc p where p.pronamespace = to_regnamespace('vq')""",
    "type": """
        select t.oid::regtype::text, t.typtype, pg_get_userbyid(t.typowner),
               array(select a::text from unnest(coalesce(t.typacl, acldefault('T', t.typowner))) a
                      order by 1),
               array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid
                      order by e.enumsortorder),
               format_type(t.typbasetype, t.typtypmod), obj_description(t.oid, 'pg_type')
          from pg_type t
         where t.typnamespace = to_regnamespace('vq') and t.typtype in ('e', 'd', 'r')""",
    "role": """
        select rolname, rolcanlogin, rolsuper, rolinherit from pg_roles
         where rolname in ('vq_owner', 'vq_worker', 'vq_reader')""",
}
# The properties of each kind, in the order of its query (for the messages).
FIELDS: dict[str, tuple[str, ...]] = {
    "schema": ("owner", "acl"),
    "relation": ("kind", "owner", "acl", "options", "row security", "comment"),
    "column": ("type", "not null", "default", "generated", "identity", "acl", "comment",
               "position"),
    "constraint": ("definition",),
    "index": ("definition", "table", "constraint"),
    "trigger": ("definition", "enabled", "table", "name"),
    "function": ("definition", "owner", "acl", "comment", "name", "result", "arguments"),
    "type": ("kind", "owner", "acl", "labels", "base type", "comment"),
    "role": ("can login", "superuser", "inherit"),
}  # fmt: skip


def snapshot(conn: psycopg2.extensions.connection) -> Snapshot:
    """The snapshot of conn's database (read in one transaction, left as it was)."""
    with conn.cursor() as cur:
        shot: Snapshot = {}
        for kind, sql in QUERIES.items():
            cur.execute(sql)
            shot[kind] = {row[0]: tuple(row[1:]) for row in cur.fetchall()}
        # the rows of every table (a fresh database holds only its reference data)
        shot["rows"] = {}
        for table, properties in shot["relation"].items():
            if properties[0] in ("r", "p"):
                cur.execute(f"select to_jsonb(t)::text from {table} t")
                shot["rows"][table] = tuple(sorted(r[0] for r in cur.fetchall()))
    if not conn.autocommit:
        conn.rollback()
    return shot


def differences(a: Snapshot, b: Snapshot, a_name: str = "a", b_name: str = "b") -> str:
    """One line per object that differs (a unified diff for definitions); '' when equal."""
    lines: list[str] = []
    for kind in sorted(a.keys() | b.keys()):
        ka, kb = a.get(kind, {}), b.get(kind, {})
        for name in sorted(ka.keys() - kb.keys()):
            lines.append(f"{kind} {name}: only in {a_name}")
        for name in sorted(kb.keys() - ka.keys()):
            lines.append(f"{kind} {name}: only in {b_name}")
        for name in sorted(ka.keys() & kb.keys()):
            if ka[name] == kb[name]:
                continue
            fields = FIELDS.get(kind, ("rows",))
            if kind == "rows":
                only_a = sorted(set(ka[name]) - set(kb[name]))
                only_b = sorted(set(kb[name]) - set(ka[name]))
                lines.append(f"rows of {name} differ: only in {a_name} {only_a}, "
                             f"only in {b_name} {only_b}")  # fmt: skip
                continue
            for field, va, vb in zip(fields, ka[name], kb[name], strict=True):
                if va == vb:
                    continue
                if field == "definition" and "\n" in f"{va}{vb}":
                    diff = difflib.unified_diff(
                        str(va).splitlines(), str(vb).splitlines(), a_name, b_name, lineterm=""
                    )
                    lines.append(f"{kind} {name}: definition differs:\n" + "\n".join(diff))
                else:
                    lines.append(f"{kind} {name}: {field} differs: {a_name} {va!r}, "
                                 f"{b_name} {vb!r}")  # fmt: skip
    return "\n".join(lines)
