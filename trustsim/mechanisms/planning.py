"""What the rules of the model imply for a plan: expected reach and cost of advertising, the budget
that buys a given spend, and what a customer is worth (lifetime value).

Models: nothing new. Each function here is an expectation of the rules the model runs
(:func:`~trustsim.mechanisms.channels.reach_share`, :func:`~trustsim.mechanisms.money.advertising_cost`),
for those who plan ahead of a run: the classroom game's budget, the equal-spend rule of the flagship
experiment. They compose the model's own rule functions, so a change of rule reaches them by itself;
tests/test_one_source.py checks that each is used outside ``mechanisms/``.
"""

from __future__ import annotations

import numpy as np

from trustsim.config import Money
from trustsim.mechanisms.channels import reach_share
from trustsim.mechanisms.money import advertising_cost, gesture_costs, unit_cost


def full_reach_budget(reach: float) -> float:
    """The smallest ad budget that reaches everyone every period (:func:`reach_share` = 1); 0 when ads
    reach nobody, so that no budget is worth more than none.

    Example:
        >>> full_reach_budget(0.01), full_reach_budget(0.0)
        (100.0, 0.0)
    """
    return 1.0 / reach if reach > 0 else 0.0


def expected_reach(reach: float, ad_budget: np.ndarray | float, population: int) -> np.ndarray:
    """People an ad budget is expected to reach in one period in a market of `population` people.

    Example:
        >>> float(expected_reach(0.01, 2.0, 1000))
        20.0
    """
    return reach_share(reach, ad_budget) * population


def ad_spend(ad_budget: np.ndarray | float, reach: float, population: int, money: Money) -> np.ndarray:
    """Expected cost of one period of advertising at this ad budget (what the model bills on average).

    Example:
        >>> from trustsim.config import Money
        >>> float(ad_spend(2.0, 0.01, 1000, Money(ad_cost=0.5)))
        10.0
    """
    return advertising_cost(expected_reach(reach, ad_budget, population), money)


def ad_budget_for_spend(spend: float, reach: float, population: int, money: Money) -> float | None:
    """The ad budget whose expected cost per period is `spend`, were reach never to saturate (the linear
    part of :func:`ad_spend`, which `advertising.reach` <= 1 makes exact up to one budget unit); None
    when money buys no advertising (free, or reaching nobody).

    Example:
        >>> from trustsim.config import Money
        >>> ad_budget_for_spend(10.0, 0.01, 1000, Money(ad_cost=0.5))
        2.0
    """
    per_budget_unit = float(ad_spend(1.0, reach, population, money))
    if per_budget_unit <= 0:
        return None
    return spend / per_budget_unit


def customer_value(
    margin: np.ndarray | float, loss_rate: np.ndarray | float, rate: float, horizon: int | None = None
) -> np.ndarray:
    """Customer lifetime value (Gupta, Lehmann & Stuart 2004): the expected discounted margin of one
    current customer, this period's included, ``sum(margin * q ** t for t in 0..horizon - 1)`` with
    ``q = (1 - loss_rate) / (1 + rate)``; over an unlimited horizon (None) that is
    ``margin * (1 + rate) / (rate + loss_rate)``.

    Args:
        margin: price minus the cost of serving one customer for one period (per supplier).
        loss_rate: chance a customer is lost in a period (switches, leaves the market), per supplier.
        rate: discount rate per period (``money.discount_rate``).
        horizon: periods that count (None: all).

    Example:
        >>> float(customer_value(1.0, 0.5, 0.0, 2))  # 1 + 0.5
        1.5
        >>> float(customer_value(2.0, 0.5, 0.0))  # 2 / 0.5
        4.0
        >>> customer_value(np.array([2.0, 2.0]), np.array([0.0, 1.0]), 0.0, 10).tolist()
        [20.0, 2.0]
    """
    m = np.asarray(margin, dtype=np.float64)
    q = (1.0 - np.asarray(loss_rate, dtype=np.float64)) / (1.0 + rate)
    if horizon is None:
        with np.errstate(divide="ignore"):
            return m / (1.0 - q)
    h = max(int(horizon), 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        partial = (1.0 - q**h) / (1.0 - q)
    return m * np.where(q == 1.0, float(h), partial)


def gesture_rates(budget: float, money: Money, customers: int, occasions: float) -> tuple[float, float]:
    """The follow-up and surprise chances a weekly gesture `budget` pays for: targeted follow-ups first
    (at the expected `occasions`: first deliveries and broken promises), the rest on surprises to the
    other `customers`; each gesture costs `money.gesture_cost` (:func:`trustsim.mechanisms.money.gesture_costs`).

    Example:
        >>> from trustsim.config import Money
        >>> gesture_rates(10.0, Money(gesture_cost=0.5), 110, 10.0)  # 5 on 10 follow-ups, 5 on 10 of 100 others
        (1.0, 0.1)
        >>> gesture_rates(2.0, Money(gesture_cost=0.5), 100, 10.0)  # not even all follow-ups
        (0.4, 0.0)
    """
    affordable = float(gesture_costs(np.array([1.0]), money)[0])  # the cost of one gesture
    if affordable <= 0:
        return 1.0, 1.0
    count = budget / affordable
    follow_up = min(1.0, count / occasions) if occasions > 0 else 1.0
    left = count - follow_up * occasions
    others = customers - occasions
    surprise = min(1.0, left / others) if others > 0 and left > 0 else 0.0
    return follow_up, surprise


def customer_margin(price: float, over_delivery: float, care: float, money: Money) -> float:
    """The weekly margin of one customer: its price less the cost of serving it for a week
    (:func:`trustsim.mechanisms.money.unit_cost`, with the supplier's over-delivery and care).

    Example:
        >>> from trustsim.config import Money
        >>> round(customer_margin(1.0, 0.0, 0.6, Money(service_cost=0.5, care_cost=0.2)), 10)
        0.38
    """
    return float(price - unit_cost(np.array([over_delivery]), np.array([care]), money)[0])


def relationship_cost_to_margin(money: Money, margin: float) -> float:
    """The cost of one relationship gesture in weeks of a customer's margin: ``gesture_cost / margin``
    (a manager's measure of how dear the relationship work is; NaN without a margin).

    Example:
        >>> from trustsim.config import Money
        >>> relationship_cost_to_margin(Money(gesture_cost=0.5), 0.25)
        2.0
    """
    return money.gesture_cost / margin if margin > 0 else float("nan")


def gesture_cost_at(cost_to_margin: float, margin: float) -> float:
    """The `money.gesture_cost` at which one gesture costs `cost_to_margin` weeks of margin (the inverse
    of :func:`relationship_cost_to_margin`).

    Example:
        >>> gesture_cost_at(4.0, 0.25)
        1.0
    """
    return cost_to_margin * margin


def max_reach_at(max_reach: float, ad_reach: float) -> float:
    """The goodwill `advertising.max_reach` at which every unit of goodwill reaches `ad_reach` times as many
    people (capped at everyone).

    With goodwill reach ``max_reach G / (G + S)`` (:func:`trustsim.mechanisms.channels.goodwill_reach_share`)
    both the reach of a budget and the reach of one more unit of money scale with `ad_reach`, while the shape
    of the diminishing returns (the saturation S) stays: advertising becomes more or less effective per money,
    at the margin as on average.

    Example:
        >>> max_reach_at(0.005, 4.0)
        0.02
    """
    return min(1.0, max_reach * ad_reach)
