"""`trustsim patterns RUN_DIR`: the market-level patterns of a run, computed from its tables.

Reads model.parquet, suppliers.parquet and customers.parquet (trustsim.patterns). Three
patterns need counts the tables do not hold (word of mouth said, prospects a referral reached,
the share trusting their supplier); with ``--observe`` the run is repeated from its run.json
(same scenario and seed) with the observer on, and its tables are checked to be identical.
"""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `patterns` sub-command."""
    p = subparsers.add_parser(
        "patterns",
        help="print a run's market-level patterns (Bass q/p, WOM balance, switching, NPS, ...)",
        description="Print the market-level patterns of a run folder written by `trustsim run` (docs/calibration.md).",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="folder of a run (trustsim run ... --out DIR)")
    p.add_argument(
        "--observe",
        action="store_true",
        help="repeat the run from its run.json with the observer on, for the patterns that need counts "
        "the tables lack (the repeated run's tables must equal the stored ones)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Compute and print the patterns."""
    import math

    from rich.console import Console
    from rich.table import Table

    from trustsim.patterns import PATTERNS, compute_patterns, read_run

    tables = read_run(args.run_dir)
    if args.observe:
        tables = _observed(args.run_dir, tables)
    values = compute_patterns(tables)
    table = Table(title=f"patterns of {args.run_dir}")
    for col in ("pattern", "value", "meaning"):
        table.add_column(col)
    missing = False
    for pattern in PATTERNS.values():
        for key in pattern.values:
            v = values.get(key, math.nan)
            lacking = [c for c in pattern.needs if c not in tables.model.columns]
            missing |= bool(lacking) and not math.isfinite(v)
            shown = f"{v:.4g}" if math.isfinite(v) else ("needs --observe" if lacking else "–")
            table.add_row(key, shown, pattern.meaning)
    Console().print(table)
    if missing:
        print("Some patterns need counts the tables lack; run again with --observe.")
    return 0


def _observed(run_dir: str, tables):
    import json
    from pathlib import Path

    import pandas as pd

    from trustsim.calibration.observe import run_observed, tables_of
    from trustsim.config import build_scenario
    from trustsim.errors import ConfigError

    meta_path = Path(run_dir) / "run.json"
    if not meta_path.is_file():
        raise ConfigError(f"{run_dir}: no run.json, so the run cannot be repeated for --observe.")
    meta = json.loads(meta_path.read_text())
    scenario = build_scenario(meta["scenario"], str(meta_path))
    result = run_observed(scenario, int(meta["seed"]), int(meta["steps"]))
    stored = tables.model
    try:
        pd.testing.assert_frame_equal(result.model[list(stored.columns)], stored, check_dtype=False)
    except AssertionError:
        raise ConfigError(
            f"{run_dir}: repeating the run from run.json did not reproduce model.parquet (another "
            f"trustsim version?); --observe needs the same version."
        ) from None
    return tables_of(result, scenario)
