"""Run functions that record what the patterns need beyond the public tables.

:class:`ObservedMarket` is :class:`~trustsim.model.TrustMarket` with an observer on the word of
mouth of each step: it counts the recommendations and warnings said and the prospects a
recommendation reached, and after each step the share of customers who trust their supplier
(:func:`trustsim.experiments.runs.extra_measures`). It reads the model's state and never changes
it or draws a random number, so the public tables are bit-identical to those of
:func:`trustsim.runner.run_one` with the same scenario and seed (tests/calibration check this).

The sweep engine calls these by name (``run_fn="trustsim.calibration.observe:run_patterns"``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from trustsim.config import Scenario
from trustsim.mechanisms import channels
from trustsim.model import TrustMarket
from trustsim.patterns import OBSERVED_COLUMNS, RunTables, compute_patterns, first_adoptions
from trustsim.runner import RunResult

PATTERNS_FN = "trustsim.calibration.observe:run_patterns"
HELD_OUT_FN = "trustsim.calibration.observe:run_held_out"

NUDGE = 1.25
"""Factor by which advertising reach (ad spend at a fixed cost per person reached) and the
recommendation rate are raised to measure the elasticities of new customers."""

ELASTICITIES = ("ad_elasticity", "wom_elasticity")


class ObservedMarket(TrustMarket):
    """TrustMarket that also counts word of mouth (:data:`trustsim.patterns.OBSERVED_COLUMNS`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.observed: list[dict[str, float]] = []
        self._counts = {"wom_positive": 0.0, "wom_negative": 0.0, "prospects_referred": 0.0}
        self._referred: np.ndarray | None = None
        super().__init__(*args, **kwargs)

    def _word_of_mouth(self, *args: Any, **kwargs: Any) -> list[channels.Messages]:
        parts = super()._word_of_mouth(*args, **kwargs)  # the phase's own arguments, whatever they are
        pop = self.population
        if self._referred is None or len(self._referred) != pop.n:
            self._referred = np.zeros(pop.n, dtype=bool)
        for part in parts:
            self._counts["wom_positive"] += float(np.count_nonzero(part.valence > 0))
            self._counts["wom_negative"] += float(np.count_nonzero(part.valence < 0))
            heard = part.customer[(part.valence > 0) & (pop.supplier[part.customer] < 0)]
            new = np.unique(heard[~self._referred[heard]])
            self._referred[new] = True
            self._counts["prospects_referred"] += float(len(new))
        return parts

    def record(self) -> None:
        """Append this step's counts and the trusting share (call once after each step, and at step 0)."""
        from trustsim.experiments.runs import extra_measures

        row = dict(self._counts) | {"trusting_share": extra_measures(self, None)["trusting_share"]}
        self.observed.append(row)
        self._counts = dict.fromkeys(self._counts, 0.0)

    def observed_table(self) -> pd.DataFrame:
        """The model table with the observed columns added."""
        extra = pd.DataFrame(self.observed, columns=list(OBSERVED_COLUMNS))
        return pd.concat([self.model_table(), extra], axis=1)


def run_observed(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """:func:`trustsim.runner.run_one` with the observed columns in the model table."""
    seed = scenario.seed if seed is None else int(seed)
    steps = scenario.steps if steps is None else int(steps)
    model = ObservedMarket(scenario, rng=seed)
    model.record()
    for _ in range(steps):
        model.step()
        model.record()
    return RunResult(model.observed_table(), model.supplier_table(), seed, steps, model.customer_table())


def tables_of(result: RunResult, scenario: Scenario) -> RunTables:
    """The :class:`~trustsim.patterns.RunTables` of a run of `scenario`."""
    shock = scenario.shocks[0].step if scenario.shocks else None
    return RunTables(result.model, result.suppliers, result.customers, scenario.market.customers, shock)


def _one_row(values: dict[str, float], steps: int) -> pd.DataFrame:
    return pd.DataFrame([{"step": steps, **values}])


def _no_suppliers() -> pd.DataFrame:
    return pd.DataFrame({"step": [], "supplier": [], "name": []})


def run_patterns(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """One run; its model table is one row of every pattern value (for a sweep's summary)."""
    result = run_observed(scenario, seed, steps)
    values = compute_patterns(tables_of(result, scenario))
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
    with advertising reach x :data:`NUDGE`, `wom` with the recommendation rate x NUDGE; the WOM
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
    base = run_observed(scenario, seed, steps)
    ads = scenario.model_copy(
        update={"advertising": scenario.advertising.model_copy(update={"reach": scenario.advertising.reach * NUDGE})}
    )
    wom = scenario.model_copy(update={"wom": scenario.wom.model_copy(update={"rate": scenario.wom.rate * NUDGE})})
    values = compute_patterns(tables_of(base, scenario))
    values |= elasticities(base, run_observed(ads, seed, steps), run_observed(wom, seed, steps))
    return RunResult(_one_row(values, base.steps), _no_suppliers(), base.seed, base.steps)
