"""The console as people and attackers meet it: `vqdb console` started as a process
on a loopback port, and Debian's chromium driven by selenium through Debian's
chromedriver (nothing is downloaded: ./dev installs both packages).

Screenshots of every page go to the test's temporary directory; to keep them for
a person to look at:

    VQDB_CONSOLE_SCREENSHOTS=/tmp/shots ./dev test tests/python/console
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from vqdb.testing.cluster import free_port

VQDB = str(Path(sys.executable).parent / "vqdb")  # the console script of this venv
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class Console:
    """A running `vqdb console`: its base URL and its output so far."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url

    def stop(self) -> str:
        self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        return out


def wait_healthy(
    url: str, process: subprocess.Popen[str], expect: int = 200, timeout: float = 20
) -> None:
    """Until /healthz answers ``expect`` (503: the console runs, its database does not)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"vqdb console exited {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            status = None
        if status == expect:
            return
        time.sleep(0.1)
    raise AssertionError("vqdb console did not answer /healthz")


@pytest.fixture
def start_console() -> Iterator[Callable[..., Console]]:
    """start_console(database_url, "--actions", env={...}, host="127.0.0.1")."""
    started: list[Console] = []

    def start(
        database: str,
        *args: str,
        env: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        healthz: int = 200,
    ) -> Console:
        port = free_port()
        environment = {k: v for k, v in os.environ.items() if not k.startswith("VQDB_CONSOLE_")}
        environment.update(env or {})
        process = subprocess.Popen(
            [VQDB, "console", "--listen", f"{host}:{port}", "--database", database, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment,
        )
        console = Console(process, f"http://127.0.0.1:{port}")
        started.append(console)
        wait_healthy(console.url, process, healthz)
        return console

    yield start
    for console in started:
        console.stop()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the pages' screenshots go: VQDB_CONSOLE_SCREENSHOTS, else the test's tmp dir."""
    kept = os.environ.get("VQDB_CONSOLE_SCREENSHOTS")
    path = Path(kept) if kept else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser() -> Iterator[object]:
    """Debian's chromium, headless, driven by Debian's chromedriver."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail("needs Debian's chromium and chromium-driver: ./dev installs them")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1360,1000", "--disable-gpu"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or CHROMEDRIVER),
                              options=options)  # fmt: skip
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
