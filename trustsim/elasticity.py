"""Advertising elasticity of a run's scenario, measured as the literature measures it: paired runs.

Models: Sethuraman, Tellis & Briesch (2011), JMR 48(3): across 751 elasticities, a brand's sales
rise by about 0.12% in the short run and 0.24% in the long run for 1% more advertising. Here: run
the scenario for `warmup` weeks, copy the whole model (its state and its random generator: common
random numbers), raise the ad spend of the biggest advertiser by `nudge` in the copy, run both on,
and compare that supplier's revenue (its sales):

- ``ad_elasticity_short``: over the first :data:`SHORT_WEEKS` weeks (a quarter) after the change;
- ``ad_elasticity_long``: over :data:`LONG_WEEKS` weeks (a year), when carried-over goodwill and the
  word of mouth of the customers won have had time to work.

Each is ``ln(revenue with more ads / revenue without) / ln(nudge)``. One pair is noisy: average over
seeds (:func:`ad_elasticities` takes several).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable

import numpy as np

from trustsim.config import Scenario
from trustsim.model import TrustMarket

NUDGE = 1.25
"""Factor by which the biggest advertiser's ad spend is raised."""
SHORT_WEEKS, LONG_WEEKS = 13, 52
"""Weeks after the change over which the short- and the long-run response are measured."""
ELASTICITY_VALUES = ("ad_elasticity_short", "ad_elasticity_long")


def _revenue(model: TrustMarket, supplier: int, after: int) -> np.ndarray:
    table = model.supplier_table()
    rows = table[(table["supplier"] == supplier) & (table["step"] > after)]
    return rows["revenue"].to_numpy(dtype=np.float64)


def louder_copy(model: TrustMarket, nudge: float = NUDGE) -> tuple[TrustMarket, int] | None:
    """A copy of `model` (state and generator) in which its biggest advertiser spends `nudge` times more,
    and that advertiser's index; None when nobody advertises."""
    budgets = model.supplier_state.policy["ad_budget"]
    target = int(np.argmax(budgets))
    if budgets[target] <= 0:
        return None
    louder = copy.deepcopy(model)
    louder.suppliers_list[target].set_policy(ad_budget=float(budgets[target]) * nudge)
    return louder, target


def compare_revenue(base: TrustMarket, louder: TrustMarket, target: int, after: int, nudge: float) -> dict[str, float]:
    """The elasticities from the revenue of supplier `target` after step `after` in the two runs."""
    r0, r1 = _revenue(base, target, after), _revenue(louder, target, after)
    out = {}
    for key, weeks in zip(ELASTICITY_VALUES, (SHORT_WEEKS, LONG_WEEKS), strict=True):
        a, b = r0[:weeks].sum(), r1[:weeks].sum()
        out[key] = math.log(b / a) / math.log(nudge) if a > 0 and b > 0 else math.nan
    return out


def ad_elasticity(scenario: Scenario, seed: int, warmup: int = 52, nudge: float = NUDGE) -> dict[str, float]:
    """The short- and long-run advertising elasticity of sales from one pair of runs (module docstring)."""
    base = TrustMarket(scenario, rng=seed).run(warmup)
    pair = louder_copy(base, nudge)
    if pair is None:
        return dict.fromkeys(ELASTICITY_VALUES, math.nan)
    louder, target = pair
    base.run(LONG_WEEKS)
    louder.run(LONG_WEEKS)
    return compare_revenue(base, louder, target, warmup, nudge)


def ad_elasticities(
    scenario: Scenario, seeds: Iterable[int], warmup: int = 52, nudge: float = NUDGE
) -> dict[str, tuple[float, float, float, int]]:
    """Mean, 95% t-interval and n of each elasticity over several seeds: ``{name: (mean, low, high, n)}``."""
    from scipy import stats

    rows = [ad_elasticity(scenario, s, warmup, nudge) for s in seeds]
    out = {}
    for key in ELASTICITY_VALUES:
        v = np.array([r[key] for r in rows if math.isfinite(r[key])])
        if len(v) < 2:
            out[key] = (float(v.mean()) if len(v) else math.nan, math.nan, math.nan, len(v))
            continue
        half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
        out[key] = (float(v.mean()), float(v.mean() - half), float(v.mean() + half), len(v))
    return out
