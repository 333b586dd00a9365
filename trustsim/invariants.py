"""Invariants of the model state, checked every step in debug mode (``TrustMarket(check=True)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from trustsim.mechanisms import loyalty
from trustsim.mechanisms.trust import LOGIT_LIMIT

if TYPE_CHECKING:
    from trustsim.model import TrustMarket


class InvariantError(AssertionError):
    """The model state broke one of its invariants (a bug, never bad input)."""


def check(model: TrustMarket) -> None:
    """Check every invariant; raise InvariantError naming the first one broken.

    - trust components finite and within [0, 1] (log-odds within ±LOGIT_LIMIT), no NaN;
    - every customer in exactly one loyalty stage;
    - customers per supplier sum to the number of customers;
    - no supplier serves more than its capacity;
    - acquisitions per channel sum to the total;
    - NPS within [-100, 100].
    """
    pop, sm, mm = model.population, model.supplier_metrics, model.model_metrics
    problems = []
    if not np.isfinite(pop.trust).all() or np.abs(pop.trust).max(initial=0) > LOGIT_LIMIT + 1e-4:
        problems.append("trust components outside [0, 1] or not finite")
    if not np.isfinite(pop.supplier_trust).all():
        problems.append("supplier trust in customers not finite")
    if pop.stage.min(initial=0) < 0 or pop.stage.max(initial=0) >= len(loyalty.STAGES):
        problems.append("a customer without a valid loyalty stage")
    if int(np.bincount(pop.stage, minlength=len(loyalty.STAGES)).sum()) != pop.n:
        problems.append("stages do not partition the population")
    if int(sm["customers"].sum()) != int((pop.supplier >= 0).sum()) or mm["customers"] != sm["customers"].sum():
        problems.append("customers per supplier do not sum to the customer count")
    if (sm["customers"] > model.capacity).any():
        problems.append(f"a supplier serves more than its capacity: {sm['customers']} > {model.capacity}")
    parts = sm["acquired_ads"] + sm["acquired_reviews"] + sm["acquired_recommendations"]
    if not np.array_equal(parts, sm["acquired"]):
        problems.append("acquisitions per channel do not sum to the total")
    nps = np.concatenate([sm["nps"], [mm["nps"]]])
    nps = nps[~np.isnan(nps)]
    if ((nps < -100) | (nps > 100)).any():
        problems.append("NPS outside [-100, 100]")
    if problems:
        raise InvariantError(f"step {model.steps}: " + "; ".join(problems))
