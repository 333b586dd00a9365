"""Fit: how well a supplier suits a customer, and what a recommendation tells about it.

Models: people differ in what they need, so the same delivery suits some better than others;
an acquaintance who knows both the supplier and the hearer can tell whether it would suit
them, an advertisement cannot. Customers won by a recommendation can therefore turn out better
matched, and stay longer and be worth more (Villanueva, Yoo & Hanssens 2008; Schmitt, Skiera &
Van den Bulte 2011) — as a consequence of this rule, not as a bonus per channel.
"""

from __future__ import annotations

import numpy as np


def draw_fit(rng: np.random.Generator, customers: int, suppliers: int, sd: float) -> np.ndarray:
    """Fit of each customer with each supplier: Normal(0, sd), float32 (customers, suppliers).

    No draws at all (an empty (customers, 0) array) when ``sd = 0``: everyone alike.

    Example:
        >>> fit = draw_fit(np.random.default_rng(0), 1000, 2, 0.5)
        >>> fit.shape, fit.dtype.name, 0.45 < float(fit.std()) < 0.55
        ((1000, 2), 'float32', True)
        >>> draw_fit(np.random.default_rng(0), 1000, 2, 0.0).shape
        (1000, 0)
    """
    if sd <= 0:
        return np.zeros((customers, 0), np.float32)
    return (sd * rng.standard_normal((customers, suppliers))).astype(np.float32)


def recommender_says_it_fits(fit: np.ndarray, error: np.ndarray) -> np.ndarray:
    """The recommender's judgement: the supplier suits the hearer where fit plus an error is positive.

    `error` is the recommender's misjudgement (normal draws times ``fit.signal_noise``); a
    recommendation judged a poor fit is not followed (Kumar, Petersen & Leone 2010: only a
    minority of referred prospects become customers).

    Example:
        A good fit misjudged as poor is not recommended (the third):

        >>> recommender_says_it_fits(np.array([0.3, -0.3, 0.3]), np.array([0.0, 0.0, -0.5])).tolist()
        [True, False, False]
    """
    return fit + error > 0.0
