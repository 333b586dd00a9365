"""Pattern checks: each calibrated scenario shipped in the package against its calibration targets.

For every built-in calibration (``trustsim/data/calibrations/NAME.toml``) whose calibrated scenario
is shipped (``trustsim/data/configs/calibrated/NAME.toml``), the scenario is run on fresh seeds
and each fitted target is judged by the 95% t-interval of its mean: inside value ± tolerance,
outside it, or straddling a bound (docs/calibration.md). The check fails when a target is
missed that the calibration file does not declare a known miss (``known_miss``, with the reason),
so a change of the model that moves a calibrated market away from the facts shows up here.

The calibration keeps the accepted set nearest to the targets, which need not meet every band
(docs/calibration.md says which it meets), so the check guards against drift: it fails when a
fitted target's interval lies wholly outside value ± 2 x tolerance (the band widened by one more
tolerance); the details give each target's strict verdict against the band itself.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from trustsim.config import Scenario
from trustsim.validation.core import CheckResult, Size, no_runs, register
from trustsim.validation.runs import Job, Tables

DRIFT = 2.0
"""A check fails when a fitted target's 95% CI lies wholly outside value ± DRIFT x tolerance."""

SEED_BASE = 14_000
"""Seeds of the pattern checks: SEED_BASE + 1 .. SEED_BASE + pattern_runs (not the calibration's)."""


def calibrated_names() -> list[str]:
    """Built-in calibrations whose calibrated scenario ships in the package."""
    from trustsim import builtin

    shipped = builtin.folder("scenario") / "calibrated"
    return [n for n in builtin.names("calibration") if (shipped / f"{n}.toml").is_file()]


def pattern_table(name: str, runs: int, scenario: Scenario | None = None) -> pd.DataFrame:
    """The calibrated scenario `name` (or `scenario`) on `runs` fresh seeds: each fitted target's
    verdict (:func:`trustsim.calibration.abc.check_table`) and whether it is a known miss."""
    from trustsim import builtin
    from trustsim.calibration.abc import check_table
    from trustsim.calibration.observe import run_patterns
    from trustsim.calibration.schema import load_calibration
    from trustsim.config import load_scenario

    calibration, _ = load_calibration(name, budget=2, method={"kind": "rejection"})  # only the targets are needed
    if scenario is None:
        scenario = load_scenario(builtin.folder("scenario") / "calibrated" / f"{name}.toml")
    rows = [run_patterns(scenario, SEED_BASE + i, calibration.steps).model.iloc[0] for i in range(1, runs + 1)]
    table = check_table(pd.DataFrame(rows), calibration.targets, {})
    return table


def judge_patterns(name: str, size: Size, scenario: Scenario | None = None) -> CheckResult:
    """The verdict of the pattern check of calibration `name` (on `scenario` if given)."""
    table = pattern_table(name, size.pattern_runs, scenario)
    far = (table["ci_high"] < table["literature"] - DRIFT * table["tolerance"]) | (
        table["ci_low"] > table["literature"] + DRIFT * table["tolerance"]
    )
    bad = table[(far | (table["verdict"] == "not shown")) & (table["role"] == "fitted")]
    known = table[(table["verdict"] != "met") & (table["role"] == "known miss")]
    met = int((table["verdict"] == "met").sum())
    measured = f"{met} of {len(table)} targets met (95% CI inside the band), n = {size.pattern_runs} seeds"
    if len(known):
        measured += f"; known misses: {', '.join(known['pattern'])}"
    if len(bad):
        measured += f"; MISSED (beyond 2 x tolerance): {', '.join(bad['pattern'])}"
    details = [
        {
            "pattern": r["pattern"],
            "literature": f"{r['literature']:.3g} ± {r['tolerance']:.3g}",
            "model": f"{r['mean']:.3g} ({r['ci_low']:.3g} to {r['ci_high']:.3g})",
            "n": r["n"],
            "verdict": r["verdict"] + (" (known miss)" if r["role"] == "known miss" else ""),
        }
        for _, r in table.iterrows()
    ]
    return CheckResult(
        f"patterns_{name}",
        f"calibrated scenario {name} against its calibration targets",
        f"the fitted targets of trustsim/data/calibrations/{name}.toml near their literature values "
        "(each target's strict verdict in the details; docs/calibration.md)",
        measured,
        "no fitted target's 95% t-interval over the seeds wholly outside value ± 2 x tolerance",
        bad.empty,
        "Grimm et al. (2005) pattern-oriented modelling; sources per target in docs/calibration.md",
        details,
    )


def _judge(name: str) -> Callable[[Size, dict[Job, Tables]], CheckResult]:
    return lambda size, tables: judge_patterns(name, size)


for _name in calibrated_names():
    register(f"patterns_{_name}", no_runs)(_judge(_name))
