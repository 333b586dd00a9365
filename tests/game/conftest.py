"""Fixtures for the classroom game: a `trustsim classroom` server that a test can kill and restart."""

from __future__ import annotations

import re
import signal
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


class GameProcess:
    """`trustsim classroom` in a subprocess, started, killed and restarted with the same command."""

    def __init__(self, folder: Path, port: int, log: Path, *extra: str) -> None:
        self.cmd = [
            sys.executable,
            "-m",
            "trustsim.cli",
            "classroom",
            "--game",
            str(folder),
            "--port",
            str(port),
            *extra,
        ]
        self.url = f"http://127.0.0.1:{port}/"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.teacher_url = ""

    def start(self, timeout: float = 120.0) -> None:
        """Start the server and wait until it answers; read the teacher's address from its output."""
        with self.log.open("a") as out:
            out.write(f"--- start {' '.join(self.cmd)}\n")
            out.flush()
            self.process = subprocess.Popen(self.cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"trustsim classroom exited with {self.process.returncode}:\n{self.log.read_text()}")
            found = re.findall(r"^teacher: (\S+)$", self.log.read_text(), re.M)
            if found:
                try:
                    with urllib.request.urlopen(self.url, timeout=2) as response:
                        if response.status == 200:
                            self.teacher_url = found[-1]
                            return
                except OSError:
                    pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"trustsim classroom did not answer on {self.url} in {timeout:.0f} s:\n{self.log.read_text()}"
                )
            time.sleep(0.3)

    def kill(self) -> None:
        """SIGKILL: a crashed laptop, no chance to clean up."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server if it is running."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def class_game(tmp_path: Path) -> Iterator[GameProcess]:
    """A three-round game (3 periods per round, 1,500 customers) on a free port; stopped afterwards."""
    server = GameProcess(
        tmp_path / "game",
        free_port(),
        tmp_path / "server.log",
        "--rounds",
        "3",
        "--steps-per-round",
        "3",
        "--seed",
        "11",
        "--set",
        "market.customers=1500",
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def preset_game(tmp_path: Path) -> Iterator[GameProcess]:
    """The long game preset (12 rounds of 10 weeks, 3,000 customers) on a free port; stopped afterwards."""
    server = GameProcess(
        tmp_path / "game", free_port(), tmp_path / "server.log", "--preset", "long_game", "--seed", "11"
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
