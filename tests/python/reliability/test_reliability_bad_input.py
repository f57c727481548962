"""Bad input, table-driven: each case of reliability/bad_input_cases.py, via SQL and the client.

Each case is one hostile argument of one API function. Run as plain SQL (as
vq_worker) and through vqdb.Catalog, it must end in one of:
  * an error of SQLSTATE class 22, 23 or P0002 (InvalidArgument / NotFound in
    the client) whose message names the argument (or the value, when it cannot
    even be cast to the argument's type), and a checksum of every table of vq
    identical before and after the call: a failed call changed nothing;
  * the value stored exactly as given (injection strings, control characters);
  * false / 0 / no row for a missing target, also with nothing changed.

    pytest tests/python/reliability/test_reliability_bad_input.py -q     # shows the count
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg2
import psycopg2.extensions
import psycopg2.extras
import pytest
import vqdb
from psycopg2 import sql
from vqdb.testing.cluster import quote_ident

from tests.python.conftest import PgServer
from tests.python.reliability.bad_input_cases import (
    CASES,
    MALFORMED_UUIDS,
    Case,
    Raises,
    Ref,
    Returns,
    Sql,
    Stored,
)
from tests.python.reliability.checksum import table_checksums

psycopg2.extras.register_uuid()

CLIENT_ERROR = {
    "P0002": vqdb.NotFound,
    "23505": vqdb.Conflict,
    "22": vqdb.InvalidArgument,
    "23": vqdb.InvalidArgument,
}


@pytest.fixture(scope="module")
def bad_input_db(pg_server: PgServer, migrated_template: str) -> Iterator[str]:
    """One migrated database for the whole module (cases leave it as they found it)."""
    name = f"bad_input_{uuid.uuid4().hex[:8]}"
    pg_server.execute(
        f"create database {quote_ident(name)} template {quote_ident(migrated_template)}"
    )
    try:
        yield pg_server.url(name)
    finally:
        pg_server.execute(f"drop database if exists {quote_ident(name)} with (force)")


@pytest.fixture(scope="module")
def admin(bad_input_db: str) -> Iterator[psycopg2.extensions.connection]:
    conn = psycopg2.connect(bad_input_db)
    conn.autocommit = True
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def refs(admin: psycopg2.extensions.connection) -> dict[Ref, uuid.UUID]:
    """The fixture's ids: VIDEO with a ready default and a pending quality; OTHER_VIDEO."""
    with admin.cursor() as cur:
        cur.execute("select id from vq.create_video('bad input: video')")
        video = cur.fetchone()[0]  # type: ignore[index]
        cur.execute("select id from vq.create_video('bad input: other video')")
        other = cur.fetchone()[0]  # type: ignore[index]
        cur.execute(
            "select id from vq.create_video_quality(%s, '720p', 's3://v/720', "
            "p_status => 'ready', p_is_default => true)",
            (video,),
        )
        ready = cur.fetchone()[0]  # type: ignore[index]
        cur.execute("select id from vq.create_video_quality(%s, '480p', 's3://v/480')", (video,))
        pending = cur.fetchone()[0]  # type: ignore[index]
        cur.execute(
            "select id from vq.create_video_quality(%s, '1080p', 's3://o/1080', "
            "p_status => 'ready')",
            (other,),
        )
        other_ready = cur.fetchone()[0]  # type: ignore[index]
    return {
        Ref.VIDEO: video,
        Ref.READY: ready,
        Ref.PENDING: pending,
        Ref.OTHER_VIDEO: other,
        Ref.OTHER_READY: other_ready,
        Ref.UNKNOWN: uuid.uuid4(),
    }


@pytest.fixture(scope="module")
def worker(
    bad_input_db: str, refs: dict[Ref, uuid.UUID]
) -> Iterator[psycopg2.extensions.connection]:
    """A plain SQL caller with vq_worker's rights only."""
    conn = psycopg2.connect(bad_input_db)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("set role vq_worker")
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def catalog(bad_input_db: str, refs: dict[Ref, uuid.UUID]) -> Iterator[vqdb.Catalog]:
    """The client, connected with vq_worker's rights only."""
    dsn = psycopg2.extensions.make_dsn(bad_input_db, options="-c role=vq_worker")
    with vqdb.Catalog(dsn, maxconn=2) as db:
        yield db


def resolve(value: Any, refs: dict[Ref, uuid.UUID], via: str) -> Any:
    if isinstance(value, Ref):
        return refs[value]
    if isinstance(value, Sql):
        return value if via == "sql" else resolve(value.client, refs, via)
    if isinstance(value, list):
        return [resolve(v, refs, via) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, refs, via) for k, v in value.items()}
    return value


def call_sql(conn: psycopg2.extensions.connection, case: Case, args: dict[str, Any]) -> Any:
    """``select * from vq.fn(p_a => ..., ...)``: Sql arguments inlined, the others as parameters."""
    parts, params = [], []
    for name, value in args.items():
        if isinstance(value, Sql):
            parts.append(sql.Composed([sql.Identifier(f"p_{name}"), sql.SQL(" => " + value.expr)]))
        else:
            parts.append(sql.SQL("{} => %s").format(sql.Identifier(f"p_{name}")))
            is_json = name in ("qualities", "updates") and value is not None
            params.append(
                psycopg2.extras.Json(value, dumps=lambda v: json.dumps(v, default=str))
                if is_json
                else value
            )
    stmt = sql.SQL("select * from vq.{}({})").format(
        sql.Identifier(case.function), sql.SQL(", ").join(parts)
    )
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(stmt, params)
        return cur.fetchall()


def result_ids(result: Any, case: Case, args: dict[str, Any], via: str) -> list[uuid.UUID]:
    """The ids of the rows a Stored case wrote."""
    if case.function == "update_quality_metadata":
        return [args["quality_id"]]
    if case.function == "update_qualities_metadata":
        return [u["quality_id"] for u in args["updates"]]
    if via == "sql":
        return [row["id"] for row in result]
    rows = result if isinstance(result, list) else [result]
    return [row.id for row in rows]


def check_returns(result: Any, expect: Returns, via: str) -> None:
    if via == "sql":
        want = {"false": [False], "zero": [0], "nothing": []}[expect.what]
        assert [next(iter(row.values())) for row in result] == want
    else:
        if expect.what == "nothing":
            assert result in (None, [])
        else:
            assert result is {"false": False, "zero": 0}[expect.what] or result == 0


def check_error(sqlstate: str | None, message: str, expect: Raises) -> None:
    assert sqlstate == expect.sqlstate, message
    assert sqlstate[:2] in ("22", "23") or sqlstate == "P0002"
    if expect.mentions is not None:
        mentions = (expect.mentions,) if isinstance(expect.mentions, str) else expect.mentions
        assert any(m in message for m in mentions), f"{message!r} names none of {mentions}"


def test_cases_are_many_and_have_unique_ids() -> None:
    ids = [f"{c.function}:{c.id}" for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    assert len(CASES) >= 60


PARAMS = [
    pytest.param(case, via, id=f"{via}:{case.function}:{case.id}")
    for case in CASES
    for via in case.via
]


@pytest.mark.parametrize(("case", "via"), PARAMS)
def test_bad_input(
    case: Case,
    via: str,
    refs: dict[Ref, uuid.UUID],
    admin: psycopg2.extensions.connection,
    worker: psycopg2.extensions.connection,
    catalog: vqdb.Catalog,
) -> None:
    run_case(case, via, refs, admin, worker, catalog)


def run_case(
    case: Case,
    via: str,
    refs: dict[Ref, uuid.UUID],
    admin: psycopg2.extensions.connection,
    worker: psycopg2.extensions.connection,
    catalog: vqdb.Catalog,
) -> None:
    args = {k: resolve(v, refs, via) for k, v in case.args.items()}
    before = table_checksums(admin)
    error: tuple[str | None, str] | None = None
    result: Any = None
    if via == "sql":
        try:
            result = call_sql(worker, case, args)
        except psycopg2.Error as exc:
            error = (exc.pgcode, exc.diag.message_primary or str(exc))
    else:
        expected = (
            CLIENT_ERROR.get(case.expect.sqlstate) or CLIENT_ERROR[case.expect.sqlstate[:2]]
            if isinstance(case.expect, Raises)
            else None
        )
        try:
            result = getattr(catalog, case.function)(**args)
        except vqdb.VqdbError as exc:
            assert expected is not None and isinstance(exc, expected), repr(exc)
            error = (exc.sqlstate, exc.message)

    expect = case.expect
    if isinstance(expect, Raises):
        assert error is not None, f"accepted: {result!r}"
        check_error(error[0], error[1], expect)
        assert table_checksums(admin) == before, "a failed call changed a table"
        return
    assert error is None, f"refused: {error}"
    if isinstance(expect, Returns):
        check_returns(result, expect, via)
        assert table_checksums(admin) == before, "a call on a missing target changed a table"
        return
    assert isinstance(expect, Stored)
    table = "videos" if case.function == "create_video" else "video_qualities"
    with admin.cursor() as cur:
        cur.execute(
            sql.SQL("select {} from vq.{} where id = any(%s)").format(
                sql.Identifier(expect.column), sql.Identifier(table)
            ),
            (result_ids(result, case, args, via),),
        )
        stored = [value for (value,) in cur.fetchall()]
    assert expect.value in stored, f"stored {stored!r}, given {expect.value!r}"


def derived_cases(admin: psycopg2.extensions.connection) -> list[Case]:
    """The cases every API function gets from its signature in the catalog, so that a
    new function is covered without a line in bad_input_cases.py: each uuid argument
    given each malformed UUID (22P02 naming the value), and every required argument
    null at once (22004 naming one of them)."""
    with admin.cursor() as cur:
        cur.execute(
            """select p.proname::text,
                      array(select substr(n, 3) from unnest(p.proargnames[1:p.pronargs]) n),
                      array(select format_type(t, null) from unnest(p.proargtypes) t),
                      p.pronargs - p.pronargdefaults
                 from pg_proc p
                where p.pronamespace = 'vq'::regnamespace and p.prosecdef
                  and p.prorettype <> 'trigger'::regtype
                order by 1"""
        )
        functions = cur.fetchall()
    cases = []
    for name, args, types, n_required in functions:
        required = {a: None for a in args[:n_required]}
        if required:
            mentions = tuple(f"p_{a}" for a in required)
            cases.append(Case("derived-required-null", name, required, Raises("22004", mentions)))
        for arg, type_ in zip(args, types, strict=True):
            if type_ != "uuid":
                continue
            for label, bad in MALFORMED_UUIDS.items():
                cases.append(
                    Case(
                        f"derived-{arg}-{label}",
                        name,
                        {**required, arg: bad},
                        Raises("22P02", bad if bad else "uuid"),
                    )
                )
    return cases


def test_derived_cases_of_every_api_function(
    refs: dict[Ref, uuid.UUID],
    admin: psycopg2.extensions.connection,
    worker: psycopg2.extensions.connection,
    catalog: vqdb.Catalog,
) -> None:
    cases = derived_cases(admin)
    assert {c.function for c in cases} >= {"get_video", "delete_video", "create_video"}
    failures = []
    for case in cases:
        for via in ("sql", "client"):
            try:
                run_case(case, via, refs, admin, worker, catalog)
            except AssertionError as exc:
                failures.append(f"{via}:{case.function}:{case.id}: {exc}")
    assert not failures, "\n".join(failures)
