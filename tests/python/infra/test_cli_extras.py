"""A command whose optional extra is missing says which one to install, in a real venv
that has vqdb and its required dependencies only (no network: the venv links the
distributions this test's own venv already has)."""

from __future__ import annotations

import re
import subprocess
import venv
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def required_closure() -> set[str]:
    """vqdb and the distributions it needs without any extra, recursively."""
    seen: set[str] = set()
    todo = ["vqdb"]
    while todo:
        name = todo.pop()
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        for requirement in metadata.requires(name) or []:
            if "extra ==" in requirement:
                continue
            todo.append(re.match(r"[A-Za-z0-9._-]+", requirement).group(0))
    return seen


@pytest.fixture(scope="module")
def bare_venv(tmp_path_factory) -> Path:
    """A venv holding vqdb (from this checkout) and its required dependencies only."""
    root = tmp_path_factory.mktemp("bare-venv")
    venv.EnvBuilder(with_pip=False).create(root)
    site = next(root.glob("lib/python*/site-packages"))
    linked = set()
    for name in required_closure():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a backport this Python does not need

        for file in dist.files or []:
            top = file.parts[0]
            if top in linked or top.endswith(".pth") or top == "..":
                continue
            source = Path(dist.locate_file(top))
            if source.exists() and not source.name.startswith("__editable__"):
                (site / top).symlink_to(source)
                linked.add(top)
    (site / "vqdb-checkout.pth").write_text(str(REPO / "pyclient") + "\n")
    return root


def test_the_bare_venv_lacks_the_extra_and_has_the_client(bare_venv) -> None:
    python = str(bare_venv / "bin" / "python")
    probe = subprocess.run(
        [python, "-c", "import vqdb, prometheus_client"], capture_output=True, text=True
    )
    assert "No module named 'prometheus_client'" in probe.stderr, probe.stderr
    assert subprocess.run([python, "-c", "import vqdb.cli"]).returncode == 0


def test_exporter_without_the_metrics_extra_says_what_to_install(bare_venv) -> None:
    done = subprocess.run(
        [str(bare_venv / "bin" / "python"), "-m", "vqdb.cli", "exporter",
         "--database", "postgresql://127.0.0.1:1/none"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "pip install 'vqdb[metrics]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_console_without_its_extra_says_what_to_install(bare_venv) -> None:
    done = subprocess.run(
        [str(bare_venv / "bin" / "python"), "-m", "vqdb.cli", "console",
         "--database", "postgresql://127.0.0.1:1/none"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "pip install 'vqdb[console]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_webhooks_run_without_its_extra_says_what_to_install(bare_venv) -> None:
    done = subprocess.run(
        [str(bare_venv / "bin" / "python"), "-m", "vqdb.cli", "webhooks", "run",
         "--database", "postgresql://127.0.0.1:1/none"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "pip install 'vqdb[webhooks]'" in done.stderr
