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

import numpy as np
import pandas as pd
from pydantic import ValidationError

from trustsim.config import Scenario, SupplierPolicy
from trustsim.game.text import LocalizedError, both, tr
from trustsim.i18n import number, parse_decimal, plain
from trustsim.mechanisms.money import discount_factor, relationship_costs, unit_cost
from trustsim.mechanisms.planning import ad_spend, customer_value, full_reach_budget

DECISIONS: dict[str, str] = {
    "promise": "Promise",
    "over_delivery": "Over-delivery",
    "care": "Care",
    "transparency": "Transparency",
    "ad_budget": "Advertising",
    "anchoring": "Reminders",
}
"""The policy fields a firm decides, with their English label (every language: :mod:`trustsim.game.text`)."""

DEFAULT_BUDGET_SHARE = 0.4
"""Default budget per period: this share of the revenue of a fair share of the market (plus one ad budget)."""


class DecisionError(LocalizedError, ValueError):
    """A decision a student can fix: the message names the field, the value and what is allowed."""


def _label(field: str) -> dict[str, str]:
    return both(lambda lang: tr(field, lang))


def _value(value: Any) -> dict[str, str]:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return both(lambda lang: plain(value, lang))
    return both(lambda lang: repr(str(value))[:40])


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
    raw = text if isinstance(text, int | float) and not isinstance(text, bool) else str(text).strip()[:32]
    try:
        value = parse_decimal(raw)
    except ValueError:
        raise DecisionError("err_number", label=_label(field), got=_value(raw)) from None
    if not math.isfinite(value):
        raise DecisionError("err_finite", label=_label(field), got=_value(raw))
    return value


def _allowed(field: str) -> dict[str, str]:
    """'allowed: lo to hi' for a SupplierPolicy field, from its schema bounds."""
    lo, hi = 0.0, math.inf
    for bound in SupplierPolicy.model_fields[field].metadata:
        lo = float(getattr(bound, "ge", getattr(bound, "gt", lo)))
        hi = float(getattr(bound, "le", getattr(bound, "lt", hi)))
    return both(lambda lang: tr("allowed_range", lang, lo=plain(lo, lang), hi=plain(hi, lang)))


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
        raise DecisionError("err_unknown", field=repr(unknown[0][:40]))
    missing = [f for f in DECISIONS if f not in values]
    if missing:
        raise DecisionError("err_missing", label=_label(missing[0]))
    decision = {f: parse_number(f, values[f]) for f in DECISIONS}
    try:
        SupplierPolicy.model_validate({**current, **decision})
    except ValidationError as e:
        err = e.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "promise"
        field = field if field in DECISIONS else "promise"
        raise DecisionError(
            "err_range", label=_label(field), value=_value(decision[field]), allowed=_allowed(field)
        ) from None
    most = full_reach_budget(scenario.advertising.reach)
    if decision["ad_budget"] > most:
        raise DecisionError("err_ads_max", value=_value(decision["ad_budget"]), most=_value(most))
    return decision


def check_budget(
    decision: dict[str, float], customers: int, scenario: Scenario, firms: int, steps_per_round: int, budget: float
) -> Spend:
    """The planned spend of a valid decision, or a DecisionError if it exceeds the round's budget."""
    spend = planned_spend(decision, customers, scenario, firms, steps_per_round)
    if spend.total > budget + 1e-9:

        def money(value: float) -> dict[str, str]:
            return both(lambda lang: number(value, lang))

        raise DecisionError(
            "err_budget",
            total=money(spend.total),
            ads=money(spend.advertising),
            od=money(spend.over_delivery),
            care=money(spend.care),
            budget=money(budget),
        )
    return spend


def long_term_income(rounds: pd.DataFrame, scenario: Scenario, steps_per_round: int, horizon: int) -> pd.DataFrame:
    """The game's score, round by round: long-term income = profit so far + the value of the customers.

    A firm's *customer base value* at the end of a round is, for each of its customers, the
    expected discounted margin over `horizon` periods from then on
    (:func:`trustsim.mechanisms.planning.customer_value`): the margin is the price minus the cost of
    serving one customer at the firm's policy in force (:func:`~trustsim.mechanisms.money.unit_cost`),
    less the round's relationship gestures per customer and period when the model has them, the
    retention one minus the share of its customers lost per period (to rivals, out of the market,
    or lapsed when the model has lapse) over all rounds so far. It is discounted to period 0 like
    the profit, so *score* = ``discounted_profit + base_value`` adds like with like.

    Args:
        rounds: one row per firm x round with `supplier`, `round`, `customers`, the policy in force
            (`over_delivery`, `care`), `discounted_profit`, the round's `churned` and `departed`
            (and `lapsed`, `gesture_costs` if present) and `customer_periods` (customers summed over
            the round's periods).
        scenario: the game's scenario (price, money).
        steps_per_round: periods per round.
        horizon: periods ahead a customer's value counts (the game's length).

    Returns:
        A copy of `rounds` with `retention`, `base_value` and `score` added.
    """
    out = rounds.sort_values(["supplier", "round"]).copy()
    per = out.groupby("supplier")
    losses = [c for c in ("churned", "departed", "lapsed") if c in out.columns]
    lost = per[losses].cumsum().sum(axis=1)
    exposure = per["customer_periods"].cumsum().to_numpy(dtype=np.float64)
    share_lost = np.divide(lost.to_numpy(dtype=np.float64), exposure, out=np.ones_like(exposure), where=exposure > 0)
    out["retention"] = np.clip(1.0 - share_lost, 0.0, 1.0)
    money = scenario.money
    margin = scenario.supplier_defaults.price - unit_cost(
        out["over_delivery"].to_numpy(dtype=np.float64), out["care"].to_numpy(dtype=np.float64), money
    )
    if "gesture_costs" in out.columns:  # per customer-period, over the round
        periods = out["customer_periods"].to_numpy(dtype=np.float64)
        gestures = out["gesture_costs"].to_numpy(dtype=np.float64)
        margin = margin - np.divide(gestures, periods, out=np.zeros_like(periods), where=periods > 0)
    value = customer_value(margin, 1.0 - out["retention"].to_numpy(), money.discount_rate, horizon)
    now = discount_factor(out["round"].to_numpy(dtype=np.float64) * steps_per_round, money.discount_rate)
    out["base_value"] = out["customers"].to_numpy(dtype=np.float64) * value * now
    out["score"] = out["discounted_profit"] + out["base_value"]
    return out.sort_index()
