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
"""

from __future__ import annotations

import numpy as np

RELIABILITY, TRANSPARENCY, COMPETENCE, CARE = 0, 1, 2, 3
LOGIT_LIMIT = 8.0
"""Log-odds are clipped to ±8 (trust in [0.0003, 0.9997]) so that nothing is ever certain."""

BROKEN, KEPT, EXCEEDED = -1, 0, 1


def logit(p: np.ndarray | float) -> np.ndarray:
    """Log-odds of a probability, as float32, clipped to ±LOGIT_LIMIT."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.clip(np.log(p / (1 - p)), -LOGIT_LIMIT, LOGIT_LIMIT).astype(np.float32)


def expit(x: np.ndarray) -> np.ndarray:
    """Trust from log-odds: 1 / (1 + exp(-x)), in the dtype of `x`."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    out = np.negative(x, out=np.empty_like(x))
    np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    return out


def normalised_weights(weights: list[float] | np.ndarray) -> np.ndarray:
    """Component weights scaled to sum to 1 (float32)."""
    w = np.asarray(weights, dtype=np.float64)
    return (w / w.sum()).astype(np.float32)


def combine(components: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Overall trust: the weighted mean of the four components (probabilities, last axis).

    Models: care weighs most, then competence, transparency, reliability (MODEL_BRIEF §1).
    Written out rather than ``components @ weights``: BLAS sums a 4-term dot product in an
    order that depends on the CPU and on the row's position in the array, and the compiled
    kernels (trustsim/kernels.py) must reproduce it bit for bit.
    """
    c, w = components, weights
    return (c[..., 0] * w[0] + c[..., 1] * w[1]) + (c[..., 2] * w[2] + c[..., 3] * w[3])


def asymmetric(delta: np.ndarray, loss_multiplier: float) -> np.ndarray:
    """Scale the negative part of a log-odds change by the loss multiplier (Slovic 1993)."""
    return np.where(delta < 0, delta * loss_multiplier, delta).astype(np.float32)


def experience_delta(
    outcome: np.ndarray,
    excess: np.ndarray,
    quality: np.ndarray,
    admitted: np.ndarray,
    care_effort: np.ndarray,
    *,
    gain: float,
    loss_multiplier: float,
    over_delivery_gain: float,
    repair_relief: float,
    care_rate: float,
) -> np.ndarray:
    """Log-odds change of each trust component after one delivery, per customer.

    Models: Vertonen, Voortreffelijk (MODEL_BRIEF §2.6-2.7), Covey's "right wrongs" (§4) and
    the family doctor's listening (§5). The event moves the components it concerns:

    - reliability: +gain for a kept or exceeded promise, -gain * k for a broken one
      (times ``1 - repair_relief`` when the failure was admitted and repaired);
    - transparency: +gain when a failure is admitted, -gain * k when it is hidden;
    - competence: moves with the quality seen, ``gain * (2 * quality - 1)`` (losses * k);
    - care: moves with the supplier's listening effort, ``care_rate * (2 * care - 1)``
      (a lack of authentic care weighs k times);
    - over-delivery adds ``gain * over_delivery_gain * excess`` to reliability, competence and care.

    Args:
        outcome: BROKEN (-1), KEPT (0) or EXCEEDED (1) per delivery.
        excess: delivered minus promised where positive (0 otherwise).
        quality: delivered quality in [0, 1].
        admitted: True where a broken promise was admitted and repaired.
        care_effort: the supplier's listening/care effort in [0, 1].
        gain, loss_multiplier, over_delivery_gain, repair_relief, care_rate: see ``[trust]``.

    Returns:
        float32 array (n, 4) of log-odds changes.
    """
    n = len(outcome)
    delta = np.zeros((n, 4), dtype=np.float32)
    broken = outcome == BROKEN
    relief = np.where(admitted & broken, 1.0 - repair_relief, 1.0)
    delta[:, RELIABILITY] = np.where(broken, -gain * loss_multiplier * relief, gain)
    delta[:, TRANSPARENCY] = np.where(broken, np.where(admitted, gain, -gain * loss_multiplier), 0.0)
    delta[:, COMPETENCE] = asymmetric(gain * (2.0 * np.clip(quality, 0, 1) - 1.0), loss_multiplier)
    delta[:, CARE] = asymmetric(care_rate * (2.0 * care_effort - 1.0), loss_multiplier)
    bonus = gain * over_delivery_gain * np.where(outcome == EXCEEDED, excess, 0.0)
    delta[:, RELIABILITY] += bonus
    delta[:, COMPETENCE] += bonus
    delta[:, CARE] += bonus
    return delta


def kept_promises_to_recover(loss_multiplier: float, repair_relief: float = 0.0, admitted: bool = False) -> float:
    """Kept promises needed to restore the reliability lost to one broken promise.

    The exact relation implied by the log-odds update: ``k`` for a silent failure,
    ``k * (1 - repair_relief)`` for an admitted and repaired one (away from the clip).
    """
    return loss_multiplier * ((1.0 - repair_relief) if admitted else 1.0)


def apply_delta(logits: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Add a log-odds change and clip to ±LOGIT_LIMIT (in place when possible)."""
    logits += delta
    np.clip(logits, -LOGIT_LIMIT, LOGIT_LIMIT, out=logits)
    return logits


def forget(logits: np.ndarray, prior: np.ndarray, forgetting: float) -> np.ndarray:
    """Let trust drift back towards the customer's prior by a share `forgetting` per step.

    Models: forgetting in the Beta reputation system (Jøsang & Ismail 2002); 0 keeps all.
    """
    if forgetting > 0:
        logits -= forgetting * (logits - prior[:, None])
    return logits
