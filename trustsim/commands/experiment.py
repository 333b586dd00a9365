"""`trustsim experiment NAME|FILE`: run one of the claims' experiments and write its figures and findings."""

from __future__ import annotations

import argparse
import sys

from trustsim.commands._args import add_backend_arguments


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `experiment` sub-command."""
    from trustsim.experiments.common import SIZES

    p = subparsers.add_parser(
        "experiment",
        help="run an experiment that tests a claim of the source texts (figures + findings.json)",
        description=(
            "Run one experiment (one_firm, ten_ambassadors, asymmetry, over_delivery, channels, four_components, "
            "scandal_lockin, mutual_trust, networks) or a variant of one given as its TOML file, and "
            "write its figures (PNG) and findings.json (headline numbers with 95% confidence "
            "intervals) to DIR. Sweeps are kept in DIR/sweeps/: running again resumes."
        ),
    )
    p.add_argument(
        "experiment", metavar="NAME|FILE", help="built-in experiment name (see `trustsim list`) or experiment TOML file"
    )
    p.add_argument("--out", metavar="DIR", help="results folder (default results/<name>)")
    p.add_argument(
        "--size",
        choices=SIZES,
        default="full",
        help="tiny: seconds (CI smoke test); laptop: minutes; full: as in the TOML (default)",
    )
    add_backend_arguments(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the experiment and print where its files are and its runtime."""
    from pathlib import Path

    from trustsim.commands._args import default_out
    from trustsim.commands.run import prepare_out_dir
    from trustsim.experiments import analysis_module, experiment_path, run_experiment
    from trustsim.io import locked_folder

    name, path = experiment_path(args.experiment)  # an unknown name or a bad file is refused first
    module = analysis_module(name)
    check = getattr(module, "check", None)
    if check is not None:  # a design with settings of its own is checked whole before any folder is made
        check(path, args.size)
    out = Path(args.out) if args.out else default_out(name)
    prepare_out_dir(out)  # a file or an unwritable folder is refused before any run
    with locked_folder(out, "experiment"):  # its sweeps in out/sweeps/ are locked each on their own
        report = run_experiment(
            args.experiment,
            out,
            size=args.size,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.quiet,
        )
    from trustsim.errors import printable

    print(
        f"{report.name} ({args.size}): {len(report.figures)} figures and findings.json in {printable(str(report.out))} "
        f"({report.findings['runtime_seconds']} s)",
        file=sys.stderr,
    )
    for path in report.figures:
        print(f"  {printable(str(path))}", file=sys.stderr)
    summary = getattr(module, "summary_lines", None)
    if summary is not None:  # an experiment that answers a manager's question prints the answer
        print("\n".join(summary(report.findings)))
    return 0
