"""What an ambassador is worth, measured as the marketing literature measures it.

- :func:`per_distinct_ambassador`: customers each distinct ambassador brought over its life at a
  firm, from the referral records (Kumar, Petersen & Leone 2007, 2010);
- :func:`decompose`: the customers a firm's word of mouth adds against a counterfactual run on
  the same seed in which its customers stay silent, split into expansion, acceleration and
  customers taken from the rival (Libai, Muller & Peres 2013);
- :func:`break_even`: how many customers an ambassador must bring for a policy to pay;
- :func:`crossed_by`: the share of runs in which a policy has overtaken by each period, as a
  Kaplan-Meier estimate with runs censored at their horizon (never an average over the runs
  that crossed), and its median.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from trustsim.analysis.referrals import distribution
from trustsim.mechanisms.money import discount_factor


def per_distinct_ambassador(spells: pd.DataFrame, supplier: str) -> dict[str, float]:
    """Referrals of each person who was ever an ambassador of `supplier`, summed over all its spells
    there (its life as that firm's customer), and their distribution (Kumar et al. 2010).

    Returns the mean (``customers_per_ambassador``), the share who referred nobody, the top-10%
    share, the Gini coefficient and the number of distinct ambassadors.
    """
    own = spells[spells["supplier"] == supplier]
    who = own.loc[own["ambassador"].astype(bool), "customer"].unique()
    refs = own[own["customer"].isin(who)].groupby("customer")["referrals"].sum().to_numpy(np.float64)
    d = distribution(refs)
    return {
        "customers_per_ambassador": d["referrals_per_ambassador"],
        "referrers_none_share": d["referrers_none_share"],
        "top10_referral_share": d["top10_referral_share"],
        "referral_gini": d["referral_gini"],
        "ambassadors": float(d["ambassadors"]),
    }


def customer_values(spells: pd.DataFrame, supplier: str, discount_rate: float) -> dict[str, float]:
    """Per customer spell of `supplier`: mean lifetime value (CLV) and referral value (CRV), both
    discounted to the spell's start (Kumar, Petersen & Leone 2010), over all its spells and over its
    ambassadors; and the mean value, discounted to step 0, of a customer won by recommendation."""
    own = spells[spells["supplier"] == supplier]
    amb = own[own["ambassador"].astype(bool)]
    referred = own[own["channel"].astype(str) == "recommendation"]
    value0 = referred["value"].to_numpy(np.float64) * discount_factor(referred["start_step"].to_numpy(), discount_rate)
    nan = math.nan
    return {
        "clv": float(own["value"].mean()) if len(own) else nan,
        "crv": float(own["referral_value"].mean()) if len(own) else nan,
        "ambassador_clv": float(amb["value"].mean()) if len(amb) else nan,
        "ambassador_crv": float(amb["referral_value"].mean()) if len(amb) else nan,
        "referred_value": float(value0.mean()) if len(value0) else nan,
    }


@dataclass(frozen=True)
class Decomposition:
    """Customer-weeks a firm's word of mouth added over the horizon, and where they came from.

    ``incremental = expansion + acceleration + from_rival`` exactly (each person-week is counted
    once, in one part); all in customer-weeks.
    """

    incremental: float
    expansion: float
    acceleration: float
    from_rival: float


def decompose(factual: np.ndarray, silent: np.ndarray, firm: int) -> Decomposition:
    """Libai, Muller & Peres (2013) on common random numbers: the factual run against the
    counterfactual in which `firm`'s customers stay silent.

    Args:
        factual, silent: steps x people arrays of whom each person buys from after each step
            (-1: nobody), of the two runs on the same seed.
        firm: the firm whose word of mouth is valued.

    Each person-week in which the person buys from `firm` in one run but not in the other counts
    +1 (factual) or -1 (counterfactual) and goes to one part, by what the person does in the other
    run that week: buys from a rival -> ``from_rival``; buys from nobody but comes to `firm`
    later in that run -> ``acceleration`` (a customer who would have come later); buys from nobody
    and does not come to `firm` later within the horizon -> ``expansion`` (a customer the firm
    would not have had).
    """
    a, s = factual == firm, silent == firm
    steps = np.arange(len(factual))[:, None]

    def last_at_firm(at: np.ndarray) -> np.ndarray:
        return np.where(at, steps, -1).max(axis=0)

    parts = np.zeros(3)
    for mine, other_sup, other_at, sign in ((a & ~s, silent, s, 1.0), (s & ~a, factual, a, -1.0)):
        later = last_at_firm(other_at)[None, :] > steps
        rival = mine & (other_sup >= 0)
        nobody = mine & (other_sup < 0)
        parts += sign * np.array([(nobody & ~later).sum(), (nobody & later).sum(), rival.sum()], dtype=np.float64)
    return Decomposition(float(parts.sum()), *map(float, parts))


PARTS: tuple[str, ...] = ("expansion", "acceleration", "from_rival")
"""The parts of :class:`Decomposition` beside its total, ``incremental``."""


def word_of_mouth_weeks(
    factual: np.ndarray, silent: np.ndarray, firm: int, spells: pd.DataFrame, supplier: str, steps: int
) -> dict[str, float]:
    """One paired run's measures of a firm's word of mouth (Libai, Muller & Peres 2013): the customer-weeks
    it added and their parts (:func:`decompose`, as ``<part>_weeks``), and ``referred_spell_weeks``, the mean
    weeks a customer won by recommendation stayed within the horizon (an open spell counts to `steps`).
    """
    parts = decompose(factual, silent, firm)
    referred = spells[(spells["supplier"] == supplier) & (spells["channel"].astype(str) == "recommendation")]
    weeks = (referred["end_step"].fillna(steps) - referred["start_step"]).to_numpy(np.float64)
    return {
        "incremental_weeks": parts.incremental,
        "expansion_weeks": parts.expansion,
        "acceleration_weeks": parts.acceleration,
        "from_rival_weeks": parts.from_rival,
        "referred_spell_weeks": float(weeks.mean()) if len(weeks) else float("nan"),
    }


def customers_per_ambassador_added(runs: pd.DataFrame, ambassadors: np.ndarray) -> dict[str, np.ndarray]:
    """Per run, the customer-weeks of :func:`word_of_mouth_weeks` in customers per distinct ambassador:
    each ``<part>_weeks`` divided by the mean weeks a referred customer stayed and by `ambassadors`
    (``incremental`` and each of :data:`PARTS`; NaN where a run had neither)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = 1.0 / (runs["referred_spell_weeks"].to_numpy(np.float64) * np.asarray(ambassadors, np.float64))
        return {k: runs[f"{k}_weeks"].to_numpy(np.float64) * scale for k in ("incremental", *PARTS)}


def break_even(difference: float, ambassadors: float, per_ambassador: float, value: float) -> float:
    """Customers per ambassador at which the policy's profit gap would close.

    With `difference` = discounted profit of the relationship policy minus the acquisition
    policy's, each of `ambassadors` bringing `per_ambassador` customers worth `value` each
    (discounted to the same step 0), the break-even is ``per_ambassador - difference /
    (ambassadors * value)``: what each would have to bring, at the observed value per referred
    customer, for the difference to be zero. NaN without ambassadors or value.
    """
    if not ambassadors or not value or not np.isfinite(value):
        return math.nan
    return per_ambassador - difference / (ambassadors * value)


def crossed_by(times: np.ndarray, horizons: np.ndarray, periods: list[int], level: float = 0.95) -> dict[str, Any]:
    """Kaplan-Meier share of runs in which the event (overtaking for good) has happened by each period.

    Args:
        times: per run, the period of the event (NaN: not by its horizon, a censored run).
        horizons: per run, its last period (where an event-free run is censored).
        periods: the periods at which to report the share.

    Returns ``{"by_period": [{period, share, ci_low, ci_high, n}], "median": {...}}``: the
    interval is the log-log one of the Kaplan-Meier estimate (scipy.stats.ecdf); where no run has
    crossed yet (or every run has), the exact binomial (Clopper-Pearson) bound of the runs still at
    risk. The median is the first period by which half the runs have crossed, with the periods at
    which the interval's upper and lower bounds reach one half (None where not reached).
    """
    times, horizons = np.asarray(times, np.float64), np.asarray(horizons, np.float64)
    n = len(times)
    event = np.isfinite(times)
    if n == 0:
        return {"by_period": [], "median": {"median": None, "ci_low": None, "ci_high": None, "n": 0}}
    res = stats.ecdf(stats.CensoredData(uncensored=times[event], right=horizons[~event])) if event.any() else None
    res = (res.cdf, res.cdf.confidence_interval(confidence_level=level, method="log-log")) if res else None
    rows = [_share_at(t, times, horizons, event, res, level) for t in periods]
    every = [_share_at(t, times, horizons, event, res, level) for t in range(1, int(horizons.max()) + 1)]

    def first(key: str) -> int | None:
        hit = [r["period"] for r in every if r[key] >= 0.5]
        return hit[0] if hit else None

    median = {"median": first("share"), "ci_low": first("ci_high"), "ci_high": first("ci_low"), "n": n}
    return {"by_period": rows, "median": median}


def _share_at(
    t: int, times: np.ndarray, horizons: np.ndarray, event: np.ndarray, res: Any, level: float
) -> dict[str, Any]:
    at_risk = int(np.sum(np.where(event, times, horizons) >= t))
    share, low, high = 0.0, 0.0, 1.0
    if res is not None:
        cdf, ci = res
        share = float(cdf.evaluate(t))
        low, high = float(np.nan_to_num(ci.low.evaluate(t))), float(np.nan_to_num(ci.high.evaluate(t), nan=1.0))
    if share in (0.0, 1.0):
        m = max(at_risk, 1)
        p = stats.binomtest(round(share * m), m).proportion_ci(confidence_level=level, method="exact")
        low, high = float(p.low), float(p.high)
    return {"period": int(t), "share": share, "ci_low": low, "ci_high": high, "n": len(times), "at_risk": at_risk}
