"""Money: price, the cost of serving, advertising and standing still, and discounting.

Models: the source text's claim is about long-term income (MODEL_BRIEF §2: "Wil je op langere
termijn meer inkomen?"), so service is not free: over-delivery and care cost money per customer
served, advertising costs money per person reached, and future profit is discounted. Customer
lifetime value and referral value follow Kumar, Petersen & Leone (2007, 2010).
"""

from __future__ import annotations

import numpy as np

from trustsim.config import Money


def unit_cost(over_delivery: np.ndarray, care: np.ndarray, money: Money) -> np.ndarray:
    """Cost of serving one customer for one period, per supplier: base + over-delivery + care."""
    return money.service_cost + money.over_delivery_cost * over_delivery + money.care_cost * care


def advertising_cost(reached: np.ndarray, money: Money) -> np.ndarray:
    """Cost of this period's advertising per supplier: `ad_cost` per person reached."""
    return money.ad_cost * reached


def discount_factor(steps: np.ndarray | float, rate: float) -> np.ndarray:
    """Weight of a profit earned `steps` periods later in a value discounted to now: ``(1 + rate) ** -steps``."""
    return (1.0 + rate) ** -np.asarray(steps, dtype=np.float64)
