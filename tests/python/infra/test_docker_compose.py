"""docker-compose.yml is valid and describes a PostgreSQL with pgTAP plus a test runner.

Only `docker-compose config` is used: it parses and validates the file without
a Docker engine. ./dev installs docker-compose, so its absence is a failure.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.pgbouncer import PgBouncer

REPO_ROOT = Path(__file__).resolve().parents[3]


def compose_config() -> dict[str, Any]:
    exe = shutil.which("docker-compose")
    assert exe, "docker-compose not found (./dev test installs it: apt-get install docker-compose)"
    proc = subprocess.run(
        [exe, "-f", str(REPO_ROOT / "docker-compose.yml"), "config"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"docker-compose config failed:\n{proc.stderr}"
    config = yaml.safe_load(proc.stdout)
    assert isinstance(config, dict)
    return config


def test_services_db_and_tests() -> None:
    services = compose_config()["services"]
    assert {"db", "tests"} <= set(services)

    # db: built from a Dockerfile based on the official postgres image, adding pgTAP.
    build = services["db"]["build"]
    dockerfile = Path(build["context"]) / build.get("dockerfile", "Dockerfile")
    text = dockerfile.read_text()
    base = re.search(r"^\s*FROM\s+(\S+)", text, re.MULTILINE | re.IGNORECASE)
    assert base and re.fullmatch(r"(docker\.io/)?(library/)?postgres(:[\w.-]+)?", base.group(1))
    assert "pgtap" in text
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])

    # tests: waits for a healthy db and points DATABASE_URL at it.
    tests = services["tests"]
    assert tests["depends_on"]["db"]["condition"] == "service_healthy"
    url = urlsplit(tests["environment"]["DATABASE_URL"])
    assert url.scheme in ("postgres", "postgresql")
    assert url.hostname == "db"


def test_optional_standby_and_pgbouncer_mirror_the_tests() -> None:
    """standby: pg_basebackup -R from db, like tests/replication.py; pgbouncer:
    Debian's package with the pool settings of tests/pgbouncer.py."""
    services = compose_config()["services"]

    standby = services["standby"]
    assert standby["profiles"] == ["replica"]  # optional: not started by a plain `up`
    assert standby["depends_on"]["db"]["condition"] == "service_healthy"
    script = " ".join(standby["command"])
    assert "pg_basebackup -h db" in script and " -R " in script
    mounts = " ".join(str(v) for v in services["db"].get("volumes", []))
    assert "primary-replication.sh" in mounts
    assert "host replication" in (REPO_ROOT / "docker/primary-replication.sh").read_text()

    bouncer = services["pgbouncer"]
    assert bouncer["profiles"] == ["pgbouncer"]
    assert bouncer["depends_on"]["db"]["condition"] == "service_healthy"
    dockerfile = (REPO_ROOT / bouncer["build"]["dockerfile"]).read_text()
    assert "install" in dockerfile and "pgbouncer" in dockerfile

    def settings(text: str) -> dict[str, str]:
        pairs = (
            line.split("=", 1)
            for line in text.splitlines()
            if "=" in line and not line.lstrip().startswith(";")
        )
        return {k.strip(): v.strip() for k, v in pairs}

    ours = PgBouncer("postgresql://postgres@127.0.0.1:5432/x")
    ours.base_dir, ours.port = "/nonexistent", 6432  # only to render the ini
    tested = settings(ours.ini())
    compose = settings((REPO_ROOT / "docker/pgbouncer.ini").read_text())
    for key in (
        "pool_mode",
        "default_pool_size",
        "max_client_conn",
        "auth_query",
        "ignore_startup_parameters",
    ):
        assert compose[key] == tested[key], key
    assert compose["*"] == "host=db port=5432"
