"""Promises, delivery and disconfirmation: kept, broken or exceeded.

Models: Voornemen, Vertonen and Voortreffelijk — state the promise, keep it, deliver more
(MODEL_BRIEF §2.5-2.7); satisfaction from disconfirmation d = delivered - promised
(Oliver 1980), d > 0 being over-delivery.
"""

from __future__ import annotations

import numpy as np

from trustsim.mechanisms.trust import BROKEN, EXCEEDED, KEPT


def capability(
    competence: np.ndarray, effort: np.ndarray, strain: np.ndarray
) -> np.ndarray:
    """Quality a supplier can deliver to a customer: competence x effort x capacity strain."""
    return competence * effort * strain


def capacity_strain(
    customers: np.ndarray, capacity: np.ndarray, strain_start: float, strain_loss: float
) -> np.ndarray:
    """Quality factor per supplier: 1 up to `strain_start` utilisation, falling linearly after.

    Models: capacity — an over-stretched supplier delivers worse (MODEL_BRIEF, capacity).

    Args:
        customers: customers per supplier.
        capacity: most customers each supplier can serve (absolute).
        strain_start: utilisation where quality starts to drop.
        strain_loss: quality lost at full capacity.
    """
    utilisation = customers / np.maximum(capacity, 1.0)
    over = np.clip((utilisation - strain_start) / max(1.0 - strain_start, 1e-9), 0.0, 1.0)
    return 1.0 - strain_loss * over


def deliver(
    rng: np.random.Generator,
    promise: np.ndarray,
    able: np.ndarray,
    over_delivery: np.ndarray,
    reliability: np.ndarray,
    noise: float,
    failure_drop: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Delivered quality for each customer served this period.

    A supplier aims at what it promised ("do what you say"), limited by what it is able to
    deliver; over-delivery adds quality on purpose; an erratic failure (probability
    1 - reliability) loses `failure_drop`; noise blurs every delivery.

    Returns:
        (quality in [0, 1], failed) arrays of the customers' length.
    """
    n = len(promise)
    failed = rng.random(n) >= reliability
    quality = np.minimum(promise, able) + over_delivery
    if noise > 0:
        quality = quality + noise * rng.standard_normal(n)
    quality = quality - failure_drop * failed
    return np.clip(quality, 0.0, 1.0), failed


def disconfirm(
    quality: np.ndarray, promise: np.ndarray, tolerance: float
) -> tuple[np.ndarray, np.ndarray]:
    """Classify each delivery as BROKEN (-1), KEPT (0) or EXCEEDED (1); return (outcome, excess).

    Within ±tolerance of the promise the promise counts as kept (Oliver 1980: confirmation).
    `excess` is delivered - promised where the promise was exceeded, else 0.
    """
    d = quality - promise
    outcome = np.full(len(d), KEPT, dtype=np.int8)
    outcome[d < -tolerance] = BROKEN
    exceeded = d > tolerance
    outcome[exceeded] = EXCEEDED
    return outcome, np.where(exceeded, d, 0.0)
