"""Every limit of vq._limit holds in every API function that takes the argument, at
its edges: a value just outside is refused with the limit's SQLSTATE (22001 for a
text's length, 22003 for a number) and a message naming the argument; the value
at the edge is not refused for that argument.

The functions check their arguments twice over: a fast expression that passes
nearly every call in one statement, and the helpers that run only when it fails,
to name the argument (docs/decisions.md). Both read vq._limit, but a fast
expression that forgets an argument, or tests it against another limit, lets a
value through. This test derives its cases from the catalog (every API function,
every argument with a limit), so a new function or argument is covered with
nothing to write here.
"""

from __future__ import annotations

from decimal import Decimal

import psycopg2
import pytest
from psycopg2.extensions import AsIs

from tests.python.sql.test_api_registry import api  # noqa: F401  (the fixture)

NUMBERS = {"integer", "bigint", "real", "double precision", "numeric", "smallint"}
TEXTS = {"text"}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def base_value(function: str, name: str, sql_type: str, fixture: dict[str, object]) -> object:
    """A valid value of an argument, from its name and type (the fixture's rows)."""
    if name in fixture:
        return fixture[name]
    if name == "status":
        return "published" if function == "update_video_status" else "processing"
    if sql_type == "jsonb":
        return AsIs("'{}'::jsonb" if name == "metadata" else "'[]'::jsonb")
    if sql_type == "uuid[]":
        return [fixture["quality_id"]]
    if sql_type == "text[]":
        return ["quality.ready"] if name == "events" else ["720p"]
    return {"quality": "360p", "title": "t", "url": "https://u", "worker": "w",
            "error_code": "E", "secret": SECRET}.get(name, None)  # fmt: skip


@pytest.fixture
def conn(pg_server, migrated_template):
    conn = psycopg2.connect(pg_server.url(migrated_template))
    yield conn
    conn.rollback()
    conn.close()


def setup_rows(cur) -> dict[str, object]:
    """A video with a 720p quality claimed by a worker: every id and token a call needs."""
    cur.execute("select id from vq.create_video(p_title => 'limits')")
    video_id = cur.fetchone()[0]
    cur.execute(
        "select id from vq.create_video_quality(p_video_id => %s, p_quality => '720p', "
        "p_url => 'https://u/720')",
        (video_id,),
    )
    quality_id = cur.fetchone()[0]
    cur.execute("select lease_token from vq.claim_qualities(p_worker => 'w', p_limit => 1)")
    lease_token = cur.fetchone()[0]
    # a webhook delivery in flight under the same lease token (a dispatcher's calls)
    cur.execute("select id from vq.create_webhook(p_url => 'https://u/hook', p_secret => %s)",
                (SECRET,))  # fmt: skip
    webhook_id = cur.fetchone()[0]
    cur.execute(
        "insert into vq.webhook_deliveries (webhook_id, xid, seq, video_id, type, payload, "
        "status, lease_token, lease_expires_at) values (%s, '1', 1, %s, 'video.created', "
        "'{}', 'delivering', %s, now() + interval '1 minute') returning id",
        (webhook_id, video_id, lease_token),
    )
    return {"video_id": video_id, "quality_id": quality_id, "lease_token": lease_token,
            "webhook_id": webhook_id, "delivery_id": cur.fetchone()[0]}  # fmt: skip


def edges(sql_type: str, low: Decimal, high: Decimal) -> tuple[list[object], list[object]]:
    """(values just outside the limit, values at its edges) for an argument's type."""
    if sql_type in TEXTS:
        return ["x" * (int(high) + 1)], ["x" * int(high)]
    integral = sql_type in ("integer", "bigint", "smallint")
    below = low - 1 if integral else (low / 2 if low > 0 else low - Decimal("0.5"))
    return [below, high + 1], [low, high]


def call(cur, function: str, args: dict[str, object]) -> str | None:
    """SQLSTATE and message of the call, or None when it succeeded (rolled back)."""
    names = ", ".join(f"p_{n} => %s" for n in args)
    cur.execute("savepoint one_call")
    try:
        cur.execute(f"select * from vq.{function}({names})", list(args.values()))
        return None
    except psycopg2.Error as exc:
        return f"{exc.pgcode} {exc.pgerror}"
    finally:
        cur.execute("rollback to savepoint one_call")


def test_every_limit_holds_in_every_function_at_its_edges(conn, api) -> None:  # noqa: F811
    cases = checked = 0
    failures = []
    with conn.cursor() as cur:
        fixture = setup_rows(cur)
        for function, fn in sorted(api.items()):
            for name, sql_type in zip(fn["args"], fn["types"], strict=True):
                cur.execute("select lower(vq._limit(%s)), upper(vq._limit(%s))", (f"p_{name}",) * 2)
                low, high = cur.fetchone()
                if high is None or (sql_type not in TEXTS and sql_type not in NUMBERS):
                    continue
                # the other arguments: a valid value, or not given (their default)
                base = {
                    a: v
                    for a, t in zip(fn["args"], fn["types"], strict=True)
                    if (v := base_value(function, a, t, fixture)) is not None
                }
                state = "22001" if sql_type in TEXTS else "22003"
                outside, inside = edges(sql_type, low, high)
                for value in outside:
                    cases += 1
                    got = call(cur, function, {**base, name: value})
                    if got is None or not got.startswith(state) or f"p_{name}" not in got:
                        failures.append(f"vq.{function}(p_{name} => {str(value)[:20]}): {got}")
                for value in inside:
                    cases += 1
                    got = call(cur, function, {**base, name: value})
                    if got is not None and got.startswith(state) and f"p_{name}" in got:
                        failures.append(
                            f"vq.{function}(p_{name} => {str(value)[:20]}) refused: {got}"
                        )
                checked += 1
    assert checked >= 40, f"only {checked} limited arguments found: is vq._limit read?"
    assert not failures, f"{len(failures)} of {cases} edge cases:\n" + "\n".join(failures)
