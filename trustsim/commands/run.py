"""`trustsim run CONFIG`: one simulation, its tables, a summary table and optional figures."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from trustsim.commands._args import add_set_argument, default_out, scenario_int
from trustsim.errors import ConfigError


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `trustsim run`."""
    p = sub.add_parser("run", help="run one simulation and write its tables")
    p.add_argument("config", help="scenario TOML file or built-in scenario name (e.g. baseline; see `trustsim list`)")
    p.add_argument("--steps", type=scenario_int("steps"), help="periods to run (default: the scenario's steps)")
    p.add_argument("--seed", type=scenario_int("seed"), help="seed (default: the scenario's seed)")
    p.add_argument("--out", default=None, help="output folder (default: results/<config name>)")
    add_set_argument(p, "override a scenario key")
    p.add_argument("--plot", action="store_true", help="also draw the standard figures")
    p.add_argument("--check", action="store_true", help="verify invariants after every step")
    p.set_defaults(func=main)


def prepare_out_dir(path: Path) -> None:
    """Refuse an output path that cannot be a results folder, before any work is done."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out {path}: exists and is a file, not a folder.")
    parent = path if path.exists() else next((p for p in path.parents if p.exists()), Path("."))
    if not parent.is_dir():
        raise ConfigError(f"--out {path}: {parent} is not a folder.")
    import os

    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"--out {path}: folder {parent} is not writable.")
    try:  # os.access says yes to root and on read-only file systems: try for real
        tempfile.TemporaryDirectory(prefix=".trustsim-probe.", dir=parent).cleanup()
    except OSError as e:
        raise ConfigError(f"--out {path}: cannot write in folder {parent} ({e.strerror}).") from None


def main(args: argparse.Namespace) -> int:
    """Run one simulation; write model.parquet, suppliers.parquet, run.json (and figures)."""
    from trustsim.config import check_horizon, load_scenario, parse_set_args

    overrides = parse_set_args(args.overrides)
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.steps is not None:
        overrides["steps"] = args.steps
    scenario = load_scenario(args.config, overrides)
    check_horizon(scenario, scenario.steps, args.config)
    out = Path(args.out) if args.out else default_out(Path(args.config).stem)
    prepare_out_dir(out)

    from trustsim.io import output_folder
    from trustsim.runner import write_run

    # Locked against a second writer; the files appear together when all are written.
    with output_folder(out, "run") as staging:
        result = _run_with_progress(scenario, args.check)
        write_run(staging, result, scenario)
        if args.plot:
            from trustsim.analysis.run_plots import plot_run

            plot_run(result.model, result.suppliers, staging / "figures")
    _print_summary(result, out)
    return 0


def _run_with_progress(scenario, check: bool):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from trustsim.runner import run_one
    from trustsim.sweep.lock import stop_if_asked

    steps = scenario.steps
    if not sys.stderr.isatty():
        every = max(1, steps // 10)

        def log(step: int) -> None:
            stop_if_asked()  # a SIGTERM that landed while numba compiled
            if step % every == 0 or step == steps:
                print(f"step {step}/{steps}", file=sys.stderr, flush=True)

        return run_one(scenario, check=check, on_step=log)
    with Progress(
        TextColumn("[bold]simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task("run", total=steps)

        def advance(step: int) -> None:
            stop_if_asked()  # a SIGTERM that landed while numba compiled
            progress.advance(task)

        return run_one(scenario, check=check, on_step=advance)


def _print_summary(result, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from trustsim.errors import printable

    final = result.suppliers[result.suppliers["step"] == result.steps]
    table = Table(title=f"Final state after {result.steps} steps (seed {result.seed})")
    for col in ("supplier", "customers", "ambassadors", "detractors", "NPS", "trust", "revenue"):
        table.add_column(col, justify="left" if col == "supplier" else "right")
    for row in final.itertuples():
        nps = "–" if row.nps != row.nps else f"{round(row.nps):+d}"  # never "-0"
        trust = "–" if row.trust != row.trust else f"{row.trust:.2f}"
        # a name is text, never markup or terminal control (validated printable, escaped again here)
        table.add_row(
            Text(printable(str(row.name))),
            f"{row.customers:,}",
            f"{row.ambassadors:,}",
            f"{row.detractors:,}",
            nps,
            trust,
            f"{row.revenue:,.0f}",
        )
    console = Console()
    console.print(table)
    m = result.model.iloc[-1]
    nps = "–" if m.nps != m.nps else f"{round(m.nps):+d}"
    console.print(
        f"customers {m.customer_share:.1%}, ambassadors {m.ambassador_share:.1%}, "
        f"detractors {m.detractor_share:.1%}, NPS {nps}; results in {printable(str(out))}/",
        markup=False,
        highlight=False,
    )
