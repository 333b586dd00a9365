"""`trustsim sweep EXPERIMENT`: run or resume a parameter sweep (locally or on a Dask cluster)."""

from __future__ import annotations

import argparse
import sys

from trustsim.commands._args import add_backend_arguments, add_set_argument, int_in


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `sweep` sub-command."""
    p = subparsers.add_parser(
        "sweep",
        help="run (or resume) a parameter sweep from an experiment file",
        description=(
            "Run every design point x replicate of an experiment and write manifest.json, "
            "summary.parquet and per-step time series to DIR. Re-running the same command "
            "resumes: finished runs are not recomputed."
        ),
    )
    p.add_argument(
        "experiment", help="experiment TOML file or built-in design name (e.g. demo_grid; see `trustsim list`)"
    )
    p.add_argument("--out", metavar="DIR", help="results folder (default results/<name>)")
    add_backend_arguments(p)
    p.add_argument(
        "--replicates",
        type=int_in(1, 100_000),
        metavar="R",
        help="replace the replicates (more than the folder holds: extend it)",
    )
    p.add_argument("--steps", type=int_in(0, 100_000), metavar="T", help="replace the steps per run")
    add_set_argument(p, "override a scenario key for every run")
    p.add_argument(
        "--csv",
        action="store_true",
        help="also write CSV beside the Parquet (DIR/summary.csv, DIR/tidy/*.csv) for Excel and R",
    )
    p.add_argument(
        "--check", action="store_true", help="verify the model's invariants after every step of every run (slower)"
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the sweep; exit 1 listing the failed runs if any run failed."""
    from trustsim.config import parse_set_args
    from trustsim.sweep import load_experiment, run_sweep

    experiment = load_experiment(
        args.experiment, parse_set_args(args.overrides), replicates=args.replicates, steps=args.steps
    )
    from trustsim.invariants import CHECKED_RUN_FN

    extra = {"run_fn": CHECKED_RUN_FN} if args.check else {}
    result = run_sweep(
        experiment,
        args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.quiet,
        **extra,
    )
    if args.csv:
        from trustsim.sweep.tidy import write_csv

        write_csv(result.folder)
    from trustsim.errors import printable

    print(
        f"{result.done} of {result.total} runs done ({result.executed} run now, "
        f"{result.resumed} resumed) in {result.seconds:.1f} s; results in {printable(str(result.folder))}",
        file=sys.stderr,
    )
    if result.failures:
        print(f"{len(result.failures)} run(s) failed:", file=sys.stderr)

        for run_id, error in list(result.failures.items())[:20]:
            print(f"  {run_id}: {printable((error.splitlines() or [''])[0])[:500]}", file=sys.stderr)
        if len(result.failures) > 20:
            print(f"  ... and {len(result.failures) - 20} more (see manifest.json)", file=sys.stderr)
        return 1
    return 0
