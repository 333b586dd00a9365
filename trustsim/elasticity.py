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

Beside each, its ceiling (:func:`elasticity_ceiling`): the largest elasticity any advertising
response could give in that window, from the flows of the run without the change. A firm whose
sales are its customers' repeat purchases can gain sales only by winning more customers or losing
fewer, and over a quarter only a few percent of its customers come or go.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from trustsim.config import Scenario
from trustsim.model import TrustMarket

NUDGE = 1.25
"""Factor by which the biggest advertiser's ad spend is raised."""
SHORT_WEEKS, LONG_WEEKS = 13, 52
"""Weeks after the change over which the short- and the long-run response are measured."""
ELASTICITY_VALUES = ("ad_elasticity_short", "ad_elasticity_long")
CEILING_VALUES = ("ad_elasticity_short_ceiling", "ad_elasticity_long_ceiling")
"""The ceiling of each of :data:`ELASTICITY_VALUES` (:func:`elasticity_ceiling`)."""


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


def elasticity_ceiling(
    table: pd.DataFrame, supplier: int, after: int, nudge: float = NUDGE, losses: bool = True
) -> dict[str, float]:
    """The largest short- and long-run elasticity any advertising response could give `supplier` after
    step `after`, from one run's supplier table (the run without the change).

    Models: a firm's sales are its customers' purchases (revenue = price x customers each week), so more
    advertising can raise them only through the flows: customers won and customers lost. If ads moved
    every one of those flows in full proportion (a flow elasticity of 1, the most a concave response
    such as :func:`~trustsim.mechanisms.channels.goodwill_reach_share` allows), `nudge` times the spend
    would win `nudge` times the customers and lose ``1 / nudge`` times as many each week; the revenue
    that would add over each window, as an elasticity, is the ceiling. Word of mouth from the extra
    customers cannot lift it within the window: it is one of the flows already counted in full. The
    measured elasticity is below it in expectation (one pair can exceed it by chance).

    With ``losses=False`` ads act on acquisition only, as in Vidale & Wolfe (1957), Operations
    Research 5(3), where sales decay at a rate advertising does not touch: the ceiling of a response
    that wins customers but keeps none.

    Args:
        table: the supplier table of the run (``suppliers.parquet``: customers, revenue, acquired,
            churned, lapsed, departed per step).
        supplier: the advertiser.
        after: the last step before the change.
        nudge: the factor of the change.
        losses: whether ads may also keep customers (False: they only win them).

    Returns:
        ``{"ad_elasticity_short_ceiling": ..., "ad_elasticity_long_ceiling": ...}``.

    Example:
        1,000 customers paying 1 a week, 10 won and 10 lost each week: at most 25% more ads could add
        2.5 + 2 customers a week; over a quarter that is an elasticity of at most about 0.14:

        >>> weeks = np.arange(1, 53)
        >>> t = pd.DataFrame({"step": weeks, "supplier": 0, "customers": 1000, "revenue": 1000.0,
        ...                   "acquired": 10, "churned": 10, "lapsed": 0, "departed": 0})
        >>> {k: round(v, 3) for k, v in elasticity_ceiling(t, 0, 0).items()}
        {'ad_elasticity_short_ceiling': 0.139, 'ad_elasticity_long_ceiling': 0.505}

        Ads that only win customers (Vidale & Wolfe) could add the 2.5 a week alone:

        >>> {k: round(v, 3) for k, v in elasticity_ceiling(t, 0, 0, losses=False).items()}
        {'ad_elasticity_short_ceiling': 0.078, 'ad_elasticity_long_ceiling': 0.287}
    """
    rows = table[(table["supplier"] == supplier) & (table["step"] > after)].sort_values("step")
    revenue = rows["revenue"].to_numpy(dtype=np.float64)
    customers = rows["customers"].to_numpy(dtype=np.float64)
    won = rows["acquired"].to_numpy(dtype=np.float64)
    lost = rows[["churned", "lapsed", "departed"]].to_numpy(dtype=np.float64).sum(axis=1)
    kept = (1.0 - 1.0 / nudge) if losses else 0.0
    extra = np.cumsum((nudge - 1.0) * won + kept * lost)
    out = {}
    for key, weeks in zip(CEILING_VALUES, (SHORT_WEEKS, LONG_WEEKS), strict=True):
        a, n = revenue[:weeks].sum(), customers[:weeks].sum()
        price = a / n if n > 0 else 0.0
        out[key] = math.log((a + price * extra[:weeks].sum()) / a) / math.log(nudge) if a > 0 else math.nan
    return out


def steady_loss_rate(ltv_to_cac: float, payback_months: float, discount_rate: float) -> float:
    """The weekly share of customers a firm loses, implied by its LTV/CAC and payback.

    Models: with lifetime value ``margin (1 + r) / (r + loss)`` (Gupta, Lehmann & Stuart 2004;
    :func:`~trustsim.mechanisms.planning.customer_value`) and payback ``CAC / monthly margin``
    (:func:`trustsim.patterns.unit_economics`), ``LTV / CAC = (1 + r) / ((r + loss) * payback in
    weeks)``: the two benchmarks together fix how long a customer stays.

    Example:
        LTV/CAC 3 and 18 months' payback, no discounting: a customer stays 54 months on average, so
        about 0.43% of customers go each week (a fifth a year):

        >>> round(steady_loss_rate(3.0, 18.0, 0.0), 5)
        0.00427
    """
    from trustsim.patterns import WEEKS_PER_MONTH

    return (1.0 + discount_rate) / (ltv_to_cac * payback_months * WEEKS_PER_MONTH) - discount_rate


def ceiling_of_unit_economics(
    ltv_to_cac: float, payback_months: float, discount_rate: float = 0.0, nudge: float = NUDGE, losses: bool = True
) -> dict[str, float]:
    """The elasticity ceilings (:func:`elasticity_ceiling`) of a firm in steady state whose unit economics
    are these: it loses :func:`steady_loss_rate` of its customers each week and wins as many.

    Models: the practitioners' benchmarks (LTV/CAC near 3, payback 12-24 months; MODEL_BRIEF) bound
    how much of a firm's customer base comes and goes, and so how far its sales can respond to its ads
    over a quarter or a year, whatever the advertising response.

    Example:
        At the benchmarks' centre and at their most fluid corner (LTV/CAC 2, payback 12 months), at the
        services market's discount rate of 0.1% a week: even ads that won and kept every customer could
        not give the meta-analysis's mean short-run elasticity (0.12) except at that corner:

        >>> {k: round(v, 3) for k, v in ceiling_of_unit_economics(3.0, 18.0, 0.001).items()}
        {'ad_elasticity_short_ceiling': 0.046, 'ad_elasticity_long_ceiling': 0.172}
        >>> {k: round(v, 3) for k, v in ceiling_of_unit_economics(2.0, 12.0, 0.001).items()}
        {'ad_elasticity_short_ceiling': 0.12, 'ad_elasticity_long_ceiling': 0.439}

        Ads that only win customers (``losses=False``, Vidale & Wolfe) at the centre:

        >>> {k: round(v, 3) for k, v in ceiling_of_unit_economics(3.0, 18.0, 0.001, losses=False).items()}
        {'ad_elasticity_short_ceiling': 0.026, 'ad_elasticity_long_ceiling': 0.096}
    """
    flow = steady_loss_rate(ltv_to_cac, payback_months, discount_rate) * 1000.0
    weeks = np.arange(1, LONG_WEEKS + 1)
    table = pd.DataFrame(
        {"step": weeks, "supplier": 0, "customers": 1000.0, "revenue": 1000.0}
        | {"acquired": flow, "churned": flow, "lapsed": 0.0, "departed": 0.0}
    )
    return elasticity_ceiling(table, 0, 0, nudge, losses)


def compare_revenue(base: TrustMarket, louder: TrustMarket, target: int, after: int, nudge: float) -> dict[str, float]:
    """The elasticities from the revenue of supplier `target` after step `after` in the two runs, and
    their ceilings from the run without the change (:func:`elasticity_ceiling`)."""
    r0, r1 = _revenue(base, target, after), _revenue(louder, target, after)
    out = {}
    for key, weeks in zip(ELASTICITY_VALUES, (SHORT_WEEKS, LONG_WEEKS), strict=True):
        a, b = r0[:weeks].sum(), r1[:weeks].sum()
        out[key] = math.log(b / a) / math.log(nudge) if a > 0 and b > 0 else math.nan
    return out | elasticity_ceiling(base.supplier_table(), target, after, nudge)


def ad_elasticity(scenario: Scenario, seed: int, warmup: int = 52, nudge: float = NUDGE) -> dict[str, float]:
    """The short- and long-run advertising elasticity of sales from one pair of runs (module docstring)."""
    base = TrustMarket(scenario, rng=seed).run(warmup)
    pair = louder_copy(base, nudge)
    if pair is None:
        return dict.fromkeys(ELASTICITY_VALUES + CEILING_VALUES, math.nan)
    louder, target = pair
    base.run(LONG_WEEKS)
    louder.run(LONG_WEEKS)
    return compare_revenue(base, louder, target, warmup, nudge)


def ad_elasticities(
    scenario: Scenario, seeds: Iterable[int], warmup: int = 52, nudge: float = NUDGE
) -> dict[str, tuple[float, float, float, int]]:
    """Mean, 95% t-interval and n of each elasticity and its ceiling over several seeds:
    ``{name: (mean, low, high, n)}``."""
    from scipy import stats

    rows = [ad_elasticity(scenario, s, warmup, nudge) for s in seeds]
    out = {}
    for key in ELASTICITY_VALUES + CEILING_VALUES:
        v = np.array([r[key] for r in rows if math.isfinite(r[key])])
        if len(v) < 2:
            out[key] = (float(v.mean()) if len(v) else math.nan, math.nan, math.nan, len(v))
            continue
        half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
        out[key] = (float(v.mean()), float(v.mean() - half), float(v.mean() + half), len(v))
    return out
