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
    "anchoring",
)
"""Policy fields a supplier can copy (abilities such as competence cannot simply be copied)."""


def imitate(own: dict[str, float], model: dict[str, float], strength: float) -> dict[str, float]:
    """Move each imitable policy field a share `strength` of the way towards the role model's.

    Example:
        A quarter of the way to the role model's policy; abilities such as competence are not copied:

        >>> own, model = dict.fromkeys(IMITABLE, 0.0) | {"competence": 0.2}, dict.fromkeys(IMITABLE, 1.0)
        >>> new = imitate(own, model, 0.25)
        >>> new["promise"], new["ad_budget"], "competence" in new
        (0.25, 0.25, False)
    """
    return {k: own[k] + strength * (model[k] - own[k]) for k in IMITABLE}
