"""The rules of the classroom game: what a firm decides each round, and the budget it decides within.

A firm's decision sets six fields of its :class:`~trustsim.config.SupplierPolicy` for the next
round. Values are checked by that same pydantic schema (so the game and a scenario file accept
exactly the same values), then against the firm's budget for the round.

The budget rule. Each round a firm may plan to spend at most its budget (money units) on the
three things that cost money in the model (:mod:`trustsim.mechanisms.money`):

- advertising: ``money.ad_cost`` per person reached, and an ad budget of *a* reaches
  ``min(1, advertising.reach * a)`` of the N people in the market each period;
- over-delivery: ``money.over_delivery_cost * over_delivery`` per customer served per period;
- care: ``money.care_cost * care`` per customer served per period;

summed over the round's K periods, for a *planning size* of customers: the larger of the firm's
customers now and a fair share of the market (N / number of firms). Promise, transparency and
reminders cost nothing in the model. The plan only limits the decision: the profit shown is
what the model actually charged, which grows with the customers actually served.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from trustsim.config import Scenario, SupplierPolicy
from trustsim.mechanisms.money import relationship_costs
from trustsim.mechanisms.planning import ad_spend, full_reach_budget

DECISIONS: dict[str, str] = {
    "promise": "Promise (quality level you promise, 0-1)",
    "over_delivery": "Over-delivery (quality added beyond the promise, 0-1)",
    "care": "Care (listening to customers, 0-1; 0.5 is neutral)",
    "transparency": "Transparency (chance a failure is admitted and repaired, 0-1)",
    "ad_budget": "Advertising (ad budget; 1 reaches advertising.reach of the market each period)",
    "anchoring": "Reminders (chance a customer is reminded of a promise kept, 0-1)",
}
"""The policy fields a firm decides, with the label shown to students."""

DEFAULT_BUDGET_SHARE = 0.4
"""Default budget per period: this share of the revenue of a fair share of the market (plus one ad budget)."""


class DecisionError(ValueError):
    """A decision a student can fix: the message names the field, the value and what is allowed."""


@dataclass(frozen=True)
class Spend:
    """Planned spending of a decision over one round, in money units."""

    advertising: float
    over_delivery: float
    care: float

    @property
    def total(self) -> float:
        """Advertising + over-delivery + care."""
        return self.advertising + self.over_delivery + self.care


def planning_size(customers: int, population: int, firms: int) -> float:
    """Customers a firm plans its service costs for: its customers now, at least N / firms."""
    return float(max(customers, population / max(firms, 1)))


def planned_spend(
    decision: dict[str, float], customers: int, scenario: Scenario, firms: int, steps_per_round: int
) -> Spend:
    """What `decision` costs over one round of `steps_per_round` periods (the budget rule above).

    Args:
        decision: the firm's policy for the round (needs ad_budget, over_delivery and care).
        customers: the firm's customers at the start of the round.
        scenario: the game's scenario (market size, advertising reach, money).
        firms: number of firms in the market.
        steps_per_round: periods in a round (K).
    """
    n = scenario.market.customers
    ads = float(ad_spend(decision["ad_budget"], scenario.advertising.reach, n, scenario.money))
    over_delivery, care = relationship_costs(decision["over_delivery"], decision["care"], scenario.money)
    size = planning_size(customers, n, firms)
    return Spend(
        advertising=steps_per_round * ads,
        over_delivery=steps_per_round * float(over_delivery) * size,
        care=steps_per_round * float(care) * size,
    )


def default_budget(scenario: Scenario, firms: int, steps_per_round: int) -> float:
    """Budget per round when the teacher gives none: 40% of a fair share's revenue, plus what an ad
    budget of 1 costs (so the starting policy always fits, however many firms share the market)."""
    price = scenario.supplier_defaults.price
    fair_share = scenario.market.customers / max(firms, 1)
    one_ad = float(ad_spend(1.0, scenario.advertising.reach, scenario.market.customers, scenario.money))
    return round(steps_per_round * (DEFAULT_BUDGET_SHARE * price * fair_share + one_ad), 2)


def parse_number(field: str, text: Any) -> float:
    """A number typed by a student ('0.5', '0,5' or ' 2 '), or a DecisionError naming the field."""
    label = DECISIONS[field].split(" (")[0]
    if isinstance(text, bool):
        raise DecisionError(f"{label}: expected a number, got {text!r}.")
    if isinstance(text, int | float):
        value = float(text)
    else:
        raw = str(text).strip().replace(",", ".")
        if len(raw) > 32:
            raise DecisionError(f"{label}: expected a number, got {raw[:32]!r}...")
        try:
            value = float(raw)
        except ValueError:
            raise DecisionError(f"{label}: expected a number such as 0.5, got {raw!r}.") from None
    if not math.isfinite(value):
        raise DecisionError(f"{label}: expected a finite number, got {text!r}.")
    return value


def validate_decision(values: dict[str, Any], current: dict[str, float], scenario: Scenario) -> dict[str, float]:
    """Check a firm's decision: every field of DECISIONS present and allowed by SupplierPolicy.

    Args:
        values: field -> number or text, as submitted (unknown fields are refused).
        current: the firm's current policy (every SupplierPolicy field but the name).
        scenario: the game's scenario (for the largest useful ad budget).

    Returns:
        The decision: field -> float for each field of DECISIONS.

    Raises:
        DecisionError: naming the field, the bad value and what is allowed.
    """
    unknown = sorted(set(values) - set(DECISIONS))
    if unknown:
        raise DecisionError(f"unknown field {unknown[0]!r}; a decision sets {', '.join(DECISIONS)}.")
    missing = [f for f in DECISIONS if f not in values]
    if missing:
        raise DecisionError(f"{DECISIONS[missing[0]].split(' (')[0]}: missing; give a number.")
    decision = {f: parse_number(f, values[f]) for f in DECISIONS}
    try:
        SupplierPolicy.model_validate({**current, **decision})
    except ValidationError as e:
        err = e.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        label = DECISIONS.get(field, field).split(" (")[0]
        raise DecisionError(f"{label}: {decision.get(field)!r} is not allowed ({err['msg'].lower()}).") from None
    most = full_reach_budget(scenario.advertising.reach)
    if decision["ad_budget"] > most:
        raise DecisionError(
            f"Advertising: {decision['ad_budget']:g} is more than {most:g}, which already reaches everyone "
            "every period."
        )
    return decision


def check_budget(
    decision: dict[str, float], customers: int, scenario: Scenario, firms: int, steps_per_round: int, budget: float
) -> Spend:
    """The planned spend of a valid decision, or a DecisionError if it exceeds the round's budget."""
    spend = planned_spend(decision, customers, scenario, firms, steps_per_round)
    if spend.total > budget + 1e-9:
        raise DecisionError(
            f"This plan costs {spend.total:,.0f} this round (advertising {spend.advertising:,.0f}, "
            f"over-delivery {spend.over_delivery:,.0f}, care {spend.care:,.0f}) but your budget is "
            f"{budget:,.0f}: lower advertising, over-delivery or care."
        )
    return spend
