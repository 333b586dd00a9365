"""The game server's defences that are not about the game: rate limits, addresses, bodies, headers."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from trustsim.game.game import GameError

MAX_BODY = 16 * 1024
"""Largest request body accepted (a decision form is a few hundred bytes)."""


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
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise GameError("Request too large.", 413)
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
