"""Suppliers: few, each a Mesa agent with a policy (MODEL_BRIEF 'What this means for the model').

A supplier's *policy* (promise level, over-delivery, advertising, repair, care, capacity,
price) lives on the agent; its *state* (customers, trust, revenue) lives in the model's
arrays and is read from there, never copied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from trustsim.config import SupplierPolicy
from trustsim.mechanisms.imitation import IMITABLE, imitate

if TYPE_CHECKING:
    from trustsim.model import TrustMarket

POLICY_FIELDS: tuple[str, ...] = tuple(f for f in SupplierPolicy.model_fields if f != "name")


class Supplier(mesa.Agent):
    """A supplier with a policy; its measures are read from the model's per-step metrics."""

    model: TrustMarket

    def __init__(self, model: TrustMarket, index: int, policy: SupplierPolicy) -> None:
        super().__init__(model)
        self.index = index
        self.name = policy.name
        for field in POLICY_FIELDS:
            setattr(self, field, float(getattr(policy, field)))

    def policy(self) -> dict[str, float]:
        """The supplier's current policy as a dict."""
        return {f: getattr(self, f) for f in POLICY_FIELDS}

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
            for field, value in imitate(self.policy(), rival.policy(), params.strength).items():
                setattr(self, field, value)


def policy_arrays(suppliers: list[Supplier]) -> dict[str, np.ndarray]:
    """Each policy field as an array over suppliers (index order), for vectorised steps."""
    return {f: np.array([getattr(s, f) for s in suppliers], dtype=np.float64) for f in POLICY_FIELDS}


__all__ = ["IMITABLE", "POLICY_FIELDS", "Supplier", "policy_arrays"]
