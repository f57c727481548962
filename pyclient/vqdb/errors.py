"""The client's exceptions, and the one table that maps a SQLSTATE to them.

Callers catch a few meaningful classes instead of psycopg2's dozens; each
exception keeps the SQLSTATE, the server's message and the original psycopg2
exception (``original``) for whoever needs the details (``original.diag``).
"""

from __future__ import annotations

import psycopg2


class VqdbError(Exception):
    """Base of every vqdb error; also raised as such for a SQLSTATE the table does not name."""

    def __init__(
        self, sqlstate: str | None, message: str, original: BaseException | None = None
    ) -> None:
        super().__init__(f"[{sqlstate}] {message}" if sqlstate else message)
        self.sqlstate = sqlstate
        self.message = message
        self.original = original


class NotFound(VqdbError):
    """A row the call refers to does not exist (P0002, 23503)."""


class InvalidArgument(VqdbError):
    """An argument was rejected (class 22, 23502, 23514): fix the call, do not retry it."""


class Conflict(VqdbError):
    """The call collided with another one (23505, 40001, 40P01): repeating it may succeed."""


class LeaseLost(VqdbError):
    """The worker no longer holds the lease it names (55000): another worker claimed the
    quality after the lease expired, or it was released, restarted, completed by another
    writer or deleted. Stop working on it; nothing was changed."""


class Unavailable(VqdbError):
    """The server could not be reached or dropped the connection, also after the retries."""


class PoolTimeout(VqdbError):
    """Every connection of the pool stayed busy for the whole acquire timeout."""


# The table. A key is a full SQLSTATE or a two-character class; the full code
# wins over its class. Anything else becomes a plain VqdbError.
SQLSTATE_TO_ERROR: dict[str, type[VqdbError]] = {
    "P0002": NotFound,  # no_data_found: the API's "referenced row does not exist"
    "23503": NotFound,  # foreign_key_violation
    "22": InvalidArgument,  # data exception: null, range, length, malformed value
    "23502": InvalidArgument,  # not_null_violation
    "23514": InvalidArgument,  # check_violation
    "23505": Conflict,  # unique_violation
    "40001": Conflict,  # serialization_failure
    "40P01": Conflict,  # deadlock_detected
    "55000": LeaseLost,  # object_not_in_prerequisite_state: the API's fencing
    "08": Unavailable,  # connection exception
    "57P01": Unavailable,  # admin_shutdown (pg_terminate_backend, fast shutdown)
    "57P02": Unavailable,  # crash_shutdown
    "57P03": Unavailable,  # cannot_connect_now (starting up, shutting down)
}


def error_class(sqlstate: str | None) -> type[VqdbError]:
    """The exception class for a SQLSTATE, by the table."""
    if not sqlstate:
        return VqdbError
    return SQLSTATE_TO_ERROR.get(sqlstate) or SQLSTATE_TO_ERROR.get(sqlstate[:2]) or VqdbError


def from_psycopg2(exc: psycopg2.Error) -> VqdbError:
    """The vqdb exception for a psycopg2 one (not raised: the caller raises it ``from exc``)."""
    sqlstate: str | None = exc.pgcode
    message = (exc.diag.message_primary if sqlstate else None) or str(exc).strip()
    if sqlstate:
        cls = error_class(sqlstate)
    elif isinstance(exc, psycopg2.InterfaceError | psycopg2.OperationalError):
        # No SQLSTATE: libpq lost or never had the connection ("connection
        # already closed", "server closed the connection unexpectedly",
        # "connection refused", a timeout).
        cls = Unavailable
    else:
        cls = VqdbError
    return cls(sqlstate, message, exc)


def is_connection_lost(exc: BaseException) -> bool:
    """True when the error means the connection (not the call) failed."""
    if isinstance(exc, VqdbError):
        return isinstance(exc, Unavailable)
    if isinstance(exc, psycopg2.Error):
        return isinstance(from_psycopg2(exc), Unavailable)
    return False
