"""`trustsim list`: the scenarios, policies, experiment designs and calibrations built into the package."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `trustsim list`."""
    p = sub.add_parser(
        "list",
        help="show the built-in scenarios, policies and experiments (usable by name from any folder)",
        description=(
            "Show what is built into trustsim, with one line on each. Any command that takes a "
            "scenario, policy or experiment file also takes one of these names, from any folder: "
            "trustsim run baseline; trustsim compare listener big_advertiser --scenario baseline; "
            "trustsim experiment ten_ambassadors."
        ),
    )
    p.add_argument(
        "kind",
        nargs="?",
        choices=("scenarios", "policies", "experiments", "calibrations"),
        help="show only this kind (default: all)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Print the built-ins, grouped by the command that uses them."""
    import tomllib

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from trustsim import builtin
    from trustsim.experiments import EXPERIMENTS

    catalogue = builtin.catalogue()
    designs = {
        name: tomllib.loads(builtin.path("experiment", name).read_text(encoding="utf-8")).get("name") in EXPERIMENTS
        for name, _ in catalogue["experiment"]
    }
    groups = [
        ("scenarios", "Scenarios", "trustsim run NAME", catalogue["scenario"]),
        ("policies", "Policies", "trustsim compare NAME NAME ... --scenario SCENARIO", catalogue["policy"]),
        (
            "experiments",
            "Experiments",
            "trustsim experiment NAME [--size tiny|laptop|full]",
            [e for e in catalogue["experiment"] if designs[e[0]]],
        ),
        (
            "experiments",
            "Sweep designs",
            "trustsim sweep NAME",
            [e for e in catalogue["experiment"] if not designs[e[0]]],
        ),
        ("calibrations", "Calibrations", "trustsim calibrate NAME [--budget N]", catalogue["calibration"]),
    ]
    console = Console(highlight=False)
    width = max(len(name) for *_, entries in groups for name, _ in entries)
    for kind, title, usage, entries in groups:
        if args.kind and args.kind != kind:
            continue
        console.print(f"[bold]{title}[/bold]  ({escape(usage)})")
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, min_width=width + 2, style="cyan")
        table.add_column()
        for name, description in entries:
            table.add_row(f"  {name}", description)
        console.print(table)
        console.print()
    console.print(f"Files: {escape(str(builtin.data_dir()))}; copy one to change it, then give its path.")
    return 0
