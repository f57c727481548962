"""Another language calls the SQL API by name: tests/node/calls.js with npm's `pg` driver.

The script connects as a plain login role that is only a member of vq_worker,
as a service in production would (docs/operations.md), so the grants of the
API are checked too. It exits non-zero on anything unexpected; here we check
its output against the database as well.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg2.extensions

from tests.python.roles import login_role

REPO_ROOT = Path(__file__).resolve().parents[3]
NODE_DIR = REPO_ROOT / "tests" / "node"


def ensure_node_modules() -> None:
    """`npm ci` once (./dev test does it too); the lock file pins the driver."""
    if (NODE_DIR / "node_modules" / "pg" / "package.json").exists():
        return
    npm = shutil.which("npm")
    assert npm, "npm not found (./dev test installs nodejs and npm)"
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=NODE_DIR,
        check=True,
        capture_output=True,
        timeout=600,
    )


def test_node_script_calls_the_api_by_name(
    db_url: str, superuser_conn: psycopg2.extensions.connection
) -> None:
    ensure_node_modules()
    node = shutil.which("node")
    assert node, "node not found (./dev test installs nodejs)"

    with login_role(superuser_conn, db_url, "vq_worker", "node_svc") as url:
        proc = subprocess.run(
            [node, "calls.js"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "DATABASE_URL": url},
            check=False,
        )
    assert proc.returncode == 0, f"calls.js failed:\n{proc.stdout}\n{proc.stderr}"

    lines = proc.stdout.splitlines()
    assert lines[-1] == "ok"
    assert "ladder 2160p,1080p,720p,360p,original" in lines
    assert "default 1080p" in lines
    assert "quality 1080p status=ready default=true" in lines
    caught = [line for line in lines if line.startswith("caught ")]
    assert [line.split()[1:3] for line in caught] == [
        ["22023", "set_default_quality:"],
        ["22023", "update_video_status:"],
    ]
    assert "missing video update returned false" in lines

    # The rows are really there, as the script printed them.
    video_id = next(line.split()[1] for line in lines if line.startswith("video "))
    with superuser_conn.cursor() as cur:
        cur.execute("select quality, is_default from vq.list_qualities_ordered(%s)", (video_id,))
        rows = cur.fetchall()
    assert [q for q, _ in rows] == ["2160p", "1080p", "720p", "360p", "original"]
    assert [q for q, d in rows if d] == ["1080p"]
