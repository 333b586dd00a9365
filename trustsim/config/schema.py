"""The scenario schema: every parameter of trustsim, once, with its type, range, unit and default.

A scenario is a TOML file (see ``configs/baseline.toml``) validated by the pydantic models
below. This module is the single source of truth for parameter names, defaults and ranges;
the model, sweeps, the app and the docs all read it. Loading and ``--set`` overrides live in
:mod:`trustsim.config.loading`, the wording of validation errors in
:mod:`trustsim.config.messages`.

Every number has a range that keeps the model's arithmetic finite (float32 trust, float64
money): an upper bound on each count, rate, weight, price and budget, and
``allow_inf_nan=False`` everywhere.
"""

from __future__ import annotations

import math
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from trustsim.errors import lookalike, lookalike_message, printable

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
LogOdds = Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)]
"""A change of trust in log-odds; trust is clipped to ±8, so 100 is more than any use needs."""

MIN_SPREAD = 1e-9
"""Smallest non-zero spread of a drawn quantity: below it, 1/sd² (the Beta's and Gamma's shape)
overflows or divides by zero, and the spread is nil anyway."""


def _resolvable_spread(value: float) -> float:
    if 0 < value < MIN_SPREAD:
        raise ValueError(f"a spread is 0 (none) or at least {MIN_SPREAD:g}; a smaller one cannot be drawn")
    return value


Spread = Annotated[float, AfterValidator(_resolvable_spread)]
"""A standard deviation drawn through 1/sd² (Beta, Gamma): 0, or at least :data:`MIN_SPREAD`."""

MAX_TIES = 1_000_000_000
"""Most directed ties a network may hold (customers x mean_degree): about 8 GB of indices."""

COMPONENTS: tuple[str, ...] = ("reliability", "transparency", "competence", "care")
"""The four components of trust, in increasing order of effect (MODEL_BRIEF §1)."""

CHANNELS: tuple[str, ...] = ("recommendation", "review", "ad", "banner")
"""Channels through which a prospect hears of a supplier (MODEL_BRIEF §4)."""


def section_model(info: FieldInfo | None) -> type[BaseModel] | None:
    """The pydantic model a field holds (itself, in a list, or in a union), or None for a value.

    The one lookup of "which section is below this key", used by the overrides, the error
    messages and the generated docs.
    """
    if info is None:
        return None
    todo: list[Any] = [info.annotation]
    while todo:
        ann = todo.pop(0)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return ann
        todo.extend(typing.get_args(ann))
    return None


def model_at(path: list[str | int] | tuple[Any, ...], root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    """The model holding the keys below ``path`` (list indexes skipped), or None if ``path`` is a value."""
    model: type[BaseModel] | None = root or Scenario
    for part in path:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            continue
        if model is None:
            return None
        model = section_model(model.model_fields.get(str(part)))
    return model


def refuse_bool_as_number(cls: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    """A 'before' field validator: true/false only where a field is a switch.

    pydantic would silently read ``rate = true`` as 1.0 and ``suppliers = true`` as 1.
    """
    values = value if isinstance(value, list) else [value]
    assert info.field_name is not None  # a field validator always runs for a named field
    if any(isinstance(v, bool) for v in values) and cls.model_fields[info.field_name].annotation is not bool:
        raise ValueError("true/false is not a number; give a number")
    return value


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    _no_bool_as_number = field_validator("*", mode="before")(refuse_bool_as_number)


class Market(Section):
    """Who is in the market."""

    customers: int = Field(default=10_000, ge=2, le=50_000_000, description="Number of customers N (people).")
    suppliers: int = Field(default=4, ge=1, le=250, description="Number of suppliers S.")
    turnover: Probability = Field(
        default=0.0,
        description=(
            "Share of people who leave the market each step (move away, no longer need it), each "
            "replaced by a newcomer who has never heard of any supplier; 0 = a closed market."
        ),
    )
    initial_customers: Probability = Field(
        default=0.0,
        description="Share of customers who already buy from a (uniformly random) supplier at step 0.",
    )


class Network(Section):
    """The social network along which word of mouth travels (MODEL_BRIEF §2, Verbinding)."""

    kind: Literal["well_mixed", "erdos_renyi", "small_world", "scale_free", "edge_list"] = Field(
        default="small_world",
        description=(
            "well_mixed: no edges, recommendations go to uniformly random people (mean field); "
            "erdos_renyi: random graph; small_world: Watts-Strogatz ring with rewiring; "
            "scale_free: Barabasi-Albert preferential attachment; edge_list: read from `path`."
        ),
    )
    mean_degree: float = Field(
        default=10.0, ge=1.0, le=10_000.0, allow_inf_nan=False, description="Mean number of ties per customer."
    )
    rewire: Probability = Field(
        default=0.1, description="small_world only: probability that each ring edge is rewired."
    )
    path: str = Field(
        default="",
        description=(
            "edge_list only: text file of 'u v' pairs (0-based customer ids, one tie a line, "
            "'#' comments), relative to the scenario file."
        ),
    )


class Propensity(Section):
    """Each customer's propensity to trust: the benefit of the doubt at first contact.

    Models: Voordeel van de twijfel (MODEL_BRIEF §2.2); Mayer et al. (1995) propensity.
    Drawn per customer from a Beta distribution with this mean and standard deviation.
    """

    mean: float = Field(default=0.5, gt=0.0, lt=1.0, description="Mean initial trust in a new supplier, (0, 1).")
    sd: Spread = Field(
        default=0.15, ge=0.0, lt=0.5, description="Spread of initial trust across customers (0, or at least 1e-9)."
    )

    @model_validator(mode="after")
    def _beta_feasible(self) -> Propensity:
        if self.sd > 0 and self.sd**2 >= self.mean * (1 - self.mean):
            raise ValueError(
                f"sd = {self.sd} is too large for mean = {self.mean}: a Beta distribution needs "
                f"sd^2 < mean*(1-mean) = {self.mean * (1 - self.mean):.4f}"
            )
        return self


class Trust(Section):
    """How experiences move trust (MODEL_BRIEF §1, §2.6-2.8; Slovic 1993; Jøsang & Ismail 2002).

    Trust components live in log-odds; a kept promise adds `gain`, a broken one subtracts
    `gain * loss_multiplier`, so exactly `loss_multiplier` kept promises undo one broken one.
    """

    weights: list[Annotated[float, Field(ge=0.0, le=1e6, allow_inf_nan=False)]] = Field(
        default=[0.1, 0.2, 0.3, 0.4],
        min_length=4,
        max_length=4,
        description=(
            "Weights of reliability, transparency, competence, care in overall trust "
            "(non-negative, normalised to sum 1; the brief orders them increasing)."
        ),
    )
    loss_multiplier: float = Field(
        default=3.0,
        ge=1.0,
        le=20.0,
        allow_inf_nan=False,
        description="Asymmetry: a broken promise costs this many times the gain of a kept one.",
    )
    gain: float = Field(
        default=0.15,
        gt=0.0,
        le=5.0,
        allow_inf_nan=False,
        description="Log-odds gained by a component per kept promise.",
    )
    over_delivery_gain: float = Field(
        default=2.0,
        ge=0.0,
        le=50.0,
        allow_inf_nan=False,
        description=(
            "Extra log-odds per unit of over-delivery (delivered minus promised) on an exceeded "
            "promise, for reliability, competence and care (Voortreffelijk)."
        ),
    )
    repair_relief: Probability = Field(
        default=0.6,
        description="Share of the loss avoided when a failure is admitted and repaired (right wrongs).",
    )
    care_rate: LogOdds = Field(
        default=0.1,
        description="Log-odds per step by which listening effort moves the care component.",
    )
    forgetting: Probability = Field(
        default=0.0,
        description="Share of each component's distance from its prior forgotten per step (0 = none).",
    )
    competence_visibility: Probability = Field(
        default=0.5,
        description=(
            "Share of the ability a supplier has beyond its promise that customers see in what is "
            "delivered, and credit to competence (0 = invisible, as in version 1)."
        ),
    )
    anchoring_gain: float = Field(
        default=0.5,
        ge=0.0,
        le=10.0,
        allow_inf_nan=False,
        description=(
            "Log-odds of transparency per kept promise that the supplier anchors ('says what it did'), "
            "as a multiple of `gain` (Verankering)."
        ),
    )
    gating: bool = Field(
        default=True,
        description=(
            "If false (the Bass limit): every reached prospect adopts, every customer recommends, "
            "nobody churns, whatever their trust."
        ),
    )

    @field_validator("weights")
    @classmethod
    def _weights_valid(cls, v: list[float]) -> list[float]:
        if any((not math.isfinite(w)) or w < 0 for w in v):
            raise ValueError(f"weights must be finite and >= 0, got {v}")
        if sum(v) <= 0:
            raise ValueError(f"weights must not all be zero, got {v}")
        return v


class Promises(Section):
    """Promise, delivery and disconfirmation (MODEL_BRIEF §2.5-2.7; Oliver 1980)."""

    tolerance: Probability = Field(
        default=0.05, description="|delivered - promised| within this counts as kept; above: exceeded; below: broken."
    )
    noise: Probability = Field(default=0.03, description="Standard deviation of delivered quality per delivery.")
    failure_drop: Probability = Field(
        default=0.3, description="Quality lost in an erratic failure (probability 1 - reliability)."
    )
    strain_start: Probability = Field(
        default=0.8, description="Utilisation of capacity above which quality starts to drop."
    )
    strain_loss: Probability = Field(
        default=0.5, description="Quality lost at full capacity (linear from strain_start)."
    )


class Loyalty(Section):
    """The loyalty ladder and NPS (MODEL_BRIEF §2.11; Reichheld 2003)."""

    loyal_tenure: int = Field(default=8, ge=1, le=10_000, description="Steps as a customer before one can be loyal.")
    ambassador_tenure: int = Field(
        default=20, ge=1, le=10_000, description="Steps as a customer before one can be an ambassador."
    )
    loyal_score: int = Field(
        default=7, ge=0, le=10, description="Minimum likelihood-to-recommend (0-10) of a loyal customer."
    )
    ambassador_score: int = Field(default=9, ge=0, le=10, description="Minimum score of an ambassador (a promoter).")
    detractor_score: int = Field(
        default=4, ge=0, le=10, description="A customer with experience and a score at or below this warns others."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Loyalty:
        if self.ambassador_tenure < self.loyal_tenure:
            raise ValueError("ambassador_tenure must be >= loyal_tenure")
        if not self.detractor_score < self.loyal_score <= self.ambassador_score:
            raise ValueError("scores must satisfy detractor_score < loyal_score <= ambassador_score")
        return self


class Wom(Section):
    """Word of mouth on the network (MODEL_BRIEF §2.9-2.11, §4)."""

    rate: float = Field(
        default=0.3,
        ge=0.0,
        le=100.0,
        allow_inf_nan=False,
        description="Recommendations an ambassador makes per step (Poisson mean) = Bass q.",
    )
    warn_rate: float = Field(
        default=0.5,
        ge=0.0,
        le=100.0,
        allow_inf_nan=False,
        description="Warnings a detractor gives per step (Poisson mean).",
    )
    signal: LogOdds = Field(default=0.5, description="Log-odds a fully credible message moves the hearer's trust.")
    mode: Literal["smooth", "gate"] = Field(
        default="smooth",
        description=(
            "'smooth': every customer recommends with a chance rising smoothly with its score, the "
            "disappointed warn; 'gate': only ambassadors recommend and detractors warn (version 1)."
        ),
    )
    recommend_midpoint: float = Field(
        default=8.5,
        ge=0.0,
        le=10.0,
        allow_inf_nan=False,
        description="Score (0-10) at which a customer recommends at half of `rate` (smooth mode).",
    )
    warn_midpoint: float = Field(
        default=3.5,
        ge=0.0,
        le=10.0,
        allow_inf_nan=False,
        description="Score at which a disappointed person warns at half of `warn_rate` (smooth mode).",
    )
    spread: float = Field(
        default=0.5,
        gt=0.0,
        le=10.0,
        allow_inf_nan=False,
        description="Score points over which the chance to talk rises by a factor e (smooth mode).",
    )
    talk_sd: Spread = Field(
        default=1.0,
        ge=0.0,
        le=10.0,
        allow_inf_nan=False,
        description="Spread of talkativeness between people (Gamma, mean 1; 0 = everyone alike, else at least 1e-9).",
    )
    hub_exponent: float = Field(
        default=0.0,
        ge=0.0,
        le=3.0,
        allow_inf_nan=False,
        description="Talkativeness grows as (degree / mean degree) to this power (opinion leaders; 0 = off).",
    )
    negative_weight: float = Field(
        default=1.0,
        ge=0.0,
        le=20.0,
        allow_inf_nan=False,
        description=(
            "Weight of a warning against a recommendation in the hearer's trust (smooth mode; the gate "
            "mode uses trust.loss_multiplier as in version 1)."
        ),
    )
    transfer: Probability = Field(
        default=0.3,
        description="Share of the gap to the recommender's own trust that a recommendation carries over.",
    )
    reach_rivals: bool = Field(
        default=True, description="A credible recommendation can move a rival's customer (through the switching rule)."
    )
    silent_suppliers: list[str] = Field(
        default_factory=list,
        description=(
            "Names of suppliers whose customers' recommendations are dropped after they are drawn (a "
            "counterfactual in which their ambassadors stay silent, Libai, Muller & Peres 2013; warnings stay)."
        ),
    )


class Credibility(Section):
    """How much people believe each channel (Nielsen 2009; MODEL_BRIEF §4)."""

    recommendation: Probability = Field(default=0.90, description="Recommendations from acquaintances.")
    review: Probability = Field(default=0.70, description="Online customer reviews.")
    ad: Probability = Field(default=0.55, description="Billboard, radio and TV advertising.")
    banner: Probability = Field(default=0.33, description="Online banners.")


class Reviews(Section):
    """Online reviews as a public pool per supplier."""

    post_rate: Probability = Field(default=0.05, description="Chance per step that a customer posts a review.")
    read_rate: Probability = Field(default=0.02, description="Chance per step that a prospect reads reviews.")
    memory: Probability = Field(default=0.9, description="Weight kept by old reviews each step (exponential).")


class Advertising(Section):
    """How advertising reaches people: linearly in this week's budget (Bass p; versions 1 and 2) or
    through a goodwill stock with carry-over and saturation (Nerlove & Arrow 1962; version 3)."""

    response: Literal["linear", "goodwill"] = Field(
        default="linear",
        description=(
            "'linear': an ad budget b reaches reach x b of the population each step and costs money.ad_cost "
            "per person reached (versions 1-2). 'goodwill': b is money spent per step, billed as spent; it "
            "builds a goodwill stock that keeps `carryover` of itself each step, and reaches "
            "max_reach x stock / (stock + saturation) of the population (Nerlove & Arrow 1962; Little 1970)."
        ),
    )
    reach: Probability = Field(
        default=0.01,
        description="'linear': share of the population an ad budget of 1 reaches per step (Bass p).",
    )
    max_reach: Probability = Field(
        default=0.02,
        description="'goodwill': share of the population reached per step when goodwill is far above `saturation`.",
    )
    saturation: float = Field(
        default=100.0,
        gt=0.0,
        le=1e9,
        allow_inf_nan=False,
        description="'goodwill': goodwill stock (money) at which reach is half of max_reach (diminishing returns).",
    )
    carryover: float = Field(
        default=0.93,
        ge=0.0,
        lt=1.0,
        allow_inf_nan=False,
        description=(
            "'goodwill': share of the goodwill stock kept from one step to the next (0.93 a week: 90% of an ad's "
            "effect within about 8 months, Leone 1995)."
        ),
    )


class Gestures(Section):
    """Relationship gestures: small, targeted, occasional acts of care ("een week later bellen")."""

    gain: LogOdds = Field(
        default=0.3,
        description="Log-odds a gesture adds to the care component of the customer's trust in the supplier.",
    )


class Lapse(Section):
    """Customers who stop buying from anyone for a while when their trust falls low (retention has value)."""

    rate: Probability = Field(
        default=0.0,
        description="Most chance per step that a customer stops buying (at trust far below `threshold`); 0 = off.",
    )
    threshold: Probability = Field(
        default=0.35, description="Overall trust in its supplier below which a customer becomes likely to lapse."
    )
    softness: float = Field(
        default=0.05,
        gt=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Width of the trust range over which the lapse hazard rises (as `switching.softness`).",
    )
    weeks: float = Field(
        default=26.0,
        ge=1.0,
        le=10_000.0,
        allow_inf_nan=False,
        description="Mean number of steps a lapsed customer buys from no one (geometric) before it may buy again.",
    )


class Survey(Section):
    """How the Net Promoter Score is measured: a noisy 0-10 answer drawn around trust (Reichheld 2003)."""

    nps_sd: float = Field(
        default=0.0,
        ge=0.0,
        le=10.0,
        allow_inf_nan=False,
        description=(
            "Standard deviation of the 0-10 likelihood-to-recommend answer around 10 x trust + nps_shift; "
            "0 = the answer is the behavioural score (versions 1-2)."
        ),
    )
    nps_shift: float = Field(
        default=0.0,
        ge=-10.0,
        le=10.0,
        allow_inf_nan=False,
        description="Points added to 10 x trust in the survey answer (how generously people answer).",
    )


class Switching(Section):
    """Choice and switching (MODEL_BRIEF §4: low trust everywhere locks the market)."""

    sensitivity: float = Field(
        default=8.0, ge=0.0, le=1000.0, allow_inf_nan=False, description="Logit choice: weight of trust in the utility."
    )
    threshold: Probability = Field(
        default=0.4, description="Trust below which a customer wants to leave; alternatives must be above it."
    )
    margin: Probability = Field(default=0.1, description="An alternative must be trusted this much more.")
    rate: Probability = Field(default=0.25, description="Chance per step that a willing customer actually switches.")
    softness: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description=(
            "Churn as a hazard: the wish to leave rises smoothly as trust falls below `threshold`, over "
            "this much trust (0 = a hard threshold, as in version 1)."
        ),
    )


class Mutual(Section):
    """Suppliers' trust in their customers, and the effort it buys (MODEL_BRIEF §1)."""

    prior: float = Field(default=0.8, gt=0.0, lt=1.0, description="A supplier's initial trust in a new customer.")
    reliability_mean: float = Field(
        default=0.9, gt=0.0, lt=1.0, description="Mean chance a customer behaves well (pays, does not threaten)."
    )
    reliability_sd: Spread = Field(
        default=0.05, ge=0.0, lt=0.5, description="Spread of customer reliability (0, or at least 1e-9)."
    )
    reciprocity: Probability = Field(
        default=0.5,
        description="How much a customer's behaviour depends on its own trust in the supplier (the spiral).",
    )
    gain: LogOdds = Field(default=0.2, description="Log-odds per good behaviour (losses use loss_multiplier).")

    @model_validator(mode="after")
    def _beta_feasible(self) -> Mutual:
        m, s = self.reliability_mean, self.reliability_sd
        if s > 0 and s**2 >= m * (1 - m):
            raise ValueError(f"reliability_sd = {s} is too large for reliability_mean = {m}")
        return self


class Fit(Section):
    """How well each supplier suits each customer, and what a recommendation tells about it."""

    sd: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description=(
            "Spread of fit across customer x supplier pairs: quality as experienced is delivered quality "
            "plus fit (0 = everyone alike, as in version 1)."
        ),
    )
    signal_noise: float = Field(
        default=0.05,
        ge=0.0,
        le=10.0,
        allow_inf_nan=False,
        description="Error of the recommender's judgement of whether the supplier suits the hearer.",
    )


class Money(Section):
    """Costs and discounting: profit, customer lifetime value and referral value (Kumar et al. 2010)."""

    service_cost: float = Field(
        default=0.5,
        ge=0.0,
        le=1e6,
        allow_inf_nan=False,
        description="Cost of serving one customer for one period at no over-delivery and no care.",
    )
    over_delivery_cost: float = Field(
        default=2.0,
        ge=0.0,
        le=1e6,
        allow_inf_nan=False,
        description="Extra cost per customer per period per unit of over-delivery.",
    )
    care_cost: float = Field(
        default=0.2,
        ge=0.0,
        le=1e6,
        allow_inf_nan=False,
        description="Extra cost per customer per period per unit of care effort.",
    )
    ad_cost: float = Field(
        default=1.0,
        ge=0.0,
        le=1e6,
        allow_inf_nan=False,
        description=(
            "Cost of reaching one person with an ad or banner (an effective exposure, one that can win "
            "a customer: Bass p), in units of price per period."
        ),
    )
    fixed_cost: float = Field(
        default=0.0, ge=0.0, le=1e9, allow_inf_nan=False, description="Fixed cost of each supplier per period."
    )
    gesture_cost: float = Field(
        default=1.0,
        ge=0.0,
        le=1e6,
        allow_inf_nan=False,
        description="Cost of one relationship gesture (a follow-up call, a small surprise), in units of price.",
    )
    discount_rate: float = Field(
        default=0.001,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Discount rate per period (a week: 0.001 is about 5% a year).",
    )


class Shock(Section):
    """A scandal: a one-off fall in trust, at one supplier or the whole sector (MODEL_BRIEF §4)."""

    step: int = Field(..., ge=1, le=100_000, description="Step at which the scandal breaks (at most `steps`).")
    supplier: int | Literal["all"] = Field(
        default="all", description="Index (0-based) of the supplier hit, or 'all' for a sector-wide scandal."
    )
    severity: LogOdds = Field(default=1.0, description="Log-odds removed from every trust component.")

    @field_validator("supplier", mode="before")
    @classmethod
    def _supplier_index_or_all(cls, value: Any) -> Any:
        """One plain message instead of pydantic's per-branch union errors."""
        if isinstance(value, str) and value.strip().lower() == "all":
            return "all"
        if isinstance(value, str) and value.strip().isdecimal() and value.strip().isascii():
            value = int(value)  # a design may list ["all", "0"]: TOML arrays hold one type
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                raise ValueError("a supplier index counts from 0 (no negative indexes); or give 'all'")
            return value
        raise ValueError("give a supplier index (0, 1, ...) or 'all' for a sector-wide scandal")

    reach: Probability = Field(default=1.0, description="Share of customers who hear of it.")


class Imitation(Section):
    """Role model: suppliers copy the policy of a more successful one (MODEL_BRIEF §2.9)."""

    rate: Probability = Field(default=0.0, description="Chance per step that a supplier looks at a better one.")
    strength: Probability = Field(default=0.5, description="Share of the policy difference copied.")


class SupplierPolicy(Section):
    """One supplier: its abilities and its policy (MODEL_BRIEF 'What this means for the model')."""

    name: str = Field(
        default="",
        max_length=80,
        description="Label in tables and plots (default S1, S2, ...); unique, printable characters only.",
    )
    promise: Probability = Field(default=0.7, description="Quality level promised (0-1).")
    competence: Probability = Field(default=0.85, description="Quality the supplier can deliver at full effort.")
    reliability: Probability = Field(default=0.95, description="Chance a delivery is not an erratic failure.")
    over_delivery: Probability = Field(default=0.0, description="Quality added beyond the promise, on purpose.")
    transparency: Probability = Field(
        default=0.5, description="Chance a failure is admitted and repaired (Covey: right wrongs)."
    )
    care: Probability = Field(default=0.6, description="Listening/care effort; 0.5 is neutral for the care component.")
    ad_budget: float = Field(
        default=1.0,
        ge=0.0,
        le=1000.0,
        allow_inf_nan=False,
        description=(
            "Advertising: in units of `advertising.reach` ('linear' response), or money spent per step "
            "('goodwill' response)."
        ),
    )
    banner_share: Probability = Field(default=0.0, description="Share of the ad budget spent on online banners.")
    extend_trust: Probability = Field(
        default=0.5, description="Effort floor for customers the supplier distrusts (Covey: extend trust)."
    )
    capacity: Probability = Field(default=1.0, description="Most customers served, as a share of the market.")
    price: float = Field(default=1.0, ge=0.0, le=1e6, allow_inf_nan=False, description="Revenue per customer per step.")
    anchoring: Probability = Field(
        default=0.0, description="Chance the supplier reminds a customer of a promise kept ('zeg wat je gedaan hebt')."
    )
    follow_up: Probability = Field(
        default=0.0,
        description=(
            "Chance of a relationship gesture (a follow-up call) after a customer's first delivery and after a "
            "broken promise: targeted where it matters ('een week later bellen')."
        ),
    )
    surprise: Probability = Field(
        default=0.0,
        description="Chance per step that a customer gets an unexpected gesture (0.02: about once a year).",
    )

    @field_validator("name")
    @classmethod
    def _printable_name(cls, value: str) -> str:
        if printable(value) != value:
            raise ValueError("a name must not contain control characters (escape sequences, tabs, new lines)")
        return value


class Scenario(Section):
    """A whole scenario: the market, its mechanisms' parameters, suppliers and shocks."""

    seed: int = Field(default=0, ge=0, le=2**63 - 1, description="Seed of the run's random generator.")
    steps: int = Field(default=52, ge=0, le=100_000, description="Periods to simulate; one period is a week.")
    market: Market = Field(default_factory=Market)
    network: Network = Field(default_factory=Network)
    propensity: Propensity = Field(default_factory=Propensity)
    trust: Trust = Field(default_factory=Trust)
    promises: Promises = Field(default_factory=Promises)
    loyalty: Loyalty = Field(default_factory=Loyalty)
    wom: Wom = Field(default_factory=Wom)
    credibility: Credibility = Field(default_factory=Credibility)
    reviews: Reviews = Field(default_factory=Reviews)
    advertising: Advertising = Field(default_factory=Advertising)
    switching: Switching = Field(default_factory=Switching)
    mutual: Mutual = Field(default_factory=Mutual)
    imitation: Imitation = Field(default_factory=Imitation)
    fit: Fit = Field(default_factory=Fit)
    money: Money = Field(default_factory=Money)
    gestures: Gestures = Field(default_factory=Gestures)
    lapse: Lapse = Field(default_factory=Lapse)
    survey: Survey = Field(default_factory=Survey)
    supplier_defaults: SupplierPolicy = Field(default_factory=SupplierPolicy)
    suppliers: list[SupplierPolicy] = Field(
        default_factory=list,
        description="Per-supplier policies; missing fields and missing suppliers use supplier_defaults.",
    )
    shocks: list[Shock] = Field(default_factory=list)
    base_dir: str = Field(default="", description="Folder relative paths are read from (set by the loader).")

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        n, s = self.market.customers, self.market.suppliers
        if s > n:
            raise ValueError(f"market.suppliers = {s} must not exceed market.customers = {n}")
        if len(self.suppliers) > s:
            raise ValueError(f"{len(self.suppliers)} [[suppliers]] given but market.suppliers = {s}")
        if self.network.kind not in ("well_mixed", "edge_list"):
            degree = self.network.mean_degree
            if degree >= n:
                raise ValueError(f"network.mean_degree = {degree} must be < market.customers = {n}")
            if n * degree > MAX_TIES:
                raise ValueError(
                    f"market.customers x network.mean_degree = {n * degree:.3g} ties is more than "
                    f"{MAX_TIES:.0e} (about 8 GB of memory); use fewer customers or ties"
                )
        if self.network.kind == "edge_list" and not self.network.path:
            raise ValueError("network.kind = 'edge_list' needs network.path")
        for shock in self.shocks:
            if shock.supplier != "all" and shock.supplier >= s:
                raise ValueError(
                    f"shock at step {shock.step} names supplier {shock.supplier}, "
                    f"but there are {s} suppliers (0..{s - 1})"
                )
        names = [p.name for p in self.supplier_policies()]
        unknown = [name for name in self.wom.silent_suppliers if name not in names]
        if unknown:
            raise ValueError(
                f"wom.silent_suppliers names {unknown[0]!r}, which is not a supplier; "
                f"allowed: the supplier names ({', '.join(names)})"
            )
        same = lookalike(names)
        if same:
            alike = lookalike_message("suppliers", names[same[0]], names[same[1]])
            raise ValueError(
                f"{alike}; names label the columns of every table, "
                f"so each supplier needs its own (names: {', '.join(map(ascii, names))})"
            )
        return self

    def supplier_policies(self) -> list[SupplierPolicy]:
        """The resolved policy of each of the `market.suppliers` suppliers, named S1, S2, ..."""
        defaults = self.supplier_defaults.model_dump()
        policies = []
        for i in range(self.market.suppliers):
            given = self.suppliers[i].model_dump(exclude_unset=True) if i < len(self.suppliers) else {}
            merged = {**defaults, **given}
            merged["name"] = merged["name"] or f"S{i + 1}"
            policies.append(SupplierPolicy(**merged))
        return policies

    def resolve_path(self, path: str) -> Path:
        """A path from the scenario, relative to the scenario file's folder."""
        p = Path(path)
        return p if p.is_absolute() or not self.base_dir else Path(self.base_dir) / p
