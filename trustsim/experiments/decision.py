"""One firm's decision (issue 26): the same extra money spent three ways, against a fixed rival.

The source texts' claim is about one firm's long-term income ("Wil je op langere termijn meer
inkomen? ... Liever tien ambassadeurs dan één klant"). So the question a manager faces: a focal
firm (the last supplier of the scenario) has some extra money each week — as much again as its
ad budget — and can

- ``keep`` it (as profit),
- spend it on ``ads`` (its ad budget doubles), or
- spend it on relationship ``gestures``: follow-ups after first deliveries and broken promises first,
  then surprises to its customers, at the rates the extra money pays for
  (:func:`trustsim.mechanisms.planning.gesture_rates`).

:func:`run_decision` runs the three options as copies of one model (the same state and random
generator: common random numbers) and returns, per week, each option's cumulative discounted profit
of the focal firm, its discounted extra spend, its customers and its ambassadors. The rival keeps its
policy throughout. Return on the extra spend is ``(profit_option - profit_keep) / (spend_option -
spend_keep)``: the money the option adds per unit of money it costs.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from trustsim.config import Scenario
from trustsim.mechanisms.money import discount_factor
from trustsim.mechanisms.planning import gesture_rates
from trustsim.model import TrustMarket
from trustsim.runner import RunResult

OPTIONS: tuple[str, ...] = ("keep", "ads", "gestures")
"""What the focal firm does with its extra money."""

MEASURES: tuple[str, ...] = ("profit", "extra_spend", "spend", "customers", "ambassadors")
"""Per option, columns ``<measure>_<option>`` of the decision table (profit and spend discounted, cumulative;
``spend`` is the focal firm's advertising and gestures, ``extra_spend`` the part beyond the first option's)."""


def _choose(model: TrustMarket, option: str, focal: int, extra: float, base_budget: float) -> None:
    """Set the focal firm's policy for the coming week under `option`."""
    firm = model.suppliers_list[focal]
    if option == "ads":
        firm.set_policy(ad_budget=base_budget + extra)
    elif option == "gestures":
        m = model.supplier_metrics
        occasions = float(m["acquired"][focal] + m["broken"][focal])  # last week's, as this week's forecast
        follow_up, surprise = gesture_rates(extra, model.config.money, int(m["customers"][focal]), occasions)
        firm.set_policy(follow_up=follow_up, surprise=surprise)


def decide(
    scenario: Scenario, seed: int, steps: int, options: tuple[str, ...] = OPTIONS, *, record: bool = False
) -> tuple[dict[str, np.ndarray], dict[str, TrustMarket], dict[str, np.ndarray]]:
    """Run `options` as copies of one model (common random numbers) and return per week
    ``<measure>_<option>`` columns (:data:`MEASURES`), the models after the run and, with `record`,
    per option the steps x people array of whom each person buys from (row 0: the start).

    The extra money per week is the focal firm's own ad budget; the focal firm is the last supplier.
    The first option is the reference of every option's extra spend (``keep`` in :data:`OPTIONS`).
    """
    start = TrustMarket(scenario, rng=seed)
    return _run_options(start, steps, options, record)


def _run_options(
    start: TrustMarket, steps: int, options: tuple[str, ...], record: bool
) -> tuple[dict[str, np.ndarray], dict[str, TrustMarket], dict[str, np.ndarray]]:
    focal = len(start.suppliers_list) - 1
    base_budget = float(start.supplier_state.policy["ad_budget"][focal])
    extra = base_budget
    weights = discount_factor(np.arange(steps + 1), start.config.money.discount_rate)
    columns: dict[str, np.ndarray] = {"step": np.arange(steps + 1)}
    models: dict[str, TrustMarket] = {}
    whom: dict[str, np.ndarray] = {}
    kept_spend = None
    for option in options:  # the first (keep) first: the others' extra spend is measured against it
        model = copy.deepcopy(start)
        seen = np.empty((steps + 1, model.population.n), np.int16) if record else np.empty((0, 0), np.int16)
        if record:
            seen[0] = model.population.supplier
        for t in range(steps):
            _choose(model, option, focal, extra, base_budget)
            model.step()
            if record:
                seen[t + 1] = model.population.supplier
        sup = model.supplier_table()
        f = sup[sup["supplier"] == focal].set_index("step")
        spend = (f["ad_costs"] + f["gesture_costs"]).to_numpy(dtype=np.float64)
        kept_spend = spend if kept_spend is None else kept_spend
        columns[f"profit_{option}"] = f["discounted_profit"].to_numpy(dtype=np.float64)
        columns[f"extra_spend_{option}"] = np.cumsum((spend - kept_spend) * weights)
        columns[f"spend_{option}"] = np.cumsum(spend * weights)
        columns[f"customers_{option}"] = f["customers"].to_numpy()
        columns[f"ambassadors_{option}"] = f["ambassadors"].to_numpy()
        models[option] = model
        whom[option] = seen
    return columns, models, whom


def run_decision(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """The three options on common random numbers; the model table is one row per week with
    ``<measure>_<option>`` for every measure of :data:`MEASURES` and option of :data:`OPTIONS`.

    The extra money per week is the focal firm's own ad budget; the focal firm is the last supplier.
    """
    seed = scenario.seed if seed is None else int(seed)
    steps = scenario.steps if steps is None else int(steps)
    columns, _, _ = decide(scenario, seed, steps)
    return RunResult(pd.DataFrame(columns), pd.DataFrame({"step": [], "supplier": [], "name": []}), seed, steps)


def returns(table: pd.DataFrame, horizons: tuple[int, ...]) -> pd.DataFrame:
    """Per horizon (weeks) and option: the focal firm's discounted profit, its gain over keeping the money,
    the discounted extra spend and the return on it (NaN where the option spent nothing extra).

    Example:
        >>> t = pd.DataFrame({"step": [0, 1], "profit_keep": [0.0, 10.0], "profit_ads": [0.0, 12.0],
        ...     "extra_spend_keep": [0.0, 0.0], "extra_spend_ads": [0.0, 4.0]})
        >>> returns(t, (1,)).query("option == 'ads'")[["gain", "roi"]].to_numpy().tolist()
        [[2.0, 0.5]]
    """
    rows = []
    for h in horizons:
        row = table[table["step"] == h]
        if row.empty:
            continue
        at = {str(c): float(v) for c, v in row.iloc[0].to_dict().items()}
        for option in [o for o in OPTIONS if f"profit_{o}" in at]:
            gain = at[f"profit_{option}"] - at["profit_keep"]
            spent = at[f"extra_spend_{option}"]
            rows.append(
                {
                    "horizon": h,
                    "option": option,
                    "profit": at[f"profit_{option}"],
                    "gain": gain,
                    "extra_spend": spent,
                    "roi": gain / spent if spent > 0 else float("nan"),
                }
            )
    return pd.DataFrame(rows)


# --- run functions of the one_firm experiment (``run_sweep(run_fn=...)``) ---------------------------

EMPTY_SUPPLIERS = pd.DataFrame({"step": [], "supplier": [], "name": []})


def _scalars(table: pd.DataFrame, values: dict[str, float]) -> pd.DataFrame:
    """`table` with one constant column per value (a run's measures, kept on every row)."""
    return table.assign(**{k: float(v) for k, v in values.items()})


def run_market_options(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """The ``keep`` and ``ads`` options on common random numbers (:func:`decide`), with the market's
    advertiser LTV/CAC and payback when the focal firm keeps its money as constant columns
    (:func:`trustsim.patterns.advertiser_economics` of the ``keep`` run: both firms advertise alike).

    Neither option depends on the cost of a gesture, so one such run serves every gesture cost; the
    ``gestures`` option runs on its own (:func:`run_relationship_option`) on the same seed.
    """
    from trustsim.patterns import RunTables, advertiser_economics

    seed = scenario.seed if seed is None else int(seed)
    steps = scenario.steps if steps is None else int(steps)
    columns, models, _ = decide(scenario, seed, steps, ("keep", "ads"))
    keep = models["keep"]
    tables = RunTables(
        keep.model_table(), keep.supplier_table(), None, scenario.market.customers, None, scenario.money.discount_rate
    )
    economics = advertiser_economics(tables)
    return RunResult(_scalars(pd.DataFrame(columns), economics), EMPTY_SUPPLIERS, seed, steps)


def run_relationship_option(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """The ``gestures`` option alone (:func:`decide`): on the same seed it starts from the same model as
    :func:`run_market_options`' options (common random numbers), so the two runs' tables pair up week by
    week; its extra spend is ``spend_gestures - spend_keep`` of the pair."""
    seed = scenario.seed if seed is None else int(seed)
    steps = scenario.steps if steps is None else int(steps)
    columns, _, _ = decide(scenario, seed, steps, ("gestures",))
    return RunResult(pd.DataFrame(columns), EMPTY_SUPPLIERS, seed, steps)


def run_one_firm_pair(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """The ``gestures`` option and its counterfactual on the same seed in which the focal firm's customers
    stay silent (``wom.silent_suppliers``; Libai, Muller & Peres 2013): the customer-weeks the firm's word
    of mouth added, split into expansion, acceleration and customers taken from the rival
    (:func:`trustsim.analysis.ambassadors.decompose`), with the firm's distinct ambassadors and the mean
    weeks a referred customer stayed, as constant columns."""
    from trustsim.analysis import ambassadors
    from trustsim.config import load_scenario

    seed = scenario.seed if seed is None else int(seed)
    steps = scenario.steps if steps is None else int(steps)
    focal = scenario.suppliers[-1].name
    columns, models, whom = decide(scenario, seed, steps, ("gestures",), record=True)
    quiet = load_scenario(scenario, {"wom.silent_suppliers": [focal]})
    _, quiet_models, quiet_whom = decide(quiet, seed, steps, ("gestures",), record=True)
    firm = len(scenario.suppliers) - 1
    spells = models["gestures"].customer_table()
    per = ambassadors.per_distinct_ambassador(spells, focal)
    values = ambassadors.word_of_mouth_weeks(
        whom["gestures"][1:], quiet_whom["gestures"][1:], firm, spells, focal, steps
    ) | {
        "distinct_ambassadors": per["ambassadors"],
        "customers_per_ambassador": per["customers_per_ambassador"],
        "silent_profit": float(quiet_models["gestures"].supplier_state.discounted_profit[firm]),
    }
    return RunResult(_scalars(pd.DataFrame(columns), values), EMPTY_SUPPLIERS, seed, steps)
