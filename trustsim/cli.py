"""`trustsim` command line: a thin shell over library functions a notebook can call as well.

Each sub-command lives in its own module under :mod:`trustsim.commands` and exposes
``add_parser(subparsers)`` and ``main(args) -> int``. Errors the user can fix are printed as
one clear message (exit status 2 for bad input, 1 for run-time failures); a traceback is shown
only with ``--debug``.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys

from trustsim.errors import ConfigError, TrustsimError

COMMANDS = (
    "run",
    "sweep",
    "plot",
    "sensitivity",
    "discover",
    "validate",
    "experiment",
    "compare",
    "optimize",
    "calibrate",
    "patterns",
    "viz",
    "animate",
    "list",
    "classroom",
)


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and a one-line message, naming the command."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with one sub-parser per available command."""
    parser = _Parser(prog="trustsim", description="Agent-based simulation of trust in markets.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"trustsim.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"trustsim.commands.{name}":
                continue
            raise
        module.add_parser(sub)
    return parser


def _version() -> str:
    from trustsim import __version__

    return f"trustsim {__version__}"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `trustsim` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except TrustsimError as e:
        if args.debug:
            raise
        _print_error(str(e))
        return e.exit_code
    except KeyboardInterrupt:
        if args.debug:
            raise
        _print_error("interrupted.")
        return 130
    except Exception as e:
        if args.debug:
            raise
        if isinstance(e, OSError) and e.errno == errno.ENAMETOOLONG:  # a name the user gave: bad input
            from trustsim.io import name_too_long

            _print_error(name_too_long(e.filename or ""))
            return ConfigError.exit_code
        _print_error(f"internal error: {type(e).__name__}: {e} (run with --debug for the traceback)")
        return 1


MESSAGE_LINE_LIMIT = 1000
"""Longest line of an error message printed (a user's value is never echoed at length)."""


def _print_error(message: str) -> None:
    from rich.console import Console
    from rich.text import Text

    from trustsim.errors import printable

    lines = []
    for line in message.splitlines() or [""]:
        line = printable(line)  # nothing from a file or a name may drive the terminal
        if len(line) > MESSAGE_LINE_LIMIT:
            line = f"{line[:MESSAGE_LINE_LIMIT]}… ({len(line) - MESSAGE_LINE_LIMIT:,} more characters)"
        lines.append(line)
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        Text.assemble(("error: ", "bold red"), "\n".join(lines))
    )


if __name__ == "__main__":
    raise SystemExit(main())
