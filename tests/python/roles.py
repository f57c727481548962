"""Login roles for tests that connect as a service in production does: a role that
is only a member of vq_worker (or vq_reader), so that the API's grants are tested
too, and the URL that logs in as it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg2.extensions


def as_user(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    netloc = f"{quote(user)}:{quote(password)}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@contextmanager
def login_role(
    superuser_conn: psycopg2.extensions.connection, url: str, member_of: str, prefix: str = "svc"
) -> Iterator[str]:
    """A new login role, member of ``member_of`` only; yields its URL to ``url``'s
    database. Its sessions are ended and the role dropped afterwards."""
    role = f"{prefix}_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    with superuser_conn.cursor() as cur:
        cur.execute(f"create role {role} login password %s", (password,))
        cur.execute(f"grant {member_of} to {role}")
    try:
        yield as_user(url, role, password)
    finally:
        with superuser_conn.cursor() as cur:
            cur.execute("select pg_terminate_backend(pid) from pg_stat_activity where usename = %s",
                        (role,))  # fmt: skip
            cur.execute(f"drop role {role}")
