"""Promises, delivery and disconfirmation: kept, broken or exceeded.

Models: Voornemen, Vertonen and Voortreffelijk — state the promise, keep it, deliver more
(MODEL_BRIEF §2.5-2.7); satisfaction from disconfirmation d = delivered - promised
(Oliver 1980), d > 0 being over-delivery.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from trustsim.jit import rule
from trustsim.mechanisms.trust import BROKEN, EXCEEDED, KEPT, clip


class DeliveryParams(NamedTuple):
    """The ``[promises]`` parameters of one delivery and ``trust.competence_visibility``."""

    noise: float
    failure_drop: float
    tolerance: float
    visibility: float


def capacity_strain(customers: np.ndarray, capacity: np.ndarray, strain_start: float, strain_loss: float) -> np.ndarray:
    """Quality factor per supplier: 1 up to `strain_start` utilisation, falling linearly after.

    Models: capacity — an over-stretched supplier delivers worse (MODEL_BRIEF, capacity).

    Args:
        customers: customers per supplier.
        capacity: most customers each supplier can serve (absolute).
        strain_start: utilisation where quality starts to drop.
        strain_loss: quality lost at full capacity.

    Example:
        >>> capacity_strain(np.array([40, 75, 100, 150]), np.full(4, 100), 0.5, 0.5).tolist()
        [1.0, 0.75, 0.5, 0.5]
    """
    utilisation = customers / np.maximum(capacity, 1.0)
    over = np.clip((utilisation - strain_start) / max(1.0 - strain_start, 1e-9), 0.0, 1.0)
    return 1.0 - strain_loss * over


@rule
def capability(competence: float, effort: float, strain: float) -> float:
    """Quality a supplier can deliver to a customer: competence x effort x capacity strain.

    Example:
        >>> round(float(capability(0.8, 1.0, 1.0)), 3), round(float(capability(0.8, 0.5, 1.0)), 3)
        (0.8, 0.4)
    """
    return competence * effort * strain


@rule
def delivered_quality(
    promised: float, able: float, over_delivery: float, failed: bool, z: float, fit: float, p: DeliveryParams
) -> float:
    """Quality in [0, 1] as one customer served this period experiences it.

    A supplier aims at what it promised ("do what you say"), limited by what it is able to
    deliver; over-delivery adds quality on purpose; an erratic failure loses `failure_drop`;
    noise (`z`, a standard normal draw) blurs every delivery; and the delivery suits this
    customer by `fit` (see :mod:`trustsim.mechanisms.fit`).

    Example:
        Promised 0.7: kept when able, less when not able, more with over-delivery, less after a failure:

        >>> p = DeliveryParams(noise=0.0, failure_drop=0.3, tolerance=0.05, visibility=0.5)
        >>> cases = ((0.9, 0.0, False), (0.5, 0.0, False), (0.9, 0.1, False), (0.9, 0.0, True))
        >>> [round(float(delivered_quality(0.7, able, od, failed, 0.0, 0.0, p)), 3) for able, od, failed in cases]
        [0.7, 0.5, 0.8, 0.4]
    """
    q = min(promised, able) + over_delivery
    if p.noise > 0:
        q = q + p.noise * z
    q = q - p.failure_drop * (1.0 if failed else 0.0)
    return clip(q + fit, 0.0, 1.0)


@rule
def visible_competence(quality: float, able: float, promised: float, visibility: float) -> float:
    """The quality a customer credits to competence: what was delivered, plus a share `visibility`
    of the ability beyond the promise that shows in the work (Vertonen, MODEL_BRIEF §2.6:
    competence is seeing the other actually do the job well).

    Example:
        The same delivery of 0.7 is credited more to a supplier able to do 0.9 than to one able to do 0.7:

        >>> [round(float(visible_competence(0.7, able, 0.7, 0.5)), 3) for able in (0.9, 0.7)]
        [0.8, 0.7]
    """
    return clip(quality + visibility * max(0.0, able - promised), 0.0, 1.0)


@rule
def disconfirm(quality: float, promised: float, tolerance: float) -> int:
    """BROKEN (-1), KEPT (0) or EXCEEDED (1): the delivery against the promise.

    Within ±tolerance of the promise the promise counts as kept (Oliver 1980: confirmation).

    Example:
        >>> [int(disconfirm(q, 0.7, 0.05)) for q in (0.5, 0.72, 0.9)] == [BROKEN, KEPT, EXCEEDED]
        True
    """
    d = quality - promised
    if d > tolerance:
        return EXCEEDED
    if d < -tolerance:
        return BROKEN
    return KEPT
