"""Sequential approximate Bayesian computation (ABC-SMC), one generation per sweep.

Models: ABC population Monte Carlo (Beaumont, Cornuet, Marin & Robert 2009, Biometrika 96(4);
Toni, Welch, Strelkowa, Ipsen & Stumpf 2009, J. R. Soc. Interface 6(31)) with the adaptive
tolerance and fixed generation size of Lenormand, Jabot & Deffuant (2013), Computational
Statistics 28(6) ("adaptive population Monte Carlo ABC"):

1. Generation 0 draws ``n = particles / alpha`` parameter sets from the uniform priors (a seeded
   Latin hypercube or scrambled Sobol sample); the ``particles`` nearest to the targets are kept,
   each with weight 1, and the tolerance is the largest distance kept (the alpha-quantile).
2. Generation g >= 1 draws ``n - particles`` new sets: a kept set chosen by weight, moved by a
   Gaussian kernel with twice the kept sets' weighted covariance (Beaumont et al. 2009). Each new
   set's weight is its prior density over the kernel mixture's density,
   ``w = prior(x) / sum_j w_j K(x | x_j)`` (weights of the previous generation normalised). The
   new sets join the kept ones, the ``particles`` nearest are kept and the tolerance is again
   the largest distance kept, so it never grows.
3. It stops when at most ``min_acceptance`` of a generation's new sets came within the previous
   tolerance (the posterior no longer moves), or after ``generations`` generations.

Perturbations are made on the logit scale of each prior range, ``z = logit((x - low) / (high -
low))``, where the uniform prior has the logistic density: every proposal lies inside the prior
and no proposal is redrawn, so the weights need no truncation correction. A whole-number
parameter is a continuous value rounded when the scenario is built, and a ``levels`` parameter a
continuous value in [0, number of levels) whose whole part picks the level
(:meth:`trustsim.sweep.experiment.Range.value`): the prior over the levels is discrete uniform,
and the kernel moves between them.

Every draw comes from a generator seeded from (the calibration's seed, the generation); each
generation's runs are a sweep (``DIR/generation-GG``) whose seed derives from the same pair. A
generation depends only on the results of those before it, so running the same command again
recomputes the same proposals, finds their sweeps done and goes on where it stopped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trustsim.calibration.abc import Posterior, point_distances
from trustsim.calibration.schema import Calibration, Target

STREAM = 0x534D43
"""First word of the seed key of every SMC draw ('SMC'), apart from other uses of the seed."""


def generation_folder(g: int) -> str:
    """The sweep folder of generation `g` (inside the calibration's folder)."""
    return f"generation-{g:02d}"


def sample_size(calibration: Calibration) -> int:
    """Parameter sets run in generation 0: ``particles / alpha``, rounded up, and at least particles + 1."""
    m = calibration.method
    return max(m.particles + 1, math.ceil(m.particles / m.alpha - 1e-9))


def _seed(calibration: Calibration, g: int, use: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(calibration.seed, spawn_key=(STREAM, g, use))


def sweep_seed(calibration: Calibration, g: int) -> int:
    """The seed of generation `g`'s sweep (each run's seed derives from it and the run)."""
    return int(_seed(calibration, g, 1).generate_state(1, dtype=np.uint64)[0]) & (2**63 - 1)


class Space:
    """The free parameters, on their prior ranges and on the logit scale the kernel moves in."""

    def __init__(self, calibration: Calibration) -> None:
        self.ranges = list(calibration.parameters.values())
        self.names = list(calibration.parameters)
        self.low = np.array([r.low for r in self.ranges], dtype=np.float64)
        self.width = np.array([r.high - r.low for r in self.ranges], dtype=np.float64)

    def z_of_unit(self, unit: np.ndarray) -> np.ndarray:
        """Logit of points of the unit cube (kept off its faces)."""
        u = np.clip(unit, 1e-12, 1 - 1e-12)
        return np.log(u) - np.log1p(-u)

    def points(self, z: np.ndarray) -> list[dict[str, Any]]:
        """The scenario values of points on the logit scale (rounded or a level where the prior says so)."""
        latent = self.low + self.width / (1 + np.exp(-z))
        out = []
        for row in latent:
            values = (r.value(float(x)) for r, x in zip(self.ranges, row, strict=True))
            out.append(
                {n: (v.item() if isinstance(v, np.generic) else v) for n, v in zip(self.names, values, strict=True)}
            )
        return out

    @staticmethod
    def log_prior(z: np.ndarray) -> np.ndarray:
        """Log density of the uniform priors on the logit scale (the logistic density), per point."""
        return -(np.logaddexp(0, z) + np.logaddexp(0, -z)).sum(axis=1)


@dataclass(frozen=True)
class Proposal:
    """The parameter sets of one generation, before they are run.

    Attributes:
        number: the generation (0 samples the prior).
        z: the sets on the logit scale (sets x parameters).
        log_weight: log importance weight of each set (prior over proposal density; 0 in generation 0).
        points: the scenario values of each set (the sweep's design points).
    """

    number: int
    z: np.ndarray
    log_weight: np.ndarray
    points: list[dict[str, Any]]


@dataclass(frozen=True)
class Population:
    """Parameter sets that were run: where they are, their weights and distances, and their table."""

    z: np.ndarray
    log_weight: np.ndarray
    distance: np.ndarray
    table: pd.DataFrame

    def take(self, index: np.ndarray) -> Population:
        """The sets at `index`, in that order."""
        return Population(
            self.z[index], self.log_weight[index], self.distance[index], self.table.iloc[index].reset_index(drop=True)
        )

    def join(self, other: Population) -> Population:
        """These sets, then `other`'s."""
        return Population(
            np.vstack([self.z, other.z]),
            np.concatenate([self.log_weight, other.log_weight]),
            np.concatenate([self.distance, other.distance]),
            pd.concat([self.table, other.table], ignore_index=True),
        )

    @property
    def weights(self) -> np.ndarray:
        """Normalised weights."""
        w = np.exp(self.log_weight - self.log_weight.max())
        return w / w.sum()


def first_generation(calibration: Calibration) -> Proposal:
    """Generation 0: ``particles / alpha`` sets from the priors, a seeded LHS or scrambled Sobol sample."""
    from scipy.stats import qmc

    space = Space(calibration)
    n, d = sample_size(calibration), len(space.names)
    rng = np.random.default_rng(_seed(calibration, 0, 0))
    if calibration.method.sample == "lhs":
        unit = qmc.LatinHypercube(d, rng=rng).random(n)
    else:
        import warnings

        with warnings.catch_warnings():  # a size that is not a power of 2 is fine for a prior sample
            warnings.simplefilter("ignore", UserWarning)
            unit = qmc.Sobol(d, scramble=True, rng=rng).random(n)
    z = space.z_of_unit(unit)
    return Proposal(0, z, np.zeros(n), space.points(z))


def kernel(population: Population) -> np.ndarray:
    """Cholesky factor of the perturbation kernel's covariance: twice the weighted covariance of
    the kept sets (Beaumont et al. 2009), with a tiny ridge should the sets lie on a line."""
    d = population.z.shape[1]
    cov = 2 * np.atleast_2d(np.cov(population.z.T, aweights=population.weights))
    if not np.all(np.isfinite(cov)):  # a single set, or weights all on one: a small kernel
        cov = np.eye(d) * 1e-2
    ridge = 1e-9 * max(float(np.trace(cov)) / d, 1e-12)
    return np.linalg.cholesky(cov + ridge * np.eye(d))


def propose(calibration: Calibration, g: int, kept: Population) -> Proposal:
    """Generation `g` >= 1: kept sets chosen by weight and moved by the Gaussian kernel, with weights."""
    space = Space(calibration)
    m = sample_size(calibration) - calibration.method.particles
    rng = np.random.default_rng(_seed(calibration, g, 0))
    w = kept.weights
    chol = kernel(kept)
    parents = rng.choice(len(w), size=m, p=w)
    z = kept.z[parents] + rng.standard_normal((m, kept.z.shape[1])) @ chol.T
    log_weight = Space.log_prior(z) - log_mixture_density(z, kept.z, w, chol)
    return Proposal(g, z, log_weight, space.points(z))


def log_mixture_density(x: np.ndarray, centres: np.ndarray, weights: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """log sum_j weights_j N(x | centres_j, chol chol^T), per row of `x`."""
    from scipy.linalg import solve_triangular
    from scipy.special import logsumexp

    d = x.shape[1]
    diff = (x[:, None, :] - centres[None, :, :]).reshape(-1, d)
    y = solve_triangular(chol, diff.T, lower=True)
    quad = (y**2).sum(axis=0).reshape(len(x), len(centres))
    log_norm = -0.5 * d * math.log(2 * math.pi) - float(np.log(np.diag(chol)).sum())
    with np.errstate(divide="ignore"):
        log_w = np.log(weights)
    return np.asarray(logsumexp(log_w[None, :] + log_norm - 0.5 * quad, axis=1), dtype=np.float64)


def evaluated(
    proposal: Proposal, summary: pd.DataFrame, parameters: list[str], targets: dict[str, Target]
) -> Population:
    """A generation's sets with the distances of their runs (``summary``: the generation's sweep)."""
    table = point_distances(summary, parameters, targets)
    if len(table) != len(proposal.points):
        raise ValueError(f"generation {proposal.number}: {len(table)} sets have results, {len(proposal.points)} ran")
    table.insert(0, "generation", proposal.number)
    distance = table["distance"].to_numpy(dtype=np.float64)
    return Population(proposal.z, proposal.log_weight, distance, table)


def keep_nearest(population: Population, n: int) -> Population:
    """The `n` nearest sets (ties: the earlier first), nearest first."""
    order = np.argsort(population.distance, kind="stable")[:n]
    return population.take(order)


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of normalised weights."""
    return float(1.0 / np.sum(weights**2))


def run_smc(
    calibration: Calibration,
    evaluate: Callable[[Proposal], tuple[pd.DataFrame, int]],
    *,
    fitted: dict[str, Target] | None = None,
) -> tuple[Posterior, list[int]]:
    """Run (or resume) the generations; `evaluate(proposal)` runs a generation's sweep and returns its summary.

    Args:
        calibration: the calibration (``method.kind = "smc"``).
        evaluate: called with each :class:`Proposal`; returns (summary table, runs of the sweep).
        fitted: the targets in the distance (default: the calibration's, less the known misses).

    Returns:
        The posterior (every set run, with the kept ones marked and weighted, and a table of
        the generations) and the runs of each generation's sweep.
    """
    m = calibration.method
    targets = fitted if fitted is not None else {k: t for k, t in calibration.targets.items() if not t.known_miss}
    parameters = list(calibration.parameters)
    proposal = first_generation(calibration)
    kept: Population | None = None
    tolerance = math.inf
    every: list[pd.DataFrame] = []
    rows: list[dict[str, Any]] = []
    runs: list[int] = []
    stop = f"reached generations = {m.generations}"
    for g in range(m.generations):
        if kept is not None:
            proposal = propose(calibration, g, kept)
        summary, total = evaluate(proposal)
        runs.append(total)
        new = evaluated(proposal, summary, parameters, targets)
        every.append(new.table)
        acceptance = float(np.mean(new.distance < tolerance)) if kept is not None else math.nan
        kept = keep_nearest(new if kept is None else kept.join(new), m.particles)
        tolerance = float(kept.distance.max())
        rows.append(
            {
                "generation": g,
                "parameter_sets": len(proposal.points),
                "runs": total,
                "tolerance": tolerance,
                "acceptance": acceptance,
                "effective_size": effective_size(kept.weights),
            }
        )
        if g > 0 and acceptance <= m.min_acceptance:
            stop = f"acceptance {acceptance:.3g} <= min_acceptance = {m.min_acceptance:g} at generation {g}"
            break
    assert kept is not None  # generations >= 1: at least one generation ran
    return _posterior(every, kept, parameters, pd.DataFrame(rows), stop), runs


def _posterior(
    every: list[pd.DataFrame], kept: Population, parameters: list[str], generations: pd.DataFrame, stop: str
) -> Posterior:
    points = pd.concat(every, ignore_index=True)
    key = ["generation", "point"]
    weights = kept.table[key].assign(weight=kept.weights, accepted=True)
    points = points.merge(weights, on=key, how="left", validate="one_to_one")
    points["accepted"] = points["accepted"].fillna(False).astype(bool)
    points["weight"] = points["weight"].fillna(0.0)
    met = int(points.loc[points["accepted"], "met"].sum())
    return Posterior(
        points, parameters, all_met=met == len(kept.distance), met=met, method="smc", generations=generations, stop=stop
    )
