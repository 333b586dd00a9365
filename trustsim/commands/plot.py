"""`trustsim plot DIR`: the standard figures of a sweep results folder."""

from __future__ import annotations

import argparse
import sys
import warnings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `plot` sub-command."""
    p = subparsers.add_parser(
        "plot",
        help="draw the standard figures of a sweep (to DIR/figures/)",
        description=(
            "Each measure over time (mean and 95%% band per design point), summarised measures "
            "against each swept parameter, heatmaps for two-parameter grids; and DIR/points.csv "
            "with means and 95%% intervals across replicates."
        ),
    )
    p.add_argument("folder", metavar="DIR", help="a sweep results folder (with manifest.json)")
    p.add_argument(
        "--measure", action="append", dest="measures", metavar="NAME", help="plot only this measure (repeatable)"
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Draw the figures and list where they went."""
    from trustsim.analysis.sweep_plots import plot_sweep
    from trustsim.errors import printable

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = plot_sweep(args.folder, args.measures)
    for warning in caught:  # a partial sweep, a degenerate measure: one plain line each
        print(f"warning: {printable(str(warning.message))}", file=sys.stderr)
    folder = printable(str(args.folder))
    print(f"{len(paths)} figure files in {folder}/figures; table {folder}/points.csv")
    return 0
