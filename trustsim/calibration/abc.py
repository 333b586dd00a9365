"""Rejection approximate Bayesian computation over a prior sample, and what it tells.

Models: rejection ABC (Pritchard et al. 1999, Mol. Biol. Evol. 16(12); Beaumont, Zhang &
Balding 2002, Genetics 162(4)) with pattern-oriented modelling's several patterns at once
(Grimm et al. 2005). Parameter sets are drawn from uniform priors (a Latin hypercube or a
scrambled Sobol sample, seeded); each set is run ``replicates`` times; its distance to the
targets is the root mean square of (mean over replicates - literature value) / tolerance over
the targets, and a set is accepted when every target is met (each |z| <= 1). A target the file
declares a known miss (``known_miss``: the model cannot show it, and why) is reported but left
out of the distance, so that it does not pull the fit towards the least-bad corner of the prior. When fewer than
``min_accepted`` sets meet them all, the ``min_accepted`` nearest are kept and the report says
that no set met every target. The accepted sets approximate the posterior: their ranges and
correlations are reported, not one point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trustsim.calibration.schema import Calibration, Target
from trustsim.reporting import t_interval
from trustsim.sweep.experiment import Range


def prior_sample(calibration: Calibration) -> list[dict[str, Any]]:
    """``method.budget`` parameter sets from the uniform priors (seeded; same file, same sample).

    A ``levels`` prior is discrete uniform over its levels: the sample's value in [0, number of
    levels) picks the level by its whole part, as in a sweep's design (``Range.value``).
    """
    names = list(calibration.parameters)
    ranges = [calibration.parameters[n] for n in names]
    n, seed = calibration.method.budget, calibration.seed % (2**32)
    if calibration.method.sample == "lhs":
        from SALib.sample import latin

        problem = {"num_vars": len(names), "names": names, "bounds": [[r.low, r.high] for r in ranges]}
        matrix = np.asarray(latin.sample(problem, n, seed=seed), dtype=np.float64)
    else:
        import warnings

        from scipy.stats import qmc

        with warnings.catch_warnings():  # a budget that is not a power of 2 is fine for a prior sample
            warnings.simplefilter("ignore", UserWarning)
            unit = qmc.Sobol(len(names), scramble=True, rng=np.random.default_rng(seed)).random(n)
        matrix = qmc.scale(unit, [r.low for r in ranges], [r.high for r in ranges])
    return [{name: r.value(float(v)) for name, r, v in zip(names, ranges, row, strict=True)} for row in matrix]


def z_scores(values: pd.DataFrame, targets: dict[str, Target]) -> pd.DataFrame:
    """(value - literature value) / tolerance per target; a missing (NaN) value is infinitely far."""
    out = pd.DataFrame(index=values.index)
    for key, t in targets.items():
        x = values[key].to_numpy(dtype=np.float64) if key in values.columns else np.full(len(values), np.nan)
        out[key] = np.where(np.isfinite(x), (x - t.value) / t.tolerance, np.inf)
    return out


IDENTIFIED = 0.5
"""A parameter is *identified* when its posterior sd is below this share of its prior sd (the
posterior variance below a quarter of the prior's: a contraction 1 - var_post / var_prior above 0.75)."""

NOT_IDENTIFIED = 0.8
"""... and *not identified* when the posterior sd is at least this share of the prior sd (the data
leave it near the prior); in between it is *weakly identified*."""


MIN_EFFECTIVE = 20
"""Fewest effective posterior sets (Kish's effective size of the weights) for a verdict on
identifiability: with fewer, the posterior sd is too rough an estimate to judge by."""


def weighted_stats(x: np.ndarray, w: np.ndarray) -> dict[str, float]:
    """Weighted mean, sd (unbiased for reliability weights; equal weights give the ordinary sd) and
    2.5%, 50% and 97.5% quantiles (inverted empirical CDF) of `x` with normalised weights `w`."""
    mean = float(np.sum(w * x))
    v2 = float(np.sum(w**2))
    sd = math.sqrt(float(np.sum(w * (x - mean) ** 2)) / (1 - v2)) if v2 < 1 - 1e-12 else math.nan
    q = np.quantile(x, [0.025, 0.5, 0.975], weights=w, method="inverted_cdf")
    return {"mean": mean, "sd": sd, "q025": float(q[0]), "median": float(q[1]), "q975": float(q[2])}


@dataclass
class Posterior:
    """The outcome of rejection ABC or ABC-SMC.

    Attributes:
        points: one row per parameter set run: its parameters, mean pattern values over the
            replicates, ``distance``, ``met`` (every target met), ``accepted`` and ``weight``
            (normalised over the accepted sets; 0 for the others); smc: also ``generation``.
        parameters: the free parameters, in file order.
        all_met: True if the accepted sets each meet every target (else they are the nearest).
        met: rejection: the sets that meet every target; smc: the accepted sets that do.
        method: "rejection" or "smc".
        generations: smc: one row per generation (sets, runs, tolerance, acceptance, effective size).
        stop: smc: why the generations stopped.
    """

    points: pd.DataFrame
    parameters: list[str]
    all_met: bool
    met: int
    method: str = "rejection"
    generations: pd.DataFrame | None = None
    stop: str = ""

    @property
    def accepted(self) -> pd.DataFrame:
        """The accepted parameter sets (the posterior), nearest first."""
        return self.points[self.points["accepted"]].sort_values("distance", kind="stable")

    @property
    def best(self) -> dict[str, Any]:
        """The accepted set nearest to the targets (the calibrated scenario's values)."""
        row = self.accepted.iloc[0]
        return {p: (row[p].item() if hasattr(row[p], "item") else row[p]) for p in self.parameters}

    def ranges(self) -> pd.DataFrame:
        """Per numeric parameter: the values run, and the posterior's weighted mean, sd, 2.5%, 50%, 97.5% quantiles."""
        acc = self.accepted
        w = acc["weight"].to_numpy(dtype=np.float64)
        rows = []
        for p in self.parameters:
            if not pd.api.types.is_numeric_dtype(acc[p]):
                continue  # levels that are words: see identifiability()
            x = acc[p].to_numpy(dtype=np.float64)
            rows.append(
                {
                    "parameter": p,
                    "prior_low": float(self.points[p].min()),
                    "prior_high": float(self.points[p].max()),
                    **weighted_stats(x, w),
                    "best": self.best[p],
                }
            )
        return pd.DataFrame(rows)

    def correlations(self) -> pd.DataFrame:
        """Weighted Pearson correlations between the numeric parameters over the accepted sets."""
        acc = self.accepted
        names = [p for p in self.parameters if pd.api.types.is_numeric_dtype(acc[p])]
        x = acc[names].to_numpy(dtype=np.float64)
        if len(x) < 2:
            return pd.DataFrame(np.nan, index=names, columns=names)
        with np.errstate(divide="ignore", invalid="ignore"):
            cov = np.atleast_2d(np.cov(x.T, aweights=acc["weight"].to_numpy(dtype=np.float64)))
            sd = np.sqrt(np.diag(cov))
            corr = cov / np.outer(sd, sd)
        return pd.DataFrame(corr, index=names, columns=names)

    def identifiability(self, priors: dict[str, Range]) -> pd.DataFrame:
        """Which parameters the data identify: the posterior's spread against the prior's.

        Per parameter: prior sd and 95% interval width (uniform on [low, high]: (high - low)/sqrt(12)
        and 0.95 (high - low)), the posterior's weighted sd and 2.5-97.5% interval, their ratios,
        and the verdict from ``sd_ratio`` (:data:`IDENTIFIED`, :data:`NOT_IDENTIFIED`; none when
        the posterior's effective size is below :data:`MIN_EFFECTIVE`). For a
        ``levels`` prior (discrete uniform over k levels), ``sd_ratio`` is the posterior's
        effective number of levels less one over k - 1 ((exp(entropy) - 1)/(k - 1): 1 under the
        prior, 0 when one level holds all the weight), ``width_ratio`` the share of the levels
        in the smallest set holding 95% of the weight, and ``shares`` each level's weight.
        """
        acc = self.accepted
        w = acc["weight"].to_numpy(dtype=np.float64)
        effective = 1.0 / float(np.sum(w**2))
        rows = []
        for p, r in priors.items():
            if r.levels:
                shares = np.array([float(w[(acc[p] == level).to_numpy()].sum()) for level in r.levels])
                k = len(r.levels)
                nz = shares[shares > 0]
                sd_ratio = (math.exp(-float(np.sum(nz * np.log(nz)))) - 1) / (k - 1)
                held = np.cumsum(np.sort(shares)[::-1])
                width_ratio = (int(np.searchsorted(held, 0.95 - 1e-12)) + 1) / k
                stats = {"mean": math.nan, "sd": math.nan, "q025": math.nan, "q975": math.nan}
                prior = {"prior_low": math.nan, "prior_high": math.nan, "prior_sd": math.nan}
                note = ", ".join(f"{level}: {share:.2f}" for level, share in zip(r.levels, shares, strict=True))
            else:
                x = acc[p].to_numpy(dtype=np.float64)
                stats = weighted_stats(x, w)
                width = r.high - r.low
                prior = {"prior_low": r.low, "prior_high": r.high, "prior_sd": width / math.sqrt(12)}
                sd_ratio = stats["sd"] / prior["prior_sd"]
                width_ratio = (stats["q975"] - stats["q025"]) / (0.95 * width)
                note = ""
            if effective < MIN_EFFECTIVE or not math.isfinite(sd_ratio):
                verdict = f"not judged (effective size {effective:.0f} < {MIN_EFFECTIVE})"
            elif sd_ratio < IDENTIFIED:
                verdict = "identified"
            elif sd_ratio < NOT_IDENTIFIED:
                verdict = "weakly identified"
            else:
                verdict = "not identified"
            rows.append(
                {
                    "parameter": p,
                    **prior,
                    "posterior_mean": stats["mean"],
                    "posterior_sd": stats["sd"],
                    "posterior_q025": stats["q025"],
                    "posterior_q975": stats["q975"],
                    "sd_ratio": sd_ratio,
                    "width_ratio": width_ratio,
                    "verdict": verdict,
                    "shares": note,
                }
            )
        return pd.DataFrame(rows)


def point_distances(summary: pd.DataFrame, parameters: list[str], targets: dict[str, Target]) -> pd.DataFrame:
    """One row per parameter set of a sweep: its parameters, the mean over its replicates of each
    target pattern, its ``distance`` (root mean square of the z-scores) and whether it ``met``
    every target (each |z| <= 1).

    Args:
        summary: the sweep's summary (one row per run: ``point``, the parameters, the pattern values).
        parameters: the free parameters.
        targets: the fitted patterns.
    """
    values = [k for k in targets if k in summary.columns]
    groups = summary.groupby("point", sort=True)
    points = pd.concat([groups[parameters].first(), groups[values].mean()], axis=1)
    z = z_scores(points, targets).to_numpy()
    points["distance"] = np.sqrt((z**2).mean(axis=1))
    points["met"] = (np.abs(z) <= 1).all(axis=1)
    return points.reset_index()


def rejection_abc(
    summary: pd.DataFrame, parameters: list[str], targets: dict[str, Target], min_accepted: int
) -> Posterior:
    """Accept the parameter sets that meet every target (or the nearest ``min_accepted``), with equal weights.

    Args:
        summary: the prior sweep's summary (one row per run: ``point``, the parameters, the
            pattern values).
        parameters: the free parameters.
        targets: the fitted patterns.
        min_accepted: fewest sets to keep.
    """
    points = point_distances(summary, parameters, targets)
    distance = points["distance"].to_numpy()
    met = points["met"].to_numpy()
    order = np.argsort(distance, kind="stable")
    keep = met.copy()
    all_met = int(met.sum()) >= min_accepted
    if not all_met:
        keep = np.zeros(len(points), dtype=bool)
        keep[order[: min(min_accepted, len(points))]] = True
    keep &= np.isfinite(distance)
    if not keep.any():  # every set failed to show some pattern: keep the nearest anyway
        keep[order[0]] = True
    points["accepted"] = keep
    points["weight"] = np.where(keep, 1.0 / keep.sum(), 0.0)
    return Posterior(points, parameters, all_met, int(met.sum()))


def check_table(summary: pd.DataFrame, fitted: dict[str, Target], held_out: dict[str, Target]) -> pd.DataFrame:
    """Each pattern of the calibrated scenario over fresh seeds: mean, 95% CI, n, against its target.

    ``role``: fitted, held out, or known miss (a target the file says the model cannot show: not fitted).

    ``verdict``: 'met' if the 95% CI lies inside value ± tolerance, 'missed' if it lies outside,
    'unclear' if it straddles a bound, 'not shown' if no run could show the pattern.
    """
    rows = []
    for role, table in (("fitted", fitted), ("held out", held_out)):
        for key, t in table.items():
            x = summary[key].to_numpy(dtype=np.float64) if key in summary.columns else np.array([])
            mean, lo, hi, n = t_interval(x)
            if n == 0:
                verdict = "not shown"
            elif n > 1 and t.low <= lo and hi <= t.high:
                verdict = "met"
            elif n > 1 and (hi < t.low or lo > t.high):
                verdict = "missed"
            else:
                verdict = "unclear"
            rows.append(
                {
                    "pattern": key,
                    "role": "known miss" if t.known_miss else role,
                    "source": t.source,
                    "literature": t.value,
                    "tolerance": t.tolerance,
                    "mean": mean,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n": n,
                    "verdict": verdict,
                    "note": t.note,
                    "known_miss": t.known_miss,
                }
            )
    return pd.DataFrame(rows)
