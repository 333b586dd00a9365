"""Argument types and option groups shared by several `trustsim` commands.

Each type reports a bad value against the option (exit 2), before any file is read; ranges
come from the scenario schema where the option sets a scenario key (``--steps``, ``--seed``).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path

from trustsim.errors import ConfigError, excerpt


def int_in(low: int, high: int) -> Callable[[str], int]:
    """argparse type: a whole number in [low, high] (decimal, or hexadecimal ``0x...`` as CSV copies write
    seeds), with a message naming the bad text."""

    def parse(text: str) -> int:
        if re.fullmatch(r"\s*0[xX][0-9a-fA-F]{1,30}\s*", text):
            value = int(text.strip(), 16)
        elif re.fullmatch(r"\s*[+-]?\d{1,30}\s*", text):
            value = int(text)
        else:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {excerpt(text)}")
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low:,}, got {value:,}")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:,}, got {value:,}")
        return value

    parse.__name__ = "whole number"  # argparse names the type in its own messages
    return parse


def non_negative_int(text: str) -> int:
    """argparse type: a whole number >= 0, with a message naming the bad text."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {excerpt(text)}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {excerpt(text)}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def scenario_int(key: str) -> Callable[[str], int]:
    """argparse type for an option that sets the top-level scenario key ``key`` (its schema range)."""
    from trustsim.config import Scenario

    info = Scenario.model_fields[key]
    low = next(m.ge for m in info.metadata if getattr(m, "ge", None) is not None)
    high = next(m.le for m in info.metadata if getattr(m, "le", None) is not None)
    return int_in(low, high)


def scheduler_address(text: str) -> str:
    """argparse type: a Dask scheduler address (checked for form only; connecting comes later)."""
    from trustsim.sweep.backends import check_scheduler_address

    try:
        return check_scheduler_address(text)
    except ConfigError as e:
        raise argparse.ArgumentTypeError(str(e).split(": ", 1)[1]) from None


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    """--workers, --scheduler and --quiet: where the runs of a sweep-based command execute."""
    parser.add_argument(
        "--workers",
        type=int_in(1, 100_000),
        metavar="N",
        help="local processes (default and most: the cores available)",
    )
    parser.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://127.0.0.1:8786",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def default_out(stem: str, prefix: str = "") -> Path:
    """``results/<prefix><stem>`` with ``stem`` made a safe folder name (never ``results/..``)."""
    from trustsim.sweep.experiment import safe_name

    return Path("results") / f"{prefix}{safe_name(stem, 'run')}"


def add_set_argument(p: argparse.ArgumentParser, what: str = "override a scenario key") -> None:
    """``--set KEY=VALUE`` (repeatable) into ``args.overrides``: the same option, name and help in every
    command that takes a scenario (values are read by :func:`trustsim.config.parse_set_args`)."""
    p.add_argument(
        "--set",
        action="append",
        dest="overrides",
        default=[],
        metavar="KEY=VALUE",
        help=f"{what}, e.g. --set market.customers=2000 (repeatable)",
    )
