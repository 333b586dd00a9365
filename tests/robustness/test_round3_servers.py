"""Round 3 of hostile use (issue 29), the web servers: `trustsim classroom` (the game) and `trustsim viz`.

One test per defect, each under a time limit; the game servers started here listen on 127.0.0.1
only (the "other machines" of a classroom are other loopback addresses, 127.0.0.x, which Linux
routes to this machine), and every client they use stops by itself.
"""

from __future__ import annotations

import asyncio
import csv
import http.client
import io
import json
import logging
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from robustness_support import ROOT

from trustsim.app.server import Guard
from trustsim.cli import main as cli_main
from trustsim.config import load_scenario
from trustsim.game import Game
from trustsim.game import record as rec
from trustsim.game.server import GameServer

FORM = {"content-type": "application/x-www-form-urlencoded"}
HOST = "127.0.0.1:8766"


# --- helpers ------------------------------------------------------------------------------------


def call(
    app: Any, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"", client: str = "10.0.0.7"
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request straight through an ASGI app: (status, headers, body). An error escaping the app fails."""

    async def run() -> tuple[int, dict[str, str], bytes]:
        sent: list[dict[str, Any]] = []
        incoming = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            return incoming.pop(0) if incoming else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        route, _, query = path.partition("?")
        given = {"host": HOST, **(headers or {})}
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": route,
            "raw_path": route.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in given.items()],
            "client": (client, 50000),
            "server": ("127.0.0.1", 8766),
        }
        await app(scope, receive, send)  # a console traceback is an error that escapes here
        start = next(m for m in sent if m["type"] == "http.response.start")
        data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, data

    return asyncio.run(run())


def small_game(folder: Path | None = None, rounds: int = 2) -> Game:
    scenario = load_scenario(None, {"market.customers": 300, "market.initial_customers": 0.2})
    return Game.create(scenario, rounds=rounds, steps_per_round=2, folder=folder)


def teacher(server: GameServer) -> dict[str, str]:
    return {"cookie": f"{server.teacher_cookie}={server.game.record.teacher_key}"}


def outcome(status: int, location: str | None) -> str:
    """What a join came to: 'joined' (to the firm's page), 'refused' (back to the join page with the
    message, post/redirect/get) or the HTTP status of a page answered at once (e.g. '429')."""
    if status == 303:
        return {"/firm": "joined", "/": "refused"}.get(location or "", f"303 to {location}")
    return str(status)


def join(app: Any, game: Game, name: str, client: str = "10.0.0.7") -> str:
    form = urllib.parse.urlencode({"code": game.record.join_code, "name": name}).encode()
    status, headers, _ = call(app, "POST", "/join", FORM, form, client=client)
    return outcome(status, headers.get("location"))


def flashed(app: Any, answer: tuple[int, dict[str, str], bytes], page: str, cookie: str = "") -> bytes:
    """The page a redirected answer leads to, with the message it carried (its flash cookie)."""
    status, headers, _ = answer
    assert status == 303 and headers["location"] == page, (status, headers)
    flash = headers["set-cookie"].split(";")[0]
    return call(app, "GET", page, {"cookie": f"{cookie}; {flash}" if cookie else flash})[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`trustsim classroom` in a subprocess on 127.0.0.1 (on a free port unless `port` is given); see `stop`."""

    def __init__(self, folder: Path, *extra: str, files: int | None = None, port: int | None = None) -> None:
        self.log = folder.parent / f"{folder.name}.log"
        port = free_port() if port is None else port
        cmd = [sys.executable, "-m", "trustsim.cli", "classroom", "--game", str(folder), "--port", str(port), *extra]
        cmd += ["--rounds", "3", "--steps-per-round", "2", "--set", "market.customers=600"]

        def limit_files() -> None:  # the machine of the report: at most `files` open files, hard limit too
            if files is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

        with self.log.open("w") as out:
            self.process = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, preexec_fn=limit_files)
        deadline = time.monotonic() + 60
        while not (found := re.findall(r"^teacher: http://127\.0\.0\.1:(\d+)/teacher\?key=(\S+)$", self.text(), re.M)):
            assert self.process.poll() is None, self.text()
            assert time.monotonic() < deadline, f"no teacher address in 60 s:\n{self.text()}"
            time.sleep(0.2)
        self.port, self.key = int(found[0][0]), found[0][1]
        self.code = re.findall(r"join code (\w+)", self.text())[0]

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def join(self, name: str, source: str = "127.0.0.1", headers: dict[str, str] | None = None) -> str:
        """Join as firm `name` from address `source`: see `outcome`."""
        status, _ = self.request("POST", "/join", f"code={self.code}&name={name}", source=source, headers=headers)
        return outcome(status, self.location)

    def request(
        self, method: str, path: str, body: str = "", source: str = "127.0.0.1", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5, source_address=(source, 0))
        try:
            sent = {"Content-Type": FORM["content-type"], **(headers or {})} if body else dict(headers or {})
            conn.request(method, path, body=body or None, headers=sent)
            response = conn.getresponse()
            self.location = response.getheader("location")
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("live") / "game")
    try:
        yield server
    finally:
        server.stop()


# --- 2: viz WebSocket sessions from other sites -------------------------------------------------


@pytest.mark.timeout(30)
def test_viz_refuses_websocket_sessions_opened_by_another_site(caplog) -> None:
    opened: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        opened.append(scope["path"])
        await send({"type": "websocket.accept"})

    guard = Guard(app, hosts={"127.0.0.1", "localhost"})

    def session(origin: str | None) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "websocket.connect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(dict(message))

        headers = [(b"host", b"127.0.0.1:8765")] + ([(b"origin", origin.encode())] if origin else [])
        scope = {"type": "websocket", "path": "/jupyter/api/kernels/k/channels", "headers": headers}
        scope["client"] = ("127.0.0.1", 40000)
        asyncio.run(guard(scope, receive, send))
        return sent

    with caplog.at_level(logging.WARNING, logger="trustsim.viz"):
        for evil in ("https://evil.example", "http://127.0.0.1:9999", "null"):
            assert session(evil) == [{"type": "websocket.close", "code": 1008}], evil
    assert opened == [], "a page of another site opened a session"
    lines = [r.getMessage() for r in caplog.records if "another site" in r.getMessage()]
    assert len(lines) == 3 and "evil.example" in lines[0]
    assert session("http://127.0.0.1:8765")[0]["type"] == "websocket.accept"  # the app's own page
    assert session(None)[0]["type"] == "websocket.accept"  # not a browser: no Origin, no site to protect
    assert len(opened) == 2


@pytest.mark.timeout(180)
def test_a_running_viz_refuses_a_session_from_another_site(tmp_path: Path) -> None:
    import websockets

    port, log = free_port(), tmp_path / "viz.log"
    cmd = [sys.executable, "-m", "trustsim.cli", "viz", str(ROOT / "configs" / "baseline.toml"), "--port", str(port)]
    with log.open("w") as out:
        proc = subprocess.Popen([*cmd, "--set", "market.customers=300"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"no answer in 120 s:\n{log.read_text()}"
            time.sleep(0.3)

        async def attempt(origin: str) -> int | str:
            url = f"ws://127.0.0.1:{port}/jupyter/api/kernels/x/channels?session_id=y"
            try:
                async with websockets.connect(url, origin=origin, proxy=None, open_timeout=10):  # type: ignore[arg-type]
                    return "open"
            except websockets.InvalidStatus as e:
                return e.response.status_code

        assert asyncio.run(attempt("https://evil.example")) == 403
        assert asyncio.run(attempt(f"http://127.0.0.1:{port}")) == "open"  # the app's own page
        time.sleep(0.5)
        text = log.read_text()
        assert "refused a session from 127.0.0.1 opened by another site (Origin 'https://evil.example')" in text
        assert "Traceback" not in text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- 3 and the done-when load test: slow and greedy clients -------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_slow_and_greedy_clients_leave_three_honest_students_served(tmp_path: Path) -> None:
    """300 connections that send headers and no body, request and join floods: students still get answers in 2 s.

    The server may open only 256 files (as on the machine where the game froze); the clients run for
    about 12 s and stop by themselves.
    """
    server = Server(tmp_path / "game", files=256)
    stop = threading.Event()
    slow: list[socket.socket] = []
    try:
        head = (
            f"POST /join HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 16000\r\n\r\n"
        )
        for i in range(300):  # one greedy machine, then four more sharing the work
            source = "127.0.0.66" if i < 200 else f"127.0.0.{67 + i % 4}"
            s = socket.socket()
            s.settimeout(5)
            s.bind((source, 0))
            try:
                s.connect(("127.0.0.1", server.port))
                s.sendall(head.encode())
            except OSError:
                s.close()
                continue
            slow.append(s)

        upgrade = (
            f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()

        def greedy(source: str) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                path = ("/status", "/figures/market.png", "/")[n % 3]
                try:
                    if n % 7 == 0:  # malformed requests and WebSocket upgrades: each would log a line
                        with socket.create_connection(("127.0.0.1", server.port), 5, (source, 0)) as raw:
                            raw.sendall(b"GARBAGE\r\n\r\n" if n % 2 else upgrade)
                            raw.recv(100)
                    elif n % 5 == 0:
                        server.request("POST", "/join", f"code={server.code}&name=Bot{source}-{n}", source=source)
                    else:
                        server.request("GET", path, source=source)
                except OSError:
                    pass

        floods = [threading.Thread(target=greedy, args=(f"127.0.0.{80 + i}",), daemon=True) for i in range(2)]
        for thread in floods:
            thread.start()
        worst: list[float] = []
        errors: list[str] = []

        def student(k: int) -> None:
            source = f"127.0.0.{11 + k}"
            conn_path = [("POST", "/join", f"code={server.code}&name=Student {k}")]
            conn_path += [("GET", "/status", ""), ("GET", "/", ""), ("GET", "/figures/market.png", "")] * 4
            for method, path, body in conn_path:
                began = time.monotonic()
                try:
                    status, _ = server.request(method, path, body, source=source)
                except OSError as e:
                    errors.append(f"student {k} {path}: {e}")
                    return
                worst.append(time.monotonic() - began)
                if status not in (200, 303):
                    errors.append(f"student {k} {path}: HTTP {status}")
                time.sleep(0.3)

        students = [threading.Thread(target=student, args=(k,)) for k in range(3)]
        for thread in students:
            thread.start()
        for thread in students:
            thread.join(60)
        stop.set()
        for thread in floods:
            thread.join(30)
        assert not errors, errors
        print(f"honest students: {len(worst)} answers, slowest {max(worst):.2f} s")
        assert len(worst) == 3 * 13 and max(worst) < 2.0, f"slowest answer {max(worst):.2f} s"
        # the slow connections the server admitted are cut off with 408 once their time is up
        deadline = time.monotonic() + 15
        answered = b""
        for s in slow:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                answered = s.recv(200)
            except OSError:
                continue
            if answered:
                break
        assert answered.startswith(b"HTTP/1.1 408"), answered
        log = server.text()
        assert "Too many open files" not in log and "Traceback" not in log, log[-3000:]
        assert len(log.splitlines()) < 30, log  # a few one-line notes, not a flood
        joined = json.loads(rec.game_file(tmp_path / "game").read_text())["firms"]
        assert {f"Student {k}" for k in range(3)} <= {f["name"] for f in joined}
    finally:
        stop.set()
        for s in slow:
            s.close()
        server.stop()


@pytest.mark.timeout(60)
def test_a_client_that_stops_reading_or_sending_is_cut_off() -> None:
    """Short limits on a real uvicorn: a body that never comes gets 408, an answer never read is dropped,
    an answer that never comes is given up."""
    from trustsim.game.guard import ConnectionLimits, make_server

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] == "/hang":
            await asyncio.sleep(5)  # longer than `longest` below
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body") or message["type"] == "http.disconnect":
                break
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"x" * (32 << 20)})  # far more than socket buffers hold

    limits = ConnectionLimits(timeout=1.0, longest=3.0)
    server, sock = make_server(app, "127.0.0.1", 0, limits)
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        silent = socket.create_connection(("127.0.0.1", port), timeout=10)
        slow = socket.create_connection(("127.0.0.1", port), timeout=10)
        slow.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part")
        reader = socket.create_connection(("127.0.0.1", port), timeout=10)
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # and never reads the 32 MB answer
        hung = socket.create_connection(("127.0.0.1", port), timeout=10)
        hung.sendall(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
        began = time.monotonic()
        assert silent.recv(100).startswith(b"HTTP/1.1 408")
        assert slow.recv(100).startswith(b"HTTP/1.1 408")
        assert hung.recv(100).startswith(b"HTTP/1.1 408") and time.monotonic() - began > 2.5  # after `longest`
        while limits.count() and time.monotonic() - began < 15:
            time.sleep(0.1)
        assert limits.count() == 0, "a connection outlived its limit"
        for s in (silent, slow, reader, hung):
            s.close()
    finally:
        server.should_exit = True
        thread.join(10)


def test_connection_limits_keep_room_for_the_class() -> None:
    from trustsim.game.guard import ConnectionLimits

    class Conn:
        def __init__(self) -> None:
            self.expired = False

        def busy(self) -> bool:
            return False

        def expire(self) -> None:
            self.expired = True

    limits = ConnectionLimits(per_client=3, total=5, exempt=["10.0.0.1"])
    flood = [Conn() for _ in range(4)]
    assert [limits.admit("10.6.6.6", c) for c in flood] == [True, True, True, False]
    assert [limits.admit("10.0.0.1", Conn()) for _ in range(2)] == [True, True]  # a trusted proxy: no per-client cap
    honest = Conn()
    assert limits.admit("10.0.0.2", honest)  # full: the flood's waiting connection makes room
    assert sum(c.expired for c in flood) == 1 and limits.count() == 5
    limits.release("10.0.0.2", honest)
    assert limits.count() == 4


# --- 4: one client cannot fill the lobby; X-Forwarded-For changes nothing ----------------------


@pytest.mark.timeout(120)
def test_one_client_cannot_fill_the_lobby_even_with_forged_forwarded_for(live: Server) -> None:
    statuses = []
    for i in range(10):
        forged = {"X-Forwarded-For": f"198.51.100.{i}"}
        statuses.append(live.join(f"Flood {i}", source="127.0.0.50", headers=forged))
    assert statuses == ["joined"] * 6 + ["429"] * 4
    assert live.join("Real student", source="127.0.0.51") == "joined"
    # a failed join (a name taken) does not use up a device's joins
    assert live.join("Real student", source="127.0.0.52") == "refused"
    assert live.join("Second", source="127.0.0.52") == "joined"
    # the request rate is counted per machine, whatever X-Forwarded-For says
    got = []
    while 429 not in got and len(got) < 1000:  # a burst of 120, refilled at 20 a second
        forged = {"X-Forwarded-For": f"203.0.113.{len(got) % 250}"}
        got.append(live.request("GET", "/status", source="127.0.0.53", headers=forged)[0])
    assert got[:120] == [200] * 120 and got[-1] == 429, f"{len(got)} requests"


@pytest.mark.timeout(120)
def test_x_forwarded_for_counts_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    server = Server(tmp_path / "game", "--trusted-proxy", "127.0.0.1")
    try:
        # the proxy at 127.0.0.1 speaks for many students: each forwarded address is its own client
        for i in range(8):
            forwarded = {"X-Forwarded-For": f"192.0.2.{i}"}
            assert server.join(f"Via proxy {i}", headers=forwarded) == "joined"
        # from any other address the header is still ignored
        statuses = [
            server.join(f"Direct {i}", source="127.0.0.9", headers={"X-Forwarded-For": f"198.51.100.{i}"})
            for i in range(8)
        ]
        assert statuses == ["joined"] * 6 + ["429"] * 2
    finally:
        server.stop()
    assert cli_main(["classroom", "--game", str(tmp_path / "g2"), "--trusted-proxy", "my-proxy"]) == 2


# --- 5: $…$ in firm names in the game's figures ----------------------------------------------


@pytest.mark.timeout(120)
def test_market_and_debrief_figures_draw_dollar_names() -> None:
    game = small_game(rounds=1)
    server = GameServer(game)
    for name in ("$\\foo$", "a $x^2$ b", "$$"):
        assert join(server.app, game, name) == "joined"
    assert call(server.app, "POST", "/teacher/start", {**teacher(server), **FORM})[0] == 303
    assert call(server.app, "POST", "/teacher/close", {**teacher(server), **FORM}, b"round=1")[0] == 303
    assert game.phase == "over"
    for figure in ("market", "debrief"):
        status, headers, data = call(server.app, "GET", f"/figures/{figure}.png")
        assert status == 200 and headers["content-type"] == "image/png" and data.startswith(b"\x89PNG"), figure


# --- 7: a join on a full disk -------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_a_join_on_a_full_disk_says_so_and_can_be_retried(tmp_path: Path, monkeypatch) -> None:
    game = small_game(tmp_path / "g")
    server = GameServer(game)

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("trustsim.io.os.fsync", full)
    form = urllib.parse.urlencode({"code": game.record.join_code, "name": "Acme"}).encode()
    answer = call(server.app, "POST", "/join", FORM, form)
    assert server.firm_cookie not in answer[1].get("set-cookie", "")  # back to the join page, no firm
    text = flashed(server.app, answer, "/")
    assert b"could not be saved" in text and b"was not created" in text and b"the game is saved" not in text
    assert str(tmp_path).encode() not in text  # no paths of the teacher's computer on a student's page
    assert game.record.firms == [], "a firm nobody holds the token of was left in the game"
    monkeypatch.undo()  # space is back
    assert join(server.app, game, "Acme") == "joined"
    assert [f.name for f in rec.load(tmp_path / "g").firms] == ["Acme"]  # type: ignore[union-attr]


# --- 8: a damaged game.json; written 0600 -------------------------------------------------------


def played_game_file(folder: Path) -> dict[str, Any]:
    """A saved game with two firms, one round played, a decision and a scandal in the open round."""
    game = small_game(folder, rounds=3)
    for name in ("Alpha", "Beta"):
        game.join(name, game.record.join_code)
    game.start()
    game.decide(
        0, {"promise": 0.8, "over_delivery": 0, "care": 0.6, "transparency": 0.5, "ad_budget": 1, "anchoring": 0}
    )
    game.close_round()
    game.decide(
        1, {"promise": 0.7, "over_delivery": 0, "care": 0.6, "transparency": 0.5, "ad_budget": 1, "anchoring": 0}
    )
    game.scandal("0", 1.0, 0.5)
    return json.loads(rec.game_file(folder).read_text())


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data[int(key)] if isinstance(data, list) else data[key]  # type: ignore[assignment]
    if last == "+":
        data.update(value)
    else:
        data[last] = value  # type: ignore[index]


DAMAGE = [
    ("decisions.0.0.promise", 7, r"decisions\.0\.0\.promise.*7.*less than or equal to 1"),
    ("decisions.0.0.care", float("nan"), r"decisions\.0\.0\.care.*finite number.*nan"),
    ("decisions.0.+", {"-1": {"promise": 0.5}}, r"decisions\.0\.-1: firm -1 does not exist \(firms are 0 to 1\)"),
    ("decisions.0.+", {"99": {"promise": 0.5}}, r"decisions\.0\.99: firm 99 does not exist"),
    ("decisions.0.0.__class__", 1, r"decisions\.0\.0: has \[.*'__class__'.*\]; a decision sets exactly"),
    ("events.0.supplier", 7, r"events\.0\.supplier = 7: no such firm \(0 to 1, or 'all'\)"),
    ("completed", 1e9, r"key completed: .*less than or equal to 100 \(got 1000000000\.0\)"),
    ("completed", 3, r"phase = 'playing' with completed = 3 of 3 rounds"),
    ("firms.1.name", "ALPHA", r"firms: 'ALPHA' and 'Alpha' are the same name"),
    ("scenario.market.customers", -5, r"key scenario: .*market\.customers.*-5"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("key", "value", "message"), DAMAGE, ids=[f"{k}={v!r}" for k, v, _ in DAMAGE])
def test_a_damaged_game_file_is_exit_2_naming_file_key_and_value(
    tmp_path: Path, monkeypatch, capsys, key: str, value: Any, message: str
) -> None:
    folder = tmp_path / "g"
    data = played_game_file(folder)
    _set(data, key, value)
    rec.game_file(folder).write_text(json.dumps(data))
    monkeypatch.setattr("trustsim.game.server.serve", lambda *a, **k: pytest.fail("a damaged game was served"))
    args = ["classroom", "--game", str(folder), "--rounds", "3", "--steps-per-round", "2"]
    assert cli_main([*args, "--set", "market.customers=300"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert str(rec.game_file(folder)) in err and re.search(message, err), err
    assert "Traceback" not in err


@pytest.mark.timeout(60)
def test_the_game_file_is_private_even_in_an_existing_folder(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    monkeypatch.setattr("trustsim.game.server.serve", lambda *a, **k: 0)
    assert cli_main(["classroom", "--game", str(folder), "--set", "market.customers=300"]) == 0
    assert rec.game_file(folder).stat().st_mode & 0o777 == 0o600  # it holds the teacher key
    rec.game_file(folder).chmod(0o644)  # as an older trustsim wrote it
    assert cli_main(["classroom", "--game", str(folder), "--set", "market.customers=300"]) == 0  # resumed
    assert rec.game_file(folder).stat().st_mode & 0o777 == 0o600


# --- 12: teacher actions done once however often they are sent ---------------------------------


@pytest.mark.timeout(120)
def test_a_double_click_closes_one_round_and_fires_one_scandal() -> None:
    game = small_game(rounds=3)
    server = GameServer(game)
    join(server.app, game, "Alpha")
    head = {**teacher(server), **FORM}
    panel = "/teacher/panel"  # every answer to a teacher's action leads back to it, with the message
    assert call(server.app, "POST", "/teacher/start", head)[0] == 303
    again = flashed(server.app, call(server.app, "POST", "/teacher/start", head), panel, head["cookie"])
    assert b"already started" in again and game.open_round == 1
    page = call(server.app, "GET", panel, teacher(server))[2].decode()
    assert 'name="round" value="1"' in page and 'name="events" value="0"' in page  # the forms say what they mean
    first = call(server.app, "POST", "/teacher/close", head, b"round=1")
    second = flashed(server.app, call(server.app, "POST", "/teacher/close", head, b"round=1"), panel, head["cookie"])
    assert first[0] == 303 and b"already closed" in second
    assert game.record.completed == 1
    assert call(server.app, "POST", "/teacher/close", head, b"")[0] == 400  # a form that names no round does nothing
    assert game.record.completed == 1
    fire = b"target=all&severity=1&reach=1&events=0"
    assert call(server.app, "POST", "/teacher/scandal", head, fire)[0] == 303
    repeat = flashed(server.app, call(server.app, "POST", "/teacher/scandal", head, fire), panel, head["cookie"])
    assert b"already been fired" in repeat
    assert call(server.app, "POST", "/teacher/scandal", head, b"target=all&severity=1&reach=1")[0] == 400
    assert len(game.record.events) == 1


# --- low: tracebacks, Host, --port 0, CSV, look-alike names --------------------------------------


@pytest.mark.timeout(60)
def test_a_game_error_is_one_log_line_and_no_traceback(caplog, monkeypatch) -> None:
    game = small_game()
    server = GameServer(game)

    def broken() -> None:
        raise KeyError("secret internals")

    monkeypatch.setattr(game, "leaderboard", broken)
    with caplog.at_level(logging.WARNING):
        status, _, text = call(server.app, "GET", "/teacher", teacher(server))  # nothing escapes to uvicorn
    assert status == 500 and b"Something went wrong" in text and b"secret internals" not in text
    assert b"Traceback" not in text
    records = [r for r in caplog.records if r.name == "trustsim.classroom"]
    assert len(records) == 1 and "KeyError" in records[0].getMessage() and not records[0].exc_info


@pytest.mark.timeout(60)
def test_the_game_checks_the_host_header() -> None:
    game = small_game()
    app = GameServer(game, host="127.0.0.1").app
    assert call(app, "GET", "/status", {"host": "127.0.0.1:8766"})[0] == 200
    assert call(app, "GET", "/status", {"host": "localhost:8766"})[0] == 200
    status, _, text = call(app, "GET", "/status", {"host": "rebound.example.com:8766"})
    assert status == 400 and b"Host not served" in text  # DNS rebinding


@pytest.mark.timeout(120)
def test_port_0_prints_the_port_the_game_really_listens_on(tmp_path: Path) -> None:
    server = Server(tmp_path / "game", port=0)
    try:
        assert server.port != 0
        assert f"students open http://127.0.0.1:{server.port}/" in server.text()
        assert server.request("GET", "/status")[0] == 200
    finally:
        server.stop()


@pytest.mark.timeout(120)
def test_csv_downloads_neutralise_formulas_in_names() -> None:
    game = small_game(rounds=1)
    server = GameServer(game)
    names = ['=HYPERLINK("http://x.test","y")', "+1+2", "-2+3", "@SUM(A1)", "Plain"]
    for name in names:
        assert join(server.app, game, name) == "joined"
    call(server.app, "POST", "/teacher/start", {**teacher(server), **FORM})
    call(server.app, "POST", "/teacher/close", {**teacher(server), **FORM}, b"round=1")
    for table in ("suppliers", "rounds"):
        status, _, data = call(server.app, "GET", f"/teacher/{table}.csv", teacher(server))
        rows = list(csv.DictReader(io.StringIO(data.decode())))
        assert status == 200 and rows
        shown = {r["name"] for r in rows}
        assert shown == {"'" + n for n in names[:4]} | {"Plain"}, shown
        assert any(float(r["profit"]) != 0 for r in rows)  # numbers stay numbers
        assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values() if v), table


@pytest.mark.timeout(60)
def test_look_alike_firm_names_are_refused() -> None:
    game = small_game()
    app = GameServer(game).app
    assert join(app, game, "Café") == "joined"
    assert join(app, game, "Cafe\u0301", client="10.0.0.8") == "refused"  # the same name, decomposed (NFD)
    assert join(app, game, "Acme", client="10.0.0.9") == "joined"
    assert join(app, game, "Acme ", client="10.0.0.10") == "refused"
    assert join(app, game, "\uff21cme", client="10.0.0.11") == "refused"  # a full-width A
    assert [f.name for f in game.record.firms] == ["Café", "Acme"]
