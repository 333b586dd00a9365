"""Fixtures for the classroom app: a running `trustsim viz` and headless Debian Chromium.

The browser is Debian's ``chromium`` package driven by Playwright through ``executable_path``;
no browser is ever downloaded. Without Chromium the browser tests fail with a clear message
when ``CI`` is set (CI must have installed it, see .ci/run) and are skipped otherwise.
``TRUSTSIM_CHROMIUM`` names another Chromium binary.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
"""Flags for a quiet headless Chromium: no first-run, update, sync or background traffic."""


def _missing(reason: str) -> None:
    """Fail (under CI) or skip (elsewhere) with a reason a person can act on."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser test must run: see .ci/run)")
    pytest.skip(reason)


def chromium_path() -> str:
    """Path of Debian's Chromium, or fail/skip with how to install it."""
    path = os.environ.get("TRUSTSIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        _missing("headless Chromium not found: install Debian's package with "
                 "'apt-get install chromium' (never 'playwright install')")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `trustsim viz` on a free local port with a small market; stop it afterwards."""
    port = free_port()
    log = tmp_path_factory.mktemp("viz") / "server.log"
    cmd = [sys.executable, "-m", "trustsim.cli", "viz", str(REPO / "configs" / "baseline.toml"),
           "--port", str(port), "--set", "market.customers=1500"]
    with log.open("w") as out:
        server = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"trustsim viz exited with {server.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"trustsim viz did not answer on {url} in 60 s:\n{log.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium under Playwright."""
    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package 'playwright' is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
