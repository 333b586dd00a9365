"""Load every compiled rule before timing: a short run that goes through every phase's code path.

numba compiles (or loads from its cache) each compiled function at its first call; a warm-up of
two steps at 500 customers leaves later paths (word of mouth once customers score high,
switching, recommendations to rivals) to load inside the timed steps.
"""

from __future__ import annotations

from typing import Any

from trustsim.compat import VERSION_1
from trustsim.config import load_scenario
from trustsim.model import TrustMarket

VERSION_1_HELP = "run trustsim with the version-1 mechanisms (trustsim.compat.VERSION_1): the refactor's own cost"


def settings(version_1: bool) -> dict[str, Any]:
    """The scenario overrides of `--version-1` (none without it)."""
    return dict(VERSION_1) if version_1 else {}


def warm_up(suppliers: int = 4) -> None:
    """Run the baseline scenario small for long enough that every phase has run its compiled code."""
    scenario = load_scenario(
        "configs/baseline.toml",
        {
            "market.customers": 2000,
            "market.suppliers": suppliers,
            "market.initial_customers": 0.3,
            "market.turnover": 0.01,
        },
    )
    TrustMarket(scenario, rng=0).run(40)
