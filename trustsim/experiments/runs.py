"""Run functions for sweeps that need more than the public tables (adapters for ``run_sweep``).

:func:`trustsim.sweep.run_sweep` accepts ``run_fn="module:function"`` with the signature of
:func:`trustsim.runner.run_one`. The functions here run the same :class:`TrustMarket` and add
measures the public tables do not hold (as extra columns of the model table), or an
intervention the scenario schema cannot express (a broken-promise wave). They never change
the model: they only read its state after each step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from trustsim.config import Scenario
from trustsim.mechanisms import choice, loyalty, trust
from trustsim.mechanisms.trust import expit
from trustsim.model import TrustMarket
from trustsim.runner import RunResult

TRUSTING_LEVEL = 0.5
"""A customer 'trusts' its supplier when overall trust is at least this (more trust than not)."""

HUB_SHARE = 0.1
"""Hubs: the best-connected 10% of the population."""

EXTRA_COLUMNS: tuple[str, ...] = (
    "trusting_share",
    "unhappy_share",
    "locked_share",
    "supplier_trust_mean",
    "ambassador_degree_ratio",
    "hub_ambassador_share",
)
"""Columns added by :func:`run_with_extras` (shares are of current customers unless stated)."""


def extra_measures(model: TrustMarket, hubs: np.ndarray | None) -> dict[str, float]:
    """Measures of the current state that the public tables do not hold.

    - trusting_share: current customers whose overall trust in their supplier >= 0.5;
    - unhappy_share: current customers whose trust is below ``switching.threshold``;
    - locked_share: unhappy customers who know no alternative that qualifies for a switch
      (trusted >= threshold and by ``margin`` more), i.e. who would leave but have nowhere to go;
    - supplier_trust_mean: suppliers' mean trust in their current customers (mutual trust);
    - ambassador_degree_ratio: mean degree of ambassadors / mean degree of everyone (NaN when
      well mixed or without ambassadors);
    - hub_ambassador_share: share of ambassadors who are hubs (0.1 if hubs were not special).
    """
    sc, pop = model.config, model.population
    cust = np.flatnonzero(pop.supplier >= 0)
    nan = float("nan")
    out = dict.fromkeys(EXTRA_COLUMNS, nan)
    if len(cust):
        own_sup = pop.supplier[cust].astype(np.int64)
        own = trust.combine_rows(expit(pop.trust[cust, own_sup]), model.weights)
        out["trusting_share"] = float(np.mean(own >= TRUSTING_LEVEL))
        unhappy = own < sc.switching.threshold
        out["unhappy_share"] = float(np.mean(unhappy))
        u = cust[unhappy]
        anywhere = np.ones(sc.market.suppliers, np.int64)  # capacity aside: is any alternative trusted enough?
        target = choice.switch_targets(
            expit(pop.trust[u]),
            model.weights,
            pop.heard,
            u,
            own_sup[unhappy],
            own[unhappy],
            anywhere,
            model.rules.switch,
        )
        out["locked_share"] = float(np.count_nonzero(target < 0) / len(cust))
        out["supplier_trust_mean"] = float(expit(pop.supplier_trust[cust]).mean())
    amb = np.flatnonzero(pop.stage == loyalty.AMBASSADOR)
    if hubs is not None and len(amb):
        degree = model.network.degree
        out["ambassador_degree_ratio"] = float(degree[amb].mean() / degree.mean())
        out["hub_ambassador_share"] = float(hubs[amb].mean())
    return out


def _hubs(model: TrustMarket) -> np.ndarray | None:
    if model.network.well_mixed:
        return None
    degree = model.network.degree
    k = max(1, round(HUB_SHARE * len(degree)))
    hubs = np.zeros(len(degree), dtype=bool)
    hubs[np.argsort(-degree, kind="stable")[:k]] = True
    return hubs


def _run(model: TrustMarket, steps: int, before_step: Any = None) -> pd.DataFrame:
    hubs = _hubs(model)
    rows = [extra_measures(model, hubs)]
    for _ in range(steps):
        if before_step is not None:
            before_step(model)
        model.step()
        rows.append(extra_measures(model, hubs))
    return pd.concat([model.model_table(), pd.DataFrame(rows)], axis=1)


def run_with_extras(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """:func:`trustsim.runner.run_one` plus the :data:`EXTRA_COLUMNS` in the model table."""
    seed = scenario.seed if seed is None else int(seed)
    steps = scenario.steps if steps is None else int(steps)
    model = TrustMarket(scenario, rng=seed)
    table = _run(model, steps)
    return RunResult(table, model.supplier_table(), seed, steps)


def wave_step(steps: int) -> int:
    """When the broken-promise wave of :func:`run_broken_promise_pair` hits: a quarter of the way."""
    return max(1, steps // 4)


PAIRED = (
    "mean_trust",
    "trust_reliability",
    "trust_transparency",
    "trust_competence",
    "trust_care",
    "ambassador_share",
    "customer_share",
    "nps",
)


def run_broken_promise_pair(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """Two runs with the same seed: one where supplier 0 breaks every promise once, one where not.

    Models: Vertonen — breaking a promise destroys trust faster than it can be built
    (MODEL_BRIEF §2.6). At step :func:`wave_step` every delivery of supplier 0 fails
    (``trigger_broken_promises(0, share=1)``); the control run is identical otherwise (same
    seed, so common random numbers up to the wave). The model table is the wave run's, with
    the control run's :data:`PAIRED` measures added as ``<measure>_control`` columns.
    """
    seed = scenario.seed if seed is None else int(seed)
    steps = scenario.steps if steps is None else int(steps)
    at = wave_step(steps)

    def wave(model: TrustMarket) -> None:
        if model.steps == at - 1:
            model.trigger_broken_promises(0, share=1.0)

    treated = TrustMarket(scenario, rng=seed)
    table = _run(treated, steps, wave)
    control = TrustMarket(scenario, rng=seed)
    control_table = _run(control, steps)
    for col in PAIRED:
        table[f"{col}_control"] = control_table[col].to_numpy()
    return RunResult(table, treated.supplier_table(), seed, steps)
