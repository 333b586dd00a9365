"""Per-step measures: the public tables `model.parquet` and `suppliers.parquet`.

The column names are a contract (sweeps, experiments, the app and users' scripts rely on
them): extend, never rename. Measures follow MODEL_BRIEF: customers, ambassadors,
detractors, NPS, trust per component, churn, acquisitions per channel, revenue, market share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from trustsim.config import COMPONENTS
from trustsim.mechanisms import loyalty
from trustsim.mechanisms.channels import AD, BANNER, RECOMMENDATION, REVIEW
from trustsim.mechanisms.trust import BROKEN, EXCEEDED, KEPT, combine

if TYPE_CHECKING:
    from trustsim.model import TrustMarket

TRUST_COLUMNS = tuple(f"trust_{c}" for c in COMPONENTS)

MODEL_COLUMNS: tuple[str, ...] = (
    "step",
    "customer_share",
    "ambassador_share",
    "detractor_share",
    "nps",
    "mean_trust",
    *TRUST_COLUMNS,
    "prospect_share",
    "loyal_share",
    "customers",
    "acquired",
    "acquired_ads",
    "acquired_banners",
    "acquired_reviews",
    "acquired_recommendations",
    "churned",
    "revenue",
    "kept",
    "broken",
    "exceeded",
    "departed",
)
"""Columns of `model.parquet`, one row per step (step 0 = initial state)."""

SUPPLIER_COLUMNS: tuple[str, ...] = (
    "step",
    "supplier",
    "name",
    "customers",
    "ambassadors",
    "detractors",
    "nps",
    "trust",
    *TRUST_COLUMNS,
    "acquired_ads",
    "acquired_reviews",
    "acquired_recommendations",
    "churned",
    "revenue",
    "loyal",
    "market_share",
    "acquired",
    "acquired_banners",
    "kept",
    "broken",
    "exceeded",
    "effort",
    "promise",
    "over_delivery",
    "ad_budget",
    "care",
    "transparency",
    "departed",
)
"""Columns of `suppliers.parquet`, one row per step x supplier.

`trust*` is the mean trust of the supplier's current and former customers (NaN if it never
had one); `nps` is over its current customers (NaN if none); `acquired_ads` counts all
advertising (mass media and banners), `acquired_banners` the banner part of it; `acquired`
= ads + reviews + recommendations; `churned` counts customers who switched to a rival,
`departed` those who left the market (`market.turnover`); policy columns show the policy in force (imitation may
change it).
"""


@dataclass
class Flows:
    """Events counted during one step, per supplier."""

    acquired: np.ndarray  # (S, 4) by channel
    churned: np.ndarray
    outcomes: np.ndarray  # (S, 3) broken, kept, exceeded
    effort_sum: np.ndarray
    departed: np.ndarray  # customers who left the market (turnover)

    @classmethod
    def zeros(cls, suppliers: int) -> Flows:
        """No events yet."""
        return cls(
            np.zeros((suppliers, 4), dtype=np.int64),
            np.zeros(suppliers, dtype=np.int64),
            np.zeros((suppliers, 3), dtype=np.int64),
            np.zeros(suppliers),
            np.zeros(suppliers, dtype=np.int64),
        )

    def record_acquisitions(self, supplier: np.ndarray, channel: np.ndarray) -> None:
        """Count new customers by supplier and the channel that brought them."""
        s = self.acquired.shape[0]
        idx = np.asarray(supplier, dtype=np.int64) * 4 + np.asarray(channel, dtype=np.int64)
        self.acquired += np.bincount(idx, minlength=s * 4).reshape(s, 4)

    def record_deliveries(self, supplier: np.ndarray, outcome: np.ndarray, effort: np.ndarray) -> None:
        """Count kept, broken and exceeded promises and total effort per supplier."""
        s = self.outcomes.shape[0]
        idx = supplier * 3 + (outcome.astype(np.int64) - BROKEN)
        self.outcomes += np.bincount(idx, minlength=s * 3).reshape(s, 3)
        self.effort_sum += np.bincount(supplier, weights=effort, minlength=s)


def population_counts(model: TrustMarket) -> dict[str, np.ndarray]:
    """Counts and sums over the customers that the measures need (one pass each in numpy).

    The compiled twin is :func:`trustsim.kernels.population_counts`; both return per supplier
    `customers`, `ambassadors`, `detractors` (by last supplier), `loyal`, `promoters` and
    `nps_detractors` (current customers scoring 9-10 / 0-6), `experienced_count` and
    `trust_sums` (5, S) (total trust and the four components summed over former and current
    customers, by last supplier); `stages` (customers per loyalty stage); `total_trust` (each
    experienced customer's overall trust in its last supplier).
    """
    pop, s = model.population, model.config.market.suppliers
    has = pop.supplier >= 0
    current = pop.supplier[has].astype(np.int64)
    score, stage = pop.score[has], pop.stage
    _, last, components = model._experienced
    total = combine(components, model.weights)
    return {
        "customers": np.bincount(current, minlength=s),
        "ambassadors": np.bincount(pop.supplier[stage == loyalty.AMBASSADOR].astype(np.int64), minlength=s),
        "detractors": np.bincount(pop.last_supplier[stage == loyalty.DETRACTOR].astype(np.int64), minlength=s),
        "loyal": np.bincount(pop.supplier[stage == loyalty.LOYAL].astype(np.int64), minlength=s),
        "promoters": np.bincount(current[score >= loyalty.PROMOTER_MIN], minlength=s),
        "nps_detractors": np.bincount(current[score <= loyalty.DETRACTOR_MAX], minlength=s),
        "stages": np.bincount(stage, minlength=len(loyalty.STAGES)),
        "total_trust": total,
        "experienced_count": np.bincount(last, minlength=s),
        "trust_sums": np.stack([np.bincount(last, weights=v, minlength=s) for v in (total, *components.T)]),
    }


def _means(count: np.ndarray, total: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def measure(
    model: TrustMarket, counts: dict[str, np.ndarray] | None = None
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """The model's and each supplier's measures at the end of the current step.

    `counts` are :func:`population_counts` (computed here when not given).
    """
    counts = population_counts(model) if counts is None else counts
    pop, flows = model.population, model.flows
    n, s = pop.n, model.config.market.suppliers
    customers = counts["customers"]
    experienced, _, components = model._experienced
    total_trust = counts["total_trust"]
    n_customers = int(customers.sum())

    sup: dict[str, np.ndarray] = {
        "step": np.full(s, model.steps),
        "supplier": np.arange(s),
        "name": np.array([a.name for a in model.suppliers_list], dtype=object),
        "customers": customers,
        "ambassadors": counts["ambassadors"],
        "detractors": counts["detractors"],
        "loyal": counts["loyal"],
        "nps": loyalty.nps_from_counts(counts["promoters"], counts["nps_detractors"], customers),
        "trust": _means(counts["experienced_count"], counts["trust_sums"][0]),
        "market_share": customers / n,
        "churned": flows.churned.copy(),
        "departed": flows.departed.copy(),
        "kept": flows.outcomes[:, KEPT - BROKEN].copy(),
        "broken": flows.outcomes[:, 0].copy(),
        "exceeded": flows.outcomes[:, EXCEEDED - BROKEN].copy(),
    }
    for k, col in enumerate(TRUST_COLUMNS):
        sup[col] = _means(counts["experienced_count"], counts["trust_sums"][k + 1])
    acq = flows.acquired
    sup["acquired_ads"] = acq[:, AD] + acq[:, BANNER]
    sup["acquired_banners"] = acq[:, BANNER].copy()
    sup["acquired_reviews"] = acq[:, REVIEW].copy()
    sup["acquired_recommendations"] = acq[:, RECOMMENDATION].copy()
    sup["acquired"] = acq.sum(axis=1)
    deliveries = flows.outcomes.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sup["effort"] = np.where(deliveries > 0, flows.effort_sum / np.maximum(deliveries, 1), np.nan)
    policies = [a.policy() for a in model.suppliers_list]
    for field in ("promise", "over_delivery", "ad_budget", "care", "transparency"):
        sup[field] = np.array([p[field] for p in policies])
    sup["revenue"] = customers * np.array([p["price"] for p in policies])

    stages = counts["stages"]
    model_row: dict[str, float] = {
        "step": int(model.steps),
        "customer_share": float(n_customers / n),
        "ambassador_share": float(stages[loyalty.AMBASSADOR] / n),
        "detractor_share": float(stages[loyalty.DETRACTOR] / n),
        "prospect_share": float(stages[loyalty.PROSPECT] / n),
        "loyal_share": float(stages[loyalty.LOYAL] / n),
        "nps": loyalty.nps_from_totals(int(counts["promoters"].sum()), int(counts["nps_detractors"].sum()),
                                       n_customers),
        "mean_trust": float(total_trust.mean()) if len(experienced) else float("nan"),
        "customers": n_customers,
        "revenue": float(sup["revenue"].sum()),
    }
    for k, col in enumerate(TRUST_COLUMNS):
        model_row[col] = float(components[:, k].mean()) if len(experienced) else float("nan")
    for col in ("acquired", "acquired_ads", "acquired_banners", "acquired_reviews",
                "acquired_recommendations", "churned", "departed", "kept", "broken", "exceeded"):
        model_row[col] = int(sup[col].sum())
    return model_row, sup
