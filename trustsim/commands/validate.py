"""`trustsim validate`: run the validation suite, print its verdicts, write results/validation/."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from trustsim.commands._args import int_in
from trustsim.commands.run import prepare_out_dir


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `trustsim validate`."""
    p = sub.add_parser(
        "validate",
        help="check the model against Bass diffusion and trust theory (docs/validation.md)",
        description="Run the validation suite: docking with the Bass model and trust theory checks. "
        "Prints a table of checks, writes report.md, results.json and the docking figure, and exits "
        "with status 1 if any check fails.",
    )
    p.add_argument(
        "--size",
        choices=("full", "ci"),
        default="full",
        help="full: the suite as documented (a few minutes); ci: the smaller size the tests use",
    )
    p.add_argument(
        "--workers",
        type=int_in(1, 100_000),
        default=None,
        help="processes to run simulations on (default: number of CPUs, at most 4; "
        "never more than the cores and memory hold)",
    )
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only the checks whose name contains NAME (repeatable), e.g. --only bass",
    )
    p.add_argument("--out", default="results/validation", help="output folder (default: results/validation)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the checks; return 0 if all pass, 1 if any fails."""
    from rich.console import Console

    from trustsim.sweep.backends import usable_workers
    from trustsim.validation import run_checks, select_checks
    from trustsim.validation.report import summary_table, write_report

    workers, note = usable_workers(args.workers or min(4, os.cpu_count() or 1), 10_000)
    if note and args.workers:
        print(f"note: {note}", file=sys.stderr)
    select_checks(args.size, args.only)  # refuse a bad --only before any work
    out = Path(args.out)
    prepare_out_dir(out)

    total = {"runs": 0}
    start = time.perf_counter()
    results = run_checks(args.size, workers=workers, only=args.only, progress=_progress(total))
    seconds = time.perf_counter() - start

    console = Console()
    console.print(summary_table(results))
    from trustsim.io import output_folder

    with output_folder(out, "validate") as staging:
        write_report(results, staging, {"size": args.size, "runs": total["runs"], "seconds": seconds})
    failed = [r.name for r in results if not r.passed]
    verdict = (
        f"[bold red]{len(failed)} of {len(results)} checks failed: {', '.join(failed)}[/bold red]"
        if failed
        else f"[green]all {len(results)} checks pass[/green]"
    )
    from rich.markup import escape

    from trustsim.errors import printable

    shown = escape(printable(str(out)))  # a folder name is text, never markup or terminal control
    console.print(f"{verdict} ({total['runs']} runs, {seconds:.0f} s); report in {shown}/report.md")
    return 1 if failed else 0


def _progress(total: dict[str, int]):
    """A progress callback: a line every 10% on stderr (quiet when stderr is not a terminal)."""
    shown = {"last": -1}

    def report(done: int, count: int) -> None:
        total["runs"] = count
        tenth = done * 10 // max(count, 1)
        if tenth != shown["last"]:
            shown["last"] = tenth
            if sys.stderr.isatty() or done == count:
                print(f"validation: {done}/{count} runs", file=sys.stderr, flush=True)

    return report
