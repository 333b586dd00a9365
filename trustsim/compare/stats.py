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

from trustsim.reporting import LEVEL, bootstrap_interval, t_interval


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
cumulative discounted profit up to that step). When the runs have all three, profit, ROI and
cumulative discounted profit head the report; without them it falls back to revenue."""

MONEY_MEASURES: tuple[Measure, ...] = (
    Measure("profit", "Profit (total)", "total"),
    Measure(
        "roi",
        "ROI (total profit / total costs)",
        "ratio",
        "{:+.1%}",
        numerator="profit",
        denominator="costs",
        relative=False,
    ),
    Measure("discounted_profit", "Discounted profit (cumulative, final)", "final"),
)

MEASURE_BY_KEY = {m.key: m for m in (*MONEY_MEASURES, *MEASURES)}


def measures_for(columns: Any) -> tuple[Measure, ...]:
    """The measures a comparison ranks by, given its runs' columns: money first when present."""
    if all(c in set(columns) for c in MONEY_COLUMNS):
        return (*MONEY_MEASURES, *MEASURES)
    return MEASURES


def run_values(ours: pd.DataFrame, measures: tuple[Measure, ...] = MEASURES) -> pd.DataFrame:
    """One row per run of "our" supplier, one column per measure.

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
    rows = [(key, *mean_ci(g[value].to_numpy(), level, bounds)) for key, g in series.groupby(by, sort=True)]
    return pd.DataFrame(rows, columns=[by, "mean", "lo", "hi"])
