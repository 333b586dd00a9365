"""`trustsim optimize --scenario CONFIG --budget B`: search how to spend a budget, with evidence.

Optuna proposes splits of B budget units per step across advertising, over-delivery and care
(plus promise level and banner share) for our supplier; each batch of candidates is a sweep
with common random numbers; the best and the revenue-NPS trade-off front are validated on
fresh seeds and reported with 95% confidence intervals (``DIR/report.html``, ``report.md``).
"""

from __future__ import annotations

import argparse
import sys
import time

from trustsim.commands._args import add_backend_arguments, add_set_argument, default_out, int_in, non_negative_int
from trustsim.commands.compare import _command_line


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `optimize` sub-command."""
    p = subparsers.add_parser(
        "optimize",
        help="search the best split of a budget across ads, over-delivery and care (Optuna)",
        description=(
            "Search policies for our supplier (supplier 0, or --as N) that spend B budget units per "
            "step on ads (1 unit = ad budget 1), over-delivery (1 unit = +0.1) and care (1 unit = "
            "+0.2 above 0.6), with promise level and banner share free, for the best discounted profit "
            "(or any expression over a run's measures, or the revenue-NPS front). Candidates share "
            "replicate seeds (common random numbers); the best are validated on fresh seeds. Writes "
            "DIR/report.html, report.md, trials.csv and policies/*.toml."
        ),
    )
    p.add_argument("--scenario", required=True, metavar="CONFIG", help="the market: scenario file or built-in name")
    p.add_argument("--budget", required=True, type=_budget, metavar="B", help="budget units per step (0-20)")
    p.add_argument(
        "--objective",
        default="discounted_profit",
        metavar="EXPR",
        help="what to maximise: an expression over a run's measures, e.g. discounted_profit (default), revenue, "
        "'profit + 50 * nps'; or both (the revenue-NPS trade-off front)",
    )
    p.add_argument(
        "--trials",
        type=int_in(1, 10_000),
        default=40,
        metavar="N",
        help="candidates to evaluate (default 40, at most 10,000)",
    )
    p.add_argument(
        "--batch",
        type=int_in(1, 1000),
        default=8,
        metavar="K",
        help="candidates per sweep, run in parallel (default 8)",
    )
    p.add_argument(
        "--replicates",
        type=int_in(1, 10_000),
        default=4,
        metavar="R",
        help="common-seed replicates per candidate during the search (default 4, >= 2)",
    )
    p.add_argument(
        "--validate",
        type=int_in(1, 1000),
        default=5,
        metavar="N",
        help="front candidates validated on fresh seeds (default 5)",
    )
    p.add_argument(
        "--validate-replicates",
        type=int_in(1, 10_000),
        metavar="R",
        help="replicates of the validation (default 2 x --replicates)",
    )
    p.add_argument("--horizon", type=int_in(1, 100_000), metavar="T", help="steps per run (default: the scenario's)")
    p.add_argument("--out", metavar="DIR", help="results folder (default results/optimize-<scenario>)")
    p.add_argument(
        "--as",
        dest="as_index",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="which supplier of the scenario is ours (0-based, default 0)",
    )
    p.add_argument("--seed", type=non_negative_int, help="seed of the sampler and the replicates (default: scenario's)")
    add_set_argument(p, "override a scenario key for every run")
    add_backend_arguments(p)
    p.set_defaults(func=main)


def _budget(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of budget units, got {text!r}") from None
    if not 0 <= value <= 20:
        raise argparse.ArgumentTypeError(f"must be between 0 and 20 budget units per step, got {text}")
    return value


def main(args: argparse.Namespace) -> int:
    """Run the search and write its report."""
    from pathlib import Path

    from trustsim.extras import require

    require("optimize", "trustsim optimize")
    from trustsim.compare.search import optimize_policy
    from trustsim.compare.search_report import search_headline, write_search_report
    from trustsim.config import parse_set_args

    started = time.monotonic()
    out = Path(args.out) if args.out else default_out(Path(args.scenario).stem, "optimize-")
    from trustsim.commands.run import prepare_out_dir
    from trustsim.compare.search import check_objective
    from trustsim.io import locked_folder

    check_objective(args.objective)  # an expression is checked before any folder or run
    overrides = parse_set_args(args.overrides)
    prepare_out_dir(out)  # a file or an unwritable folder is refused before any run
    with locked_folder(out, "optimize"):
        search = optimize_policy(
            args.scenario,
            out,
            budget=args.budget,
            objective=args.objective,
            trials=args.trials,
            batch=args.batch,
            replicates=args.replicates,
            validate=args.validate,
            validate_replicates=args.validate_replicates,
            as_index=args.as_index,
            steps=args.horizon,
            seed=args.seed,
            overrides=overrides,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.quiet,
        )
        paths = write_search_report(search, out, _command_line("optimize"))
    from trustsim.errors import printable

    print(printable(search_headline(search).replace("**", "")))
    html, md = printable(str(paths["report.html"])), printable(str(paths["report.md"]))
    print(f"report: {html} and {md} ({time.monotonic() - started:.1f} s)", file=sys.stderr)
    return 0
