"""What keeps the console safe to expose: HTTP basic auth, the CSRF token of the
action forms, and the rule that a console listening off loopback needs both.

The token lives in Starlette's signed session cookie, whose key is drawn when the
process starts: a restart ends every session and every token (nothing of them is
stored), and the cookie is a browser-session one with SameSite=Strict.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import secrets

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

USER_VARIABLE = "VQDB_CONSOLE_USER"
PASSWORD_VARIABLE = "VQDB_CONSOLE_PASSWORD"
OPEN_PATHS = frozenset({"/healthz"})  # a load balancer's probe carries no credentials


class CredentialsError(ValueError):
    """The environment's credentials are half set."""


def credentials_from_environment() -> tuple[str, str] | None:
    """(user, password) from VQDB_CONSOLE_USER and VQDB_CONSOLE_PASSWORD; None when
    neither is set; CredentialsError when only one is (or one is empty)."""
    user, password = os.environ.get(USER_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    if user is None and password is None:
        return None
    if not user or not password:
        raise CredentialsError(f"set both {USER_VARIABLE} and {PASSWORD_VARIABLE}, not one")
    return user, password


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


class BasicAuth:
    """ASGI middleware: every request but OPEN_PATHS must carry the user and password
    (compared in constant time), else 401 with the browser's login prompt."""

    def __init__(self, app: ASGIApp, user: str, password: str) -> None:
        self.app = app
        self.expected = (user.encode(), password.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"www-authenticate", b'Basic realm="vqdb console", charset="UTF-8"'),
                    (b"content-type", b"text/plain; charset=utf-8"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"credentials required\n"})

    def _allowed(self, scope: Scope) -> bool:
        header = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, encoded = header.partition(b" ")
        if scheme.lower() != b"basic":
            return False
        try:
            user, sep, password = base64.b64decode(encoded, validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return False
        # both compared, always: the time taken says nothing of which one was wrong
        user_ok = secrets.compare_digest(user, self.expected[0])
        password_ok = secrets.compare_digest(password, self.expected[1])
        return bool(sep) and user_ok and password_ok


def csrf_token(request: Request) -> str:
    """The session's token for the action forms (made on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, submitted: object) -> bool:
    token = request.session.get("csrf")
    return (
        isinstance(token, str)
        and isinstance(submitted, str)
        and secrets.compare_digest(token.encode(), submitted.encode())
    )
