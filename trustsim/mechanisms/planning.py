"""What the rules of the model imply for a plan: expected reach and cost of advertising, and the budget
that buys a given spend.

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
from trustsim.mechanisms.money import advertising_cost


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
