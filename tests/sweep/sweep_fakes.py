"""A tiny stand-in for trustsim.runner.run_one, to test sweep machinery without the model."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass
class FakeResult:
    model: pd.DataFrame
    suppliers: pd.DataFrame


def fake_run_one(scenario, seed, steps=None):
    """Deterministic per (scenario, seed); raises when wom.rate == 0.666; logs to $FAKE_LOG."""
    log = os.environ.get("FAKE_LOG")
    if log:
        with open(log, "a") as f:
            f.write(f"{seed}\n")
    if scenario.wom.rate == 0.666:
        raise ValueError("the devil's rate")
    if scenario.wom.rate == 0.999:
        os._exit(3)  # a run that kills its worker process
    time.sleep(float(os.environ.get("FAKE_SLEEP", "0")))
    steps = scenario.steps if steps is None else steps
    rng = np.random.default_rng(seed)
    share = np.cumsum(rng.random(steps + 1)) * scenario.wom.rate / (steps + 1)
    model = pd.DataFrame(
        {
            "step": np.arange(steps + 1),
            "customer_share": share,
            "nps": rng.normal(size=steps + 1) + scenario.trust.loss_multiplier,
            "customers": (share * scenario.market.customers).astype(np.int64),
        }
    )
    suppliers = pd.DataFrame(
        {
            "step": np.repeat(np.arange(steps + 1), 2),
            "supplier": np.tile([0, 1], steps + 1),
            "name": np.tile(["S1", "S2"], steps + 1),
            "revenue": rng.random(2 * (steps + 1)),
        }
    )
    return FakeResult(model, suppliers)


FAKE = "sweep_fakes:fake_run_one"
HERE = Path(__file__).parent
