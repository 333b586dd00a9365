"""Bass diffusion maths: the mean-field recursion the model reduces to, its closed form, and
the size of the random spread around it.

Models: docking with the Bass (1969) model (Rand & Rust 2011). With one supplier, a
well-mixed population and trust gating off, a prospect adopts in a step if an ad reaches it
(probability p) or at least one of the customers' Poisson(q) recommendations does. Given the
share of customers F, the number of new customers is then exactly
Binomial(N(1 - F), h(F)) with h(F) = 1 - (1 - p) e^{-qF}, because the recommendations a
prospect receives are Poisson(qF) (Poisson splitting) and ads reach people independently.
Hence the mean-field recursion F(t+1) = g(F(t)) = F + (1 - F) h(F), and, for small p and q
per step, the closed form F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).

The spread of one run around the recursion follows from the linear noise approximation of
that Markov chain (van Kampen): with v(t) the variance of F(t) in one run of N people,
``v(t+1) = g'(F)^2 v(t) + (1 - F) h (1 - h) / N``, so every standard deviation scales as 1/sqrt(N).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm


def adoption_hazard(f: np.ndarray | float, p: float, q: float) -> np.ndarray:
    """Chance h(F) = 1 - (1 - p) e^{-qF} that a prospect adopts in a step when a share F buys."""
    return 1.0 - (1.0 - p) * np.exp(-q * np.asarray(f, dtype=np.float64))


def bass_recursion(p: float, q: float, steps: int, f0: float = 0.0) -> np.ndarray:
    """Expected share of customers after 0..steps steps: F(t+1) = F + (1 - F)(1 - (1 - p) e^{-qF}).

    Args:
        p: chance per step that an ad reaches a given person (``advertising.reach``).
        q: recommendations per customer per step (``wom.rate``).
        steps: number of steps.
        f0: share of customers at step 0.

    Returns:
        Array of length ``steps + 1``; element t is the share after t steps.
    """
    f = np.empty(steps + 1)
    f[0] = f0
    for t in range(steps):
        f[t + 1] = f[t] + (1.0 - f[t]) * adoption_hazard(f[t], p, q)
    return f


def bass_closed_form(p: float, q: float, t: np.ndarray | float) -> np.ndarray:
    """Bass (1969): F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}) (for p > 0)."""
    t = np.asarray(t, dtype=np.float64)
    if p <= 0:
        raise ValueError("the Bass closed form needs p > 0")
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def ads_only(p: float, t: np.ndarray | float) -> np.ndarray:
    """Share reached when q = 0: F(t) = 1 - (1 - p)^t."""
    return 1.0 - (1.0 - p) ** np.asarray(t, dtype=np.float64)


def bass_peak_step(p: float, q: float) -> float:
    """Bass's peak of adoption t* = ln(q/p) / (p + q) (0 when q <= p)."""
    return max(0.0, math.log(q / p) / (p + q)) if q > 0 and p > 0 else 0.0


def steps_to_reach(p: float, q: float, share: float = 0.99, limit: int = 10_000) -> int:
    """Smallest t at which the recursion reaches `share` (at most `limit`)."""
    f, t = 0.0, 0
    while f < share and t < limit:
        f = f + (1.0 - f) * float(adoption_hazard(f, p, q))
        t += 1
    return t


def run_variance(p: float, q: float, steps: int, customers: int, f0: float = 0.0) -> np.ndarray:
    """Variance of F(t) in one run of `customers` people (linear noise approximation).

    ``v(t+1) = g'(F)^2 v(t) + (1 - F) h (1 - h) / N`` with
    ``g'(F) = (1 - p) e^{-qF} (1 + q (1 - F))``; element t belongs to step t (v(0) = 0).
    """
    f = bass_recursion(p, q, steps, f0)
    v = np.zeros(steps + 1)
    for t in range(steps):
        h = float(adoption_hazard(f[t], p, q))
        slope = (1.0 - p) * math.exp(-q * f[t]) * (1.0 + q * (1.0 - f[t]))
        v[t + 1] = slope**2 * v[t] + (1.0 - f[t]) * h * (1.0 - h) / customers
    return v


def jensen_bias_bound(p: float, q: float, steps: int, customers: int) -> float:
    """Bound on |E F(t) - recursion(t)| from the curvature of g: sum of max|g''|/2 * v(t) over steps.

    ``|g''| <= q (2 + q)``; each step's bias is carried forward with |g'| <= 1 + q, so the bound
    grows at most geometrically; it is O(1/N) and negligible at the sizes used here.
    """
    v = run_variance(p, q, steps, customers)
    f = bass_recursion(p, q, steps)
    curvature = q * (2.0 + q) / 2.0
    bias, worst = 0.0, 0.0
    for t in range(steps):
        slope = (1.0 - p) * math.exp(-q * f[t]) * (1.0 + q * (1.0 - f[t]))
        bias = slope * bias + curvature * v[t]
        worst = max(worst, bias)
    return worst


def family_z(comparisons: int, alpha: float = 1e-3) -> float:
    """Two-sided normal quantile that keeps the chance of any of `comparisons` false alarms <= alpha."""
    return float(norm.ppf(1.0 - alpha / (2.0 * max(1, comparisons))))


def mean_band(
    p: float, q: float, steps: int, customers: int, runs: int, comparisons: int, alpha: float = 1e-3
) -> np.ndarray:
    """Half-width, per step, of the band in which the mean of `runs` runs stays around the recursion.

    ``z * sqrt(v(t) / runs) + bias`` with z from :func:`family_z` over all the steps (and pairs)
    compared, and the Jensen bias bound.
    """
    v = run_variance(p, q, steps, customers)
    z = family_z(comparisons, alpha)
    return z * np.sqrt(v / runs) + jensen_bias_bound(p, q, steps, customers)
