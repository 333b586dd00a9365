"""The horizon as a question: who leads at which horizon, when the ranking changes, whether it has settled.

A comparison is run to one horizon T, but a strategist's horizon is a choice. Because every
run keeps its whole time series, the same runs answer for any horizon h <= T: a total (revenue,
profit) is summed over steps 1..h, a state (customers, NPS) is read at step h, a ratio (ROI) is
the ratio of the sums to h. From that:

* :func:`horizon_table`: the leader, the runner-up and the paired lead at several horizons;
* :func:`crossover`: per replicate, the first horizon from which the final leader stays ahead
  of a rival (the period at which the ranking changes), with its mean and 95% t-interval over
  the replicates in which it happens;
* :func:`still_moving`: whether the leader's margin is still changing at the end (the slope of
  the paired margin over the last quarter of the horizon, per replicate, with its 95%
  interval), and where a straight-line extrapolation would put the runner-up's catch-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trustsim.compare.stats import LEVEL, Measure, rank_policies
from trustsim.experiments.common import crossover_step
from trustsim.reporting import t_interval


def trajectories(series: pd.DataFrame, measure: Measure, names: list[str]) -> np.ndarray:
    """The measure as a function of the horizon: array (policies, replicates, steps 1..T).

    ``[k, r, h - 1]`` is policy k's value in replicate r had the horizon been h.
    """
    s = series[series["step"] > 0].sort_values(["policy", "replicate", "step"], kind="stable")
    reps = sorted(s["replicate"].unique())
    steps = int(s["step"].max())

    def cube(column: str) -> np.ndarray:
        wide = s.pivot_table(index=["policy", "replicate"], columns="step", values=column, dropna=False)
        wide = wide.reindex(pd.MultiIndex.from_product([names, reps]))
        return wide.to_numpy(dtype=float).reshape(len(names), len(reps), steps)

    if measure.how == "final":
        return cube(measure.key)
    if measure.how == "total":
        return np.cumsum(cube(measure.key), axis=2)
    num, den = np.cumsum(cube(measure.numerator), axis=2), np.cumsum(cube(measure.denominator), axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den != 0, num / den, np.nan)


def horizons(steps: int) -> list[int]:
    """A quarter, half, three quarters and all of the horizon (distinct, at least 1)."""
    return sorted({max(1, round(steps * f)) for f in (0.25, 0.5, 0.75, 1.0)})


def horizon_table(
    series: pd.DataFrame, measure: Measure, names: list[str], at: list[int] | None = None
) -> pd.DataFrame:
    """Leader and runner-up at each horizon, with the paired lead and its 95% CI.

    Returns:
        One row per horizon: horizon, leader, leader_mean, leader_lo, leader_hi, runner_up,
        lead, lead_lo, lead_hi (leader minus runner-up, paired), significant, order (all
        policies, best first).
    """
    cube = trajectories(series, measure, names)
    rows = []
    for h in at or horizons(cube.shape[2]):
        table = pd.DataFrame(cube[:, :, h - 1].T, columns=names)
        r = rank_policies(table, bounds=measure.bounds)
        row = {
            "horizon": h,
            "leader": r["policy"].iloc[0],
            "leader_mean": r["mean"].iloc[0],
            "leader_lo": r["lo"].iloc[0],
            "leader_hi": r["hi"].iloc[0],
            "order": list(r["policy"]),
        }
        if len(r) > 1:
            second = r.iloc[1]
            row.update(
                runner_up=second["policy"],
                lead=-second["diff"],
                lead_lo=-second["diff_hi"],
                lead_hi=-second["diff_lo"],
                significant=bool(second["significant"]),
            )
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class Crossover:
    """When `leader` moves ahead of `rival` for good.

    Attributes:
        leader, rival: the policies (leader = ahead at the horizon on average).
        always_ahead: the leader is ahead at every horizon in every replicate.
        mean, lo, hi, n: the crossover period over the replicates in which it happens (t-interval).
        share: share of replicates in which the leader ends ahead.
        early_leader_until: the last horizon at which the rival leads on average (None if never).
    """

    leader: str
    rival: str
    always_ahead: bool
    mean: float
    lo: float
    hi: float
    n: int
    share: float
    early_leader_until: int | None


def crossover(series: pd.DataFrame, measure: Measure, names: list[str], leader: str, rival: str) -> Crossover:
    """The period from which `leader` stays ahead of `rival`, per replicate, with its CI."""
    cube = trajectories(series, measure, names)
    d = cube[names.index(leader)] - cube[names.index(rival)]  # (replicates, steps)
    steps = np.arange(1, d.shape[1] + 1)
    # per replicate: the first period from which the leader stays ahead to the end (NaN: it does not end ahead)
    crossings = [c for row in d if np.isfinite(c := crossover_step(steps, row, np.zeros_like(row)))]
    ahead_everywhere = bool(np.all(d > 0))
    mean_d = np.nanmean(d, axis=0)
    behind_mean = np.flatnonzero(~(mean_d > 0))
    until = int(steps[behind_mean[-1]]) if len(behind_mean) else None
    mean, lo, hi, n = t_interval(crossings, LEVEL)
    return Crossover(leader, rival, ahead_everywhere, mean, lo, hi, n, len(crossings) / max(1, d.shape[0]), until)


@dataclass
class Movement:
    """Whether the leader's margin over the runner-up is still changing at the end of the horizon.

    Attributes:
        leader, runner_up: the policies at the horizon.
        quantity: what the slope is of ("margin" for a state or ratio, "margin per period" for a total).
        window: the last steps the slope is fitted over.
        slope, lo, hi, n: mean per-period change of that quantity, 95% t-interval over replicates.
        margin: that quantity at the last step (mean over replicates).
        moving: the slope is significant and changes the margin by more than 5% over the window.
        catch_up: straight-line extrapolation of the period at which the runner-up would draw
            level (on the measure itself); None when the margin grows or holds.
    """

    leader: str
    runner_up: str
    quantity: str
    window: int
    slope: float
    lo: float
    hi: float
    n: int
    margin: float
    moving: bool
    catch_up: float | None


def still_moving(
    series: pd.DataFrame, measure: Measure, names: list[str], leader: str, runner_up: str, threshold: float = 0.05
) -> Movement:
    """Fit, per replicate, the slope of the leader's margin over the last quarter of the horizon.

    For a total (revenue, profit) the slope is that of the per-period margin (is the runner-up
    earning more per period by the end?); for a state or ratio, of the margin itself.
    """
    cube = trajectories(series, measure, names)
    i, j = names.index(leader), names.index(runner_up)
    total = measure.how == "total"
    d = cube[i] - cube[j]  # cumulative margin for totals, the margin itself otherwise
    q = np.diff(d, axis=1, prepend=0.0) if total else d
    steps = q.shape[1]
    window = max(3, steps // 4) if steps >= 3 else steps
    x = np.arange(steps - window + 1, steps + 1, dtype=float)
    slopes = []
    for row in q[:, -window:]:
        ok = np.isfinite(row)
        if ok.sum() >= 2 and np.ptp(x[ok]) > 0:
            slopes.append(float(np.polyfit(x[ok], row[ok], 1)[0]))
    slope, lo, hi, n = t_interval(slopes, LEVEL)
    margin_end = float(np.nanmean(q[:, -1]))
    level = float(np.nanmean(d[:, -1]))
    significant = np.isfinite(lo) and (lo > 0 or hi < 0)
    scale = abs(margin_end) if margin_end else abs(level) or 1.0
    moving = bool(significant and abs(slope) * window > threshold * scale)
    catch_up = None
    if moving and slope < 0:
        if total:
            # cumulative margin M + m k + slope k (k + 1) / 2 = 0 for the first k > 0
            a, b, c = slope / 2, margin_end + slope / 2, level
            disc = b * b - 4 * a * c
            if disc >= 0:
                k = (-b - math.sqrt(disc)) / (2 * a)
                catch_up = steps + k if k > 0 else None
        elif margin_end > 0:
            catch_up = steps + margin_end / -slope
    return Movement(
        leader,
        runner_up,
        "margin per period" if total else "margin",
        window,
        slope,
        lo,
        hi,
        n,
        margin_end,
        moving,
        catch_up,
    )
