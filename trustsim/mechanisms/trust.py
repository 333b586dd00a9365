"""Trust in four components, and how experiences move it.

Models: the four components of trust — reliability, transparency, competence, care — with
weights rising in that order (MODEL_BRIEF §1; Mayer, Davis & Schoorman 1995), and the
asymmetry principle: a broken promise destroys trust faster than a kept one builds it
(MODEL_BRIEF §2.6; Slovic 1993).

Each component is held as log-odds ``L`` (trust ``T = 1 / (1 + exp(-L))``), like the evidence
of a Beta reputation (Jøsang & Ismail 2002). A good event adds ``gain``; a bad one subtracts
``gain * loss_multiplier``. Because updates add in log-odds, exactly ``loss_multiplier`` kept
promises restore the trust lost to one broken promise, from any starting level (away from the
clip at ``±LOGIT_LIMIT``); an admitted and repaired failure costs ``1 - repair_relief`` of that.

The per-customer rules (:func:`combine`, :func:`asymmetric`, :func:`experience_delta`,
:func:`update_component`) are compiled with numba and called by the loops of
:mod:`trustsim.phases`; they are the only statement of each rule.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from trustsim.config.schema import COMPONENTS
from trustsim.jit import loop, rule

RELIABILITY, TRANSPARENCY, COMPETENCE, CARE = (
    COMPONENTS.index(c) for c in ("reliability", "transparency", "competence", "care")
)
"""Index of each component in the trust arrays (the order of :data:`trustsim.config.COMPONENTS`)."""
LOGIT_LIMIT = 8.0
"""Log-odds are clipped to ±8 (trust in [0.0003, 0.9997]) so that nothing is ever certain."""
_LIMIT = np.float32(LOGIT_LIMIT)

BROKEN, KEPT, EXCEEDED = -1, 0, 1


class TrustParams(NamedTuple):
    """The ``[trust]`` parameters the per-delivery update needs (see docs/config.md)."""

    gain: float
    loss_multiplier: float
    over_delivery_gain: float
    repair_relief: float
    care_rate: float
    forgetting: float
    anchoring_gain: float
    gesture_gain: float


def logit(p: np.ndarray | float) -> np.ndarray:
    """Log-odds of a probability, as float32, clipped to ±LOGIT_LIMIT.

    Example:
        >>> float(logit(0.5)), round(float(logit(0.9)), 3), float(logit(1.0))
        (0.0, 2.197, 8.0)
    """
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.clip(np.log(p / (1 - p)), -LOGIT_LIMIT, LOGIT_LIMIT).astype(np.float32)


def expit(x: np.ndarray) -> np.ndarray:
    """Trust from log-odds: 1 / (1 + exp(-x)), in the dtype of `x`.

    Exponentials are taken here, in numpy, over whole arrays, never inside compiled loops:
    numpy's vectorised ``exp`` and the C library's differ in the last bit, and one place for
    them keeps compiled and plain-Python runs identical.

    Example:
        >>> x = expit(np.array([0.0, 2.0], np.float32))
        >>> x.dtype.name, [round(float(v), 3) for v in x], round(float(expit(logit(0.3))), 3)
        ('float32', [0.5, 0.881], 0.3)
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    out = np.negative(x, out=np.empty_like(x))
    np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    return out


def normalised_weights(weights: list[float] | np.ndarray) -> np.ndarray:
    """Component weights scaled to sum to 1 (float32).

    Example:
        >>> normalised_weights([1, 1, 2, 4]).tolist()
        [0.125, 0.125, 0.25, 0.5]
    """
    w = np.asarray(weights, dtype=np.float64)
    return (w / w.sum()).astype(np.float32)


@rule
def clip(x, lo, hi):
    """x limited to [lo, hi].

    Example:
        >>> clip(1.5, 0.0, 1.0), clip(-0.2, 0.0, 1.0), clip(0.3, 0.0, 1.0)
        (1.0, 0.0, 0.3)
    """
    return min(max(x, lo), hi)


@rule
def clip_logit(x: np.float32) -> np.float32:
    """Log-odds limited to ±LOGIT_LIMIT, in float32.

    Example:
        >>> float(clip_logit(np.float32(12.0))), float(clip_logit(np.float32(-3.0)))
        (8.0, -3.0)
    """
    return clip(x, -_LIMIT, _LIMIT)


@rule
def combine(c: np.ndarray, w: np.ndarray) -> np.float32:
    """Overall trust: the weighted mean of the four components (probabilities) of one row.

    Models: care weighs most, then competence, transparency, reliability (MODEL_BRIEF §1).
    Written as ``(c0 w0 + c1 w1) + (c2 w2 + c3 w3)`` in float32, never as a BLAS dot product,
    whose summation order depends on the CPU and on the row's position in an array.

    Example:
        Full trust in care alone counts four times full trust in reliability alone (weights 1:2:3:4):

        >>> w = normalised_weights([1, 2, 3, 4])
        >>> round(float(combine(np.array([0, 0, 0, 1], np.float32), w)), 3)
        0.4
        >>> round(float(combine(np.array([1, 0, 0, 0], np.float32), w)), 3)
        0.1
    """
    return (c[0] * w[0] + c[1] * w[1]) + (c[2] * w[2] + c[3] * w[3])


@loop
def _combine_rows_into(components, w, out):
    for i in range(components.shape[0]):
        out[i] = combine(components[i], w)


def combine_rows(components: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """:func:`combine` over the rows of an (n, 4) array of components; float32 (n,).

    Example:
        >>> trust = combine_rows(np.eye(4, dtype=np.float32), normalised_weights([1, 2, 3, 4]))
        >>> trust.dtype.name, [round(float(t), 3) for t in trust]
        ('float32', [0.1, 0.2, 0.3, 0.4])
    """
    out = np.empty(components.shape[0], np.float32)
    _combine_rows_into(components, weights, out)
    return out


@rule
def asymmetric(x: float, loss_multiplier: float) -> np.float32:
    """A log-odds change with its negative part scaled by the loss multiplier (Slovic 1993).

    Example:
        >>> float(asymmetric(0.5, 3.0)), float(asymmetric(-0.5, 3.0))
        (0.5, -1.5)
    """
    return np.float32(x * loss_multiplier if x < 0 else x)


@rule
def experience_delta(
    outcome: int,
    excess: float,
    competence_seen: float,
    admitted: bool,
    anchored: bool,
    care_effort: float,
    gestured: bool,
    p: TrustParams,
) -> tuple[np.float32, np.float32, np.float32, np.float32]:
    """Log-odds change of each trust component after one delivery.

    Models: Vertonen, Voortreffelijk (MODEL_BRIEF §2.6-2.7), Covey's "right wrongs" (§4) and
    the family doctor's listening (§5). The event moves the components it concerns:

    - reliability: +gain for a kept or exceeded promise, -gain * k for a broken one
      (times ``1 - repair_relief`` when the failure was admitted and repaired);
    - transparency: +gain when a failure is admitted, -gain * k when it is hidden; and
      ``gain * anchoring_gain`` when a kept promise is anchored (Verankering, §2.8: the supplier
      reminds the customer of the promise and that it was kept);
    - competence: moves with the quality credited to competence, ``gain * (2 * seen - 1)``
      (losses * k);
    - care: moves with the supplier's listening effort, ``care_rate * (2 * care - 1)``
      (a lack of authentic care weighs k times);
    - over-delivery adds ``gain * over_delivery_gain * excess`` to reliability, competence and care;
    - a relationship gesture (:func:`trustsim.mechanisms.gestures.gets_gesture`) adds ``gesture_gain``
      to care.

    Args:
        outcome: BROKEN (-1), KEPT (0) or EXCEEDED (1).
        excess: delivered (as experienced) minus promised; counts only when the promise was exceeded.
        competence_seen: the quality credited to competence (see ``promises.visible_competence``).
        admitted: the broken promise was admitted and repaired.
        anchored: the supplier said what it did (only counts for a promise kept or exceeded).
        care_effort: the supplier's listening/care effort in [0, 1].
        gestured: the supplier made a relationship gesture to this customer this week.
        p: the ``[trust]`` parameters (and ``gestures.gain`` as ``gesture_gain``).

    Returns:
        The float32 log-odds changes of (reliability, transparency, competence, care).

    Example:
        A broken promise costs `loss_multiplier` (3) times what a kept one earns, and hiding it costs
        transparency too; admitting and repairing it halves the loss and earns transparency:

        >>> p = TrustParams(gain=0.2, loss_multiplier=3.0, over_delivery_gain=0.5, repair_relief=0.5, care_rate=0.1,
        ...                 forgetting=0.0, anchoring_gain=0.5, gesture_gain=0.0)
        >>> def delta(outcome, admitted=False):
        ...     return [round(float(d), 2) for d in experience_delta(outcome, 0.0, 0.5, admitted, False, 0.5, False, p)]
        >>> delta(KEPT), delta(BROKEN), delta(BROKEN, admitted=True)
        ([0.2, 0.0, 0.0, 0.0], [-0.6, -0.6, 0.0, 0.0], [-0.3, 0.2, 0.0, 0.0])
    """
    broken = outcome == BROKEN
    gain, loss = p.gain, p.loss_multiplier
    relief = 1.0 - p.repair_relief if admitted else 1.0
    bonus = gain * p.over_delivery_gain * (excess if outcome == EXCEEDED else 0.0)
    reliability = np.float32(-gain * loss * relief) if broken else np.float32(gain)
    if broken:
        transparency = np.float32(gain if admitted else -gain * loss)
    else:
        transparency = np.float32(gain * p.anchoring_gain if anchored else 0.0)
    competence = asymmetric(gain * (2.0 * clip(competence_seen, 0.0, 1.0) - 1.0), loss)
    care = asymmetric(p.care_rate * (2.0 * care_effort - 1.0), loss)
    if gestured:
        care = np.float32(np.float64(care) + p.gesture_gain)
    return (
        np.float32(np.float64(reliability) + bonus),
        transparency,
        np.float32(np.float64(competence) + bonus),
        np.float32(np.float64(care) + bonus),
    )


@rule
def update_component(logit_now: np.float32, prior: np.float32, delta: np.float32, forgetting: float) -> np.float32:
    """One component after an experience: forget towards the prior, add the change, clip.

    Forgetting (a share `forgetting` of the way back to the person's benefit of the doubt each
    experience) discounts old evidence, as in the Beta reputation system (Jøsang & Ismail 2002).

    Example:
        From log-odds 2 with a change of +0.5: without forgetting, forgetting half the way back to the
        prior 0, and clipped at LOGIT_LIMIT:

        >>> def after(now, forgetting):
        ...     return float(update_component(np.float32(now), np.float32(0.0), np.float32(0.5), forgetting))
        >>> after(2.0, 0.0), after(2.0, 0.5), after(7.9, 0.0)
        (2.5, 1.5, 8.0)
    """
    x = logit_now
    if forgetting > 0:
        x = x - np.float32(forgetting) * (x - prior)
    return clip_logit(x + delta)
