"""`trustsim viz [CONFIG]`: the classroom app in the browser (Mesa's SolaraViz, served offline)."""

from __future__ import annotations

import argparse

from trustsim.commands._args import add_set_argument

DEFAULT_CONFIG = "baseline"
"""The built-in scenario the app starts from when none is given."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `viz` sub-command."""
    p = subparsers.add_parser(
        "viz",
        help="classroom app: watch loyalty emerge, live in the browser",
        description=(
            "Serve the classroom app on http://HOST:PORT/ (bound to 127.0.0.1 unless --host says "
            "otherwise). Works offline and sends no telemetry. Stop it with Ctrl+C."
        ),
    )
    p.add_argument(
        "config",
        nargs="?",
        default=DEFAULT_CONFIG,
        help=f"scenario TOML or built-in scenario name every lesson starts from (default: {DEFAULT_CONFIG})",
    )
    p.add_argument("--port", type=int, default=8765, help="TCP port (default 8765; 0 = any free)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 lets other machines connect: "
        "read docs/security.md first)",
    )
    add_set_argument(p, "override a scenario key")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Validate the scenario, then serve the app until interrupted."""
    from trustsim.config import load_scenario, parse_set_args
    from trustsim.extras import require

    require("app", "trustsim viz")
    base = load_scenario(args.config, overrides=parse_set_args(args.overrides))

    from trustsim.app.server import announce, check_port, serve

    check_port(args.host, args.port)  # refuse a bad port before announcing the address
    announce(args.host, args.port)
    return serve(base, host=args.host, port=args.port, open_browser=args.open)
