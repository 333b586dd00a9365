"""The game's web server: server-rendered pages for the teacher and the students (Starlette + uvicorn).

Safety (docs/security.md, "The classroom game"):

- bound to 127.0.0.1 unless ``--host`` says otherwise; on any other address every request but
  the join page needs the join code (typed once, then kept in a cookie);
- a student's firm is identified by a secret token in a cookie (HttpOnly, SameSite=Strict), so
  a reload gets the firm back and a student can change only that firm;
- the teacher's pages need the teacher key printed on the console when the game starts;
- every input is validated and a bad one gets a clear message (HTTP 4xx), never a crash;
- requests are rate-limited per client address, and failed codes/keys more strictly;
- bodies over 16 KiB are refused; cross-site form posts are refused (Origin check);
- pages load nothing from outside the server (Content-Security-Policy ``default-src 'self'``);
- as a web server (``guard.py``, docs/security.md): the ``Host`` header is checked, an error is one
  log line, each client may hold a few connections and create a few firms, slow requests are cut
  off, teacher actions name the round they mean (a double click does nothing twice), and CSV
  downloads cannot carry spreadsheet formulas.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from trustsim.app.server import Guard, allowed_hosts, same_origin
from trustsim.game import figures, lesson
from trustsim.game.game import Game, GameError
from trustsim.game.guard import (
    JOINS_BURST,
    JOINS_PER_MINUTE,
    LOG,
    MAX_BODY,
    RateLimiter,
    csv_safe,
    is_loopback,
    lan_address,
    read_form,
    security_headers,
)
from trustsim.game.guard import run as run_server
from trustsim.game.pages import CSS, JS, render
from trustsim.game.record import token_hash
from trustsim.game.rules import DECISIONS, planning_size
from trustsim.mechanisms.channels import full_reach_budget
from trustsim.mechanisms.money import ad_spend

COOKIE_AGE = 7 * 24 * 3600
OPEN_PATHS = ("/", "/join", "/static/game.css", "/static/game.js", "/favicon.ico")
"""Paths reachable without the join code on a non-loopback address (the join page and its style)."""


class GameServer:
    """The pages and actions of one game.

    Args:
        game: the game to serve.
        host: the address the server listens on (decides whether the join code guards every request).
        port: its port (for the join address shown to the teacher).
    """

    def __init__(self, game: Game, host: str = "127.0.0.1", port: int = 8766) -> None:
        self.game = game
        self.host, self.port = host, port
        self.guarded = not is_loopback(host)
        gid = token_hash(game.record.join_code + game.record.teacher_key)[:8]
        self.firm_cookie, self.code_cookie, self.teacher_cookie = (f"ts_{k}_{gid}" for k in ("firm", "code", "teacher"))
        self.requests = RateLimiter(rate=20.0, burst=120.0)
        self.failures = RateLimiter(rate=10 / 60, burst=10.0)
        self.joins = RateLimiter(rate=JOINS_PER_MINUTE / 60, burst=JOINS_BURST)
        self._figures: dict[tuple[str, int, int], bytes] = {}
        self._figure_lock = threading.Lock()
        routes = [
            Route("/", self.home),
            Route("/join", self.join, methods=["POST"]),
            Route("/firm", self.firm),
            Route("/decide", self.decide, methods=["POST"]),
            Route("/status", self.status),
            Route("/teacher", self.teacher),
            Route("/teacher/start", self.start, methods=["POST"]),
            Route("/teacher/close", self.close, methods=["POST"]),
            Route("/teacher/scandal", self.scandal, methods=["POST"]),
            Route("/teacher/{name}.csv", self.table),
            Route("/debrief", self.debrief),
            Route("/figures/{name}.png", self.figure),
            Route("/static/game.css", self.css),
            Route("/static/game.js", self.js),
        ]
        self.starlette = Starlette(
            routes=routes,
            middleware=[Middleware(BaseHTTPMiddleware, dispatch=self.guard)],
            exception_handlers={
                404: self.not_found,
                405: self.not_found,
                GameError: self.refused,
                Exception: self.crashed,
            },
        )
        self.app = Guard(self.starlette, allowed_hosts(host), name="trustsim classroom", log=LOG)

    @property
    def address(self) -> str:
        """The address students open."""
        host = lan_address() if self.host in ("0.0.0.0", "::") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    def teacher_url(self) -> str:
        """The teacher's address (with the key, and the code when guarded)."""
        query = {"key": self.game.record.teacher_key}
        if self.guarded:
            query["code"] = self.game.record.join_code
        return f"{self.address}teacher?{urllib.parse.urlencode(query)}"

    # --- the guard: rate limits, join code, size, origin, headers ---------------------

    async def guard(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Every request passes here first (see the module docstring)."""
        client = request.client.host if request.client else "?"
        if not self.requests.allow(client):
            return security_headers(PlainTextResponse("Too many requests: wait a few seconds and try again.", 429))
        try:
            length = int(request.headers.get("content-length") or 0)
        except ValueError:
            length = MAX_BODY + 1
        if length > MAX_BODY:
            return security_headers(PlainTextResponse("Request too large.", 413))
        origin = request.headers.get("origin")
        if request.method == "POST" and origin and not same_origin(origin, request.headers.get("host", "")):
            return security_headers(PlainTextResponse("Cross-site requests are refused.", 403))
        set_code = False
        if (
            self.guarded
            and request.url.path not in OPEN_PATHS
            and not self.game.code_ok(request.cookies.get(self.code_cookie))
        ):
            if not self.game.code_ok(request.query_params.get("code")):
                if not self.failures.allow(client):
                    return security_headers(PlainTextResponse("Too many wrong codes: wait a minute.", 429))
                return security_headers(self.problem("Enter the join code first.", 403))
            set_code = True
        response = await call_next(request)
        if set_code:
            self._cookie(response, self.code_cookie, self.game.record.join_code)
        return security_headers(response)

    def _cookie(self, response: Response, name: str, value: str) -> None:
        response.set_cookie(name, value, max_age=COOKIE_AGE, httponly=True, samesite="strict", path="/")

    def problem(self, heading: str, status: int) -> HTMLResponse:
        """A page saying what went wrong."""
        return self.page(
            "problem.html", status, reload="none", title=heading, heading=heading, message=heading, error=True
        )

    async def not_found(self, request: Request, exc: Exception) -> Response:
        """404 and 405 as a page, not a traceback."""
        return self.problem("No such page.", 404)

    async def refused(self, request: Request, exc: Exception) -> Response:
        """A GameError no page caught (a malformed form): its message, with its status."""
        status = exc.status if isinstance(exc, GameError) else 400
        return security_headers(self.problem(str(exc), status))

    async def crashed(self, request: Request, exc: Exception) -> Response:
        """An unexpected error: a page that says so (the guard logs it as one line)."""
        return security_headers(
            self.problem(
                "Something went wrong on the server. Try again, or ask the teacher to restart the game "
                "with the same command.",
                500,
            )
        )

    def page(self, template: str, status: int = 200, *, reload: str = "round", **context: Any) -> HTMLResponse:
        """Render a page with the game's status line."""
        game = self.game
        line = {
            "lobby": f"Lobby: {len(game.record.firms)} firm(s) joined",
            "playing": f"Round {game.open_round} of {game.record.rounds}",
            "over": f"Game over after {game.record.completed} rounds",
        }[game.phase]
        html = render(
            template, version=game.version, round_key=self.round_key(), status_line=line, reload=reload, **context
        )
        return HTMLResponse(html, status)

    def round_key(self) -> str:
        """Changes when the phase or the round changes (students' pages reload then)."""
        return f"{self.game.phase}-{self.game.record.completed}"

    def _limited(self, client: str) -> HTMLResponse | None:
        """Count a refused request; a page saying 'wait' once the client has too many."""
        if not self.failures.allow(client):
            return self.problem("Too many refused requests: wait a minute.", 429)
        return None

    # --- students ---------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        """The join page, or the student's firm if the browser has one."""
        if self.game.firm_of(request.cookies.get(self.firm_cookie)) is not None:
            return RedirectResponse("/firm", 303)
        return self.page(
            "join.html", reload="none", title="Join", phase=self.game.phase, code=request.query_params.get("code")
        )

    async def join(self, request: Request) -> Response:
        """Create a firm (code + name) and give the browser its token."""
        client = request.client.host if request.client else "?"
        form = await read_form(request)
        if not self.joins.allow(client):
            return self.problem("Too many firms from this device: wait a minute, or ask the teacher.", 429)
        try:
            _, token = await run_in_threadpool(self.game.join, form.get("name", ""), form.get("code", ""))
        except GameError as e:
            self.joins.give_back(client)  # only firms created count
            limited = self._limited(client) if e.status == 403 else None
            return limited or self.page(
                "join.html",
                e.status,
                reload="none",
                title="Join",
                phase=self.game.phase,
                code=form.get("code"),
                message=str(e),
                error=True,
            )
        response = RedirectResponse("/firm", 303)
        self._cookie(response, self.firm_cookie, token)
        if self.guarded:
            self._cookie(response, self.code_cookie, self.game.record.join_code)
        return response

    def _my_firm(self, request: Request) -> int | None:
        return self.game.firm_of(request.cookies.get(self.firm_cookie))

    async def firm(self, request: Request) -> Response:
        """The student's page: the decision form and the firm's results."""
        index = self._my_firm(request)
        if index is None:
            return RedirectResponse("/", 303)
        saved = request.query_params.get("saved")
        message = {"1": "Decision saved.", "ran": "Decision saved; every firm had decided, so the round ran."}.get(
            saved or "", ""
        )
        return await run_in_threadpool(self.firm_page, index, 200, message, False)

    def firm_page(
        self, index: int, status: int, message: str, error: bool, typed: dict[str, str] | None = None
    ) -> HTMLResponse:
        """Render firm `index`'s page (with `typed` values kept in the form after an error)."""
        game = self.game
        with game.lock:
            sc, k = game.base, game.record.steps_per_round
            current = game.pending(index) or game.policy(index)
            customers = game.customers(index)
            cost = {
                "reach": sc.advertising.reach,
                "n": sc.market.customers,
                "ad_cost": sc.money.ad_cost,
                "od_cost": sc.money.over_delivery_cost,
                "care_cost": sc.money.care_cost,
                "k": k,
                "size": planning_size(customers, sc.market.customers, len(game.record.firms)),
                "budget": game.budget(),
            }
            per_ad = k * float(ad_spend(1.0, sc.advertising.reach, sc.market.customers, sc.money))
            ad_max = min(
                full_reach_budget(sc.advertising.reach) or 1.0,
                max(1.0, cost["budget"] / per_ad if per_ad else 10.0),
            )
            fields = [
                {
                    "name": f,
                    "label": label,
                    "value": (typed or {}).get(f, f"{current[f]:g}"),
                    "max": f"{ad_max:.2g}" if f == "ad_budget" else 1,
                    "step": 0.1 if f == "ad_budget" else 0.01,
                }
                for f, label in DECISIONS.items()
            ]
            rounds = game.round_table()
            mine = rounds[rounds["supplier"] == index] if not rounds.empty else rounds
            results = [_formatted({str(k): v for k, v in r.items()}) for r in mine.to_dict("records")]
            last = game.record.completed
            return self._firm_render(status, index, fields, cost, customers, results, last, message, error)

    def _firm_render(
        self,
        status: int,
        index: int,
        fields: list[dict[str, Any]],
        cost: dict[str, Any],
        customers: int,
        results: list[dict[str, Any]],
        last: int,
        message: str,
        error: bool,
    ) -> HTMLResponse:
        game, sc = self.game, self.game.base
        return self.page(
            "firm.html",
            status,
            title=game.record.firms[index].name,
            firm=game.record.firms[index].name,
            index=index,
            phase=game.phase,
            firms=len(game.record.firms),
            open_round=game.open_round,
            rounds=game.record.rounds,
            pending=game.pending(index) is not None,
            fields=fields,
            cost=cost,
            customers=customers,
            price=sc.supplier_defaults.price,
            service_cost=sc.money.service_cost,
            results=results,
            last_round=last,
            flows=game.flows(index, last),
            message=message,
            error=error,
        )

    async def decide(self, request: Request) -> Response:
        """A student's decision for the open round (only for the student's own firm)."""
        client = request.client.host if request.client else "?"
        index = self._my_firm(request)
        if index is None:
            return self._limited(client) or self.problem("You have no firm in this game: join first.", 403)
        form = await read_form(request)
        claimed = form.pop("firm", str(index))
        if claimed.strip() != str(index):
            return self._limited(client) or await run_in_threadpool(
                self.firm_page, index, 403, "You can only change your own firm.", True
            )
        try:
            ran = await run_in_threadpool(self.game.decide, index, form)
        except GameError as e:
            return await run_in_threadpool(self.firm_page, index, e.status, str(e), True, form)
        return RedirectResponse("/firm?saved=ran" if ran else "/firm?saved=1", 303)

    async def status(self, request: Request) -> Response:
        """What the pages poll: the game's version (any change) and round key (a new round or phase)."""
        g = self.game
        return JSONResponse(
            {
                "version": g.version,
                "round_key": self.round_key(),
                "phase": g.phase,
                "completed": g.record.completed,
                "open_round": g.open_round,
            },
            headers={"Cache-Control": "no-store"},
        )

    # --- the teacher ------------------------------------------------------------------

    def _is_teacher(self, request: Request) -> bool:
        return self.game.teacher_ok(request.cookies.get(self.teacher_cookie))

    async def teacher(self, request: Request) -> Response:
        """The projector page: join address and code, round, leaderboard, market picture, buttons."""
        client = request.client.host if request.client else "?"
        key = request.query_params.get("key")
        if key is not None:
            if not self.game.teacher_ok(key):
                return self._limited(client) or self.problem("Wrong teacher key.", 403)
            response = RedirectResponse("/teacher", 303)
            self._cookie(response, self.teacher_cookie, key)
            return response
        if not self._is_teacher(request):
            return self._limited(client) or self.problem(
                "This page is for the teacher: open the teacher address printed when the game started.", 403
            )
        message = request.query_params.get("msg", "")[:300]
        return await run_in_threadpool(self.teacher_page, message, request.query_params.get("error") == "1")

    def teacher_page(self, message: str = "", error: bool = False, status: int = 200) -> HTMLResponse:
        """Render the teacher's page."""
        game = self.game
        with game.lock:
            board = game.leaderboard()
            names = [f.name for f in game.record.firms]
            events = [
                {"round": e.round, "target": "the whole sector" if e.supplier == "all" else names[e.supplier]}
                for e in game.record.events
            ]
            return self.page(
                "teacher.html",
                status,
                reload="any",
                title="Teacher",
                address=self.address,
                code=game.record.join_code,
                phase=game.phase,
                open_round=game.open_round,
                rounds=game.record.rounds,
                steps=game.record.steps_per_round,
                budget=game.budget(),
                firms=game.record.firms,
                decided=sum(r["decided"] for r in board),
                board=board,
                events=events,
                notice=game.notice,
                message=message,
                error=error,
            )

    async def _teacher_action(self, request: Request, action: Callable[[dict[str, str]], str]) -> Response:
        client = request.client.host if request.client else "?"
        if not self._is_teacher(request):
            return self._limited(client) or self.problem("Only the teacher can do this.", 403)
        form = await read_form(request)
        try:
            done = await run_in_threadpool(action, form)
        except GameError as e:
            return await run_in_threadpool(self.teacher_page, str(e), True, e.status)
        return RedirectResponse("/teacher?" + urllib.parse.urlencode({"msg": done}), 303)

    async def start(self, request: Request) -> Response:
        """Close the lobby and open round 1."""

        def act(form: dict[str, str]) -> str:
            self.game.start()
            return "The game has started: round 1 is open."

        return await self._teacher_action(request, act)

    async def close(self, request: Request) -> Response:
        """Close the open round now and run it."""

        def act(form: dict[str, str]) -> str:
            r = _form_count(form, "round")
            self.game.close_round(r)
            return f"Round {r} closed and played."

        return await self._teacher_action(request, act)

    async def scandal(self, request: Request) -> Response:
        """Fire a scandal at one firm or the whole sector."""

        def act(form: dict[str, str]) -> str:
            try:
                severity = float(form.get("severity", "1").replace(",", "."))
                reach = float(form.get("reach", "1").replace(",", "."))
            except ValueError:
                raise GameError("Scandal: severity and reach must be numbers.") from None
            self.game.scandal(form.get("target", "all"), severity, reach, _form_count(form, "events"))
            return "Scandal fired: it hits before the next round's periods run."

        return await self._teacher_action(request, act)

    async def table(self, request: Request) -> Response:
        """The supplier table or the round table as CSV (teacher only)."""
        name = request.path_params["name"]
        if not self._is_teacher(request):
            return self.problem("Only the teacher can download the tables.", 403)
        if name not in ("suppliers", "rounds"):
            return self.problem("No such table.", 404)

        def csv() -> str:
            with self.game.lock:
                frame = self.game.supplier_table() if name == "suppliers" else self.game.round_table()
                return csv_safe(frame).to_csv(index=False)

        return PlainTextResponse(
            await run_in_threadpool(csv),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )

    # --- debrief and figures -----------------------------------------------------------

    async def debrief(self, request: Request) -> Response:
        """Decisions against outcomes, per firm and round, and the lesson (at the end; the teacher any time)."""
        if self.game.phase != "over" and not self._is_teacher(request):
            return self.problem("The debrief opens when the game is over.", 409)
        return await run_in_threadpool(self.debrief_page)

    def debrief_page(self) -> HTMLResponse:
        """Render the debrief."""
        game = self.game
        with game.lock:
            rounds = game.round_table()
            names = [f.name for f in game.record.firms]
            rows = []
            for r in ({str(k): v for k, v in row.items()} for row in rounds.to_dict("records")):
                done = r["kept"] + r["exceeded"] + r["broken"]
                rows.append(
                    {
                        **_formatted(r),
                        "name": names[r["supplier"]],
                        "kept": f"{(r['kept'] + r['exceeded']) / done:.0%}" if done else "-",
                        **{f: f"{r[f]:g}" for f in DECISIONS},
                    }
                )
            return self.page(
                "debrief.html", title="Debrief", rows=rows, lesson=lesson.lesson(rounds, names), reload="round"
            )

    async def figure(self, request: Request) -> Response:
        """market.png (everyone admitted), firm.png (the student's own firm), debrief.png (at the end)."""
        name = request.path_params["name"]
        if name == "firm":
            index = self._my_firm(request)
            if index is None:
                return self.problem("You have no firm in this game.", 403)
        elif name == "debrief":
            if self.game.phase != "over" and not self._is_teacher(request):
                return self.problem("The debrief opens when the game is over.", 409)
            index = -1
        elif name == "market":
            index = -1
        else:
            return self.problem("No such figure.", 404)
        png = await run_in_threadpool(self._draw, name, index)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})

    def _draw(self, name: str, index: int) -> bytes:
        with self.game.lock:
            key = (name, index, self.game.version)
            with self._figure_lock:
                if key in self._figures:
                    return self._figures[key]
            snap = figures.Snapshot.of(self.game)
        if name == "market":
            png = figures.market_figure(snap)
        elif name == "firm":
            png = figures.firm_figure(snap, index)
        else:
            png = figures.debrief_figure(snap)
        with self._figure_lock:
            if len(self._figures) > 200:
                self._figures.clear()
            self._figures[key] = png
        return png

    async def css(self, request: Request) -> Response:
        """The style sheet."""
        return Response(CSS, media_type="text/css")

    async def js(self, request: Request) -> Response:
        """The pages' script (polling for new rounds, sliders, the budget preview)."""
        return Response(JS, media_type="text/javascript")


def _form_count(form: dict[str, str], key: str) -> int:
    """A whole number the teacher's page sends with an action (the round, the events seen), so a repeat is seen."""
    try:
        return int(form[key])
    except (KeyError, ValueError):
        raise GameError(f"The form has no valid {key!r}: reload the teacher's page and try again.") from None


def _formatted(row: dict[str, Any]) -> dict[str, Any]:
    """A round-table row for a page: counts as integers, trust to two decimals, money rounded."""
    out = dict(row)
    for key in ("customers", "ambassadors", "detractors"):
        out[key] = int(row[key])
    for key in ("trust_reliability", "trust_transparency", "trust_competence", "trust_care"):
        out[key] = "-" if row[key] != row[key] else f"{row[key]:.2f}"
    for key in ("profit", "discounted_profit"):
        out[key] = f"{row[key]:,.0f}"
    return out


def serve(game: Game, host: str = "127.0.0.1", port: int = 8766, trusted_proxy: str | None = None) -> int:
    """Serve the game until interrupted (Ctrl+C); returns the exit status.

    Args:
        game: the game.
        host: address to listen on.
        port: TCP port (0: a free one; the addresses printed carry the real one).
        trusted_proxy: a reverse proxy's address whose ``X-Forwarded-For`` is believed (default: none).
    """
    server = GameServer(game, host, port)

    def announce(bound: int) -> None:
        server.port = bound
        print(f"trustsim classroom: students open {server.address}  (join code {game.record.join_code})", flush=True)
        print(f"teacher: {server.teacher_url()}", flush=True)
        print(
            f"game saved in {game.folder} after every change; run the same command again to resume. Ctrl+C stops.",
            flush=True,
        )

    run_server(server.app, host, port, announce, trusted_proxy)
    return 0
