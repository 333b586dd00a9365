"""A run function for the sweep engine that also records where each supplier's customers went.

The public supplier table counts customers a supplier lost (``churned``) but not to whom. A
comparison of policies wants "where they went", so :func:`run_with_flows` runs the model
exactly like :func:`trustsim.runner.run_one` (same scenario and seed give the same tables) and
adds one column ``switched_to_<j>`` per supplier ``j``: how many of this supplier's customers
switched to supplier ``j`` in that step, read from the referral records (each spell records the
supplier its customer came from). In trustsim a customer leaves a supplier only by
switching to another one (MODEL_BRIEF §4: choice and switching), so the columns of a row add
up to its ``churned``.

The sweep engine calls it by name (``run_fn="trustsim.compare.flows:run_with_flows"``), so it
runs on the local process pool and on Dask workers alike.
"""

from __future__ import annotations

import numpy as np

from trustsim.config import Scenario
from trustsim.runner import RunResult, run_one

RUN_FN = "trustsim.compare.flows:run_with_flows"


def switch_columns(suppliers: int) -> list[str]:
    """Names of the added columns, ``switched_to_0 .. switched_to_<S-1>``."""
    return [f"switched_to_{j}" for j in range(suppliers)]


def run_with_flows(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """Run one simulation and return its tables, the supplier table with ``switched_to_<j>``.

    Args:
        scenario: the validated scenario.
        seed: the run's seed (default: the scenario's `seed`).
        steps: periods to run (default: the scenario's `steps`).

    Returns:
        The run's tables, as :func:`trustsim.runner.run_one` returns them plus the columns.
    """
    result = run_one(scenario, seed, steps)
    s = scenario.market.suppliers
    spells = result.customers
    assert spells is not None  # run_one always returns the referral records
    moved = spells[spells["from_supplier"].notna()]
    moves = np.zeros((result.steps + 1, s, s), dtype=np.int64)
    np.add.at(
        moves,
        (
            moved["start_step"].to_numpy(),
            moved["from_supplier"].cat.codes.to_numpy(),
            moved["supplier"].cat.codes.to_numpy(),
        ),
        1,
    )
    suppliers = result.suppliers.copy()
    # The supplier table is sorted by step, then supplier: row k is (k // s, k % s).
    flat = moves.reshape(-1, s)
    for j, col in enumerate(switch_columns(s)):
        suppliers[col] = flat[:, j]
    return RunResult(result.model, suppliers, result.seed, result.steps, result.customers)
