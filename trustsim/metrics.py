"""Per-step measures: the public tables `model.parquet` and `suppliers.parquet`.

The column names are a contract (sweeps, experiments, the app and users' scripts rely on
them): extend, never rename. Measures follow MODEL_BRIEF: customers, ambassadors,
detractors, NPS, trust per component, churn, acquisitions per channel, revenue, market share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trustsim import outputs
from trustsim.config import Money
from trustsim.jit import loop
from trustsim.mechanisms import loyalty
from trustsim.mechanisms.channels import AD, BANNER, RECOMMENDATION, REVIEW
from trustsim.mechanisms.money import discount_factor, gesture_costs, total_costs
from trustsim.mechanisms.trust import BROKEN, COMPONENTS, EXCEEDED, KEPT, combine
from trustsim.phases import Delivery, Served
from trustsim.population import Population
from trustsim.suppliers import SupplierState

TRUST_COLUMNS = tuple(f"trust_{c}" for c in COMPONENTS)

MODEL_COLUMNS: tuple[str, ...] = tuple(outputs.MODEL)
"""Columns of `model.parquet`, one row per step (step 0 = initial state), as declared in
:data:`trustsim.outputs.MODEL` (name, unit, definition and kind, once)."""

MARKET_FLOWS: tuple[str, ...] = outputs.columns(outputs.MODEL, outputs.FLOW, also_in=outputs.SUPPLIER)
"""The market's flows that are the sum of the suppliers' (acquisitions, churn, promises, money, ...)."""

SUPPLIER_COLUMNS: tuple[str, ...] = tuple(outputs.SUPPLIER)
"""Columns of `suppliers.parquet`, one row per step x supplier, as declared in
:data:`trustsim.outputs.SUPPLIER`.

`trust*` is the mean trust of the supplier's current and former customers (NaN if it never
had one); `nps` is over its current customers (NaN if none); `acquired_ads` counts all
advertising (mass media and banners), `acquired_banners` the banner part of it; `acquired`
= ads + reviews + recommendations; `churned` counts customers who switched to a rival,
`departed` those who left the market (`market.turnover`); policy columns show the policy in force (imitation may
change it). Money: `revenue` = customers at the end of the period x price; `service_costs` = those
customers x the cost of serving them (`money.service_cost` + over-delivery and care); `ad_costs` =
people reached by its advertising (`reached`) x `money.ad_cost`; `costs` = service + ads +
`money.fixed_cost`; `profit` = revenue - costs; `discounted_profit` = profit discounted to step 0
at `money.discount_rate` per period, summed from step 0 to this step. Word of mouth:
`wom_positive` / `wom_negative` = recommendations / warnings said about the supplier this period;
`trusting` = its current customers whose overall trust in it is at least
:data:`TRUSTING_LEVEL`.
"""

TRUSTING_LEVEL = 0.5
"""Overall trust from which a customer counts as trusting its supplier (as surveys ask: "do you
trust your bank?")."""


@dataclass
class Flows:
    """Events counted during one step, per supplier."""

    acquired: np.ndarray  # (S, 4) by channel
    churned: np.ndarray
    outcomes: np.ndarray  # (S, 3) broken, kept, exceeded
    effort_sum: np.ndarray
    departed: np.ndarray  # customers who left the market (turnover)
    reached: np.ndarray  # people reached by each supplier's advertising
    unit_cost: np.ndarray  # cost of serving one customer this week, per supplier
    wom_positive: np.ndarray  # recommendations said about each supplier
    wom_negative: np.ndarray  # warnings said about each supplier
    ad_spend: np.ndarray  # this week's advertising bill, per supplier
    gestures: np.ndarray  # relationship gestures made, per supplier
    lapsed: np.ndarray  # customers who stopped buying from anyone (lapse), per supplier
    prospects_referred: int = 0  # people reached by a recommendation for the first time while prospects

    @classmethod
    def zeros(cls, suppliers: int) -> Flows:
        """No events yet."""
        s = suppliers
        return cls(
            acquired=np.zeros((s, 4), dtype=np.int64),
            churned=np.zeros(s, dtype=np.int64),
            outcomes=np.zeros((s, 3), dtype=np.int64),
            effort_sum=np.zeros(s),
            departed=np.zeros(s, dtype=np.int64),
            reached=np.zeros(s, dtype=np.int64),
            unit_cost=np.zeros(s),
            wom_positive=np.zeros(s, dtype=np.int64),
            wom_negative=np.zeros(s, dtype=np.int64),
            ad_spend=np.zeros(s),
            gestures=np.zeros(s, dtype=np.int64),
            lapsed=np.zeros(s, dtype=np.int64),
        )

    def record_acquisitions(self, supplier: np.ndarray, channel: np.ndarray) -> None:
        """Count new customers by supplier and the channel that brought them."""
        s = self.acquired.shape[0]
        idx = np.asarray(supplier, dtype=np.int64) * 4 + np.asarray(channel, dtype=np.int64)
        self.acquired += np.bincount(idx, minlength=s * 4).reshape(s, 4)

    def record_delivery(self, delivery: Delivery) -> None:
        """Count kept, broken and exceeded promises, the effort put in and the gestures made, per supplier."""
        self.outcomes += delivery.outcomes
        self.effort_sum += delivery.effort_sum
        self.gestures += delivery.gestures


@loop
def _histogram(supplier, last_supplier, stage, score, s_count, n_stages):
    """Customers by (current supplier + 1, stage, promoter / passive / detractor score), and
    detractors by last supplier: one increment per customer, so no counter waits on the last."""
    h = np.zeros((s_count + 1, n_stages, 3), np.int64)
    detractors = np.zeros(s_count, np.int64)
    for i in range(supplier.shape[0]):
        st, sc = stage[i], score[i]
        h[supplier[i] + 1, st, loyalty.nps_group(sc)] += 1
        if st == loyalty.DETRACTOR:
            detractors[last_supplier[i]] += 1
    return h, detractors


@loop
def _sums_by(group, components, w, s_count, customers, supplier, level, total):
    count = np.zeros(s_count, np.int64)
    trusting = np.zeros(s_count, np.int64)
    sums = np.zeros((5, s_count), np.float64)
    for j in range(group.shape[0]):
        g = group[j]
        count[g] += 1
        total[j] = combine(components[j], w)
        if supplier[customers[j]] >= 0 and total[j] >= level:
            trusting[g] += 1
        sums[0, g] += np.float64(total[j])
        for k in range(4):
            sums[k + 1, g] += np.float64(components[j, k])
    return count, sums, trusting


def _means(count: np.ndarray, total: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


@dataclass
class Survey:
    """The NPS survey: its ``[survey]`` parameters and its own random stream (measuring draws nothing
    from the run's generator, so switching the survey on changes no behaviour)."""

    shift: float
    sd: float
    rng: np.random.Generator


def _surveyed(
    experienced: Served, total_trust: np.ndarray, pop: Population, s: int, survey: Survey
) -> tuple[np.ndarray, np.ndarray]:
    """Promoters and critics per supplier among its current customers, from survey answers."""
    current = pop.supplier[experienced.customer] >= 0
    trust = total_trust[current]
    answers = loyalty.survey_answers(trust, survey.rng.standard_normal(len(trust)), survey.shift, survey.sd)
    supplier = experienced.supplier[current]
    count = np.bincount(supplier * 3 + loyalty.nps_groups(answers), minlength=3 * s).reshape(s, 3)
    return count[:, loyalty.PROMOTER], count[:, loyalty.CRITIC]


def measure(
    step: int,
    pop: Population,
    experienced: Served,
    weights: np.ndarray,
    flows: Flows,
    suppliers: SupplierState,
    money: Money,
    survey: Survey | None = None,
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """The model's and each supplier's measures at the end of a step.

    Args:
        step: the step just completed (0: the initial state).
        pop: the customer state.
        experienced: everyone with a last supplier, that supplier and their trust components in
            it (as returned by :func:`trustsim.phases.rank`).
        weights: the trust component weights.
        flows: the events counted during the step.
        suppliers: each supplier's name, policy in force and profit discounted to step 0, summed up
            to the last step.
        money: the costs and the discount rate.
        survey: how NPS is measured, with the survey's own generator (None: from the behavioural score).

    Returns:
        (one row of `model.parquet`, the columns of `suppliers.parquet` for this step).
    """
    s, n, policy = len(suppliers), pop.n, suppliers.policy
    h, detractors = _histogram(pop.supplier, pop.last_supplier, pop.stage, pop.score, s, len(loyalty.STAGES))
    current = h[1:]
    customers = current.sum(axis=(1, 2))
    promoters = current[:, :, loyalty.PROMOTER].sum(axis=1)
    nps_detractors = current[:, :, loyalty.CRITIC].sum(axis=1)
    stages = h.sum(axis=(0, 2))
    components = experienced.components
    total_trust = np.empty(len(components), np.float32)  # overall trust of each, filled in by _sums_by
    count, trust_sums, trusting = _sums_by(
        experienced.supplier,
        components,
        weights,
        s,
        experienced.customer,
        pop.supplier,
        np.float32(TRUSTING_LEVEL),
        total_trust,
    )
    n_customers = int(customers.sum())
    if survey is not None:  # NPS from a survey answer drawn around trust, not the behavioural score
        promoters, nps_detractors = _surveyed(experienced, total_trust, pop, s, survey)

    sup: dict[str, np.ndarray] = {
        "step": np.full(s, step),
        "supplier": np.arange(s),
        "name": np.array(suppliers.names, dtype=object),
        "customers": customers,
        "ambassadors": current[:, loyalty.AMBASSADOR].sum(axis=1),
        "detractors": detractors,
        "loyal": current[:, loyalty.LOYAL].sum(axis=1),
        "nps": loyalty.nps_from_counts(promoters, nps_detractors, customers),
        "trust": _means(count, trust_sums[0]),
        "market_share": customers / n,
        "churned": flows.churned.copy(),
        "departed": flows.departed.copy(),
        "kept": flows.outcomes[:, KEPT - BROKEN].copy(),
        "broken": flows.outcomes[:, 0].copy(),
        "exceeded": flows.outcomes[:, EXCEEDED - BROKEN].copy(),
    }
    for k, col in enumerate(TRUST_COLUMNS):
        sup[col] = _means(count, trust_sums[k + 1])
    acq = flows.acquired
    sup["acquired_ads"] = acq[:, AD] + acq[:, BANNER]
    sup["acquired_banners"] = acq[:, BANNER].copy()
    sup["acquired_reviews"] = acq[:, REVIEW].copy()
    sup["acquired_recommendations"] = acq[:, RECOMMENDATION].copy()
    sup["acquired"] = acq.sum(axis=1)
    deliveries = flows.outcomes.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sup["effort"] = np.where(deliveries > 0, flows.effort_sum / np.maximum(deliveries, 1), np.nan)
    for field in ("promise", "over_delivery", "ad_budget", "care", "transparency"):
        sup[field] = policy[field].copy()
    sup["revenue"] = customers * policy["price"]
    sup["service_costs"] = customers * flows.unit_cost
    sup["ad_costs"] = flows.ad_spend.copy()
    sup["gestures"] = flows.gestures.copy()
    sup["gesture_costs"] = gesture_costs(flows.gestures, money)
    sup["costs"] = total_costs(sup["service_costs"], sup["ad_costs"], sup["gesture_costs"], money)
    sup["profit"] = sup["revenue"] - sup["costs"]
    sup["discounted_profit"] = suppliers.discounted_profit + sup["profit"] * discount_factor(step, money.discount_rate)
    sup["reached"] = flows.reached.copy()
    sup["anchoring"] = policy["anchoring"].copy()
    sup["wom_positive"] = flows.wom_positive.copy()
    sup["wom_negative"] = flows.wom_negative.copy()
    sup["trusting"] = trusting
    sup["lapsed"] = flows.lapsed.copy()
    sup["goodwill"] = suppliers.goodwill.copy()
    for field in ("follow_up", "surprise"):
        sup[field] = policy[field].copy()

    has_experience = len(experienced.customer) > 0
    model_row: dict[str, float] = {
        "step": int(step),
        "customer_share": float(n_customers / n),
        "ambassador_share": float(stages[loyalty.AMBASSADOR] / n),
        "detractor_share": float(stages[loyalty.DETRACTOR] / n),
        "prospect_share": float(stages[loyalty.PROSPECT] / n),
        "loyal_share": float(stages[loyalty.LOYAL] / n),
        "nps": loyalty.nps_from_totals(int(promoters.sum()), int(nps_detractors.sum()), n_customers),
        "mean_trust": float(total_trust.mean()) if has_experience else float("nan"),
        "customers": n_customers,
        "prospects_referred": int(flows.prospects_referred),
        "trusting_share": float(trusting.sum() / n_customers) if n_customers else float("nan"),
    }
    for k, col in enumerate(TRUST_COLUMNS):
        model_row[col] = float(components[:, k].mean()) if has_experience else float("nan")
    for col in MARKET_FLOWS:
        model_row[col] = sup[col].sum().item()  # a Python int for counts, a float for money
    return model_row, sup
