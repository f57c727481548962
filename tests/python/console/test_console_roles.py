"""The console with the roles a deployment gives it: pages read as a vq_reader
login (--reader-database), actions write as a vq_worker login (--database)."""

from __future__ import annotations

import vqdb

from tests.python.console.test_console_pages import seed
from tests.python.console.test_console_security import Client
from tests.python.roles import login_role


def test_pages_as_a_reader_and_actions_as_a_worker(db_url, superuser_conn, start_console):
    video, q = seed(db_url)
    with (
        login_role(superuser_conn, db_url, "vq_reader", "reader") as reader_url,
        login_role(superuser_conn, db_url, "vq_worker", "worker") as worker_url,
    ):
        console = start_console(worker_url, "--actions", "--reader-database", reader_url)
        client = Client(console.url)
        for path in ("/", "/videos", f"/videos/{video.id}", "/queue"):
            assert client.request(path)[0] == 200, path
        restart = f"/videos/{video.id}/restart"
        token = client.token(f"{restart}?quality={q['1080p'].id}")
        status, _, _ = client.request(restart, {"csrf": token, "quality": str(q["1080p"].id)})
        assert status == 303
        console.stop()
    with vqdb.Catalog(db_url, maxconn=1) as db:
        failed = {r.quality: r for r in db.list_qualities_ordered(video.id)}["1080p"]
        assert (failed.status, failed.attempts, failed.error_code) == ("pending", 0, None)
