"""vqdb.console.app mounted in a team's own ASGI service under a path: every link,
form and redirect stays under that path."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from vqdb.testing.cluster import free_port

from tests.python.console.conftest import wait_healthy
from tests.python.console.test_console_pages import seed
from tests.python.console.test_console_security import Client

SERVICE = textwrap.dedent(
    """
    import sys
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route
    from vqdb.console import app

    console = app(sys.argv[1], actions=True)
    service = Starlette(
        routes=[Route("/", lambda request: PlainTextResponse("the team's own page")),
                Mount("/ops/console", console)],
        lifespan=lambda _: console.router.lifespan_context(console),
    )
    uvicorn.run(service, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    """
)


def test_mounted_under_a_path_every_url_stays_under_it(db_url):
    video, q = seed(db_url)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVICE, db_url, str(port)], text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base + "/ops/console", process)
        client = Client(base)
        assert client.request("/")[1] == "the team's own page"
        status, body, _ = client.request(f"/ops/console/videos/{video.id}")
        assert status == 200
        links = [u for u in _urls(body) if u.startswith("/")]
        assert links and all(u.startswith("/ops/console/") for u in links), links
        restart = f"/ops/console/videos/{video.id}/restart?quality={q['360p'].id}"
        token = client.token(restart)
        answer = client.request(
            f"/ops/console/videos/{video.id}/restart", {"csrf": token, "quality": str(q["360p"].id)}
        )
        assert answer[0] == 303 and answer[2]["location"] == f"/ops/console/videos/{video.id}"
    finally:
        process.terminate()
        process.wait(10)


def _urls(html):
    import re

    return re.findall(r'(?:href|action|src)="([^"]+)"', html)
