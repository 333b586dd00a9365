"""`trustsim discover SWEEP_DIR --outcome EXPR`: where in the swept space does an outcome hold (PRIM)?"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `discover` sub-command."""
    p = subparsers.add_parser(
        "discover",
        help="scenario discovery on a sweep: the parameter box where an outcome holds (PRIM), feature scores",
        description=(
            "Find the ranges of the swept parameters in which a condition on each run holds (PRIM, with "
            "coverage and density) and rank the parameters by how much they tell about it (extra-trees "
            "feature scores). Writes SWEEP_DIR/discover/discover.md and discover.json. Needs "
            "pip install 'trustsim[ema]'."
        ),
    )
    p.add_argument("folder", metavar="SWEEP_DIR", help="results folder of a finished `trustsim sweep`")
    p.add_argument(
        "--outcome",
        required=True,
        metavar="EXPR",
        help="condition per run on the summary columns in the safe expression language (names, numbers, "
        "comparisons, and/or/not, arithmetic, parentheses; never code), e.g. 'nps > 30' or "
        "'`customers[Listener]` > `customers[Advertiser]`'",
    )
    p.add_argument("--threshold", type=float, default=0.8, metavar="D", help="least density of the box (default 0.8)")
    p.add_argument(
        "--peel-alpha",
        type=float,
        default=0.05,
        metavar="A",
        help="share of runs peeled off per PRIM step (0.01-0.5, default 0.05)",
    )
    p.add_argument("--out", metavar="DIR", help="where to write discover.md/json (default SWEEP_DIR/discover)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run PRIM and the feature scores; print the finding and write it."""
    from pathlib import Path

    from trustsim.analysis.discover import discover, write_discovery

    found = discover(args.folder, args.outcome, threshold=args.threshold, peel_alpha=args.peel_alpha)
    paths = write_discovery(found, Path(args.out) if args.out else Path(args.folder) / "discover")
    from trustsim.errors import printable

    print(printable(found.text().replace("`", "")))  # the outcome is the user's text: no terminal escapes
    print(printable(f"written: {paths['md']} and {paths['json']}"), file=sys.stderr)
    return 0
