"""Relationship gestures: small, targeted, occasional acts of care.

Models: the source texts' over-delivery is not a discount on every sale but a cheap, occasional
gesture — "een week later bellen" (call a week later), a surprise after a delivery (MODEL_BRIEF
§2.7 and 'Advertising response and unit economics'). Relationship programmes raise retention
modestly, through affective commitment more than rewards (Bolton, Kannan & Bramlett 2000;
Verhoef 2003). A gesture adds ``gestures.gain`` log-odds to the care component of the
customer's trust and costs ``money.gesture_cost``; blanket over-delivery (``over_delivery``)
remains beside it.
"""

from __future__ import annotations

from trustsim.jit import rule


@rule
def gets_gesture(first_delivery: bool, broken: bool, u: float, follow_up: float, surprise: float) -> bool:
    """Whether a customer served this week gets a gesture from its supplier (`u`: a uniform draw).

    Targeted where it matters: after the customer's first delivery and after a broken promise a
    follow-up comes with chance `follow_up`; any other week an unexpected one with chance `surprise`.

    Example:
        >>> gets_gesture(True, False, 0.3, 0.5, 0.0), gets_gesture(False, False, 0.3, 0.5, 0.0)
        (True, False)
        >>> gets_gesture(False, True, 0.3, 0.5, 0.0)  # a broken promise: follow it up
        True
    """
    if first_delivery or broken:
        return u < follow_up
    return u < surprise
