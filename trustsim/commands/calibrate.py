"""`trustsim calibrate CALIBRATION.toml`: fit free parameters to market-level patterns (ABC).

The file names a base scenario, the regime the patterns are measured in, free parameters with
ranges, target patterns with their sources and tolerances, patterns held out, replicates per
evaluation and the method: rejection ABC or sequential ABC (ABC-SMC) (docs/calibration.md).
Writes DIR/report.md, figures/, posterior.parquet, posterior.json, identifiability.csv,
accepted.csv, ranges.csv, check.csv, calibrated.toml and (smc) generations.csv; the runs live in
DIR/prior or DIR/generation-GG and DIR/check-*, so an interrupted calibration resumes where it
stopped.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from trustsim.commands._args import add_backend_arguments, add_set_argument, default_out, int_in, scenario_int


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `calibrate` sub-command."""
    p = subparsers.add_parser(
        "calibrate",
        help="calibrate a scenario to market-level patterns and check it on patterns held out (ABC)",
        description=(
            "Draw parameter sets from the file's priors, run each through the sweep engine, accept "
            "those that reproduce the target patterns (rejection ABC, or generation after generation "
            "of sequential ABC with --method smc), check the nearest on fresh seeds against fitted and "
            "held-out patterns, and write DIR/report.md, the weighted posterior DIR/posterior.parquet, "
            "which parameters the data identify, and the calibrated scenario DIR/calibrated.toml. Run "
            "again to resume after an interruption."
        ),
    )
    p.add_argument("calibration", metavar="CALIBRATION", help="calibration file, or a built-in name (trustsim list)")
    p.add_argument(
        "--budget",
        type=int_in(2, 100_000),
        metavar="N",
        help="rejection: parameter sets drawn from the prior (default: the file's method.budget)",
    )
    p.add_argument(
        "--method",
        choices=("rejection", "smc"),
        help="rejection ABC over one prior sample, or sequential ABC (default: the file's method.kind)",
    )
    p.add_argument(
        "--particles",
        type=int_in(2, 100_000),
        metavar="N",
        help="smc: parameter sets kept in the posterior (default: the file's method.particles)",
    )
    p.add_argument(
        "--generations",
        type=int_in(1, 1000),
        metavar="G",
        help="smc: most generations (default: the file's method.generations)",
    )
    p.add_argument(
        "--check-replicates",
        type=int_in(2, 10_000),
        metavar="N",
        help="fresh seeds on which the calibrated scenario is checked (default: the file's)",
    )
    p.add_argument("--steps", type=scenario_int("steps"), help="steps per run (default: the file's steps)")
    add_set_argument(p, "set a scenario key on every run, on top of the file's [overrides]")
    p.add_argument("--out", metavar="DIR", help="results folder (default results/calibrate-<name>)")
    add_backend_arguments(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the calibration and write its report."""
    from trustsim.calibration.report import load_note, write_calibration
    from trustsim.calibration.run import calibrate
    from trustsim.calibration.schema import load_calibration
    from trustsim.commands.compare import _command_line
    from trustsim.commands.run import prepare_out_dir
    from trustsim.config import parse_set_args
    from trustsim.io import locked_folder

    started = time.monotonic()
    options = {
        "method": {
            key: value
            for key, value in (
                ("kind", args.method),
                ("particles", args.particles),
                ("generations", args.generations),
                ("check_replicates", args.check_replicates),
            )
            if value is not None
        },
        "overrides": parse_set_args(args.overrides),
        "steps": args.steps,
    }
    calibration, _ = load_calibration(args.calibration, args.budget, **options)  # bad input: exit 2, nothing written
    out = Path(args.out) if args.out else default_out(calibration.name, "calibrate-")
    prepare_out_dir(out)
    with locked_folder(out, "calibrate"):
        result = calibrate(
            args.calibration,
            out,
            budget=args.budget,
            **options,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.quiet,
        )
        paths = write_calibration(result, _command_line("calibrate"), load_note())
    _print_summary(result)
    from trustsim.errors import printable

    print(
        f"report: {printable(str(paths['report.md']))}; scenario: {printable(str(paths['calibrated.toml']))} "
        f"({time.monotonic() - started:.1f} s)",
        file=sys.stderr,
    )
    return 0


def _print_summary(result) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from trustsim.errors import printable

    name = printable(str(result.calibration.name))
    table = Table(title=Text(f"calibration {name}: the calibrated scenario on fresh seeds"))
    for col in ("pattern", "role", "literature", "model mean (95% CI)", "n", "verdict"):
        table.add_column(col)
    for _, r in result.check.iterrows():
        table.add_row(
            r["pattern"],
            r["role"],
            f"{r['literature']:.3g} ± {r['tolerance']:.3g}",
            f"{r['mean']:.3g} ({r['ci_low']:.3g} to {r['ci_high']:.3g})",
            str(r["n"]),
            r["verdict"],
        )
    Console().print(table)
    post = result.posterior
    if post.method == "smc":
        print(
            f"posterior: {len(post.accepted)} weighted parameter sets after {len(post.generations)} generation(s) "
            f"of {len(post.points)} sets run ({post.met} meet every target); {post.stop}"
        )
    else:
        print(f"accepted {len(post.accepted)} of {len(post.points)} parameter sets ({post.met} met every target)")
    ident = post.identifiability(result.calibration.parameters)
    for _, r in ident.iterrows():
        print(f"  {printable(r['parameter'])}: {r['verdict']} (posterior sd / prior sd = {r['sd_ratio']:.2f})")
