"""vqdb.testing as a user's project uses it: `pytest -p vqdb.testing` in a directory
of their own, without DATABASE_URL, starts a throwaway cluster, migrates a
template and gives each test its own copy and a Catalog on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

USER_TEST = """
import vqdb

seen = []


def test_a_worker_writes_its_ladder(vqdb_catalog):
    video = vqdb_catalog.create_video(title="user test")
    vqdb_catalog.create_video_quality(video_id=video.id, quality="720p", url="s3://u/720")
    assert [q.quality for q in vqdb_catalog.list_qualities_ordered(video.id)] == ["720p"]
    seen.append(vqdb_catalog.get_video(video.id).id)


def test_the_next_test_starts_empty(vqdb_url):
    import psycopg2

    with psycopg2.connect(vqdb_url) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from vq.videos")
        assert cur.fetchone()[0] == 0
    assert len(seen) == 1
"""


def test_a_users_tests_get_a_migrated_catalog_each(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PG"))}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "vqdb.testing", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 passed" in out.stdout
