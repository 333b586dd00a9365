"""Money: price, the cost of serving, advertising and standing still, and discounting.

Models: the source text's claim is about long-term income (MODEL_BRIEF §2: "Wil je op langere
termijn meer inkomen?"), so service is not free: over-delivery and care cost money per customer
served, advertising costs money per person reached, and future profit is discounted. Customer
lifetime value and referral value follow Kumar, Petersen & Leone (2007, 2010).

Every formula on money lives here, once: the model, the classroom game, the experiments and
the calibration all call these functions (tests/test_one_source.py guards against re-typed
arithmetic on ``money.*`` or ``advertising.*`` anywhere else).
"""

from __future__ import annotations

import numpy as np

from trustsim.config import Money


def relationship_costs(
    over_delivery: np.ndarray | float, care: np.ndarray | float, money: Money
) -> tuple[np.ndarray, np.ndarray]:
    """Cost of over-delivery and of care for one customer served for one period, each on its own.

    Example:
        >>> from trustsim.config import Money
        >>> od, care = relationship_costs(0.5, 1.0, Money(over_delivery_cost=2.0, care_cost=0.3))
        >>> float(od), float(care)
        (1.0, 0.3)
    """
    return (
        money.over_delivery_cost * np.asarray(over_delivery, dtype=np.float64),
        money.care_cost * np.asarray(care, dtype=np.float64),
    )


def unit_cost(over_delivery: np.ndarray, care: np.ndarray, money: Money) -> np.ndarray:
    """Cost of serving one customer for one period, per supplier: base + over-delivery + care.

    Example:
        >>> from trustsim.config import Money
        >>> m = Money(service_cost=1.0, over_delivery_cost=2.0, care_cost=0.5)
        >>> unit_cost(np.array([0.0, 0.5]), np.array([0.0, 1.0]), m).tolist()
        [1.0, 2.5]
    """
    od, care_part = relationship_costs(over_delivery, care, money)
    return money.service_cost + od + care_part


def advertising_cost(reached: np.ndarray, money: Money) -> np.ndarray:
    """Cost of this period's advertising per supplier: `ad_cost` per person reached.

    Example:
        >>> from trustsim.config import Money
        >>> advertising_cost(np.array([10, 0]), Money(ad_cost=0.5)).tolist()
        [5.0, 0.0]
    """
    return money.ad_cost * reached


def advertising_spend(response: str, reached: np.ndarray, ad_budget: np.ndarray, money: Money) -> np.ndarray:
    """This week's advertising bill per supplier, by `advertising.response`: per person reached
    ('linear', :func:`advertising_cost`) or the budget itself, money spent ('goodwill').

    Example:
        >>> from trustsim.config import Money
        >>> advertising_spend("linear", np.array([10]), np.array([2.0]), Money(ad_cost=0.5)).tolist()
        [5.0]
        >>> advertising_spend("goodwill", np.array([10]), np.array([2.0]), Money(ad_cost=0.5)).tolist()
        [2.0]
    """
    if response == "goodwill":
        return np.asarray(ad_budget, dtype=np.float64).copy()
    return advertising_cost(reached, money)


def gesture_costs(gestures: np.ndarray, money: Money) -> np.ndarray:
    """Cost of the relationship gestures made this week: `gesture_cost` each.

    Example:
        >>> from trustsim.config import Money
        >>> gesture_costs(np.array([4, 0]), Money(gesture_cost=0.5)).tolist()
        [2.0, 0.0]
    """
    return money.gesture_cost * gestures


def total_costs(service_costs: np.ndarray, ad_costs: np.ndarray, gesture_costs: np.ndarray, money: Money) -> np.ndarray:
    """A period's costs per supplier: serving its customers, its advertising, its gestures, and the fixed cost.

    Example:
        >>> from trustsim.config import Money
        >>> total_costs(np.array([3.0]), np.array([1.0]), np.array([0.5]), Money(fixed_cost=2.0)).tolist()
        [6.5]
    """
    return service_costs + ad_costs + gesture_costs + money.fixed_cost


def discount_factor(steps: np.ndarray | float, rate: float) -> np.ndarray:
    """Weight of a profit earned `steps` periods later in a value discounted to now: ``(1 + rate) ** -steps``.

    Example:
        >>> float(discount_factor(1, 0.25))
        0.8
    """
    return (1.0 + rate) ** -np.asarray(steps, dtype=np.float64)
