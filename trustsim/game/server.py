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

import secrets
import threading
import time
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
from trustsim.game import figures, lesson, presets
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
from trustsim.game.rules import DECISIONS, DecisionError, planned_spend, planning_size, validate_decision
from trustsim.game.text import LANGUAGES, LocalizedError, tr
from trustsim.i18n import language_of, number, percent, plain
from trustsim.mechanisms.planning import full_reach_budget

COOKIE_AGE = 7 * 24 * 3600
OPEN_PATHS = ("/", "/join", "/claim", "/lang", "/static/game.css", "/static/game.js", "/favicon.ico")
"""Paths reachable without the join code on a non-loopback address (the join page, taking over a
firm with a firm code, the language switch, and the style)."""
ONLINE_SECONDS = 12.0
"""A student whose page polled within this many seconds is shown online (pages poll every 2 s)."""
PROJECTED_FIRMS = 10
"""Firms listed on the projected view (all of them on the panel and on each student's page)."""
LANG_COOKIE = "ts_lang"
LANG_BACK = ("/", "/firm", "/teacher", "/teacher/panel", "/debrief")
"""The pages the language switch may return to."""


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
        self.flash_cookie = f"ts_flash_{gid}"
        self.requests = RateLimiter(rate=20.0, burst=120.0)
        self.failures = RateLimiter(rate=10 / 60, burst=10.0)
        self.joins = RateLimiter(rate=JOINS_PER_MINUTE / 60, burst=JOINS_BURST)
        self._figures: dict[tuple[str, int, int, str], tuple[bytes, float]] = {}
        self._figure_lock = threading.Lock()
        self._flashes: dict[str, dict[str, Any]] = {}
        self._flash_lock = threading.Lock()
        self._replays: tuple[int, list[Any]] | None = None
        self.seen: dict[int, float] = {}
        routes = [
            Route("/", self.home),
            Route("/join", self.join, methods=["POST"]),
            Route("/claim", self.claim, methods=["POST"]),
            Route("/lang", self.language),
            Route("/firm", self.firm),
            Route("/decide", self.decide, methods=["POST"]),
            Route("/preview", self.preview),
            Route("/status", self.status),
            Route("/teacher", self.teacher),
            Route("/teacher/panel", self.panel),
            Route("/teacher/start", self.start, methods=["POST"]),
            Route("/teacher/close", self.close, methods=["POST"]),
            Route("/teacher/scandal", self.scandal, methods=["POST"]),
            Route("/teacher/add", self.add_firm, methods=["POST"]),
            Route("/teacher/rename", self.rename, methods=["POST"]),
            Route("/teacher/remove", self.remove, methods=["POST"]),
            Route("/teacher/code", self.issue_code, methods=["POST"]),
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

    # --- language and messages ---------------------------------------------------------

    def lang(self, request: Request) -> str:
        """The reader's language: the language switch's cookie, else the browser's Accept-Language."""
        chosen = request.cookies.get(LANG_COOKIE)
        if chosen in LANGUAGES:
            return str(chosen)
        return language_of(request.headers.get("accept-language"), tuple(LANGUAGES))

    async def language(self, request: Request) -> Response:
        """Switch the language (`to`) and go back to the page (`back`, a path on this server)."""
        to = request.query_params.get("to", "")
        back = request.query_params.get("back", "/")
        if back not in LANG_BACK:  # never a redirect off the game (no open redirect)
            back = "/"
        response = RedirectResponse(back, 303)
        if to in LANGUAGES:
            response.set_cookie(LANG_COOKIE, to, max_age=365 * 24 * 3600, samesite="strict", path="/")
        return response

    def _flash(
        self, response: Response, key: str, error: bool = False, typed: dict[str, str] | None = None, **fields: Any
    ) -> Response:
        """Keep a message for the next page this browser opens (post/redirect/get: no form is re-sent)."""
        token = secrets.token_urlsafe(12)
        with self._flash_lock:
            if len(self._flashes) > 1000:
                self._flashes.clear()
            self._flashes[token] = {"key": key, "fields": fields, "error": error, "typed": typed or {}}
        response.set_cookie(self.flash_cookie, token, max_age=120, httponly=True, samesite="strict", path="/")
        return response

    def _refusal(self, response: Response, e: LocalizedError, typed: dict[str, str] | None = None) -> Response:
        return self._flash(response, e.key, True, typed, **e.fields)

    def _take_flash(self, request: Request, lang: str) -> tuple[str, bool, dict[str, str]]:
        token = request.cookies.get(self.flash_cookie)
        with self._flash_lock:
            flash = self._flashes.pop(token, None) if token else None
        if flash is None:
            return "", False, {}
        text = LocalizedError(flash["key"], 400, **flash["fields"]).text(lang)
        return text, bool(flash["error"]), dict(flash["typed"])

    def _shown(self, request: Request, response: HTMLResponse) -> HTMLResponse:
        if request.cookies.get(self.flash_cookie):
            response.delete_cookie(self.flash_cookie, path="/")
        return response

    def problem(self, heading: str, status: int, lang: str = "en", **fields: Any) -> HTMLResponse:
        """A page saying what went wrong (`heading`: a text key, or a plain English message)."""
        text = LocalizedError(heading, status, **fields).text(lang)
        return self.page(
            "problem.html", status, lang, reload="none", title=text, heading=text, message=text, error=True
        )

    async def not_found(self, request: Request, exc: Exception) -> Response:
        """404 and 405 as a page, not a traceback."""
        return self.problem("err_no_page", 404, self.lang(request))

    async def refused(self, request: Request, exc: Exception) -> Response:
        """A GameError no page caught (a malformed form): its message, with its status."""
        if isinstance(exc, GameError):
            return security_headers(self.problem(exc.key, exc.status, self.lang(request), **exc.fields))
        return security_headers(self.problem(str(exc), 400, self.lang(request)))

    async def crashed(self, request: Request, exc: Exception) -> Response:
        """An unexpected error: a page that says so (the guard logs it as one line)."""
        return security_headers(self.problem("err_crash", 500, self.lang(request)))

    def page(
        self,
        template: str,
        status: int = 200,
        lang: str = "en",
        *,
        reload: str = "round",
        here: str = "/",
        **context: Any,
    ) -> HTMLResponse:
        """Render a page with the game's status line, in language `lang`."""
        game = self.game
        line = {
            "lobby": lambda: tr("status_lobby", lang, n=len(game.record.firms)),
            "playing": lambda: tr("status_playing", lang, r=game.open_round, rounds=game.record.rounds),
            "over": lambda: tr("status_over", lang, n=game.record.completed),
        }[game.phase]()
        html = render(
            template,
            lang,
            version=game.version,
            round_key=self.round_key(),
            status_line=line,
            reload=reload,
            here=urllib.parse.quote(here, safe="/"),
            fig_size={
                "market": figures.size("market"),
                "firm": figures.size("firm"),
                "debrief": figures.size("debrief", len(game.record.firms)),
            },
            **context,
        )
        return HTMLResponse(html, status)

    def round_key(self) -> str:
        """Changes when the phase or the round changes (students' pages reload then)."""
        return f"{self.game.phase}-{self.game.record.completed}"

    def _limited(self, client: str, lang: str = "en") -> HTMLResponse | None:
        """Count a refused request; a page saying 'wait' once the client has too many."""
        if not self.failures.allow(client):
            return self.problem("err_too_many", 429, lang)
        return None

    def _notices(self, lang: str, index: int | None = None) -> list[str]:
        """Scandals of the open round (they hit before its weeks run) and of the round just played."""
        game = self.game
        names = [f.name for f in game.record.firms]
        out = []
        for e in game.record.events:
            if e.round not in (game.open_round, game.record.completed) or game.phase == "lobby":
                continue
            if e.supplier == "all":
                out.append(tr("scandal_all", lang))
            elif e.supplier == index:
                out.append(tr("scandal_you", lang))
            else:
                out.append(tr("scandal_other", lang, firm=names[e.supplier]))
        return out

    # --- students ---------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        """The join page, or the student's firm if the browser has one."""
        if self.game.firm_of(request.cookies.get(self.firm_cookie)) is not None:
            return RedirectResponse("/firm", 303)
        lang = self.lang(request)
        message, error, typed = self._take_flash(request, lang)
        return self._shown(
            request,
            self.page(
                "join.html",
                200,
                lang,
                reload="none",
                here="/",
                title=tr("join", lang),
                phase=self.game.phase,
                code=typed.get("code") or request.query_params.get("code"),
                name=typed.get("name"),
                message=message,
                error=error,
            ),
        )

    async def join(self, request: Request) -> Response:
        """Create a firm (code + name) and give the browser its token; always answered by a redirect."""
        client = request.client.host if request.client else "?"
        form = await read_form(request)
        if not self.joins.allow(client):
            return self.problem("err_joins", 429, self.lang(request))
        try:
            _, token = await run_in_threadpool(self.game.join, form.get("name", ""), form.get("code", ""))
        except GameError as e:
            self.joins.give_back(client)  # only firms created count
            limited = self._limited(client, self.lang(request)) if e.status == 403 else None
            return limited or self._refusal(
                RedirectResponse("/", 303), e, {"code": form.get("code", ""), "name": form.get("name", "")}
            )
        response = RedirectResponse("/firm", 303)
        self._cookie(response, self.firm_cookie, token)
        if self.guarded:
            self._cookie(response, self.code_cookie, self.game.record.join_code)
        return response

    async def claim(self, request: Request) -> Response:
        """Take over a firm with a firm code the teacher gave (another device, or a latecomer)."""
        client = request.client.host if request.client else "?"
        form = await read_form(request)
        try:
            _, token = await run_in_threadpool(self.game.claim, form.get("claim", ""))
        except GameError as e:
            return self._limited(client, self.lang(request)) or self._refusal(RedirectResponse("/", 303), e)
        response = RedirectResponse("/firm", 303)
        self._cookie(response, self.firm_cookie, token)
        if self.guarded:
            self._cookie(response, self.code_cookie, self.game.record.join_code)
        return response

    def _my_firm(self, request: Request) -> int | None:
        index = self.game.firm_of(request.cookies.get(self.firm_cookie))
        if index is not None:
            self.seen[index] = time.monotonic()
        return index

    async def firm(self, request: Request) -> Response:
        """The student's page: standing, goal, the decision form and the firm's results."""
        index = self._my_firm(request)
        if index is None:
            return RedirectResponse("/", 303)
        lang = self.lang(request)
        message, error, typed = self._take_flash(request, lang)
        saved = request.query_params.get("saved")
        if not message and saved in ("1", "ran"):
            message = tr("saved_ran" if saved == "ran" else "saved", lang)
        page = await run_in_threadpool(self.firm_page, index, lang, message, error, typed)
        return self._shown(request, page)

    def _cost(self, index: int) -> dict[str, Any]:
        game = self.game
        sc = game.base
        customers = game.customers(index)
        return {
            "customers": customers,
            "size": planning_size(customers, sc.market.customers, len(game.record.firms)),
            "budget": game.budget(),
        }

    def spend_text(self, index: int, values: dict[str, Any], lang: str) -> dict[str, Any]:
        """The planned spend of `values` for firm `index`, as the page shows it (or what is wrong with them)."""
        game = self.game
        with game.lock:
            budget = game.budget()
            try:
                decision = validate_decision(
                    {f: values.get(f, "") for f in DECISIONS}, dict(game.policy(index)), game.base
                )
            except DecisionError as e:
                return {"text": e.text(lang), "over": True}
            spend = planned_spend(
                decision, game.customers(index), game.base, len(game.record.firms), game.record.steps_per_round
            )
        parts = tr(
            "planned_parts",
            lang,
            ads=number(spend.advertising, lang),
            od=number(spend.over_delivery, lang),
            care=number(spend.care, lang),
        )
        total = tr("planned", lang, total=number(spend.total, lang), budget=number(budget, lang))
        return {"text": f"{total} ({parts})", "over": spend.total > budget + 1e-9, "total": spend.total}

    def firm_page(
        self, index: int, lang: str, message: str = "", error: bool = False, typed: dict[str, str] | None = None
    ) -> HTMLResponse:
        """Render firm `index`'s page in `lang` (with `typed` values kept in the form after a refusal)."""
        game = self.game
        with game.lock:
            sc, k = game.base, game.record.steps_per_round
            current = game.pending(index) or game.policy(index)
            cost = self._cost(index)
            per_ad = planned_spend({"ad_budget": 1.0, "over_delivery": 0.0, "care": 0.0}, 0, sc, 1, k).advertising
            ad_max = min(
                full_reach_budget(sc.advertising.reach) or 1.0,
                max(1.0, cost["budget"] / per_ad if per_ad else 10.0),
            )
            reach = percent(sc.advertising.reach, lang, 1)
            typed = typed or {}
            fields = [
                {
                    "name": f,
                    "label": tr(f, lang),
                    "hint": tr(f"{f}_hint", lang, reach=reach),
                    "value": typed.get(f, plain(current[f], lang)),
                    "raw": f"{current[f]:g}",
                    "max": f"{ad_max:.2g}" if f == "ad_budget" else 1,
                    "step": 0.1 if f == "ad_budget" else 0.01,
                }
                for f in DECISIONS
            ]
            shown = {f["name"]: f["value"] for f in fields}
            preview = self.spend_text(index, shown, lang) if game.phase == "playing" else {"text": "", "over": False}
            rounds = game.round_table()
            mine = rounds[rounds["supplier"] == index] if not rounds.empty else rounds
            results = [_formatted({str(c): v for c, v in r.items()}, lang) for r in mine.to_dict("records")]
            board = game.leaderboard()
            me = next((r for r in board if r["index"] == index), None)
            last = game.record.completed
            flows = self._flows(index, last, lang) if last else ""
            budget_text = tr(
                "budget_text",
                lang,
                budget=number(cost["budget"], lang),
                k=k,
                ad_cost=number(sc.money.ad_cost, lang, 2),
                reach=reach,
                n=number(sc.market.customers, lang),
                od_cost=number(sc.money.over_delivery_cost, lang, 2),
                care_cost=number(sc.money.care_cost, lang, 2),
                size=number(cost["size"], lang),
                customers=number(cost["customers"], lang),
                price=number(sc.supplier_defaults.price, lang, 2),
                service=number(sc.money.service_cost, lang, 2),
            )
            return self.page(
                "firm.html",
                200,
                lang,
                here="/firm",
                title=game.record.firms[index].name,
                firm=game.record.firms[index].name,
                index=index,
                phase=game.phase,
                firms=len(game.record.firms),
                open_round=game.open_round,
                rounds=game.record.rounds,
                pending=game.pending(index) is not None,
                fields=fields,
                preview=preview,
                budget_text=budget_text,
                results=results,
                me=me if last else None,
                notices=self._notices(lang, index),
                horizon=game.horizon,
                flows=flows,
                message=message,
                error=error,
            )

    def _flows(self, index: int, round_: int, lang: str) -> str:
        flows = self.game.flows(index, round_)

        def says(kind: str, what: str, count: int) -> str:
            label = {
                "via": lambda: tr(f"via_{what}", lang) if f"via_{what}" in _VIA else what,
                "from": lambda: tr("from_firm", lang, firm=what),
                "to": lambda: tr("to_firm", lang, firm=what),
                "left": lambda: tr("left_market", lang),
            }[kind]()
            return f"{label} {number(count, lang)}"

        nowhere = tr("nowhere", lang)
        came = ", ".join(says(*c) for c in flows["came"]) or nowhere
        went = ", ".join(says(*w) for w in flows["went"]) or nowhere
        return tr("flows", lang, r=round_, came=came, went=went)

    async def decide(self, request: Request) -> Response:
        """A student's decision for the open round (only for the student's own firm); always a redirect."""
        client = request.client.host if request.client else "?"
        lang = self.lang(request)
        index = self._my_firm(request)
        if index is None:
            return self._limited(client, lang) or self.problem("err_join_first", 403, lang)
        form = await read_form(request)
        claimed = form.pop("firm", str(index))
        if claimed.strip() != str(index):
            return self._limited(client, lang) or self.problem("err_own_firm", 403, lang)
        try:
            ran = await run_in_threadpool(self.game.decide, index, form)
        except GameError as e:
            return self._refusal(RedirectResponse("/firm", 303), e, {f: form.get(f, "") for f in DECISIONS})
        return RedirectResponse("/firm?saved=ran" if ran else "/firm?saved=1", 303)

    async def preview(self, request: Request) -> Response:
        """What the typed decision would cost this round (the form's budget preview asks on every change)."""
        index = self._my_firm(request)
        if index is None:
            return JSONResponse({"text": ""}, 403)
        values = {f: request.query_params.get(f, "")[:32] for f in DECISIONS}
        answer = await run_in_threadpool(self.spend_text, index, values, self.lang(request))
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    async def status(self, request: Request) -> Response:
        """What the pages poll: the game's version (any change) and round key (a new round or phase)."""
        g = self.game
        self._my_firm(request)
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
        """The projected view: join address and code, round, ranking, market picture; no controls."""
        client = request.client.host if request.client else "?"
        lang = self.lang(request)
        key = request.query_params.get("key")
        if key is not None:
            if not self.game.teacher_ok(key):
                return self._limited(client, lang) or self.problem("err_teacher_key", 403, lang)
            response = RedirectResponse("/teacher", 303)
            self._cookie(response, self.teacher_cookie, key)
            return response
        if not self._is_teacher(request):
            return self._limited(client, lang) or self.problem("err_teacher_page", 403, lang)
        return await run_in_threadpool(self.teacher_page, lang)

    def _presets(self, lang: str) -> list[dict[str, Any]]:
        current = presets.matching(self.game)
        return [
            {
                "label": tr(f"preset_{p.key}", lang),
                "length": tr("preset_row", lang, rounds=p.rounds, weeks=p.steps_per_round),
                "needs": tr("needs", lang, n=p.needed) if p.needed else "",
                "teaches": tr(f"preset_{p.key}_teaches", lang),
                "current": current is not None and current.key == p.key,
            }
            for p in presets.PRESETS.values()
        ]

    def teacher_page(self, lang: str) -> HTMLResponse:
        """Render the projected view."""
        game = self.game
        with game.lock:
            board = game.leaderboard()
            return self.page(
                "teacher.html",
                200,
                lang,
                reload="any",
                here="/teacher",
                body_class="projector",
                title=tr("open_view", lang),
                address=self.address,
                code=game.record.join_code,
                phase=game.phase,
                open_round=game.open_round,
                rounds=game.record.rounds,
                firms=len(game.record.firms),
                decided=sum(r["decided"] for r in board),
                board=board[:PROJECTED_FIRMS],
                everyone=board,
                more=max(0, len(board) - PROJECTED_FIRMS),
                notices=self._notices(lang),
                presets=self._presets(lang),
                horizon=game.horizon,
            )

    async def panel(self, request: Request) -> Response:
        """The teacher's controls: start, close a round, scandals, the roster, downloads."""
        lang = self.lang(request)
        if not self._is_teacher(request):
            client = request.client.host if request.client else "?"
            return self._limited(client, lang) or self.problem("err_teacher_page", 403, lang)
        message, error, _ = self._take_flash(request, lang)
        page = await run_in_threadpool(self.panel_page, lang, message, error)
        return self._shown(request, page)

    def panel_page(self, lang: str, message: str = "", error: bool = False) -> HTMLResponse:
        """Render the teacher's panel."""
        game = self.game
        now = time.monotonic()
        with game.lock:
            names = [f.name for f in game.record.firms]
            events = "; ".join(
                tr(
                    "event",
                    lang,
                    r=e.round,
                    target=tr("whole_sector", lang) if e.supplier == "all" else names[e.supplier],
                )
                for e in game.record.events
            )
            roster = [
                {
                    "index": i,
                    "name": firm.name,
                    "presence": "online" if now - self.seen.get(i, -1e9) < ONLINE_SECONDS else "offline",
                    "decided": game.pending(i) is not None,
                }
                for i, firm in enumerate(game.record.firms)
            ]
            return self.page(
                "panel.html",
                200,
                lang,
                reload="any",
                here="/teacher/panel",
                title=tr("panel", lang),
                view_url=self.address + "teacher",
                warnings=presets.warnings(game, lang),
                notice=game.notice,
                phase=game.phase,
                open_round=game.open_round,
                rounds=game.record.rounds,
                firms=game.record.firms,
                decided=sum(r["decided"] for r in roster),
                roster=roster,
                events=events,
                events_seen=len(game.record.events),
                message=message,
                error=error,
            )

    async def _teacher_action(
        self,
        request: Request,
        action: Callable[[dict[str, str]], tuple[str, dict[str, Any]]],
        counts: tuple[str, ...] = (),
    ) -> Response:
        """Run a teacher's action and go back to the panel with its message (post/redirect/get).

        Args:
            request: the form post.
            action: does it; returns the text key of its message and the key's fields.
            counts: fields the panel's form must carry as whole numbers (the round, the events seen),
                so that a repeated form does nothing twice; a form without them is refused (400).
        """
        client = request.client.host if request.client else "?"
        lang = self.lang(request)
        if not self._is_teacher(request):
            return self._limited(client, lang) or self.problem("err_teacher_only", 403, lang)
        form = await read_form(request)
        for key in counts:
            if not form.get(key, "").isdigit():
                return self.problem("err_stale_form", 400, lang, field=key)
        response = RedirectResponse("/teacher/panel", 303)
        try:
            key, fields = await run_in_threadpool(action, form)
        except GameError as e:
            return self._refusal(response, e)
        return self._flash(response, key, False, None, **fields)

    def _firm_field(self, form: dict[str, str]) -> int:
        try:
            return int(form.get("firm", ""))
        except ValueError:
            raise GameError("err_no_firm", 404) from None

    async def start(self, request: Request) -> Response:
        """Close the lobby and open round 1."""

        def act(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
            self.game.start()
            return "started", {}

        return await self._teacher_action(request, act)

    async def close(self, request: Request) -> Response:
        """Close the open round now and run it."""

        def act(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
            r = int(form["round"])
            self.game.close_round(r)
            return "closed", {"r": r}

        return await self._teacher_action(request, act, counts=("round",))

    async def scandal(self, request: Request) -> Response:
        """Fire a scandal at one firm or the whole sector."""

        def act(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
            try:
                severity = float(form.get("severity", "1").replace(",", "."))
                reach = float(form.get("reach", "1").replace(",", "."))
            except ValueError:
                raise GameError("err_scandal_values") from None
            self.game.scandal(form.get("target", "all"), severity, reach, int(form["events"]))
            return "fired", {}

        return await self._teacher_action(request, act, counts=("events",))

    async def add_firm(self, request: Request) -> Response:
        """Add a firm in the lobby, for a latecomer or an absent student; its firm code is shown."""

        def act(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
            index, code = self.game.add_firm(form.get("name", ""))
            return "code_for", {"firm": self.game.record.firms[index].name, "code": code}

        return await self._teacher_action(request, act)

    async def rename(self, request: Request) -> Response:
        """Rename a firm."""

        def act(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
            return "renamed", {"name": self.game.rename(self._firm_field(form), form.get("name", ""))}

        return await self._teacher_action(request, act)

    async def remove(self, request: Request) -> Response:
        """Remove a firm (lobby) or detach its student (once the market runs)."""

        def act(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
            index = self._firm_field(form)
            name = self.game.record.firms[index].name if 0 <= index < len(self.game.record.firms) else "?"
            gone = self.game.remove(index)
            self.seen.pop(index, None)
            if gone:
                self.seen = {(i - 1 if i > index else i): t for i, t in self.seen.items()}
            return ("removed" if gone else "detached"), {"name": name}

        return await self._teacher_action(request, act)

    async def issue_code(self, request: Request) -> Response:
        """A one-time firm code for a firm: its student types it on another device to get the firm back."""

        def act(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
            index = self._firm_field(form)
            code = self.game.issue_code(index)
            return "code_for", {"firm": self.game.record.firms[index].name, "code": code}

        return await self._teacher_action(request, act)

    async def table(self, request: Request) -> Response:
        """The supplier table or the round table as CSV (teacher only)."""
        name = request.path_params["name"]
        lang = self.lang(request)
        if not self._is_teacher(request):
            return self.problem("err_teacher_only", 403, lang)
        if name not in ("suppliers", "rounds"):
            return self.problem("err_no_page", 404, lang)

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
        lang = self.lang(request)
        if self.game.phase != "over" and not self._is_teacher(request):
            return self.problem("err_debrief_closed", 409, lang)
        return await run_in_threadpool(self.debrief_page, lang)

    def replays(self) -> list[Any]:
        """The game replayed on other seeds (computed once per game state)."""
        version = self.game.version
        cached = self._replays
        if cached is not None and cached[0] == version:
            return cached[1]
        tables = self.game.replays()
        self._replays = (version, tables)
        return tables

    def debrief_page(self, lang: str) -> HTMLResponse:
        """Render the debrief: the lesson's statements, each comparison with its interval."""
        game = self.game
        with game.lock:
            rounds = game.round_table()
            names = [f.name for f in game.record.firms]
        replays = self.replays() if not rounds.empty and len(names) > 1 else []
        statements = [
            {
                "text": say(s, lang),
                "verdict": s.verdict,
                "mean": s.mean,
                "lo": s.lo,
                "hi": s.hi,
                "n": s.n,
            }
            for s in lesson.lesson(rounds, names, replays)
        ]
        rows = []
        for r in ({str(k): v for k, v in row.items()} for row in rounds.to_dict("records")):
            rows.append(
                {
                    **_formatted(r, lang),
                    "name": names[r["supplier"]],
                    **{f: plain(r[f], lang) for f in DECISIONS},
                }
            )
        return self.page(
            "debrief.html",
            200,
            lang,
            here="/debrief",
            title=tr("debrief", lang),
            rows=rows,
            lesson=statements,
            reload="round",
        )

    async def figure(self, request: Request) -> Response:
        """market.png (everyone admitted), firm.png (the student's own firm), debrief.png (at the end).

        The header ``X-Smallest-Text-Px`` gives the smallest text drawn, in pixels at the figure's own size.
        """
        name = request.path_params["name"]
        lang = self.lang(request)
        if request.query_params.get("lang") in LANGUAGES:
            lang = str(request.query_params["lang"])
        if name == "firm":
            index = self._my_firm(request)
            if index is None:
                return self.problem("err_join_first", 403, lang)
        elif name == "debrief":
            if self.game.phase != "over" and not self._is_teacher(request):
                return self.problem("err_debrief_closed", 409, lang)
            index = -1
        elif name == "market":
            index = -1
        else:
            return self.problem("err_no_page", 404, lang)
        png, smallest = await run_in_threadpool(self._draw, name, index, lang)
        return Response(
            png, media_type="image/png", headers={"Cache-Control": "no-store", "X-Smallest-Text-Px": f"{smallest:.2f}"}
        )

    def _draw(self, name: str, index: int, lang: str) -> tuple[bytes, float]:
        with self.game.lock:
            key = (name, index, self.game.version, lang)
            with self._figure_lock:
                if key in self._figures:
                    return self._figures[key]
            snap = figures.Snapshot.of(self.game)
        if name == "market":
            drawn = figures.market_figure(snap, lang)
        elif name == "firm":
            drawn = figures.firm_figure(snap, index, lang)
        else:
            drawn = figures.debrief_figure(snap, lang)
        with self._figure_lock:
            if len(self._figures) > 200:
                self._figures.clear()
            self._figures[key] = drawn
        return drawn

    async def css(self, request: Request) -> Response:
        """The style sheet."""
        return Response(CSS, media_type="text/css")

    async def js(self, request: Request) -> Response:
        """The pages' script (polling for new rounds, sliders, asking the server for the budget preview)."""
        return Response(JS, media_type="text/javascript")


_VIA = {"via_recommendation", "via_review", "via_ad", "via_banner", "via_initial"}


def say(statement: lesson.Statement, lang: str) -> str:
    """A lesson statement as a sentence in `lang` (numbers in the language's format)."""
    fields = dict(statement.fields)
    if "score" in fields:
        fields["score"] = number(fields["score"], lang)
    if "customers" in fields:
        fields["customers"] = number(fields["customers"], lang)
    if not statement.verdict:
        return tr(statement.key, lang, **fields)
    body = tr(
        statement.key,
        lang,
        **fields,
        n=statement.n,
        mean=number(abs(statement.mean) if statement.verdict != "unclear" else statement.mean, lang),
        lo=number(statement.lo, lang),
        hi=number(statement.hi, lang),
    )
    intro = tr(statement.intro, lang, **fields) if statement.intro else ""
    return f"{intro} {body}".strip()


def _formatted(row: dict[str, Any], lang: str) -> dict[str, Any]:
    """A round-table row for a page, in `lang`: counts, shares, trust to two decimals, money rounded."""
    out = dict(row)
    for key in ("customers", "ambassadors", "detractors"):
        out[key] = number(row[key], lang)
    for key in ("trust_reliability", "trust_transparency", "trust_competence", "trust_care"):
        out[key] = number(row[key], lang, 2)
    for key in ("profit", "discounted_profit", "base_value", "score"):
        out[key] = number(row[key], lang)
    done = row["kept"] + row["exceeded"] + row["broken"]
    out["kept"] = percent((row["kept"] + row["exceeded"]) / done, lang) if done else "–"
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
