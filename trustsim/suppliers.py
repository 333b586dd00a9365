"""Suppliers: few, each a Mesa agent with a policy (MODEL_BRIEF 'What this means for the model').

A supplier's *policy* (promise level, over-delivery, advertising, repair, care, capacity,
price) and its *stocks* (capacity in customers, a pending broken-promise wave, discounted profit)
live in one :class:`SupplierState`, a struct of arrays over suppliers like
:class:`~trustsim.population.Population` is for customers. The Mesa agents are thin views of it:
``supplier.promise`` reads the state, :meth:`Supplier.set_policy` (or ``supplier.promise = x``)
writes it, and the rules read the arrays directly, never a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from trustsim.config import Scenario, SupplierPolicy
from trustsim.mechanisms.imitation import IMITABLE, imitate

if TYPE_CHECKING:
    from trustsim.model import TrustMarket

POLICY_FIELDS: tuple[str, ...] = tuple(f for f in SupplierPolicy.model_fields if f != "name")


def capacities(shares: np.ndarray, customers: int) -> np.ndarray:
    """Most customers each supplier can serve: its `capacity` share of the market, at least 1.

    Example:
        >>> capacities(np.array([1.0, 0.05, 0.0]), 1000).tolist()
        [1000, 50, 1]
    """
    return np.array([max(1, int(np.floor(float(s) * customers + 1e-9))) for s in shares], dtype=np.int64)


@dataclass
class SupplierState:
    """The suppliers' policies and stocks, one array entry per supplier (index order).

    Attributes:
        names: each supplier's name.
        policy: every field of :class:`~trustsim.config.SupplierPolicy` but the name, as a float array.
        capacity: most customers each can serve (from the `capacity` share of the market).
        failure_wave: share of next period's deliveries that fail (a broken-promise wave; used up).
        discounted_profit: profit discounted to step 0, summed up to the last step measured.
        goodwill: the advertising goodwill stock (money; 'goodwill' response, Nerlove & Arrow 1962).
        market_size: the number of people N (capacity is a share of it).
    """

    names: list[str]
    policy: dict[str, np.ndarray]
    capacity: np.ndarray
    failure_wave: np.ndarray
    discounted_profit: np.ndarray
    goodwill: np.ndarray
    market_size: int

    @classmethod
    def from_scenario(cls, sc: Scenario) -> SupplierState:
        """The suppliers of scenario `sc` at the start of a run."""
        policies = sc.supplier_policies()
        policy = {f: np.array([float(getattr(p, f)) for p in policies], dtype=np.float64) for f in POLICY_FIELDS}
        s = len(policies)
        n = sc.market.customers
        zeros = np.zeros(s)
        return cls(
            [p.name for p in policies], policy, capacities(policy["capacity"], n), zeros, zeros.copy(), zeros.copy(), n
        )

    def __len__(self) -> int:
        return len(self.names)

    def policy_of(self, index: int) -> dict[str, float]:
        """Supplier `index`'s policy in force, as a dict of floats."""
        return {f: float(values[index]) for f, values in self.policy.items()}

    def set_policy(self, index: int, **fields: float) -> None:
        """Change supplier `index`'s policy (the one way a policy changes: decisions, imitation, experiments).

        Raises:
            KeyError: a field that is not a policy field.
        """
        unknown = sorted(set(fields) - set(POLICY_FIELDS))
        if unknown:
            raise KeyError(f"{unknown[0]!r} is not a policy field; the fields are {', '.join(POLICY_FIELDS)}")
        for field, value in fields.items():
            self.policy[field][index] = float(value)
        if "capacity" in fields:
            self.capacity[index] = capacities(self.policy["capacity"][index : index + 1], self.market_size)[0]


class Supplier(mesa.Agent):
    """A supplier: a view of its entry in the model's :class:`SupplierState`.

    Each policy field reads as an attribute (``supplier.ad_budget``); measures of the current
    step through :meth:`measure`.
    """

    model: TrustMarket

    def __init__(self, model: TrustMarket, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def name(self) -> str:
        """The supplier's name."""
        return self.model.supplier_state.names[self.index]

    def __getattr__(self, field: str) -> float:
        if field in POLICY_FIELDS:
            return float(self.model.supplier_state.policy[field][self.index])
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {field!r}")

    def __setattr__(self, field: str, value: Any) -> None:
        if field in POLICY_FIELDS:
            self.set_policy(**{field: value})
        else:
            super().__setattr__(field, value)

    def policy(self) -> dict[str, float]:
        """The supplier's current policy as a dict."""
        return self.model.supplier_state.policy_of(self.index)

    def set_policy(self, **fields: float) -> None:
        """Change this supplier's policy (:meth:`SupplierState.set_policy`)."""
        self.model.supplier_state.set_policy(self.index, **fields)

    def measure(self, name: str) -> Any:
        """This supplier's value of a per-supplier measure of the current step."""
        return self.model.supplier_metrics[name][self.index]

    def imitate(self) -> None:
        """Role model (MODEL_BRIEF §2.9): with chance `imitation.rate`, look at a random rival
        and, if it earned more this step, move the policy towards the rival's."""
        params = self.model.config.imitation
        if params.rate <= 0 or len(self.model.suppliers_list) < 2:
            return
        rng = self.model.rng
        if rng.random() >= params.rate:
            return
        others = [s for s in self.model.suppliers_list if s is not self]
        rival = others[int(rng.integers(len(others)))]
        revenue = self.model.supplier_metrics["revenue"]
        if revenue[rival.index] > revenue[self.index]:
            self.set_policy(**imitate(self.policy(), rival.policy(), params.strength))


__all__ = ["IMITABLE", "POLICY_FIELDS", "Supplier", "SupplierState", "capacities"]
