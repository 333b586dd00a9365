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

import numpy as np
import pandas as pd

from trustsim.calibration.schema import Calibration, Target
from trustsim.reporting import t_interval


def prior_sample(calibration: Calibration) -> list[dict[str, float]]:
    """``method.budget`` parameter sets from the uniform priors (seeded; same file, same sample)."""
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
    return [
        {name: (round(float(v)) if r.integer else float(v)) for name, r, v in zip(names, ranges, row, strict=True)}
        for row in matrix
    ]


def z_scores(values: pd.DataFrame, targets: dict[str, Target]) -> pd.DataFrame:
    """(value - literature value) / tolerance per target; a missing (NaN) value is infinitely far."""
    out = pd.DataFrame(index=values.index)
    for key, t in targets.items():
        x = values[key].to_numpy(dtype=np.float64) if key in values.columns else np.full(len(values), np.nan)
        out[key] = np.where(np.isfinite(x), (x - t.value) / t.tolerance, np.inf)
    return out


@dataclass
class Posterior:
    """The outcome of rejection ABC.

    Attributes:
        points: one row per parameter set: its parameters, mean pattern values over the
            replicates, ``distance`` and ``accepted``.
        parameters: the free parameters, in file order.
        all_met: True if the accepted sets each meet every target (else they are the nearest).
        met: the number of sets that meet every target.
    """

    points: pd.DataFrame
    parameters: list[str]
    all_met: bool
    met: int

    @property
    def accepted(self) -> pd.DataFrame:
        """The accepted parameter sets, nearest first."""
        return self.points[self.points["accepted"]].sort_values("distance", kind="stable")

    @property
    def best(self) -> dict[str, float]:
        """The accepted set nearest to the targets (the calibrated scenario's values)."""
        row = self.accepted.iloc[0]
        return {p: float(row[p]) for p in self.parameters}

    def ranges(self) -> pd.DataFrame:
        """Per parameter: prior range, and the accepted sets' mean, sd, 2.5%, 50%, 97.5% quantiles."""
        acc = self.accepted
        rows = []
        for p in self.parameters:
            x = acc[p].to_numpy(dtype=np.float64)
            rows.append(
                {
                    "parameter": p,
                    "prior_low": float(self.points[p].min()),
                    "prior_high": float(self.points[p].max()),
                    "mean": float(x.mean()),
                    "sd": float(x.std(ddof=1)) if len(x) > 1 else math.nan,
                    "q025": float(np.quantile(x, 0.025)),
                    "median": float(np.median(x)),
                    "q975": float(np.quantile(x, 0.975)),
                    "best": self.best[p],
                }
            )
        return pd.DataFrame(rows)

    def correlations(self) -> pd.DataFrame:
        """Pearson correlations between the parameters over the accepted sets."""
        return self.accepted[self.parameters].astype(np.float64).corr()


def rejection_abc(
    summary: pd.DataFrame, parameters: list[str], targets: dict[str, Target], min_accepted: int
) -> Posterior:
    """Accept the parameter sets that meet every target (or the nearest ``min_accepted``).

    Args:
        summary: the prior sweep's summary (one row per run: ``point``, the parameters, the
            pattern values).
        parameters: the free parameters.
        targets: the fitted patterns.
        min_accepted: fewest sets to keep.
    """
    values = [k for k in targets if k in summary.columns]
    means = summary.groupby("point", sort=True)[[*parameters, *values]].mean()
    z = z_scores(means, targets)
    distance = np.sqrt((z.to_numpy() ** 2).mean(axis=1))
    met = (np.abs(z.to_numpy()) <= 1).all(axis=1)
    points = means.copy()
    points["distance"] = distance
    points["met"] = met
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
    return Posterior(points.reset_index(), parameters, all_met, int(met.sum()))


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
