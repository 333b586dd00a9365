"""`trustsim sensitivity DIR`: Sobol or Morris indices of a sweep, with SALib."""

from __future__ import annotations

import argparse
import sys

from trustsim.analysis.sensitivity import MAX_RESAMPLES
from trustsim.commands._args import int_in


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `sensitivity` sub-command."""
    p = subparsers.add_parser(
        "sensitivity",
        help="Sobol or Morris sensitivity indices of a sweep (sobol/morris designs)",
        description=(
            "Sobol first- and total-order indices, or Morris mu* and sigma, with 95%% "
            "confidence intervals, of each summarised measure; writes DIR/sensitivity.csv and "
            "DIR/figures/sensitivity_<measure>."
        ),
    )
    p.add_argument("folder", metavar="DIR", help="a sweep results folder (with manifest.json)")
    p.add_argument(
        "--measure", action="append", dest="measures", metavar="NAME", help="analyse only this measure (repeatable)"
    )
    p.add_argument(
        "--resamples",
        type=int_in(10, MAX_RESAMPLES),
        default=1000,
        metavar="N",
        help=f"bootstrap resamples for the intervals (default 1000, 10 to {MAX_RESAMPLES:,})",
    )
    p.add_argument("--no-plot", action="store_true", help="only write sensitivity.csv")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Compute, print and draw the indices."""
    import warnings

    from rich.console import Console
    from rich.table import Table

    from trustsim.analysis.sensitivity import sensitivity

    with warnings.catch_warnings():  # printed below as plain lines, not as Python warnings
        warnings.simplefilter("ignore")
        table = sensitivity(args.folder, args.measures, resamples=args.resamples, plot=not args.no_plot)
    from rich.text import Text

    from trustsim.errors import printable

    view = Table("measure", "parameter", "index", "value", "95% CI +/-")
    # plain tuples: a named tuple's `index` field would shadow tuple.index for the type checker
    for measure, parameter, index, value, conf in table.itertuples(index=False, name=None):
        conf_text = "" if conf != conf else f"{conf:.3f}"
        # measure names carry supplier names: text, never markup or terminal control
        view.add_row(Text(printable(str(measure))), Text(printable(str(parameter))), index, f"{value:.3f}", conf_text)
    Console().print(view)
    for note in table.attrs.get("warnings", []):
        print(f"warning: {printable(note)}", file=sys.stderr)
    print(f"written: {printable(str(args.folder))}/sensitivity.csv")
    return 0
