"""A run function for the sweep engine that also records where each supplier's customers went.

The public supplier table counts customers a supplier lost (``churned``) but not to whom. A
comparison of policies wants "where they went", so :func:`run_with_flows` runs the model
exactly like :func:`trustsim.runner.run_one` (same scenario and seed give the same tables) and
adds one column ``switched_to_<j>`` per supplier ``j``: how many of this supplier's customers
switched to supplier ``j`` in that step. In trustsim a customer leaves a supplier only by
switching to another one (MODEL_BRIEF §4: choice and switching), so the columns of a row add
up to its ``churned``.

The sweep engine calls it by name (``run_fn="trustsim.compare.flows:run_with_flows"``), so it
runs on the local process pool and on Dask workers alike.
"""

from __future__ import annotations

import numpy as np

from trustsim.config import Scenario
from trustsim.model import TrustMarket
from trustsim.runner import RunResult

RUN_FN = "trustsim.compare.flows:run_with_flows"


class _FlowMarket(TrustMarket):
    """TrustMarket that counts every move between suppliers as it happens.

    Counting at the one place customers change supplier (``_join``) also catches a customer
    who adopts and switches away within the same step, which a before/after comparison of
    the step would miss (the supplier's ``churned`` counts it).
    """

    moves: np.ndarray | None = None

    def _join(self, customers: np.ndarray, suppliers: np.ndarray, channel: np.ndarray) -> None:
        if self.moves is not None and len(customers):
            previous = self.population.supplier[customers].astype(np.int64)
            moved = previous >= 0
            s = self.moves.shape[0]
            pairs = previous[moved] * s + np.asarray(suppliers, dtype=np.int64)[moved]
            self.moves += np.bincount(pairs, minlength=s * s).reshape(s, s)
        super()._join(customers, suppliers, channel)


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
    seed = scenario.seed if seed is None else int(seed)
    steps = scenario.steps if steps is None else int(steps)
    model = _FlowMarket(scenario, rng=seed)
    s = scenario.market.suppliers
    moves = np.zeros((steps + 1, s, s), dtype=np.int64)
    for t in range(1, steps + 1):
        model.moves = moves[t]
        model.step()
    suppliers = model.supplier_table()
    # The supplier table is sorted by step, then supplier: row k is (k // s, k % s).
    flat = moves.reshape(-1, s)
    for j, col in enumerate(switch_columns(s)):
        suppliers[col] = flat[:, j]
    return RunResult(model.model_table(), suppliers, seed, steps)
