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

HUB_SHARE = 0.1
"""Hubs: the best-connected 10% of the population."""

EXTRA_COLUMNS: tuple[str, ...] = (
    "unhappy_share",
    "locked_share",
    "supplier_trust_mean",
    "ambassador_degree_ratio",
    "hub_ambassador_share",
)
"""Columns added by :func:`run_with_extras` (shares are of current customers unless stated); the
share trusting their supplier is the model table's own `trusting_share`."""


def extra_measures(model: TrustMarket, hubs: np.ndarray | None) -> dict[str, float]:
    """Measures of the current state that the public tables do not hold.

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


# --- the flagship: equal spend, and the counterfactual with silent ambassadors --------------

ACQUISITION, RELATIONSHIP = 0, 1
"""Supplier indexes of the flagship's two policies (configs/ten_ambassadors.toml)."""

HORIZONS: tuple[int, ...] = (52, 104, 156, 260)
"""Horizons (weeks: one, two, three and five years) at which the profit difference is read."""


def matched_budget(model: TrustMarket) -> float:
    """The acquisition firm's ad budget for this week at equal spend (issue 15).

    The relationship firm's spend beyond the acquisition firm's this week: its own advertising
    (`ad_budget`) plus, for each of its customers, the extra cost of its over-delivery and care
    (unit cost above the acquisition firm's, :func:`trustsim.mechanisms.money.unit_cost`). The
    acquisition firm spends that same money on advertising, at `money.ad_cost` per person reached.
    """
    from trustsim.mechanisms import money, planning

    sc = model.config
    policy = model.supplier_state.policy
    unit = money.unit_cost(policy["over_delivery"], policy["care"], sc.money)
    own = float(policy["ad_budget"][RELATIONSHIP])
    extra = max(0.0, float(unit[RELATIONSHIP] - unit[ACQUISITION]))
    customers = float(model.supplier_metrics["customers"][RELATIONSHIP])
    more = planning.ad_budget_for_spend(customers * extra, sc.advertising.reach, sc.market.customers, sc.money)
    if more is None:  # advertising is free or reaches nobody: money buys no more of it
        return own
    return min(1000.0, own + more)


def _run_equal_spend(
    model: TrustMarket, steps: int, budgets: list[float] | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Run with the acquisition firm's budget matched each week (or replayed from `budgets`).

    Returns the model table with ``profit_difference`` (relationship - acquisition cumulative
    discounted profit) and ``acquisition_ad_budget``, and the steps x people array of whom each
    person buys from after each step (row 0: the start).
    """
    acq = model.suppliers_list[ACQUISITION]
    whom = np.empty((steps + 1, model.population.n), np.int16)
    whom[0] = model.population.supplier
    used = [float(acq.policy()["ad_budget"])]
    for t in range(steps):
        used.append(matched_budget(model) if budgets is None else budgets[t + 1])
        acq.set_policy(ad_budget=used[-1])
        model.step()
        whom[t + 1] = model.population.supplier
    table = model.model_table()
    profit = model.supplier_table().pivot(index="step", columns="supplier", values="discounted_profit")
    table["profit_difference"] = (profit[RELATIONSHIP] - profit[ACQUISITION]).to_numpy()
    table["acquisition_ad_budget"] = used
    for h in HORIZONS:
        if h <= steps:
            table[f"profit_difference_{h}"] = float(table["profit_difference"].iloc[h])
    return table, whom


def run_equal_spend(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """:func:`trustsim.runner.run_one` at equal spend (:func:`matched_budget`): the map's runs."""
    seed = scenario.seed if seed is None else int(seed)
    steps = scenario.steps if steps is None else int(steps)
    model = TrustMarket(scenario, rng=seed)
    table, _ = _run_equal_spend(model, steps)
    return RunResult(table, model.supplier_table(), seed, steps, model.customer_table())


def run_ambassador_pair(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """The factual run at equal spend and its counterfactual on the same seed in which the
    relationship firm's customers stay silent (`wom.silent_suppliers`; Libai, Muller & Peres 2013).

    The counterfactual replays the factual run's advertising budgets, so the two differ only in
    the silenced recommendations. The factual model table gets ``silent_profit_difference`` and,
    on every row, the run's ambassador measures (:mod:`trustsim.analysis.ambassadors`): customers
    per distinct ambassador and their distribution, CLV and CRV, and the decomposition of the
    customer-weeks the firm's word of mouth added.
    """
    from trustsim.analysis import ambassadors
    from trustsim.config import load_scenario

    seed = scenario.seed if seed is None else int(seed)
    steps = scenario.steps if steps is None else int(steps)
    model = TrustMarket(scenario, rng=seed)
    table, whom = _run_equal_spend(model, steps)
    firm = model.suppliers_list[RELATIONSHIP].name
    quiet_sc = load_scenario(scenario, {"wom.silent_suppliers": [firm]})
    quiet = TrustMarket(quiet_sc, rng=seed)
    quiet_table, quiet_whom = _run_equal_spend(quiet, steps, list(table["acquisition_ad_budget"]))
    table["silent_profit_difference"] = quiet_table["profit_difference"].to_numpy()
    spells = model.customer_table()
    per = ambassadors.per_distinct_ambassador(spells, firm)
    values = ambassadors.customer_values(spells, firm, scenario.money.discount_rate)
    scalars = (
        per
        | values
        | ambassadors.word_of_mouth_weeks(whom[1:], quiet_whom[1:], RELATIONSHIP, spells, firm, steps)
        | {
            "silent_discounted_profit": float(quiet.supplier_state.discounted_profit[RELATIONSHIP]),
            "factual_discounted_profit": float(model.supplier_state.discounted_profit[RELATIONSHIP]),
        }
    )
    for key, value in scalars.items():
        table[key] = value
    return RunResult(table, model.supplier_table(), seed, steps, spells)
