"""Fixtures for the classroom app: a running `trustsim viz` (the browser is in tests/conftest.py)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(viz_server: tuple[str, int]) -> str:
    """The address of the running app."""
    return viz_server[0]


@pytest.fixture(scope="module")
def viz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """Start `trustsim viz` on a free local port with 10,000 customers (the size the issue
    measures); stop it afterwards."""
    port = free_port()
    log = tmp_path_factory.mktemp("viz") / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "trustsim.cli",
        "viz",
        str(REPO / "configs" / "baseline.toml"),
        "--port",
        str(port),
        "--set",
        "market.customers=10000",
    ]
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
        yield url, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
