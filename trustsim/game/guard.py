"""The game server's defences that are not about the game: rate limits, addresses, bodies, headers, connections.

The connection limits (docs/security.md, "The game and viz servers as web servers") sit below the
web framework, in the HTTP protocol uvicorn runs for each connection (:func:`guarded_protocol`): a
client (its socket address; ``X-Forwarded-For`` only from a ``--trusted-proxy``) may hold at most
:data:`CONNECTIONS_PER_CLIENT` connections, the server at most :func:`connection_cap`, and every
request must arrive whole (headers and body) within :data:`REQUEST_TIMEOUT` seconds, so slow or
silent connections cannot pile up until the server runs out of files.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import resource
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from trustsim.app.text import spreadsheet_safe
from trustsim.game.game import GameError

MAX_BODY = 16 * 1024
"""Largest request body accepted (a decision form is a few hundred bytes)."""

REQUEST_TIMEOUT = 10.0
"""Seconds a client has to send a whole request (headers and body) once it has connected or been answered."""

LONGEST_EXCHANGE = 300.0
"""Seconds a request and its answer may take in all: a client that stops reading an answer is cut off."""

KEEP_ALIVE = 5
"""Seconds an idle connection is kept open after an answer (uvicorn's keep-alive)."""

CONNECTIONS_PER_CLIENT = 32
"""Most connections one client address may hold open at once (a browser opens at most 6 per server)."""

MAX_CONNECTIONS = 1000
"""Most connections the server holds open at once (lower if the process may open fewer files)."""

BACKLOG = 64
"""Connections waiting to be accepted (asyncio accepts up to this many at a time)."""

JOINS_BURST, JOINS_PER_MINUTE = 6, 1.0
"""Firms one client address may create: 6 at once, then one a minute (a class has one device per student)."""

LOG = logging.getLogger("trustsim.classroom")


class RateLimiter:
    """A token bucket per client: `burst` requests at once, refilled at `rate` per second.

    Args:
        rate: tokens added per second.
        burst: bucket size.
        clock: monotonic clock (replaceable in tests).
    """

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Take one token for `client`; False if its bucket is empty."""
        now = self.clock()
        with self._lock:
            if len(self._buckets) > 10_000:  # forget idle clients rather than grow without bound
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return False
            self._buckets[client] = (tokens - 1, now)
            return True

    def give_back(self, client: str) -> None:
        """Return the token of a request that did not count (e.g. a join that failed)."""
        with self._lock:
            tokens, last = self._buckets.get(client, (self.burst, self.clock()))
            self._buckets[client] = (min(self.burst, tokens + 1), last)


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable only from this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def lan_address() -> str:
    """This machine's address on the local network (for the join address shown on the projector)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # UDP connect sends nothing; it only picks the route
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def security_headers(response: Response) -> Response:
    """Add the pages' security headers: nothing from outside the server, no framing, no sniffing."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" would make form posts send Origin: null
    return response


async def read_form(request: Request) -> dict[str, str]:
    """The posted form (URL-encoded), first value per field; at most MAX_BODY bytes are read.

    Raises:
        GameError: if the body is too large or has too many fields.
    """
    body = b""
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise GameError("Request too large.", 413)
    except ClientDisconnect:  # gone (or cut off for sending too slowly): nobody to answer
        raise GameError("The request was not sent in full.", 400) from None
    try:
        pairs = urllib.parse.parse_qsl(
            body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=50
        )
    except ValueError:
        raise GameError("Too many fields in the form.", 400) from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key[:40], value[:200])
    return form


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot run as spreadsheet formulas (each through
    :func:`trustsim.app.text.spreadsheet_safe`: a leading = + - @ tab or CR gets a ').

    Numbers are left alone (a negative profit stays a number); only text columns (names) change.
    """
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):  # text, categories, objects
            out[column] = out[column].astype(object).map(lambda v: spreadsheet_safe(v) if isinstance(v, str) else v)
    return out


def connection_cap(backlog: int = BACKLOG) -> int:
    """Most connections to hold open: MAX_CONNECTIONS, or fewer if the process may not open that many files.

    The soft limit on open files is first raised to the hard limit. What stays free covers the
    files the server itself opens and a batch of connections being accepted.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(16, min(MAX_CONNECTIONS, soft - backlog - 96))


class ConnectionLimits:
    """The open connections of every client, against a per-client and a total cap.

    Args:
        per_client: most connections one client address may hold.
        total: most connections in all.
        timeout: seconds a connection may take to send one whole request.
        longest: seconds one request and its answer may take in all.
        exempt: addresses without a per-client cap (a trusted proxy speaks for many clients).
    """

    def __init__(
        self,
        per_client: int = CONNECTIONS_PER_CLIENT,
        total: int = MAX_CONNECTIONS,
        timeout: float = REQUEST_TIMEOUT,
        longest: float = LONGEST_EXCHANGE,
        exempt: Iterable[str] = (),
    ) -> None:
        self.per_client, self.total, self.timeout, self.longest = per_client, total, timeout, longest
        self.exempt = set(exempt)
        self.open: dict[str, set[Any]] = {}
        self._logged: dict[str, float] = {}

    def count(self) -> int:
        """Connections open now."""
        return sum(len(c) for c in self.open.values())

    def admit(self, client: str, connection: Any) -> bool:
        """Whether `client` may open `connection` (recorded if so).

        When the server is full, a waiting connection of the client holding the most is closed to
        make room, provided that client holds more than this one: a flood from a few addresses
        cannot lock out the class.
        """
        mine = self.open.get(client, set())
        if len(mine) >= self.per_client and client not in self.exempt:
            self.note(client, f"more than {self.per_client} connections open at once")
            return False
        if self.count() >= self.total:
            greedy = max(self.open, key=lambda c: len(self.open[c]))
            waiting = [c for c in self.open[greedy] if not c.busy()]
            if len(self.open[greedy]) <= len(mine) + 1 or not waiting:
                self.note(client, f"the server holds {self.total} connections")
                return False
            waiting[0].expire()  # closes now: connection_lost removes it
            self.open[greedy].discard(waiting[0])
        self.open.setdefault(client, mine).add(connection)
        return True

    def release(self, client: str, connection: Any) -> None:
        """Forget a closed connection."""
        mine = self.open.get(client)
        if mine is not None:
            mine.discard(connection)
            if not mine:
                del self.open[client]

    def note(self, client: str, why: str) -> None:
        """One log line per client and minute for refused connections (a flood logs a line, not a flood)."""
        now = time.monotonic()
        if now - self._logged.get(client, -60.0) >= 60.0:
            self._logged[client] = now
            if len(self._logged) > 10_000:
                self._logged.clear()
            LOG.warning("trustsim classroom: refused connections from %s (%s)", client[:60], why)


TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
    b"content-length: 42\r\n\r\nThe request was not sent in time; retry.\r\n"
)


def guarded_protocol(limits: ConnectionLimits) -> type[asyncio.Protocol]:
    """uvicorn's HTTP/1.1 protocol (h11) with `limits` applied to every connection."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11(H11Protocol):
        _admitted = False
        _timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            peer = transport.get_extra_info("peername")
            self._peer = str(peer[0]) if peer else "?"
            if not limits.admit(self._peer, self):
                transport.abort()  # at once: the file is freed before the next connection is accepted
                return
            self._admitted = True
            super().connection_made(transport)
            self._owing_since = self.loop.time()
            self._timer = self.loop.call_later(limits.timeout, self._check)

        def connection_lost(self, exc: Exception | None) -> None:
            if not self._admitted:
                return
            limits.release(self._peer, self)
            if self._timer is not None:
                self._timer.cancel()
            super().connection_lost(exc)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._owing_since = self.loop.time()

        def answering(self) -> bool:
            """An answer has begun and is not yet sent in full."""
            cycle = self.cycle
            return cycle is not None and cycle.response_started and not cycle.response_complete

        def owes_request(self) -> bool:
            """Waiting for the client: no answer under way, its request (headers or body) not complete."""
            return not self.answering() and self.conn.their_state in (h11.IDLE, h11.SEND_BODY)

        def busy(self) -> bool:
            """The server is working on an answer for this connection (its request is complete, or answering)."""
            return self.cycle is not None and not self.cycle.response_complete and not self.owes_request()

        def expire(self) -> None:
            """Tell the client it was too slow (unless an answer has begun) and close the connection."""
            if self._timer is not None:
                self._timer.cancel()
            if self.answering() or self.transport.get_write_buffer_size():
                self.transport.abort()  # close() would wait for the unread answer to drain
            elif not self.transport.is_closing():
                self.transport.write(TIMEOUT_RESPONSE)
                self.transport.close()

        def _check(self) -> None:
            waited = self.loop.time() - self._owing_since
            if (self.owes_request() and waited >= limits.timeout) or waited >= limits.longest:
                self.expire()
                return
            delay = limits.timeout - waited if self.owes_request() else limits.timeout
            self._timer = self.loop.call_later(max(0.5, delay), self._check)

    return GuardedH11


FLOOD_NOTES = {
    "out of system resource": "trustsim classroom: too many open files; refusing connections for now",
    "Exceeded concurrency limit": "trustsim classroom: too many requests at once; answering 503 for now",
    "Invalid HTTP request received": "trustsim classroom: refused malformed HTTP requests",
    "Unsupported upgrade request": "trustsim classroom: refused WebSocket requests (the game has none)",
    "No supported WebSocket library": "trustsim classroom: refused WebSocket requests (the game has none)",
}
"""Messages of asyncio and uvicorn that an attack repeats, and the one line (a minute) each becomes."""


class _OncePerMinute(logging.Filter):
    """Each note of FLOOD_NOTES at most once a minute, without a traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        note = next((v for k, v in FLOOD_NOTES.items() if k in str(record.msg)), None)
        if note is None:
            return True
        now = time.monotonic()
        if now - self.last.get(note, -60.0) < 60.0:
            return False
        self.last[note] = now
        record.exc_info, record.exc_text = None, None
        record.msg, record.args = note, ()
        return True


def make_server(
    app: Any, host: str, port: int, limits: ConnectionLimits, trusted_proxy: str | None = None
) -> tuple[Any, socket.socket]:
    """A uvicorn server for `app` with `limits` on every connection, and its bound socket (not yet serving).

    Args:
        app: the ASGI app.
        host: address to listen on.
        port: TCP port (0: a free one; see the socket).
        limits: the connection limits.
        trusted_proxy: the address of a reverse proxy whose ``X-Forwarded-For`` names the client;
            without it the header is ignored and every client is its socket address.
    """
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=guarded_protocol(limits),
        ws="none",
        lifespan="off",
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,
        proxy_headers=trusted_proxy is not None,
        forwarded_allow_ips=trusted_proxy or "",
        limit_concurrency=2 * limits.total,  # a backstop: the connection limits refuse first
        backlog=BACKLOG,
        timeout_keep_alive=KEEP_ALIVE,
        h11_max_incomplete_event_size=MAX_BODY,
    )
    if not LOG.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        LOG.addHandler(handler)
        LOG.propagate = False
    for noisy in ("asyncio", "uvicorn.error"):
        logger = logging.getLogger(noisy)
        if not any(isinstance(f, _OncePerMinute) for f in logger.filters):
            logger.addFilter(_OncePerMinute())
    return uvicorn.Server(config), config.bind_socket()


def run(app: Any, host: str, port: int, announce: Callable[[int], None], trusted_proxy: str | None = None) -> None:
    """Serve `app` until interrupted, with the connection limits; `announce(port)` once bound.

    Args:
        app: the ASGI app.
        host: address to listen on.
        port: TCP port (0: a free one, passed to `announce`).
        announce: called with the real port once the socket is bound, before serving.
        trusted_proxy: see :func:`make_server`.
    """
    limits = ConnectionLimits(total=connection_cap(), exempt=[trusted_proxy] if trusted_proxy else [])
    server, sock = make_server(app, host, port, limits, trusted_proxy)
    announce(sock.getsockname()[1])
    server.run(sockets=[sock])
