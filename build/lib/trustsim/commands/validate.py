"""`trustsim validate`: run the validation suite, print its verdicts, write results/validation/."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from trustsim.errors import ConfigError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `trustsim validate`."""
    p = sub.add_parser(
        "validate",
        help="check the model against Bass diffusion and trust theory (docs/validation.md)",
        description="Run the validation suite: docking with the Bass model and trust theory checks. "
        "Prints a table of checks, writes report.md, results.json and the docking figure, and exits "
        "with status 1 if any check fails.",
    )
    p.add_argument("--size", choices=("full", "ci"), default="full",
                   help="full: the suite as documented (a few minutes); ci: the smaller size the tests use")
    p.add_argument("--workers", type=int, default=None,
                   help="processes to run simulations on (default: number of CPUs, at most 4)")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="run only the checks whose name contains NAME (repeatable), e.g. --only bass")
    p.add_argument("--out", default="results/validation", help="output folder (default: results/validation)")
    p.set_defaults(func=main)


def _prepare_out(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out {path}: exists and is a file, not a folder.")
    parent = path if path.exists() else next((p for p in path.parents if p.exists()), Path("."))
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"--out {path}: folder {parent} is not writable.")


def main(args: argparse.Namespace) -> int:
    """Run the checks; return 0 if all pass, 1 if any fails."""
    from rich.console import Console

    from trustsim.validation import run_checks, select_checks
    from trustsim.validation.report import summary_table, write_report

    workers = args.workers if args.workers is not None else min(4, os.cpu_count() or 1)
    if workers < 1:
        raise ConfigError(f"--workers {workers}: must be at least 1.")
    select_checks(args.size, args.only)  # refuse a bad --only before any work
    out = Path(args.out)
    _prepare_out(out)

    total = {"runs": 0}
    start = time.perf_counter()
    results = run_checks(args.size, workers=workers, only=args.only, progress=_progress(total))
    seconds = time.perf_counter() - start

    console = Console()
    console.print(summary_table(results))
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        write_report(results, staging, {"size": args.size, "runs": total["runs"], "seconds": seconds})
        out.mkdir(exist_ok=True)
        for item in staging.iterdir():
            item.replace(out / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    failed = [r.name for r in results if not r.passed]
    verdict = (f"[bold red]{len(failed)} of {len(results)} checks failed: {', '.join(failed)}[/bold red]"
               if failed else f"[green]all {len(results)} checks pass[/green]")
    console.print(f"{verdict} ({total['runs']} runs, {seconds:.0f} s); report in {out}/report.md")
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
