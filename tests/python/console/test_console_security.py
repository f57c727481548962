"""The console as an attacker meets it: hostile values from the catalog, forged
actions, a read-only console asked to act, a console off loopback, tokens from a
console that has restarted, and errors that must not tell what they should not.
Plain HTTP (urllib) against `vqdb console` processes; the browser's side of the
same values is in test_console_pages.py."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest
import vqdb
from vqdb.testing.cluster import free_port

from tests.python.console.conftest import VQDB
from tests.python.console.test_console_pages import HOSTILE_ERROR, HOSTILE_TITLE, seed


class Client:
    """A browser's memory without the browser: cookies, and the answer of each request."""

    def __init__(self, base: str, auth: tuple[str, str] | None = None) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        handlers: list[urllib.request.BaseHandler] = [
            urllib.request.HTTPCookieProcessor(self.jar),
            NoRedirect(),
        ]
        if auth:
            manager = urllib.request.HTTPPasswordMgrWithPriorAuth()
            manager.add_password(None, base, *auth, is_authenticated=True)
            handlers.append(urllib.request.HTTPBasicAuthHandler(manager))
        self.opener = urllib.request.build_opener(*handlers)

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, dict]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=10) as answer:
                return answer.status, answer.read().decode(), dict(answer.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), dict(exc.headers)

    def token(self, path: str) -> str:
        """The CSRF token of the confirmation page at ``path``."""
        status, body, _ = self.request(path)
        assert status == 200, body
        match = re.search(r'name="csrf" value="([^"]+)"', body)
        assert match, body
        return match.group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 303 is an answer to look at, not to follow


def test_hostile_values_from_the_catalog_stay_text(db_url, start_console):
    video, _ = seed(db_url)
    client = Client(start_console(db_url).url)
    for path in ("/", "/videos", f"/videos/{video.id}", "/queue", "/videos?q=%3Cscript"):
        status, body, _ = client.request(path)
        assert status == 200
        assert "<script>alert" not in body and "<img src=x" not in body, path
    _, body, _ = client.request(f"/videos/{video.id}")
    assert (
        "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; Cats &amp; &#34;friends&#34;" in body
    )
    assert "&lt;img src=x onerror=alert(&#34;error&#34;)&gt; exit 1" in body
    assert HOSTILE_TITLE not in body and HOSTILE_ERROR not in body


def test_an_action_without_its_token_is_refused_and_changes_nothing(db_url, start_console):
    video, q = seed(db_url)
    client = Client(start_console(db_url, "--actions").url)
    delete = f"/videos/{video.id}/delete"

    assert client.request(delete, {})[0] == 403  # no session, no token
    client.token(delete)  # the session now has a token
    assert client.request(delete, {})[0] == 403  # none sent
    assert client.request(delete, {"csrf": "forged"})[0] == 403
    stranger = Client(client.base)  # another browser: a token of its own
    assert stranger.request(delete, {"csrf": stranger.token(delete) + "x"})[0] == 403
    assert client.request(delete, {"csrf": stranger.token(delete)})[0] == 403  # not its session
    retry = f"/videos/{video.id}/retry"
    assert client.request(retry, {"quality": str(q["1080p"].id)})[0] == 403
    with vqdb.Catalog(db_url, maxconn=1) as db:
        assert db.get_video(video.id) is not None
        assert db.list_qualities_ordered(video.id)[0].status == "failed"

    status, _, headers = client.request(delete, {"csrf": client.token(delete)})
    assert (status, headers["location"]) == (303, "/videos")  # the same request with it
    with vqdb.Catalog(db_url, maxconn=1) as db:
        assert db.get_video(video.id) is None


def test_a_read_only_console_refuses_every_action(db_url, start_console):
    video, q = seed(db_url)
    client = Client(start_console(db_url).url)
    with vqdb.Catalog(db_url, maxconn=1) as db:
        before = [dataclass_tuple(r) for r in db.list_qualities_ordered(video.id)]
    targets = [
        (f"/videos/{video.id}/set-default", str(q["480p"].id)),
        (f"/videos/{video.id}/restart", str(q["360p"].id)),
        (f"/videos/{video.id}/retry", str(q["1080p"].id)),
        (f"/videos/{video.id}/release", str(q["720p"].id)),
        (f"/videos/{video.id}/delete", ""),
        ("/queue/retry-failed", ""),
    ]
    for path, quality in targets:
        status, body, _ = client.request(f"{path}?quality={quality}")
        assert status == 403 and "read-only" in body, path
        status, _, _ = client.request(path, {"quality": quality, "csrf": "any"})
        assert status == 403, path
    _, body, _ = client.request(f"/videos/{video.id}")
    assert "/restart?" not in body and "Delete video" not in body  # and no button shown
    with vqdb.Catalog(db_url, maxconn=1) as db:
        assert [dataclass_tuple(r) for r in db.list_qualities_ordered(video.id)] == before
        assert db.get_video(video.id) is not None


def dataclass_tuple(row):
    return (row.id, row.status, row.attempts, row.is_default, row.lease_token)


def run_console(db_url, *args, env=None):
    """`vqdb console` expected to refuse to start: its exit code and what it said."""
    environment = {"PATH": "/usr/bin:/bin", **(env or {})}
    done = subprocess.run(
        [VQDB, "console", "--database", db_url, *args],
        capture_output=True, text=True, timeout=30, env=environment,
    )  # fmt: skip
    return done.returncode, done.stderr


def test_off_loopback_it_will_not_start_without_credentials(db_url):
    code, said = run_console(db_url, "--listen", f"0.0.0.0:{free_port()}")
    assert code == 2
    assert (
        "not loopback" in said and "VQDB_CONSOLE_USER" in said and "VQDB_CONSOLE_PASSWORD" in said
    )
    code, said = run_console(
        db_url, "--listen", f"0.0.0.0:{free_port()}", env={"VQDB_CONSOLE_USER": "ops"}
    )
    assert code == 2 and "set both" in said


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
def test_with_credentials_every_page_but_healthz_asks_for_them(db_url, start_console, host):
    video, _ = seed(db_url)
    secret = {"VQDB_CONSOLE_USER": "ops", "VQDB_CONSOLE_PASSWORD": "s3cret pass"}
    console = start_console(db_url, "--actions", env=secret, host=host)  # requests go to loopback
    anonymous = Client(console.url)
    for path in ("/", "/videos", f"/videos/{video.id}", "/queue", "/events", "/static/console.js"):
        status, _, headers = anonymous.request(path)
        assert status == 401 and headers["www-authenticate"].startswith("Basic"), path
    assert anonymous.request(f"/videos/{video.id}/delete", {"csrf": "x"})[0] == 401
    assert anonymous.request("/healthz")[0] == 200  # a load balancer's probe
    assert Client(console.url, ("ops", "wrong")).request("/")[0] == 401
    assert Client(console.url, ("other", "s3cret pass")).request("/")[0] == 401
    assert Client(console.url, ("ops", "s3cret pass")).request("/")[0] == 200
    output = console.stop()
    assert "s3cret" not in output


def test_a_token_dies_with_its_console(db_url, start_console):
    video, _ = seed(db_url)
    first = start_console(db_url, "--actions")
    client = Client(first.url)
    delete = f"/videos/{video.id}/delete"
    token = client.token(delete)
    [cookie] = list(client.jar)
    assert cookie.name == "vqdb_console" and cookie.expires is None  # a browser-session cookie
    assert cookie.has_nonstandard_attr("httponly")
    assert cookie.get_nonstandard_attr("samesite").lower() == "strict"
    first.stop()
    second = start_console(db_url, "--actions")
    client.base = second.url  # the same browser, its cookie and token, a restarted console
    assert client.request(delete, {"csrf": token})[0] == 403
    with vqdb.Catalog(db_url, maxconn=1) as db:
        assert db.get_video(video.id) is not None


def test_errors_tell_neither_a_trace_nor_the_dsn(db_url, start_console):
    unreachable = f"postgresql://vq_admin:hunter2-pw@127.0.0.1:{free_port()}/vq_hidden_db"
    console = start_console(unreachable, healthz=503)
    client = Client(console.url)
    for path in ("/", "/videos", "/queue", "/videos/8e0f0c8e-7d0e-4d6e-9a7e-3c0c7f2f4b1a"):
        status, body, _ = client.request(path)
        assert status == 503 and "Database unreachable" in body, path
        for secret in (
            "hunter2",
            "vq_admin",
            "Traceback",
            "psycopg2",
            "vq_hidden_db",
            "127.0.0.1:",
        ):
            assert secret not in body, (path, secret)
    status, body, _ = client.request("/videos/not-a-video")
    assert status == 404 and "Traceback" not in body
    assert "hunter2" not in console.stop()  # nor in the log
