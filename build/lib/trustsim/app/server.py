"""Serve the classroom page with Solara: offline, without telemetry, on loopback by default.

The front-end comes from the ``solara-assets`` package (pinned in pyproject.toml with the
solara release it was built for), so the browser fetches nothing outside the server; usage
telemetry is switched off before Solara reads its settings.
"""

from __future__ import annotations

import os
import socket

from trustsim.config import Scenario
from trustsim.errors import ConfigError

APP_MODULE = "trustsim.app.page"
OFFLINE_ENV: dict[str, str] = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",  # no usage telemetry
    "SOLARA_THEME_SHOW_BANNER": "false",  # no "this website runs on Solara" link
}
"""Environment for Solara: set before it reads its settings."""


def check_port(host: str, port: int) -> None:
    """Fail early, with a clear message, when the address cannot be served.

    Raises:
        ConfigError: if `port` is out of range or already in use on `host`.
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
    import solara.server.settings as settings
    from solara.__main__ import run

    settings.telemetry.mixpanel_enable = False
    from trustsim.app import page

    page.configure(base)
    args = [APP_MODULE, "--host", host, "--port", str(port), "--production",
            "--no-check-version", "--open" if open_browser else "--no-open"]
    run.main(args=args, standalone_mode=False)
    return 0
