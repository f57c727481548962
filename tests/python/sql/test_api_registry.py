"""One registry of the API: tests/pgtap/api.psql, which structure.sql pins to the
catalog. Every API function found in a migrated catalog (every function of vq
not named _...) must have everything a caller relies on; a missing part fails
here with the part named:

- a method of vqdb.Catalog of the same name, taking the function's arguments,
  required where the function has no default (and the client calls no function
  that does not exist);
- the files generated from the catalog (./dev docs: the client's registry
  vqdb.sql_api, pgTAP's registry, the docs' signature blocks, the errors table,
  the README's list of methods) up to date;
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
import typing

import psycopg2
import pytest
import vqdb
from vqdb.sql_api import QualityMetadata

from tests.python.conftest import REPO_ROOT
from tools import generate
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


def method_parameters(name: str) -> dict[str, bool]:
    """Catalog.<name>'s parameters -> whether a caller must give it; ``**fields:
    Unpack[QualityMetadata]`` stands for its keys, each optional."""
    out = {}
    for p in inspect.signature(getattr(vqdb.Catalog, name)).parameters.values():
        if p.kind is p.VAR_KEYWORD:
            hint = typing.get_type_hints(getattr(vqdb.Catalog, name))[p.name]
            assert typing.get_args(hint) == (QualityMetadata,), f"Catalog.{name}: **{p.name}"
            out.update(dict.fromkeys(QualityMetadata.__annotations__, False))
        elif p.name not in ("self", "read_from_primary"):
            out[p.name] = p.default is p.empty
    return out


def test_client_methods_take_the_functions_arguments(api, superuser_conn) -> None:
    with superuser_conn.cursor() as cur:
        cur.execute(
            "select proname, pronargs - pronargdefaults from pg_proc "
            "where pronamespace = 'vq'::regnamespace and proname !~ '^_'"
        )
        required_count = dict(cur.fetchall())
    for name, fn in api.items():
        params = method_parameters(name)
        args = [a for a in fn["args"] if (name, a) not in CLIENT_FILLED]
        missing = [a for a in args if a not in params]
        assert not missing, f"Catalog.{name} lacks the arguments {missing} of vq.{name}"
        extra = [p for p in params if p not in fn["args"]]
        assert not extra, f"Catalog.{name} takes {extra}, which vq.{name} does not"
        required = set(fn["args"][: required_count[name]])
        must_give = {p for p, needed in params.items() if needed}
        assert must_give == required - {a for n, a in CLIENT_FILLED if n == name}, (
            f"Catalog.{name} requires {sorted(must_give)}; vq.{name} has no default "
            f"for {sorted(required)}"
        )


def test_the_generated_files_are_what_the_catalog_says(pg_server, migrated_template) -> None:
    conn = psycopg2.connect(pg_server.url(migrated_template))
    try:
        stale = generate.stale(generate.generated(conn))
    finally:
        conn.close()
    assert not stale, f"{stale} are not what the API's declarations say: run ./dev docs"


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
    methods = readme.split(generate.METHODS_BEGIN, 1)[1].split(generate.METHODS_END, 1)[0]
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
