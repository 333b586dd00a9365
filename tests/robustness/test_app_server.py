"""`trustsim viz` facing the network: the Host header, --host 0.0.0.0, broken requests.

A real server is started on a free local port (under a timeout); requests are sent raw.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from robustness_support import ROOT

from trustsim.app import server
from trustsim.cli import main

BASELINE = ROOT / "configs" / "baseline.toml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """A `trustsim viz` on 127.0.0.1 with a small market, and its log."""
    port = free_port()
    log = tmp_path_factory.mktemp("viz") / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "trustsim.cli",
        "viz",
        str(BASELINE),
        "--port",
        str(port),
        "--set",
        "market.customers=300",
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"no answer in 90 s:\n{log.read_text()}"
            time.sleep(0.3)
        yield port, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def raw(port: int, request: bytes) -> bytes:
    """Send bytes, return what comes back (up to 2 s)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        s.settimeout(2)
        data = b""
        try:
            while chunk := s.recv(4096):
                data += chunk
        except TimeoutError:
            pass
        return data


def get(port: int, host: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_unknown_host_headers_are_refused(running):
    port, log = running
    assert get(port, f"127.0.0.1:{port}") == 200
    assert get(port, f"localhost:{port}") == 200
    assert get(port, f"rebound.example.com:{port}") == 400  # DNS rebinding: another site's name
    assert get(port, "192.168.1.10") == 400  # an address this server does not listen on
    assert "refused a request for host 'rebound.example.com'" in log.read_text()


def test_broken_requests_and_sessions_are_one_log_line_each(running):
    port, log = running
    before = log.read_text()
    chunked = (
        b"POST /_solara/api/close/x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nhello\r\n"
    )
    assert raw(port, chunked).startswith(b"HTTP/1.1 400")

    async def garbage_session() -> None:
        import websockets

        path = f"ws://127.0.0.1:{port}/jupyter/api/kernels/x/channels?session_id=y"
        async with websockets.connect(path) as ws:
            await ws.send("not json {")
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)

    asyncio.run(garbage_session())
    time.sleep(1.0)
    added = log.read_text()[len(before) :]
    assert "Traceback" not in added and "Exception in ASGI" not in added, added
    lines = [line for line in added.splitlines() if line.strip()]
    assert len(lines) == 2, added
    assert "broken request" in lines[0] and "broken session" in lines[1]
    assert get(port, f"127.0.0.1:{port}") == 200  # still serving


def test_viz_on_all_interfaces_warns_and_prints_reachable_addresses(monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr(server, "serve", lambda base, host, port, open_browser: seen.update(host=host) or 0)
    monkeypatch.setattr(server, "local_addresses", lambda: ["192.0.2.7", "127.0.0.1", "::1"])
    assert main(["viz", str(BASELINE), "--host", "0.0.0.0", "--port", "0"]) == 0
    out = capsys.readouterr().out
    assert seen == {"host": "0.0.0.0"}
    assert "WARNING" in out and "docs/security.md" in out
    assert "http://192.0.2.7:0/" in out and "http://127.0.0.1:0/" in out
    assert "0.0.0.0:" not in out and "::1" not in out  # 0.0.0.0 serves IPv4 only


def test_the_host_header_allowed_follows_the_address_served(monkeypatch):
    monkeypatch.setattr(server, "local_addresses", lambda: ["192.0.2.7", "127.0.0.1"])
    assert server.allowed_hosts("127.0.0.1") >= {"127.0.0.1", "localhost"}
    assert "192.0.2.7" not in server.allowed_hosts("127.0.0.1")
    assert {"192.0.2.7", "127.0.0.1"} <= server.allowed_hosts("0.0.0.0")
    assert server.host_name("[::1]:8765") == "::1"
    assert server.host_name("Example.COM:80") == "example.com"
