"""Reproducing version 1: the scenario keys that switch each version-2 mechanism off.

With these overrides a scenario runs exactly as it did in trustsim 0.1 (word of mouth as the
ambassador/detractor gate, no trust transfer, no fit, recommendations that cannot move a rival's
customer, churn at a hard threshold, competence beyond the promise invisible): the tables'
version-1 columns are bit-identical (tests/test_model_v2.py checks it against stored tables).
Money and the referral records are bookkeeping only and change no dynamics.

Example:
    >>> from trustsim.config import load_scenario
    >>> load_scenario("configs/baseline.toml", VERSION_1).wom.mode
    'gate'
"""

from __future__ import annotations

from typing import Any

VERSION_1: dict[str, Any] = {
    "wom.mode": "gate",
    "wom.transfer": 0.0,
    "wom.reach_rivals": False,
    "fit.sd": 0.0,
    "switching.softness": 0.0,
    "trust.competence_visibility": 0.0,
}
"""Scenario overrides (``--set`` keys) that reproduce version 1."""
