"""One registry of the API: tests/pgtap/api.psql, which structure.sql pins to the
catalog. Every API function found in a migrated catalog (every function of vq
not named _...) must have everything a caller relies on; a missing part fails
here with the part named:

- a method of vqdb.Catalog of the same name, taking the function's arguments
  (and the client calls no function that does not exist);
- a COMMENT that lists its SQLSTATEs (\\df+ is a reference);
- a section in docs/sql-api.md, a mention in README.md's list of methods,
  and docs/errors.md's table as its COMMENT says
  (written by ./dev docs);
- a pgTAP test that calls it (its error cases for null and malformed arguments,
  in errors.sql and test_reliability_bad_input, are derived from the catalog);
- and the limits of its arguments (vq._limit) in the table of docs/sql-api.md.
"""

from __future__ import annotations

import inspect
import re

import pytest
import vqdb

from tests.python.conftest import REPO_ROOT
from tools.docs import ERRORS_MD, errors_section, source_comments

DOCS = REPO_ROOT / "docs"
PGTAP = REPO_ROOT / "tests" / "pgtap"
# Arguments the client fills itself instead of taking them from the caller.
CLIENT_FILLED = {("create_video", "id")}


@pytest.fixture(scope="module")
def api(pg_server, migrated_template) -> dict[str, dict[str, object]]:
    """name -> {'args': [argument names without p_], 'types': [...], 'comment': ...}."""
    import psycopg2

    conn = psycopg2.connect(pg_server.url(migrated_template))
    try:
        with conn.cursor() as cur:
            cur.execute(
                """select p.proname, coalesce(p.proargnames[1:p.pronargs], '{}'),
                          array(select format_type(t, null) from unnest(p.proargtypes) t),
                          obj_description(p.oid, 'pg_proc')
                     from pg_proc p
                    where p.pronamespace = 'vq'::regnamespace and p.proname !~ '^_'"""
            )
            rows = cur.fetchall()
    finally:
        conn.close()
    return {
        name: {"args": [a.removeprefix("p_") for a in args], "types": types, "comment": c}
        for name, args, types, c in rows
    }


def test_the_registry_is_not_empty(api) -> None:
    assert len(api) >= 13 and "delete_video" in api


def test_every_api_function_has_a_client_method_and_no_method_calls_nothing(api) -> None:
    assert sorted(api) == vqdb.Catalog.api_functions(), (
        "API functions without a Catalog method: "
        f"{sorted(set(api) - set(vqdb.Catalog.api_functions()))}; Catalog methods without "
        f"an SQL function: {sorted(set(vqdb.Catalog.api_functions()) - set(api))}"
    )


def test_client_methods_take_the_functions_arguments(api) -> None:
    for name, fn in api.items():
        params = set(inspect.signature(getattr(vqdb.Catalog, name)).parameters) - {"self"}
        missing = [a for a in fn["args"] if a not in params and (name, a) not in CLIENT_FILLED]
        assert not missing, f"Catalog.{name} lacks the arguments {missing} of vq.{name}"


def test_every_api_function_documents_its_errors_in_its_comment(api) -> None:
    for name, fn in api.items():
        comment = str(fn["comment"] or "")
        states = r"\nErrors: .*\b(2[23][0-9A-Z]{3}|P0002)\b" if fn["args"] else r"\nErrors: "
        assert re.search(states, comment), (
            f"vq.{name}: COMMENT ON FUNCTION has no 'Errors:' line listing SQLSTATEs"
        )


def test_every_api_function_has_a_docs_section(api) -> None:
    sql_api = (DOCS / "sql-api.md").read_text()
    for name in api:
        assert f"### `vq.{name}`" in sql_api, f"docs/sql-api.md has no section ### `vq.{name}`"


def test_the_readme_lists_every_client_method(api) -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    methods = readme.split("Methods (named like the SQL functions", 1)[1].split("\n\n", 1)[0]
    missing = [name for name in sorted(api) if f"`{name}" not in methods]
    assert not missing, f"README.md's list of methods lacks {missing}"


def test_the_errors_table_is_what_the_comments_say(api) -> None:
    from_catalog = {name: str(fn["comment"]) for name, fn in api.items()}
    assert source_comments() == from_catalog, "tools/docs.py misreads plpgsql/functions/"
    assert errors_section(from_catalog) in ERRORS_MD.read_text(), (
        "docs/errors.md's table of errors by function is out of date: run ./dev docs"
    )


def test_every_api_function_has_a_pgtap_behaviour_test(api) -> None:
    pgtap = {p.name: p.read_text() for p in PGTAP.glob("*.sql")}
    behaviour = {
        n: t for n, t in pgtap.items() if not n.startswith(("errors", "structure", "privileges"))
    }
    for name in api:
        assert any(f"vq.{name}(" in t for t in behaviour.values()), (
            f"no pgTAP behaviour test calls vq.{name}"
        )


def limits_table(superuser_conn, api) -> list[str]:
    """The rows the table of limits in docs/sql-api.md must have, from vq._limit."""
    kinds: dict[str, str] = {}
    for fn in api.values():
        for arg, type_ in zip(fn["args"], fn["types"], strict=False):
            kinds.setdefault(f"p_{arg}", "length" if type_ == "text" else "value")
    rows = []
    with superuser_conn.cursor() as cur:
        for arg in sorted(kinds):
            cur.execute("select lower(vq._limit(%s)), upper(vq._limit(%s))", (arg, arg))
            low, high = cur.fetchone()
            if high is None:
                continue
            if kinds[arg] == "length":
                rows.append(f"| `{arg}` | length ≤ {high} | 22001 |")
            else:
                rows.append(f"| `{arg}` | {low} … {high} | 22003 |")
    return rows


def test_the_docs_table_of_limits_is_that_of_vq_limit(superuser_conn, api) -> None:
    text = (DOCS / "sql-api.md").read_text()
    section = text.split("## Limits", 1)[1].split("\n## ", 1)[0]
    documented = [line for line in section.splitlines() if re.match(r"\| `p_", line)]
    expected = limits_table(superuser_conn, api)
    assert documented == expected, (
        "docs/sql-api.md's table of limits differs from vq._limit; it should read:\n"
        + "\n".join(expected)
    )
