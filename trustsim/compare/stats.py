"""Statistics of a policy comparison: confidence intervals, paired differences, ranking.

Every policy is played on the same replicate seeds (common random numbers), so replicate r
of policy A and replicate r of policy B share their random draws as far as the policies let
them. Differences are therefore judged on *paired* differences over replicates (paired
t-test), which removes the noise both runs share; each policy's own mean gets a t-interval
(a percentile-bootstrap interval for measures bounded by construction, NPS and trust).
Comparing every policy to the observed best is a family of tests, so the p-values are
adjusted with Holm's step-down method before calling a difference significant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from trustsim.reporting import BOOTSTRAP_RESAMPLES, LEVEL, bootstrap_interval, t_interval


@dataclass(frozen=True)
class Measure:
    """A measure a comparison ranks policies by (higher is better for all of them).

    ``how``: "final" (value at the last step), "total" (sum over steps 1..T) or "ratio" (sum of
    ``key``'s numerator column over steps 1..T divided by the sum of ``denominator``'s; ROI).
    ``bounds``: the range the measure lives in by construction; its intervals then come from a
    percentile bootstrap, which stays inside it (a t-interval of NPS can fall below -100).
    """

    key: str
    label: str
    how: str
    fmt: str = "{:,.0f}"
    bounds: tuple[float, float] | None = None
    numerator: str = ""
    denominator: str = ""
    relative: bool = True  # differences read as a percentage of the leader's mean

    def format(self, value: float) -> str:
        """The value as the report shows it ('n/a' for NaN)."""
        return "n/a" if value is None or not np.isfinite(value) else self.fmt.format(value)

    @property
    def name(self) -> str:
        """The label without its '(final)' / '(total)' qualifier."""
        return self.label.split(" (")[0]


MEASURES: tuple[Measure, ...] = (
    Measure("revenue", "Revenue (total)", "total"),
    Measure("customers", "Customers (final)", "final"),
    Measure("nps", "NPS (final)", "final", "{:+.1f}", bounds=(-100.0, 100.0), relative=False),
    Measure("ambassadors", "Ambassadors (final)", "final"),
    Measure("trust", "Trust (final)", "final", "{:.3f}", bounds=(0.0, 1.0), relative=False),
)
"""What the ranking table shows when the model has no costs. Revenue is summed over the horizon
(customers x price per step), the others are the state at the last step."""

MONEY_COLUMNS: tuple[str, ...] = ("costs", "profit", "discounted_profit")
"""The supplier-table columns of the model's money (per step; ``discounted_profit`` is the
cumulative discounted profit up to that step). When the runs have all three, profit and
cumulative discounted profit head the report; without them it falls back to revenue."""

COST_COLUMNS: tuple[str, ...] = ("service_costs", "ad_costs")
"""The parts of ``costs`` in the supplier table (the rest is ``money.fixed_cost``): the cost breakdown."""

MONEY_MEASURES: tuple[Measure, ...] = (
    Measure("profit", "Profit (total)", "total"),
    Measure("discounted_profit", "Discounted profit (cumulative, final)", "final"),
)
"""Profit heads the ranking when the model has money. Return on spend is not a ranked measure:
profit / costs restates the unit cost (the cheapest policy looks best whatever it earns), so the
report gives the return on the *extra* spend against a named reference policy instead
(:func:`extra_spend_return`)."""

MEASURE_BY_KEY = {m.key: m for m in (*MONEY_MEASURES, *MEASURES)}


def measures_for(columns: Any) -> tuple[Measure, ...]:
    """The measures a comparison ranks by, given its runs' columns: money first when present."""
    if all(c in set(columns) for c in MONEY_COLUMNS):
        return (*MONEY_MEASURES, *MEASURES)
    return MEASURES


def run_values(ours: pd.DataFrame, measures: tuple[Measure, ...] = MEASURES) -> pd.DataFrame:
    """One row per run of "our" supplier, one column per measure (and the total of every money column present).

    Args:
        ours: the supplier time series of our supplier: run, step and the measures' columns.
        measures: which measures, and whether each is the final value, the total or a ratio.

    Returns:
        A frame indexed by run.
    """
    ours = ours.sort_values(["run", "step"], kind="stable")
    # tail(1), not last(): last() skips NaN (an NPS with no customers left must stay NaN).
    final = ours.groupby("run", sort=True).tail(1).set_index("run").sort_index()
    later = ours[ours["step"] > 0].groupby("run", sort=True)
    out = {}
    for m in measures:
        if m.how == "final":
            out[m.key] = final[m.key]
        elif m.how == "total":
            out[m.key] = later[m.key].sum()
        else:
            den = later[m.denominator].sum()
            out[m.key] = later[m.numerator].sum() / den.where(den != 0)
    for column in ("costs", *COST_COLUMNS):
        if column in ours.columns and column not in out:
            out[column] = later[column].sum()  # totals over the horizon: the cost breakdown
    return pd.DataFrame(out)


def mean_ci(
    values: np.ndarray, level: float = LEVEL, bounds: tuple[float, float] | None = None
) -> tuple[float, float, float]:
    """Mean and interval of the finite values (NaN bounds with fewer than two).

    A t-interval; for a measure with ``bounds`` a percentile bootstrap, which respects them.
    """
    if bounds is not None:
        mean, lo, hi = bootstrap_interval(values, level)[0]
        return float(mean), float(lo), float(hi)
    mean, lo, hi, _ = t_interval(values, level)
    return mean, lo, hi


def paired_difference(a: np.ndarray, b: np.ndarray, level: float = LEVEL) -> tuple[float, float, float, float]:
    """Mean of a - b over replicates where both are finite, its t-interval and the two-sided
    paired t-test p-value (1.0 if the differences are all equal, e.g. identical policies)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    mean, lo, hi = mean_ci(d, level)
    if len(d) < 2:
        return mean, lo, hi, float("nan")
    if np.ptp(d) == 0:
        return mean, mean, mean, 1.0 if mean == 0 else 0.0
    return mean, lo, hi, float(stats.ttest_1samp(d, 0.0).pvalue)  # pyright: ignore[reportAttributeAccessIssue]


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (NaN stays NaN), by statsmodels."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out


@dataclass(frozen=True)
class ExtraSpendReturn:
    """Return on the extra spend of a policy against a reference policy, over paired replicates.

    Attributes:
        policy, reference: the two policies.
        extra_profit, extra_profit_lo, extra_profit_hi: mean profit of policy minus reference (t-interval).
        extra_spend, extra_spend_lo, extra_spend_hi: mean total costs of policy minus reference.
        roi, roi_lo, roi_hi: extra profit per unit of extra spend (ratio of the paired means) with a
            percentile-bootstrap interval over the replicate pairs; NaN when the policy does not
            spend more than the reference (then it is no investment to return anything on).
        n: replicate pairs.
        verdict: the result in words.
    """

    policy: str
    reference: str
    extra_profit: float
    extra_profit_lo: float
    extra_profit_hi: float
    extra_spend: float
    extra_spend_lo: float
    extra_spend_hi: float
    roi: float
    roi_lo: float
    roi_hi: float
    n: int
    verdict: str


def extra_spend_return(
    profit: pd.DataFrame, spend: pd.DataFrame, policy: str, reference: str, level: float = LEVEL
) -> ExtraSpendReturn:
    """ROI = (profit_policy - profit_ref) / (spend_policy - spend_ref) over paired replicates.

    Every policy ran on the same replicate seeds, so replicate r of the policy and of the reference
    form a pair; the ratio is of the mean differences (a ratio of per-replicate ratios would blow up
    where a replicate's extra spend is near 0), with a percentile bootstrap over the pairs
    (``scipy.stats.bootstrap``, paired, seeded).

    What it means: an ROI of 0.5 says each extra unit spent on the policy (against the reference)
    came back with 0.5 extra profit on top of covering itself; -1 says the extra spend bought no
    extra revenue at all; below -1, revenue fell as well. When the policy spends no more than the
    reference (extra spend <= 0, or its interval includes 0) a return on it means nothing: the
    verdict then compares profit and spend directly.

    Args:
        profit, spend: replicates x policies (total profit and total costs per run).
        policy, reference: column names.

    Example:
        >>> profit = pd.DataFrame({"A": [10.0, 12.0, 11.0], "B": [5.0, 6.0, 6.5]})
        >>> spend = pd.DataFrame({"A": [20.0, 21.0, 22.0], "B": [10.0, 11.0, 11.5]})
        >>> r = extra_spend_return(profit, spend, "A", "B")
        >>> round(r.roi, 2), r.n
        (0.51, 3)
    """
    from scipy.stats import bootstrap

    a_p, b_p = profit[policy].to_numpy(float), profit[reference].to_numpy(float)
    a_s, b_s = spend[policy].to_numpy(float), spend[reference].to_numpy(float)
    ok = np.isfinite(a_p) & np.isfinite(b_p) & np.isfinite(a_s) & np.isfinite(b_s)
    dp, ds = a_p[ok] - b_p[ok], a_s[ok] - b_s[ok]
    p_mean, p_lo, p_hi = mean_ci(dp, level)
    s_mean, s_lo, s_hi = mean_ci(ds, level)
    roi = roi_lo = roi_hi = float("nan")
    invests = len(ds) >= 2 and s_mean > 0 and np.isfinite(s_lo) and s_lo > 0
    if invests:
        roi = float(dp.mean() / ds.mean())
        if np.ptp(dp) == 0 and np.ptp(ds) == 0:
            roi_lo = roi_hi = roi
        else:
            res = bootstrap(
                (dp, ds),
                lambda x, y, axis=-1: np.mean(x, axis=axis) / np.mean(y, axis=axis),
                paired=True,
                vectorized=True,
                confidence_level=level,
                n_resamples=BOOTSTRAP_RESAMPLES,
                method="percentile",
                rng=np.random.default_rng(0),
            )
            roi_lo, roi_hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
        verdict = (
            f"each extra unit spent returned {roi:+.2f} in extra profit (95% CI {roi_lo:+.2f} to {roi_hi:+.2f}, "
            f"n = {len(ds)})"
        )
    elif len(ds) and s_mean <= 0:
        verdict = (
            f"it spends no more than {reference} ({s_mean:+,.0f} per run), so there is no extra spend to return "
            f"anything on; it makes {p_mean:+,.0f} profit against it"
        )
    else:
        verdict = (
            f"its extra spend ({s_mean:+,.0f} per run, 95% CI {s_lo:+,.0f} to {s_hi:+,.0f}) is not surely above "
            f"zero, so a return on it is not defined; it makes {p_mean:+,.0f} profit against {reference}"
        )
    return ExtraSpendReturn(
        policy, reference, p_mean, p_lo, p_hi, s_mean, s_lo, s_hi, roi, roi_lo, roi_hi, len(ds), verdict
    )


def rank_policies(table: pd.DataFrame, level: float = LEVEL, bounds: tuple[float, float] | None = None) -> pd.DataFrame:
    """Rank policies by one measure, with CIs and the paired test against the best.

    Args:
        table: one row per replicate, one column per policy (same replicate = same seed).
        level: confidence level.
        bounds: the measure's range, if bounded (its CIs then come from a bootstrap).

    Returns:
        One row per policy, best first: mean, lo, hi (CI of the mean), diff, diff_lo, diff_hi
        (policy minus best, paired), rel, rel_lo, rel_hi (the same as a share of the best's
        mean), p (paired t-test), p_holm, significant (worse than the best at 1 - level), rank.
    """
    rows = []
    for name in table.columns:
        mean, lo, hi = mean_ci(table[name].to_numpy(), level, bounds)
        rows.append({"policy": name, "mean": mean, "lo": lo, "hi": hi})
    frame = pd.DataFrame(rows)
    frame["_key"] = frame["mean"].fillna(-np.inf)
    frame = frame.sort_values("_key", ascending=False, kind="stable").drop(columns="_key")
    best = frame["policy"].iloc[0]
    diffs = [paired_difference(table[name].to_numpy(), table[best].to_numpy(), level) for name in frame["policy"]]
    frame["diff"], frame["diff_lo"], frame["diff_hi"], frame["p"] = (list(col) for col in zip(*diffs, strict=True))
    scale = abs(frame["mean"].iloc[0]) if np.isfinite(frame["mean"].iloc[0]) and frame["mean"].iloc[0] else np.nan
    for col in ("diff", "diff_lo", "diff_hi"):
        frame[col.replace("diff", "rel")] = frame[col] / scale
    others = frame["policy"] != best
    p_adj = np.full(len(frame), np.nan)
    p_adj[others.to_numpy()] = holm(frame.loc[others, "p"].to_numpy())
    frame["p_holm"] = p_adj
    frame["significant"] = others & (frame["p_holm"] < 1 - level)
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame.reset_index(drop=True)


def band(
    series: pd.DataFrame, value: str, by: str = "step", level: float = LEVEL, bounds: tuple[float, float] | None = None
) -> pd.DataFrame:
    """Mean and interval of `value` per `by` (e.g. per step over replicates); bootstrap if bounded."""
    groups = [(key, g[value].to_numpy(dtype=float)) for key, g in series.groupby(by, sort=True)]
    if bounds is not None and groups:
        # one bootstrap call for every group (rows padded with NaN, which are dropped per row)
        width = max(len(v) for _, v in groups)
        matrix = np.full((len(groups), width), np.nan)
        for i, (_, v) in enumerate(groups):
            matrix[i, : len(v)] = v
        stats_ = bootstrap_interval(matrix, level)
        return pd.DataFrame({by: [k for k, _ in groups], "mean": stats_[:, 0], "lo": stats_[:, 1], "hi": stats_[:, 2]})
    rows = [(key, *mean_ci(v, level, bounds)) for key, v in groups]
    return pd.DataFrame(rows, columns=[by, "mean", "lo", "hi"])
