"""Role model: suppliers copy the way of working of a more successful supplier.

Models: Voorbeeldfunctie — people around you copy the way of working (MODEL_BRIEF §2.9);
here a supplier that sees a competitor earn more moves its policy towards that competitor's.
"""

from __future__ import annotations

IMITABLE: tuple[str, ...] = (
    "promise",
    "over_delivery",
    "transparency",
    "care",
    "ad_budget",
    "banner_share",
    "extend_trust",
)
"""Policy fields a supplier can copy (abilities such as competence cannot simply be copied)."""


def imitate(own: dict[str, float], model: dict[str, float], strength: float) -> dict[str, float]:
    """Move each imitable policy field a share `strength` of the way towards the role model's."""
    return {k: own[k] + strength * (model[k] - own[k]) for k in IMITABLE}
