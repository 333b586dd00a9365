"""Run one simulation and get its tables: the one function sweeps know the model through.

``run_one(scenario, seed, steps) -> RunResult`` builds a :class:`TrustMarket`, runs it and
returns the public tables; ``write_run`` stores them (atomically) as ``model.parquet``,
``suppliers.parquet``, ``customers.parquet`` and ``run.json``.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim import __version__
from trustsim.config import Scenario, check_horizon
from trustsim.io import atomic_write_json, atomic_write_parquet
from trustsim.model import TrustMarket


@dataclass
class RunResult:
    """The tables of one run: `model` (one row per step), `suppliers` (step x supplier) and
    `customers` (one row per customer spell: the referral records)."""

    model: pd.DataFrame
    suppliers: pd.DataFrame
    seed: int
    steps: int
    customers: pd.DataFrame | None = None


def run_one(
    scenario: Scenario,
    seed: int | None = None,
    steps: int | None = None,
    *,
    check: bool = False,
    on_step: Callable[[int], None] | None = None,
) -> RunResult:
    """Run one simulation of `scenario` and return its tables.

    Args:
        scenario: the validated scenario.
        seed: the run's seed (default: the scenario's `seed`).
        steps: periods to run (default: the scenario's `steps`).
        check: verify invariants after every step.
        on_step: called with the step number after each step (progress bars).

    Returns:
        The run's tables; the same scenario and seed give bit-identical tables.

    Raises:
        ConfigError: if a shock is scheduled after the last step.
    """
    seed = scenario.seed if seed is None else int(seed)
    steps = scenario.steps if steps is None else int(steps)
    check_horizon(scenario, steps)  # a shock after the last step would silently never happen
    model = TrustMarket(scenario, rng=seed, check=check)
    for _ in range(steps):
        model.step()
        if on_step is not None:
            on_step(model.steps)
    return result_of(model, seed)


def result_of(model: TrustMarket, seed: int) -> RunResult:
    """The tables of a model that has run (its steps so far)."""
    return RunResult(model.model_table(), model.supplier_table(), seed, model.steps, model.customer_table())


def run_metadata(scenario: Scenario, seed: int, steps: int) -> dict[str, Any]:
    """What `run.json` records: the full resolved scenario, seed, steps and versions."""
    import mesa
    import numpy as np

    config = scenario.model_dump(mode="json")
    config.pop("base_dir", None)
    return {
        "trustsim_version": __version__,
        "mesa_version": mesa.__version__,
        "numpy_version": np.__version__,
        "python": platform.python_version(),
        "seed": seed,
        "steps": steps,
        "scenario": config,
    }


def write_run(out_dir: str | Path, result: RunResult, scenario: Scenario) -> dict[str, str]:
    """Write model.parquet, suppliers.parquet, customers.parquet and run.json to `out_dir`, each atomically.

    Returns:
        SHA-256 of each file written, by file name.
    """
    out = Path(out_dir)
    sums = {
        "model.parquet": atomic_write_parquet(out / "model.parquet", result.model),
        "suppliers.parquet": atomic_write_parquet(out / "suppliers.parquet", result.suppliers),
    }
    if result.customers is not None:
        sums["customers.parquet"] = atomic_write_parquet(out / "customers.parquet", result.customers)
    meta = run_metadata(scenario, result.seed, result.steps) | {"sha256": sums}
    sums["run.json"] = atomic_write_json(out / "run.json", meta)
    return sums
