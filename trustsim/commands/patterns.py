"""`trustsim patterns RUN_DIR`: the market-level patterns of a run, computed from its tables.

Reads model.parquet, suppliers.parquet and customers.parquet (trustsim.patterns). A run folder
written before the word-of-mouth and trusting columns existed shows those patterns as missing.
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
        "--elasticity",
        type=int,
        default=0,
        metavar="SEEDS",
        help="also measure the advertising elasticity (short and long run) by rerunning the run's scenario "
        "in pairs on this many seeds (trustsim.elasticity; 0 = no)",
    )
    p.add_argument(
        "--elasticity-from",
        default="52",
        metavar="WEEKS",
        help="week(s) at which the ad spend is raised, comma-separated (e.g. 26,104,208: the elasticity over "
        "the life cycle); default 52",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Compute and print the patterns."""
    import math

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from trustsim.errors import ConfigError, printable
    from trustsim.patterns import PATTERNS, compute_patterns, read_run

    try:
        starts = [int(w) for w in str(args.elasticity_from).split(",")]
    except ValueError:
        starts = []
    if not starts or min(starts) < 1:
        raise ConfigError(
            f"--elasticity-from: {printable(str(args.elasticity_from))!r} is not a list of weeks; "
            "give whole numbers of weeks >= 1, comma-separated (e.g. 26,104,208)."
        )
    tables = read_run(args.run_dir)
    values = compute_patterns(tables)
    table = Table(title=Text(f"patterns of {printable(str(args.run_dir))}"))
    for col in ("pattern", "value", "meaning"):
        table.add_column(col)
    missing = False
    for pattern in PATTERNS.values():
        for key in pattern.values:
            v = values.get(key, math.nan)
            lacking = [c for c in pattern.needs if c not in tables.model.columns]
            missing |= bool(lacking) and not math.isfinite(v)
            shown = f"{v:.4g}" if math.isfinite(v) else ("column missing" if lacking else "–")
            table.add_row(key, shown, pattern.meaning)
    if args.elasticity > 0:
        _elasticity_rows(table, args.run_dir, args.elasticity, starts)
    Console().print(table)
    if missing:
        print("Some patterns need model-table columns this run lacks (made by an older trustsim?); run it again.")
    return 0


def _elasticity_rows(table: object, run_dir: str, seeds: int, starts: list[int]) -> None:
    """Rows of the advertising elasticities, measured on paired reruns of the run's scenario from each
    week of `starts`."""
    import json
    from pathlib import Path

    from trustsim.config import Scenario
    from trustsim.elasticity import ad_elasticities
    from trustsim.errors import ConfigError

    meta_file = Path(run_dir) / "run.json"
    try:
        meta = json.loads(meta_file.read_text())
        scenario = Scenario.model_validate(meta["scenario"])
    except (OSError, ValueError, KeyError) as e:
        raise ConfigError(f"{meta_file}: cannot read the run's scenario to rerun it ({e}).") from None
    seed = int(meta.get("seed", scenario.seed))
    for start in starts:
        label = "" if starts == [52] else f" from week {start}"
        for key, (mean, low, high, n) in ad_elasticities(scenario, range(seed, seed + seeds), warmup=start).items():
            shown = f"{mean:.3g} [{low:.3g}, {high:.3g}], n = {n}" if n > 1 else f"{mean:.3g} (n = {n})"
            meaning = (
                "the most any advertising response could give, from the customers won and lost"
                if key.endswith("_ceiling")
                else "advertising elasticity of the biggest advertiser's sales (Sethuraman et al. 2011)"
            )
            table.add_row(key + label, shown, meaning)  # type: ignore[attr-defined]
