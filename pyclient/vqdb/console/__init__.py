"""vqdb console: the catalog in a browser, for the people who run the pipeline.

    vqdb console --listen 127.0.0.1:8080 --database URL [--actions]

or, mounted in a team's own ASGI service::

    from vqdb.console import app
    application = app("postgresql://...", actions=True)

Pages (pages.py) read through a pool of read-only sessions, actions (actions.py)
write through another, each only by the vq API's functions. One thread per
process follows the change feed for every open page (live.py). Basic auth when
VQDB_CONSOLE_USER and VQDB_CONSOLE_PASSWORD are set, a CSRF token on every
action, read-only unless ``actions`` (security.py). Needs the extra:
pip install 'vqdb[console]'.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg2.extensions
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from vqdb.catalog import Catalog
from vqdb.console import actions as action_pages
from vqdb.console import pages
from vqdb.console.counts import CatalogCounts
from vqdb.console.live import LiveFeed
from vqdb.console.security import BasicAuth, credentials_from_environment
from vqdb.dsn import resolve_dsn

HERE = Path(__file__).parent

__all__ = ["app"]


def read_only(dsn: str) -> str:
    """The DSN with every transaction read-only: a page cannot write, whatever it calls."""
    options = psycopg2.extensions.parse_dsn(dsn).get("options", "")
    return psycopg2.extensions.make_dsn(
        dsn,
        options=f"{options} -c default_transaction_read_only=on".strip(),
        application_name="vqdb-console",
    )


def app(
    database: str | None = None,
    *,
    reader_database: str | None = None,
    actions: bool = False,
    credentials: tuple[str, str] | None = None,
    poll_seconds: float = 0.25,
    progress_seconds: float = 2.0,
    counts_max_age: float = 10.0,
) -> Starlette:
    """The console as an ASGI application.

    database: the URL actions write through (default DATABASE_URL, else PG*);
    reader_database: the one pages read through (default: database), on read-only
    sessions; actions: False refuses every action with 403;
    credentials: (user, password) for basic auth (default: VQDB_CONSOLE_USER and
    VQDB_CONSOLE_PASSWORD when set; none otherwise); counts_max_age: how old the
    overview's counts of videos and qualities may be (counting costs a scan).
    """
    dsn = resolve_dsn(database)
    reader_dsn = read_only(resolve_dsn(reader_database) if reader_database else dsn)
    credentials = credentials or credentials_from_environment()

    @contextlib.asynccontextmanager
    async def lifespan(application: Starlette) -> AsyncIterator[None]:
        # minconn 0 and short retries: a page says "database unreachable" in seconds
        state = application.state
        state.reader = Catalog(reader_dsn, minconn=0, maxconn=8, retry_for=2, acquire_timeout=5)
        state.writer = (
            Catalog(dsn, minconn=0, maxconn=2, retry_for=2, acquire_timeout=5) if actions else None
        )
        state.counts = CatalogCounts(state.reader, counts_max_age)
        state.live = LiveFeed(state.reader, reader_dsn, poll_seconds, progress_seconds)
        state.live.start()
        try:
            yield
        finally:
            state.live.stop()
            state.reader.close()
            if state.writer is not None:
                state.writer.close()

    middleware = [
        # the session holds only the CSRF token and a message; its key dies with the process
        Middleware(
            SessionMiddleware,
            secret_key=secrets.token_urlsafe(32),
            session_cookie="vqdb_console",
            max_age=None,  # a browser-session cookie
            same_site="strict",
        ),
    ]
    if credentials is not None:
        middleware.insert(0, Middleware(BasicAuth, user=credentials[0], password=credentials[1]))
    application = Starlette(
        routes=[
            *pages.routes(),
            *action_pages.routes(),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=middleware,
        exception_handlers=pages.exception_handlers(),
        lifespan=lifespan,
    )
    application.state.actions_enabled = actions
    return application
