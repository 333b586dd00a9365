"""A cheap stand-in for the market model, to test the calibration machinery on a known answer.

``bass_q`` = 2 x ``wom.rate`` + normal noise (sd 0.05) from the run's seed: the data identify
``wom.rate`` (the target 0.6 means 0.3), while ``wom.warn_midpoint`` has no effect at all, so
its posterior should stay its prior. ``bass_p`` is 0.01 in a well-mixed network and 0.05 in any
other (plus noise, sd 0.002): it identifies the level of ``network.kind``.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

from trustsim.runner import RunResult

TOY_FN = "toy_model:run_toy"
TRUE_RATE = 0.3


def run_toy(scenario, seed, steps=None) -> RunResult:
    """One 'run': a row of pattern values (sleeps $TOY_SLEEP seconds, to be caught mid-way)."""
    time.sleep(float(os.environ.get("TOY_SLEEP", "0")))
    rng = np.random.default_rng(seed)
    row = {
        "step": 1,
        "bass_q": 2 * scenario.wom.rate + rng.normal(0, 0.05),
        "bass_p": (0.01 if scenario.network.kind == "well_mixed" else 0.05) + rng.normal(0, 0.002),
    }
    return RunResult(pd.DataFrame([row]), pd.DataFrame({"step": [], "supplier": [], "name": []}), seed, 1)
