"""The game server's guard without a browser: join code on a LAN address, teacher key, limits, headers."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from typing import Any

import pytest

from trustsim.cli import main as cli_main
from trustsim.config import load_scenario
from trustsim.game import Game
from trustsim.game.guard import MAX_BODY, RateLimiter, is_loopback
from trustsim.game.server import GameServer


def call(
    app: Any, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"", client: str = "10.0.0.7"
) -> tuple[int, dict[str, str], str]:
    """One HTTP request straight through the ASGI app: (status, headers, body text)."""

    async def run() -> tuple[int, dict[str, str], str]:
        sent: list[dict[str, Any]] = []
        incoming = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            return incoming.pop(0) if incoming else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        route, _, query = path.partition("?")
        raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
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
            "headers": [*raw, (b"host", b"127.0.0.1:8766")] if "host" not in (headers or {}) else raw,
            "client": (client, 50000),
            "server": ("game.test", 80),
        }
        try:
            await app(scope, receive, send)
        except Exception:
            if not sent:  # Starlette re-raises a handled error for the server's log, after answering
                raise
        start = next(m for m in sent if m["type"] == "http.response.start")
        text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()
        return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, text

    return asyncio.run(run())


@pytest.fixture
def game() -> Game:
    scenario = load_scenario(None, {"market.customers": 400, "market.initial_customers": 0.2})
    return Game.create(scenario, rounds=2, steps_per_round=2)


def test_on_a_lan_address_every_request_needs_the_join_code(game: Game) -> None:
    server = GameServer(game, host="0.0.0.0", port=8766)
    app, code = server.app, game.record.join_code
    assert call(app, "GET", "/")[0] == 200  # the join page itself is open
    status, _, text = call(app, "GET", "/status")
    assert status == 403 and "join code" in text
    assert call(app, "GET", "/status?code=WRONG1")[0] == 403
    status, headers, _ = call(app, "GET", f"/status?code={code}")
    assert status == 200 and f"{server.code_cookie}={code}" in headers["set-cookie"]
    assert "samesite=strict" in headers["set-cookie"].lower() and "httponly" in headers["set-cookie"].lower()
    assert call(app, "GET", "/status", {"cookie": f"{server.code_cookie}={code}"})[0] == 200
    # joining with the code lets the firm in; its token and the code come back as cookies
    form = urllib.parse.urlencode({"code": code, "name": "Firm <b>A</b>"}).encode()
    status, headers, _ = call(app, "POST", "/join", {"content-type": "application/x-www-form-urlencoded"}, form)
    assert status == 303 and headers["location"] == "/firm"
    assert game.record.firms[0].name == "Firm <b>A</b>"


def test_on_loopback_pages_open_without_the_code_but_not_the_teachers(game: Game) -> None:
    app = GameServer(game, host="127.0.0.1").app
    assert call(app, "GET", "/status", client="127.0.0.1")[0] == 200
    assert call(app, "GET", "/teacher", client="127.0.0.1")[0] == 403
    assert call(app, "POST", "/teacher/start", client="127.0.0.1")[0] == 403
    assert call(app, "GET", "/teacher/suppliers.csv", client="127.0.0.1")[0] == 403
    status, headers, _ = call(app, "GET", f"/teacher?key={game.record.teacher_key}", client="127.0.0.1")
    assert status == 303 and game.record.teacher_key in headers["set-cookie"]
    assert game.phase == "lobby"


def test_names_are_escaped_on_every_page(game: Game) -> None:
    game.join("<script>alert(1)</script>", game.record.join_code)
    server = GameServer(game)
    cookie = {"cookie": f"{server.teacher_cookie}={game.record.teacher_key}"}
    status, headers, text = call(server.app, "GET", "/teacher", cookie)
    assert status == 200 and "<script>alert" not in text and "&lt;script&gt;alert(1)" in text
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_large_bodies_cross_site_posts_and_floods_are_refused(game: Game) -> None:
    app = GameServer(game).app
    big = {"content-length": str(MAX_BODY + 1)}
    assert call(app, "POST", "/join", big, b"x")[0] == 413
    many = "&".join(f"f{i}=1" for i in range(60)).encode()
    status, _, text = call(app, "POST", "/join", {"content-type": "application/x-www-form-urlencoded"}, many)
    assert status == 400 and "Too many fields" in text
    status, _, text = call(app, "POST", "/join", {"origin": "http://evil.test"}, b"code=X&name=Y")
    assert status == 403 and "Cross-site" in text
    statuses = [call(app, "GET", "/status", client="10.9.9.9")[0] for _ in range(130)]
    assert statuses[:120] == [200] * 120 and statuses[-1] == 429
    assert call(app, "GET", "/status", client="10.9.9.10")[0] == 200  # another client is not affected


def test_the_rate_limiter_refills_over_time() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3.0, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    now[0] = 0.5  # one token back
    assert [limiter.allow("a") for _ in range(2)] == [True, False]
    assert limiter.allow("b")


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--budget", "-5"], "--budget -5.0: must be a number >= 0"),
        (["--rounds", "101"], "--rounds 101: at most 100"),
        (["--port", "70000"], "--port 70000: must be between"),
        (["--set", "market.customers=-3"], "market.customers"),
        (["--preset", "nonsense"], "--preset 'nonsense': use one of long_game, calibrated"),
        (["--preset", "long_game", "configs/baseline.toml"], "either a scenario file or --preset"),
    ],
)
def test_bad_options_exit_2_with_a_message(tmp_path, capsys, args: list[str], message: str) -> None:
    assert cli_main(["classroom", "--game", str(tmp_path / "g"), *args]) == 2
    assert message in capsys.readouterr().err.replace("\n", " ")
    assert not (tmp_path / "g").exists(), "a refused command must not create the game folder"


def test_guessing_the_join_code_is_slowed_down(game: Game) -> None:
    app = GameServer(game).app
    form = {"content-type": "application/x-www-form-urlencoded"}
    statuses = [call(app, "POST", "/join", form, b"code=AAAAAA&name=Guess", client="10.1.1.1")[0] for _ in range(11)]
    assert statuses == [303] * 10 + [429]  # each refusal answered by a redirect (post/redirect/get)
    right = f"code={game.record.join_code}&name=Honest".encode()
    assert call(app, "POST", "/join", form, right, client="10.1.1.2")[0] == 303  # others can still join


def test_an_unexpected_error_gives_a_page_not_a_traceback(game: Game, monkeypatch, caplog) -> None:
    server = GameServer(game)

    def broken() -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(game, "leaderboard", broken)
    cookie = {"cookie": f"{server.teacher_cookie}={game.record.teacher_key}"}
    status, _, text = call(server.app, "GET", "/teacher", cookie)
    assert status == 500 and "Something went wrong" in text and "Traceback" not in text
    lines = [r.getMessage() for r in caplog.records if r.name == "trustsim.classroom"]
    assert len(lines) == 1 and "ZeroDivisionError: boom" in lines[0]


def test_the_join_and_error_pages_do_not_poll(game: Game) -> None:
    """On a LAN address a browser without the code must not poll: each refused poll would count as a guess."""
    server = GameServer(game, host="0.0.0.0")
    for path in ("/", "/firm"):
        text = call(server.app, "GET", path)[2]
        assert 'data-reload="none"' in text
    assert 'reload !== "none"' in call(server.app, "GET", "/static/game.js")[2]


FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_pages_speak_the_readers_language_and_the_switch_stays_on_the_game(game: Game) -> None:
    app = GameServer(game).app
    assert "Doe mee in de markt" in call(app, "GET", "/", {"accept-language": "nl-NL,nl;q=0.9"})[2]
    assert "Join the market" in call(app, "GET", "/", {"accept-language": "de-DE"})[2]
    status, headers, _ = call(app, "GET", "/lang?to=nl&back=/firm")
    assert status == 303 and headers["location"] == "/firm" and "ts_lang=nl" in headers["set-cookie"]
    assert "Doe mee in de markt" in call(app, "GET", "/", {"cookie": "ts_lang=nl"})[2]
    for elsewhere in ("//evil.test/", "https://evil.test/", "/\t/evil.test", "/firm/../x"):
        status, headers, _ = call(app, "GET", "/lang?" + urllib.parse.urlencode({"to": "en", "back": elsewhere}))
        assert status == 303 and headers["location"] == "/", elsewhere
    # on a LAN address the join page's language switch and firm-code form need no join code
    lan = GameServer(game, host="0.0.0.0").app
    assert call(lan, "GET", "/lang?to=nl&back=/")[0] == 303
    assert call(lan, "POST", "/claim", FORM, b"claim=WRONG123")[0] == 303


def test_refusals_come_back_by_redirect_with_the_message_once(game: Game) -> None:
    server = GameServer(game)
    _, token = game.join("Careful", game.record.join_code)
    game.start()
    firm = {"cookie": f"{server.firm_cookie}={token}; ts_lang=nl", **FORM}
    plan = "promise=0,7&over_delivery=0&care=lots&transparency=0,5&ad_budget=1&anchoring=0"
    status, headers, _ = call(server.app, "POST", "/decide", firm, plan.encode())
    assert status == 303 and headers["location"] == "/firm"
    flash = headers["set-cookie"].split(";")[0]
    cookie = {"cookie": f"{server.firm_cookie}={token}; ts_lang=nl; {flash}"}
    status, _, text = call(server.app, "GET", "/firm", cookie)
    assert status == 200 and "Zorg: geef een getal zoals 0,5, niet &#39;lots&#39;." in text
    assert 'value="lots"' in text, "the values typed come back in the form"
    assert "Zorg: geef een getal" not in call(server.app, "GET", "/firm", cookie)[2], "a message is shown once"
    assert game.pending(0) is None


def test_the_budget_preview_is_the_servers_planned_spend(game: Game) -> None:
    from trustsim.game.rules import planned_spend

    server = GameServer(game)
    _, token = game.join("Careful", game.record.join_code)
    game.start()
    query = "promise=0,7&over_delivery=0,1&care=0,5&transparency=0.5&ad_budget=2&anchoring=0"
    status, _, text = call(server.app, "GET", f"/preview?{query}", {"cookie": f"{server.firm_cookie}={token}"})
    answer = json.loads(text)
    expected = planned_spend(
        {"ad_budget": 2.0, "over_delivery": 0.1, "care": 0.5}, 0, game.base, 1, game.record.steps_per_round
    )
    assert status == 200 and answer["total"] == pytest.approx(expected.total)
    assert answer["text"].startswith("Planned spend this round:") and answer["over"] is False
    bad = json.loads(call(server.app, "GET", "/preview?promise=2", {"cookie": f"{server.firm_cookie}={token}"})[2])
    assert bad["over"] and "Over-delivery: expected a number" in bad["text"]
    assert call(server.app, "GET", f"/preview?{query}")[0] == 403  # no firm, no preview


def test_the_roster_is_the_teachers_and_the_projected_view_has_no_controls(game: Game) -> None:
    server = GameServer(game)
    game.join("Alpha", game.record.join_code)
    teacher = {"cookie": f"{server.teacher_cookie}={game.record.teacher_key}"}
    for path in ("/teacher/add", "/teacher/rename", "/teacher/remove", "/teacher/code"):
        assert call(server.app, "POST", path, FORM, b"firm=0&name=X")[0] == 403, path
    status, headers, _ = call(server.app, "POST", "/teacher/rename", {**teacher, **FORM}, b"firm=0&name=Beta")
    assert status == 303 and headers["location"] == "/teacher/panel" and game.record.firms[0].name == "Beta"
    status, headers, _ = call(server.app, "POST", "/teacher/code", {**teacher, **FORM}, b"firm=0")
    flash = headers["set-cookie"].split(";")[0]
    text = call(server.app, "GET", "/teacher/panel", {"cookie": f"{teacher['cookie']}; {flash}"})[2]
    code = text.split("Firm code for Beta: ")[1].split(" ")[0]
    status, headers, _ = call(server.app, "POST", "/claim", FORM, f"claim={code}".encode())
    assert status == 303 and headers["location"] == "/firm" and server.firm_cookie in headers["set-cookie"]
    view = call(server.app, "GET", "/teacher", teacher)[2]
    assert "<form" not in view and "<button" not in view and "Beta" in view
    panel = call(server.app, "GET", "/teacher/panel", teacher)[2]
    assert 'action="/teacher/start"' in panel and 'action="/teacher/rename"' in panel
