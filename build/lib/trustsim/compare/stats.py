"""Statistics of a policy comparison: confidence intervals, paired differences, ranking.

Every policy is played on the same replicate seeds (common random numbers), so replicate r
of policy A and replicate r of policy B share their random draws as far as the policies let
them. Differences are therefore judged on *paired* differences over replicates (paired
t-test), which removes the noise both runs share; each policy's own mean gets a t-interval.
Comparing every policy to the observed best is a family of tests, so the p-values are
adjusted with Holm's step-down method before calling a difference significant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.95
"""Confidence level of every interval, and 1 - the significance level of every test."""


@dataclass(frozen=True)
class Measure:
    """A measure a comparison ranks policies by (higher is better for all of them)."""

    key: str
    label: str
    how: str  # "final": value at the last step; "total": sum over steps 1..T
    fmt: str = "{:,.0f}"

    def format(self, value: float) -> str:
        """The value as the report shows it ('n/a' for NaN)."""
        return "n/a" if value is None or not np.isfinite(value) else self.fmt.format(value)


MEASURES: tuple[Measure, ...] = (
    Measure("revenue", "Revenue (total)", "total"),
    Measure("customers", "Customers (final)", "final"),
    Measure("nps", "NPS (final)", "final", "{:+.1f}"),
    Measure("ambassadors", "Ambassadors (final)", "final"),
    Measure("trust", "Trust (final)", "final", "{:.3f}"),
)
"""What the ranking table shows, in order. Revenue is summed over the horizon (customers x
price per step), the others are the state at the last step."""

MEASURE_BY_KEY = {m.key: m for m in MEASURES}


def run_values(ours: pd.DataFrame, measures: tuple[Measure, ...] = MEASURES) -> pd.DataFrame:
    """One row per run of "our" supplier, one column per measure.

    Args:
        ours: the supplier time series of our supplier: run, step and the measures' columns.
        measures: which measures, and whether each is the final value or the total.

    Returns:
        A frame indexed by run.
    """
    ours = ours.sort_values(["run", "step"], kind="stable")
    # tail(1), not last(): last() skips NaN (an NPS with no customers left must stay NaN).
    final = ours.groupby("run", sort=True).tail(1).set_index("run").sort_index()
    out = {}
    for m in measures:
        if m.how == "final":
            out[m.key] = final[m.key]
        else:
            out[m.key] = ours[ours["step"] > 0].groupby("run", sort=True)[m.key].sum()
    return pd.DataFrame(out)


def mean_ci(values: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean and t-interval of the finite values (NaN bounds with fewer than two)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return mean, mean - half, mean + half


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
    return mean, lo, hi, float(stats.ttest_1samp(d, 0.0).pvalue)


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (NaN stays NaN)."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    idx = np.flatnonzero(np.isfinite(p))
    if len(idx) == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    m = len(order)
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * p[i]))
        out[i] = running
    return out


def rank_policies(table: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """Rank policies by one measure, with CIs and the paired test against the best.

    Args:
        table: one row per replicate, one column per policy (same replicate = same seed).
        level: confidence level.

    Returns:
        One row per policy, best first: mean, lo, hi (CI of the mean), diff, diff_lo, diff_hi
        (policy minus best, paired), rel, rel_lo, rel_hi (the same as a share of the best's
        mean), p (paired t-test), p_holm, significant (worse than the best at 1 - level), rank.
    """
    rows = []
    for name in table.columns:
        mean, lo, hi = mean_ci(table[name].to_numpy(), level)
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


def band(series: pd.DataFrame, value: str, by: str = "step", level: float = LEVEL) -> pd.DataFrame:
    """Mean and t-interval of `value` per `by` (e.g. per step over replicates)."""
    rows = [(key, *mean_ci(g[value].to_numpy(), level)) for key, g in series.groupby(by, sort=True)]
    return pd.DataFrame(rows, columns=[by, "mean", "lo", "hi"])
