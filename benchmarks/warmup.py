"""Load every compiled rule before timing: a short run that goes through every phase's code path.

numba compiles (or loads from its cache) each compiled function at its first call; a warm-up of
two steps at 500 customers leaves later paths (word of mouth once customers score high,
switching, recommendations to rivals) to load inside the timed steps.
"""

from __future__ import annotations

import argparse
from typing import Any

from trustsim.compat import VERSION_1
from trustsim.config import load_scenario
from trustsim.model import TrustMarket

VERSION_1_HELP = "run trustsim with the version-1 mechanisms (trustsim.compat.VERSION_1): the refactor's own cost"


SCENARIO_HELP = (
    "scenario to run (default: baseline, the calibrated market; with --version-1, baseline_v1, the "
    "uncalibrated market version 1 ran)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every model benchmark takes: which scenario, and the version-1 mechanisms."""
    parser.add_argument("--scenario", default=None, help=SCENARIO_HELP)
    parser.add_argument("--version-1", action="store_true", help=VERSION_1_HELP)


def scenario_name(scenario: str | None, version_1: bool) -> str:
    """The scenario a benchmark runs: the one given, else the baseline of its version."""
    return scenario or ("baseline_v1" if version_1 else "baseline")


def settings(version_1: bool) -> dict[str, Any]:
    """The scenario overrides of `--version-1` (none without it)."""
    return dict(VERSION_1) if version_1 else {}


def warm_up(suppliers: int = 4) -> None:
    """Run a busy market small for long enough that every phase has run its compiled code.

    The uncalibrated baseline_v1 market talks, advertises and switches far more than the
    calibrated one, so 40 steps reach every path whichever scenario is timed.
    """
    scenario = load_scenario(
        "baseline_v1",
        {
            "market.customers": 2000,
            "market.suppliers": suppliers,
            "market.initial_customers": 0.3,
            "market.turnover": 0.01,
        },
    )
    TrustMarket(scenario, rng=0).run(40)
