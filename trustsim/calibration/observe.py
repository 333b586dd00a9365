"""Run functions of the calibration sweeps: each run reduced to one row of pattern values.

Every pattern is a function of a run's public tables (:mod:`trustsim.patterns`); the word of
mouth said, the prospects a recommendation reached and the share trusting their supplier are
columns of ``model.parquet`` (docs/outputs.md), so a calibration run is an ordinary
:func:`trustsim.runner.run_one`.

The sweep engine calls these by name (``run_fn="trustsim.calibration.observe:run_patterns"``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from trustsim.config import Scenario
from trustsim.patterns import RunTables, compute_patterns, first_adoptions
from trustsim.runner import RunResult, run_one

PATTERNS_FN = "trustsim.calibration.observe:run_patterns"
HELD_OUT_FN = "trustsim.calibration.observe:run_held_out"

NUDGE = 1.25
"""Factor by which every supplier's ad budget (its ad spend) and the recommendation rate are raised
to measure the elasticities of new customers."""

ELASTICITIES = ("ad_elasticity", "wom_elasticity")


def tables_of(result: RunResult, scenario: Scenario) -> RunTables:
    """The :class:`~trustsim.patterns.RunTables` of a run of `scenario`."""
    shock = scenario.shocks[0].step if scenario.shocks else None
    return RunTables(
        result.model, result.suppliers, result.customers, scenario.market.customers, shock, scenario.money.discount_rate
    )


def _one_row(values: dict[str, float], steps: int) -> pd.DataFrame:
    return pd.DataFrame([{"step": steps, **values}])


def _no_suppliers() -> pd.DataFrame:
    return pd.DataFrame({"step": [], "supplier": [], "name": []})


def run_patterns(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """One run; its model table is one row of every pattern value (for a sweep's summary)."""
    result = run_one(scenario, seed=seed, steps=steps)
    values = compute_patterns(tables_of(result, scenario))
    return RunResult(_one_row(values, result.steps), _no_suppliers(), result.seed, result.steps)


PAIRED_FN = "trustsim.calibration.observe:run_patterns_paired"
WARMUP_SHARE = 0.4
"""Share of a calibration run after which the paired advertising run starts (enough for goodwill and
a customer base to build; the rest of the run is at least a year)."""


def run_patterns_paired(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """One run and, from its state at :data:`WARMUP_SHARE` of the horizon, a copy in which the biggest
    advertiser spends more (:mod:`trustsim.elasticity`): every pattern value of the run plus the short-
    and long-run advertising elasticities, so that they can be fitted (about 1.2 runs' cost)."""
    from trustsim.elasticity import CEILING_VALUES, ELASTICITY_VALUES, LONG_WEEKS, NUDGE, compare_revenue, louder_copy
    from trustsim.model import TrustMarket
    from trustsim.runner import result_of

    total = scenario.steps if steps is None else steps
    seed = scenario.seed if seed is None else seed
    warmup = max(0, min(int(WARMUP_SHARE * total), total - LONG_WEEKS))
    model = TrustMarket(scenario, rng=seed).run(warmup)
    pair = louder_copy(model, NUDGE)
    if pair is not None:
        pair[0].run(min(LONG_WEEKS, total - warmup))
    model.run(total - warmup)
    result = result_of(model, int(seed))
    values = compute_patterns(tables_of(result, scenario))
    if pair is None or total - warmup < LONG_WEEKS:
        values |= dict.fromkeys(ELASTICITY_VALUES + CEILING_VALUES, math.nan)
    else:
        values |= compare_revenue(model, pair[0], pair[1], warmup, NUDGE)
    return RunResult(_one_row(values, result.steps), _no_suppliers(), result.seed, result.steps)


def adoption_steps(result: RunResult) -> np.ndarray:
    """The step of each first adoption of the run (prospects who became customers), sorted."""
    assert result.customers is not None  # run_one always returns the referral records
    return np.sort(first_adoptions(result.customers)["start_step"].to_numpy())


def elasticities(base: RunResult, ads: RunResult, wom: RunResult) -> dict[str, float]:
    """Elasticities of new customers to ad spend and to word-of-mouth volume, from paired runs.

    Models: Trusov, Bucklin & Pauwels (2009), J. Marketing 73(5): sign-ups respond far more to
    WOM referrals (long-run elasticity ≈ 0.53) than to marketing; advertising elasticities
    ≈ 0.12 short-run, ≈ 0.24 long-run (Sethuraman, Tellis & Briesch 2011, JMR 48(3)). `ads` ran
    with every ad budget x :data:`NUDGE`, `wom` with the recommendation rate x NUDGE; the WOM
    elasticity is taken against the recommendations actually said (the WOM volume). New
    customers are counted up to the step by which the base run has won half of its own.
    """
    steps = adoption_steps(base)
    if len(steps) < 2:
        return dict.fromkeys(ELASTICITIES, math.nan)
    # The growth phase: up to the step by which the base run has won half its new customers (a
    # saturated market cannot respond to anything).
    until = int(steps[len(steps) // 2])
    n0, n_ads, n_wom = (int(np.count_nonzero(adoption_steps(r) <= until)) for r in (base, ads, wom))
    said0 = float(base.model["wom_positive"].iloc[: until + 1].sum())
    said1 = float(wom.model["wom_positive"].iloc[: until + 1].sum())
    ok = n0 > 0 and n_ads > 0 and n_wom > 0 and said0 > 0 and said1 > said0
    if not ok:
        return dict.fromkeys(ELASTICITIES, math.nan)
    return {
        "ad_elasticity": math.log(n_ads / n0) / math.log(NUDGE),
        "wom_elasticity": math.log(n_wom / n0) / math.log(said1 / said0),
    }


def run_held_out(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """Three runs with the same seed (as found, more advertising, more recommending): one row of
    every pattern value of the first, plus the :data:`ELASTICITIES`."""
    base = run_one(scenario, seed=seed, steps=steps)
    louder = [p.model_copy(update={"ad_budget": p.ad_budget * NUDGE}) for p in scenario.supplier_policies()]
    ads = scenario.model_copy(update={"suppliers": louder})
    wom = scenario.model_copy(update={"wom": scenario.wom.model_copy(update={"rate": scenario.wom.rate * NUDGE})})
    values = compute_patterns(tables_of(base, scenario))
    values |= elasticities(base, run_one(ads, seed=seed, steps=steps), run_one(wom, seed=seed, steps=steps))
    return RunResult(_one_row(values, base.steps), _no_suppliers(), base.seed, base.steps)
