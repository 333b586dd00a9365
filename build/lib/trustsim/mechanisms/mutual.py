"""Mutual trust: a supplier's trust in its customers, and the effort it buys.

Models: trust is mutual (MODEL_BRIEF §1, §3): a supplier that does not trust a customer —
one who "threatens to stop the project at the least thing" — will not do its utmost, so it
delivers less. Customers who distrust their supplier behave worse, which can start a spiral;
extending trust (Covey) keeps effort up and breaks it.
"""

from __future__ import annotations

import numpy as np

from trustsim.mechanisms.trust import asymmetric, expit


def behaves_well(
    rng: np.random.Generator,
    reliability: np.ndarray,
    trust_in_supplier: np.ndarray,
    reciprocity: float,
) -> np.ndarray:
    """Whether each customer behaves well this period (pays, does not threaten).

    The chance is the customer's own reliability, lowered when its trust in the supplier is
    below one half: ``reliability * (1 - reciprocity * 2 * max(0, 0.5 - trust))``.
    """
    distrust = np.maximum(0.0, 0.5 - trust_in_supplier) * 2.0
    return rng.random(len(reliability)) < reliability * (1.0 - reciprocity * distrust)


def supplier_trust_delta(good: np.ndarray, gain: float, loss_multiplier: float) -> np.ndarray:
    """Log-odds change of a supplier's trust in each customer: +gain if good, -gain*k if not."""
    return asymmetric(np.where(good, gain, -gain).astype(np.float32), loss_multiplier)


def effort(supplier_trust_logits: np.ndarray, extend_trust: np.ndarray) -> np.ndarray:
    """Effort a supplier puts into each customer: a floor `extend_trust`, the rest by trust.

    ``effort = extend_trust + (1 - extend_trust) * trust_in_customer``.
    """
    return extend_trust + (1.0 - extend_trust) * expit(supplier_trust_logits)
