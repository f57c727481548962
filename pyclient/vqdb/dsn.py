"""Where the client connects: the DSN, with libpq's defaults for a pooled worker.

Precedence: the ``dsn`` argument, else ``DATABASE_URL``, else libpq's own PG*
variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSERVICE, ...):
an empty DSN makes libpq read them itself. Any libpq keyword works, in URL or
``key=value`` form, including several hosts and ``target_session_attrs``.
"""

from __future__ import annotations

import os
from urllib.parse import urlencode

from psycopg2.extensions import make_dsn, parse_dsn

# Added when neither the DSN nor the matching PG* variable sets them. A dead
# server or a silently dropped TCP connection then fails in seconds (and gets
# retried on a fresh connection) instead of hanging a worker for minutes.
DEFAULTS: dict[str, tuple[str | None, str]] = {
    # keyword: (environment variable that sets it too, value)
    "connect_timeout": ("PGCONNECT_TIMEOUT", "5"),
    "keepalives": (None, "1"),
    "keepalives_idle": (None, "30"),
    "keepalives_interval": (None, "10"),
    "keepalives_count": (None, "3"),
    # a call whose request the server has not acknowledged for 10 s (the path to it
    # went silent: no FIN, no RST) fails and is retried, instead of waiting for the
    # kernel's ~15 minutes of retransmissions; a long query is not affected
    "tcp_user_timeout": (None, "10000"),
    "application_name": ("PGAPPNAME", "vqdb"),
}


def configured_dsn(dsn: str | None = None) -> str:
    """The DSN the user configured: the argument, else DATABASE_URL, else '' (PG* variables)."""
    if dsn is not None:
        return dsn
    return os.environ.get("DATABASE_URL", "")


def resolve_dsn(dsn: str | None = None) -> str:
    """The configured DSN with DEFAULTS added for what it leaves unset (key=value form)."""
    base = configured_dsn(dsn)
    given = parse_dsn(base) if base else {}
    extra = {
        key: value
        for key, (env, value) in DEFAULTS.items()
        if key not in given and not (env and os.environ.get(env))
    }
    return make_dsn(base, **extra) if extra else base


def yoyo_url(dsn: str | None = None) -> str:
    """The configured DSN as a URL yoyo-migrations accepts.

    yoyo wants ``postgresql://...`` and passes URL query arguments to
    psycopg2.connect, so every libpq keyword travels in the query; unset ones
    still come from the PG* variables.
    """
    params = parse_dsn(configured_dsn(dsn) or "")
    return "postgresql://" + ("?" + urlencode(params) if params else "")
