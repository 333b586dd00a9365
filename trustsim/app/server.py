"""Serve the classroom page with Solara: offline, without telemetry, on loopback by default.

The front-end comes from the ``solara-assets`` package (pinned in pyproject.toml with the
solara release it was built for), so the browser fetches nothing outside the server; usage
telemetry is switched off before Solara reads its settings. Three guards wrap Solara's ASGI app
(:class:`Guard`): requests whose ``Host`` header names none of the addresses served are refused
(a web page elsewhere cannot reach the app through DNS rebinding), WebSocket sessions opened by
a page of another site (their ``Origin``) are refused, and a request or session that breaks the
server (a malformed chunked body, a WebSocket speaking garbage) is logged as one line instead of
a traceback. See docs/security.md, "The classroom app on a network". The classroom game's server
uses the same guard.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
import urllib.parse
import warnings
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from types import SimpleNamespace
from typing import Any

import psutil

from trustsim.config import Scenario
from trustsim.errors import ConfigError

APP_MODULE = "trustsim.app.page"
OFFLINE_ENV: dict[str, str] = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",  # no usage telemetry
    "SOLARA_THEME_SHOW_BANNER": "false",  # no "this website runs on Solara" link
}
"""Environment for Solara: set before it reads its settings."""
ANY_ADDRESS = ("0.0.0.0", "::", "")
LOG = logging.getLogger("trustsim.viz")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def check_port(host: str, port: int) -> None:
    """Fail early, with a clear message, when the address cannot be served.

    Raises:
        ConfigError: if `port` is out of range or already in use on `host`, or `host` is not
            an address of this machine.
    """
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port {port}: must be between 1 and 65535 (0 picks a free port).")
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise ConfigError(
                f"--host {host} --port {port}: cannot listen there ({e.strerror}); "
                "is another app running? Pick another port with --port."
            ) from None


def local_addresses() -> list[str]:
    """This machine's IP addresses (IPv4 first, loopback and link-local last)."""
    found: list[str] = []
    for entries in psutil.net_if_addrs().values():
        for entry in entries:
            if entry.family in (socket.AF_INET, socket.AF_INET6):
                found.append(entry.address.split("%")[0])

    def order(address: str) -> tuple[bool, bool]:
        ip = ipaddress.ip_address(address)
        return (ip.is_loopback or ip.is_link_local, ip.version == 6)

    return sorted(dict.fromkeys(found), key=order)


def served_addresses(host: str) -> list[str]:
    """The addresses a browser can use to reach a server bound to `host`.

    0.0.0.0 serves every IPv4 address of the machine; ``::`` every address.
    """
    if host in ANY_ADDRESS:
        ipv4_only = host in ("0.0.0.0", "")
        return [a for a in local_addresses() if not (ipv4_only and ":" in a)]
    return [host]


def url(address: str, port: int) -> str:
    """http://ADDRESS:PORT/, with IPv6 addresses in brackets."""
    return f"http://[{address}]:{port}/" if ":" in address else f"http://{address}:{port}/"


def allowed_hosts(host: str) -> set[str]:
    """Names the ``Host`` header may carry: the addresses served, and localhost on loopback."""
    names = {a.lower() for a in served_addresses(host)}
    if any(ipaddress.ip_address(a).is_loopback for a in names if _is_ip(a)) or host == "localhost":
        names |= {"localhost", "127.0.0.1", "::1"}
    if host in ANY_ADDRESS:
        names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    return names


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without port or IPv6 brackets, lower case."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def announce(host: str, port: int, out: Any = None) -> None:
    """Print where to open the app; on all interfaces, warn that others can reach it."""
    out = out or sys.stdout
    if host not in ANY_ADDRESS:
        print(f"trustsim viz: open {url(host, port)} (Ctrl+C stops)", file=out, flush=True)
        return
    addresses = served_addresses(host)
    print(
        f"trustsim viz: WARNING: --host {host or '0.0.0.0'} serves the app to every machine that "
        "can reach this one (pupils' laptops, but also anyone else on the network). It has no "
        "password; stop it after the lesson. See docs/security.md.",
        file=out,
        flush=True,
    )
    print("trustsim viz: open one of", file=out, flush=True)
    for address in addresses:
        print(f"  {url(address, port)}", file=out, flush=True)
    print("(Ctrl+C stops)", file=out, flush=True)


def same_origin(origin: str, host_header: str) -> bool:
    """Whether an ``Origin`` header names the site of the ``Host`` header (the same name and port)."""
    try:
        netloc = urllib.parse.urlsplit(origin.strip()).netloc.lower()
    except ValueError:
        return False
    return bool(netloc) and netloc == host_header.strip().lower()


class Guard:
    """ASGI wrapper: refuse unknown ``Host`` headers and cross-site WebSockets, turn crashes into one log line.

    Args:
        app: the ASGI app guarded (Solara's, or the game's).
        hosts: the names the ``Host`` header may carry (see :func:`allowed_hosts`).
        name: how log lines begin (the command).
        log: where they go.
    """

    def __init__(
        self, app: ASGIApp, hosts: Iterable[str], name: str = "trustsim viz", log: logging.Logger = LOG
    ) -> None:
        self.app = app
        self.hosts = {h.lower() for h in hosts}
        self.name, self.log = name, log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        name = host_name(host)
        client = (scope.get("client") or ("?", 0))[0]
        if name not in self.hosts:
            self.log.warning(
                "%s: refused a request for host %r from %s (not an address served)", self.name, name[:80], client
            )
            await self._refuse(scope, send, 400, b"Host not served here.\n")
            return
        origin = headers.get(b"origin")
        # a browser always names the page that opens a WebSocket; a page of another site must not get a session
        if scope["type"] == "websocket" and origin is not None and not same_origin(origin.decode("latin-1"), host):
            self.log.warning(
                "%s: refused a session from %s opened by another site (Origin %r)",
                self.name,
                client,
                origin.decode("latin-1")[:80],
            )
            await self._refuse(scope, send, 403, b"")
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] in ("http.response.start", "websocket.accept", "websocket.close"):
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as error:  # the point: any crash becomes one line
            self.log.warning(
                "%s: dropped a broken %s from %s to %s (%s)",
                self.name,
                "session" if scope["type"] == "websocket" else "request",
                client,
                scope.get("path", "?")[:80],
                _first_line(error),
            )
            if not started:
                await self._refuse(scope, send, 400, b"Bad request.\n")

    @staticmethod
    async def _refuse(scope: Scope, send: Send, status: int, body: bytes) -> None:
        try:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})
        except Exception:  # the client is gone: nothing left to tell it
            pass


def _first_line(error: BaseException) -> str:
    """'Type: first line of the message', at most 120 characters (innermost of a group)."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:120]


def quiet_solara() -> None:
    """Silence what is noise for a teacher: Solara's cookie warning for plain http."""
    # samesite=lax is right for an app that is not embedded in another site's frame
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.WARNING)
    LOG.propagate = False


def serve(base: Scenario, host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False) -> int:
    """Run the classroom app until interrupted.

    Args:
        base: the scenario every lesson starts from.
        host: address to listen on; keep 127.0.0.1 unless pupils connect from other machines.
        port: TCP port (0 picks a free one).
        open_browser: open the page in the default browser once the server is up.

    Returns:
        The exit status (0 after a clean shutdown).
    """
    check_port(host, port)
    os.environ.update(OFFLINE_ENV)
    import solara.__main__ as solara_cli
    import solara.server.settings as settings
    from solara.__main__ import run

    settings.telemetry.mixpanel_enable = False
    os.environ["SOLARA_APP"] = APP_MODULE  # read when Solara's server module is imported
    import solara.server.starlette as solara_app

    from trustsim.app import page

    page.configure(base)
    quiet_solara()
    solara_app.app.add_middleware(Guard, hosts=allowed_hosts(host))
    # Solara announces "http://HOST:PORT" itself, unusable for 0.0.0.0: announce() says it right
    solara_cli.rich = SimpleNamespace(print=lambda *args, **kwargs: None)  # pyright: ignore[reportPrivateImportUsage]
    args = [
        APP_MODULE,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-check-version",
        "--open" if open_browser else "--no-open",
    ]
    run.main(args=args, standalone_mode=False)
    return 0
