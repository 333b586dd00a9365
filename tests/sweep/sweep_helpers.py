"""Shared helpers of the sweep tests: small experiments on the real model and the fake one."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
PYTHON = sys.executable


def grid_experiment(**changes):
    """A 3 x 2 grid x 2 replicates experiment as a dict (12 runs)."""
    data = {
        "name": "test_grid",
        "seed": 11,
        "replicates": 2,
        "steps": 6,
        "overrides": {"market.customers": 120, "market.suppliers": 2, "network.mean_degree": 4},
        "design": {
            "kind": "grid",
            "parameters": {"wom.rate": [0.1, 0.3, 0.5], "trust.loss_multiplier": [2.0, 4.0]},
        },
    }
    data.update(changes)
    return data


def runs_logged(log: Path) -> list[str]:
    """Seeds of the runs the fake executed (one line each)."""
    return log.read_text().split() if log.exists() else []


def real_experiment(**changes):
    """A small experiment on the real model: the baseline scenario, 3 points x 2 replicates."""
    data = {
        "name": "test_real",
        "scenario": str(ROOT / "configs" / "baseline.toml"),
        "seed": 5,
        "replicates": 2,
        "steps": 12,
        "overrides": {"market.customers": 300, "network.mean_degree": 6},
        "design": {"kind": "grid", "parameters": {"wom.rate": [0.1, 0.3, 0.6]}},
        "output": {"measures": ["customer_share", "nps", "mean_trust"]},
    }
    data.update(changes)
    return data
