"""Argument types and option groups shared by several `trustsim` commands."""

from __future__ import annotations

import argparse


def non_negative_int(text: str) -> int:
    """argparse type: a whole number >= 0, with a message naming the bad text."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    """--workers, --scheduler and --quiet: where the runs of a sweep-based command execute."""
    parser.add_argument("--workers", type=positive_int, metavar="N", help="local processes (default: cores)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on an existing Dask cluster, e.g. tcp://127.0.0.1:8786")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
