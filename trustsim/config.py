"""The scenario schema: every parameter of trustsim, once, with its type, range, unit and default.

A scenario is a TOML file (see ``configs/baseline.toml``) validated by the pydantic models
below. This module is the single source of truth for parameter names, defaults, ranges and
the wording of validation errors; the model, sweeps, the app and the docs all read it.

Configuration flows one way: TOML -> :func:`load_scenario` -> :class:`Scenario` ->
``TrustMarket``. No other module reads files or environment variables on its own.
"""

from __future__ import annotations

import copy
import difflib
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from trustsim.errors import ConfigError

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]

COMPONENTS: tuple[str, ...] = ("reliability", "transparency", "competence", "care")
"""The four components of trust, in increasing order of effect (MODEL_BRIEF §1)."""

CHANNELS: tuple[str, ...] = ("recommendation", "review", "ad", "banner")
"""Channels through which a prospect hears of a supplier (MODEL_BRIEF §4)."""


def refuse_bool_as_number(cls: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    """A 'before' field validator: true/false only where a field is a switch.

    pydantic would silently read ``rate = true`` as 1.0 and ``suppliers = true`` as 1.
    """
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, bool) for v in values) and cls.model_fields[info.field_name].annotation is not bool:
        raise ValueError("true/false is not a number; give a number")
    return value


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    _no_bool_as_number = field_validator("*", mode="before")(refuse_bool_as_number)


class Market(Section):
    """Who is in the market."""

    customers: int = Field(10_000, ge=2, le=50_000_000, description="Number of customers N (people).")
    suppliers: int = Field(4, ge=1, le=250, description="Number of suppliers S.")
    turnover: Probability = Field(
        0.0,
        description=(
            "Share of people who leave the market each step (move away, no longer need it), each "
            "replaced by a newcomer who has never heard of any supplier; 0 = a closed market."
        ),
    )
    initial_customers: Probability = Field(
        0.0,
        description="Share of customers who already buy from a (uniformly random) supplier at step 0.",
    )


class Network(Section):
    """The social network along which word of mouth travels (MODEL_BRIEF §2, Verbinding)."""

    kind: Literal["well_mixed", "erdos_renyi", "small_world", "scale_free", "edge_list"] = Field(
        "small_world",
        description=(
            "well_mixed: no edges, recommendations go to uniformly random people (mean field); "
            "erdos_renyi: random graph; small_world: Watts-Strogatz ring with rewiring; "
            "scale_free: Barabasi-Albert preferential attachment; edge_list: read from `path`."
        ),
    )
    mean_degree: float = Field(
        10.0, ge=1.0, allow_inf_nan=False, description="Mean number of ties per customer."
    )
    rewire: Probability = Field(
        0.1, description="small_world only: probability that each ring edge is rewired."
    )
    path: str = Field(
        "",
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

    mean: float = Field(0.5, gt=0.0, lt=1.0, description="Mean initial trust in a new supplier, (0, 1).")
    sd: float = Field(0.15, ge=0.0, lt=0.5, description="Spread of initial trust across customers.")

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

    weights: list[float] = Field(
        [0.1, 0.2, 0.3, 0.4],
        min_length=4,
        max_length=4,
        description=(
            "Weights of reliability, transparency, competence, care in overall trust "
            "(non-negative, normalised to sum 1; the brief orders them increasing)."
        ),
    )
    loss_multiplier: float = Field(
        3.0, ge=1.0, le=20.0, allow_inf_nan=False,
        description="Asymmetry: a broken promise costs this many times the gain of a kept one.",
    )
    gain: float = Field(
        0.15, gt=0.0, le=5.0, allow_inf_nan=False,
        description="Log-odds gained by a component per kept promise.",
    )
    over_delivery_gain: float = Field(
        2.0, ge=0.0, le=50.0, allow_inf_nan=False,
        description=(
            "Extra log-odds per unit of over-delivery (delivered minus promised) on an exceeded "
            "promise, for reliability, competence and care (Voortreffelijk)."
        ),
    )
    repair_relief: Probability = Field(
        0.6,
        description="Share of the loss avoided when a failure is admitted and repaired (right wrongs).",
    )
    care_rate: NonNegative = Field(
        0.1,
        description="Log-odds per step by which listening effort moves the care component.",
    )
    forgetting: Probability = Field(
        0.0,
        description="Share of each component's distance from its prior forgotten per step (0 = none).",
    )
    competence_visibility: Probability = Field(
        0.5,
        description=(
            "Share of the ability a supplier has beyond its promise that customers see in what is "
            "delivered, and credit to competence (0 = invisible, as in version 1)."
        ),
    )
    anchoring_gain: float = Field(
        0.5, ge=0.0, le=10.0, allow_inf_nan=False,
        description=(
            "Log-odds of transparency per kept promise that the supplier anchors ('says what it did'), "
            "as a multiple of `gain` (Verankering)."
        ),
    )
    gating: bool = Field(
        True,
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

    tolerance: NonNegative = Field(
        0.05, description="|delivered - promised| within this counts as kept; above: exceeded; below: broken."
    )
    noise: NonNegative = Field(0.03, description="Standard deviation of delivered quality per delivery.")
    failure_drop: NonNegative = Field(
        0.3, description="Quality lost in an erratic failure (probability 1 - reliability)."
    )
    strain_start: Probability = Field(
        0.8, description="Utilisation of capacity above which quality starts to drop."
    )
    strain_loss: NonNegative = Field(
        0.5, description="Quality lost at full capacity (linear from strain_start)."
    )


class Loyalty(Section):
    """The loyalty ladder and NPS (MODEL_BRIEF §2.11; Reichheld 2003)."""

    loyal_tenure: int = Field(8, ge=1, le=10_000, description="Steps as a customer before one can be loyal.")
    ambassador_tenure: int = Field(
        20, ge=1, le=10_000, description="Steps as a customer before one can be an ambassador."
    )
    loyal_score: int = Field(7, ge=0, le=10, description="Minimum likelihood-to-recommend (0-10) of a loyal customer.")
    ambassador_score: int = Field(9, ge=0, le=10, description="Minimum score of an ambassador (a promoter).")
    detractor_score: int = Field(
        4, ge=0, le=10, description="A customer with experience and a score at or below this warns others."
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
        0.3, ge=0.0, le=100.0, allow_inf_nan=False,
        description="Recommendations an ambassador makes per step (Poisson mean) = Bass q.",
    )
    warn_rate: float = Field(
        0.5, ge=0.0, le=100.0, allow_inf_nan=False,
        description="Warnings a detractor gives per step (Poisson mean).",
    )
    signal: NonNegative = Field(
        0.5, description="Log-odds a fully credible message moves the hearer's trust."
    )
    mode: Literal["smooth", "gate"] = Field(
        "smooth",
        description=(
            "'smooth': every customer recommends with a chance rising smoothly with its score, the "
            "disappointed warn; 'gate': only ambassadors recommend and detractors warn (version 1)."
        ),
    )
    recommend_midpoint: float = Field(
        8.5, ge=0.0, le=10.0, allow_inf_nan=False,
        description="Score (0-10) at which a customer recommends at half of `rate` (smooth mode).",
    )
    warn_midpoint: float = Field(
        3.5, ge=0.0, le=10.0, allow_inf_nan=False,
        description="Score at which a disappointed person warns at half of `warn_rate` (smooth mode).",
    )
    spread: float = Field(
        0.5, gt=0.0, le=10.0, allow_inf_nan=False,
        description="Score points over which the chance to talk rises by a factor e (smooth mode).",
    )
    talk_sd: float = Field(
        1.0, ge=0.0, le=10.0, allow_inf_nan=False,
        description="Spread of talkativeness between people (Gamma, mean 1; 0 = everyone alike).",
    )
    hub_exponent: float = Field(
        0.0, ge=0.0, le=3.0, allow_inf_nan=False,
        description="Talkativeness grows as (degree / mean degree) to this power (opinion leaders; 0 = off).",
    )
    negative_weight: float = Field(
        1.0, ge=0.0, le=20.0, allow_inf_nan=False,
        description=(
            "Weight of a warning against a recommendation in the hearer's trust (smooth mode; the gate "
            "mode uses trust.loss_multiplier as in version 1)."
        ),
    )
    transfer: Probability = Field(
        0.3,
        description="Share of the gap to the recommender's own trust that a recommendation carries over.",
    )
    reach_rivals: bool = Field(
        True, description="A credible recommendation can move a rival's customer (through the switching rule)."
    )


class Credibility(Section):
    """How much people believe each channel (Nielsen 2009; MODEL_BRIEF §4)."""

    recommendation: Probability = Field(0.90, description="Recommendations from acquaintances.")
    review: Probability = Field(0.70, description="Online customer reviews.")
    ad: Probability = Field(0.55, description="Billboard, radio and TV advertising.")
    banner: Probability = Field(0.33, description="Online banners.")


class Reviews(Section):
    """Online reviews as a public pool per supplier."""

    post_rate: Probability = Field(0.05, description="Chance per step that a customer posts a review.")
    read_rate: Probability = Field(0.02, description="Chance per step that a prospect reads reviews.")
    memory: Probability = Field(0.9, description="Weight kept by old reviews each step (exponential).")


class Advertising(Section):
    """Advertising reach (Bass p)."""

    reach: Probability = Field(
        0.01,
        description="Share of the population an ad budget of 1 reaches per step (Bass p).",
    )


class Switching(Section):
    """Choice and switching (MODEL_BRIEF §4: low trust everywhere locks the market)."""

    sensitivity: NonNegative = Field(8.0, description="Logit choice: weight of trust in the utility.")
    threshold: Probability = Field(
        0.4, description="Trust below which a customer wants to leave; alternatives must be above it."
    )
    margin: Probability = Field(0.1, description="An alternative must be trusted this much more.")
    rate: Probability = Field(0.25, description="Chance per step that a willing customer actually switches.")
    softness: float = Field(
        0.05, ge=0.0, le=1.0, allow_inf_nan=False,
        description=(
            "Churn as a hazard: the wish to leave rises smoothly as trust falls below `threshold`, over "
            "this much trust (0 = a hard threshold, as in version 1)."
        ),
    )


class Mutual(Section):
    """Suppliers' trust in their customers, and the effort it buys (MODEL_BRIEF §1)."""

    prior: float = Field(0.8, gt=0.0, lt=1.0, description="A supplier's initial trust in a new customer.")
    reliability_mean: float = Field(
        0.9, gt=0.0, lt=1.0, description="Mean chance a customer behaves well (pays, does not threaten)."
    )
    reliability_sd: float = Field(0.05, ge=0.0, lt=0.5, description="Spread of customer reliability.")
    reciprocity: Probability = Field(
        0.5,
        description="How much a customer's behaviour depends on its own trust in the supplier (the spiral).",
    )
    gain: NonNegative = Field(0.2, description="Log-odds per good behaviour (losses use loss_multiplier).")

    @model_validator(mode="after")
    def _beta_feasible(self) -> Mutual:
        m, s = self.reliability_mean, self.reliability_sd
        if s > 0 and s**2 >= m * (1 - m):
            raise ValueError(f"reliability_sd = {s} is too large for reliability_mean = {m}")
        return self


class Fit(Section):
    """How well each supplier suits each customer, and what a recommendation tells about it."""

    sd: float = Field(
        0.05, ge=0.0, le=1.0, allow_inf_nan=False,
        description=(
            "Spread of fit across customer x supplier pairs: quality as experienced is delivered quality "
            "plus fit (0 = everyone alike, as in version 1)."
        ),
    )
    signal_noise: float = Field(
        0.05, ge=0.0, le=10.0, allow_inf_nan=False,
        description="Error of the recommender's judgement of whether the supplier suits the hearer.",
    )


class Money(Section):
    """Costs and discounting: profit, customer lifetime value and referral value (Kumar et al. 2010)."""

    service_cost: float = Field(
        0.5, ge=0.0, le=1e6, allow_inf_nan=False,
        description="Cost of serving one customer for one period at no over-delivery and no care.",
    )
    over_delivery_cost: float = Field(
        2.0, ge=0.0, le=1e6, allow_inf_nan=False,
        description="Extra cost per customer per period per unit of over-delivery.",
    )
    care_cost: float = Field(
        0.2, ge=0.0, le=1e6, allow_inf_nan=False,
        description="Extra cost per customer per period per unit of care effort.",
    )
    ad_cost: float = Field(
        1.0, ge=0.0, le=1e6, allow_inf_nan=False,
        description=(
            "Cost of reaching one person with an ad or banner (an effective exposure, one that can win "
            "a customer: Bass p), in units of price per period."
        ),
    )
    fixed_cost: float = Field(
        0.0, ge=0.0, le=1e9, allow_inf_nan=False, description="Fixed cost of each supplier per period."
    )
    discount_rate: float = Field(
        0.001, ge=0.0, le=1.0, allow_inf_nan=False,
        description="Discount rate per period (a week: 0.001 is about 5% a year).",
    )


class Shock(Section):
    """A scandal: a one-off fall in trust, at one supplier or the whole sector (MODEL_BRIEF §4)."""

    step: int = Field(..., ge=1, description="Step at which the scandal breaks.")
    supplier: int | Literal["all"] = Field(
        "all", description="Index (0-based) of the supplier hit, or 'all' for a sector-wide scandal."
    )
    severity: NonNegative = Field(1.0, description="Log-odds removed from every trust component.")
    reach: Probability = Field(1.0, description="Share of customers who hear of it.")


class Imitation(Section):
    """Role model: suppliers copy the policy of a more successful one (MODEL_BRIEF §2.9)."""

    rate: Probability = Field(0.0, description="Chance per step that a supplier looks at a better one.")
    strength: Probability = Field(0.5, description="Share of the policy difference copied.")


class SupplierPolicy(Section):
    """One supplier: its abilities and its policy (MODEL_BRIEF 'What this means for the model')."""

    name: str = Field("", max_length=80, description="Label in tables and plots (default S1, S2, ...).")
    promise: Probability = Field(0.7, description="Quality level promised (0-1).")
    competence: Probability = Field(0.85, description="Quality the supplier can deliver at full effort.")
    reliability: Probability = Field(0.95, description="Chance a delivery is not an erratic failure.")
    over_delivery: Probability = Field(0.0, description="Quality added beyond the promise, on purpose.")
    transparency: Probability = Field(
        0.5, description="Chance a failure is admitted and repaired (Covey: right wrongs)."
    )
    care: Probability = Field(0.6, description="Listening/care effort; 0.5 is neutral for the care component.")
    ad_budget: NonNegative = Field(1.0, description="Advertising budget in units of `advertising.reach`.")
    banner_share: Probability = Field(0.0, description="Share of the ad budget spent on online banners.")
    extend_trust: Probability = Field(
        0.5, description="Effort floor for customers the supplier distrusts (Covey: extend trust)."
    )
    capacity: Probability = Field(1.0, description="Most customers served, as a share of the market.")
    price: NonNegative = Field(1.0, description="Revenue per customer per step.")
    anchoring: Probability = Field(
        0.0, description="Chance the supplier reminds a customer of a promise kept ('zeg wat je gedaan hebt')."
    )


class Scenario(Section):
    """A whole scenario: the market, its mechanisms' parameters, suppliers and shocks."""

    seed: int = Field(0, ge=0, le=2**63 - 1, description="Seed of the run's random generator.")
    steps: int = Field(52, ge=0, le=100_000, description="Periods to simulate; one period is a week.")
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
    supplier_defaults: SupplierPolicy = Field(default_factory=SupplierPolicy)
    suppliers: list[SupplierPolicy] = Field(
        default_factory=list,
        description="Per-supplier policies; missing fields and missing suppliers use supplier_defaults.",
    )
    shocks: list[Shock] = Field(default_factory=list)
    base_dir: str = Field("", description="Folder relative paths are read from (set by the loader).")

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        n, s = self.market.customers, self.market.suppliers
        if s > n:
            raise ValueError(f"market.suppliers = {s} must not exceed market.customers = {n}")
        if len(self.suppliers) > s:
            raise ValueError(
                f"{len(self.suppliers)} [[suppliers]] given but market.suppliers = {s}"
            )
        if self.network.kind not in ("well_mixed", "edge_list") and self.network.mean_degree >= n:
            raise ValueError(
                f"network.mean_degree = {self.network.mean_degree} must be < market.customers = {n}"
            )
        if self.network.kind == "edge_list" and not self.network.path:
            raise ValueError("network.kind = 'edge_list' needs network.path")
        for shock in self.shocks:
            if shock.supplier != "all" and shock.supplier >= s:
                raise ValueError(
                    f"shock at step {shock.step} names supplier {shock.supplier}, "
                    f"but there are {s} suppliers (0..{s - 1})"
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


# --- loading, overrides and error messages ----------------------------------------------


def _fields_of(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that holds the key at `loc` (for "did you mean")."""
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        inner = getattr(ann, "__args__", (ann,))
        sub = next((a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if sub is None:
            return None
        model = sub
    return model


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def format_validation_error(err: ValidationError, source: str) -> str:
    """One readable paragraph per problem: the source, the key, the bad value, what is allowed."""
    lines = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        key = _dotted(loc) or "(top level)"
        value = e.get("input")
        if e["type"] == "extra_forbidden":
            model = _model_at(loc)
            known = _fields_of(model) if model else []
            hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
            allowed = f"did you mean '{hint[0]}'? " if hint else ""
            allowed += f"Allowed keys here: {', '.join(k for k in known if k != 'base_dir')}."
            lines.append(f"{source}: unknown key '{key}'. {allowed}")
            continue
        msg = e["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        shown = repr(value) if not isinstance(value, dict) else "{...}"
        if len(shown) > 80:
            shown = shown[:77] + "..."
        if e["type"] == "missing":
            lines.append(f"{source}: missing key '{key}' (required).")
        elif loc:
            lines.append(f"{source}: {key} = {shown} is not allowed: {msg}.")
        else:
            lines.append(f"{source}: {msg}.")
    return "\n".join(lines)


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning every way it can fail into a :class:`ConfigError`."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{p}: no such file.")
    if p.is_dir():
        raise ConfigError(f"{p}: is a folder, expected a TOML file.")
    size = p.stat().st_size
    if size == 0:
        raise ConfigError(f"{p}: the file is empty; expected a TOML scenario.")
    if size > 10_000_000:
        raise ConfigError(f"{p}: {size} bytes is too large for a config file (limit 10 MB).")
    try:
        raw = p.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{p}: not UTF-8 text (byte {e.start}); TOML files must be UTF-8.") from None
    except OSError as e:
        raise ConfigError(f"{p}: cannot read: {e.strerror}.") from None
    if "\x00" in text:
        raise ConfigError(f"{p}: contains NUL bytes; this looks like a binary file, not TOML.")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p}: malformed TOML: {e}.") from None


def parse_value(text: str) -> Any:
    """Parse the value of a `--set key=value` as TOML (numbers, booleans, lists) or a bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        if text and all(c.isalnum() or c in "_-./" for c in text):
            return text
        raise ConfigError(
            f"--set: cannot parse value {text!r}; use a number, true/false, a quoted string or a list."
        ) from None


def parse_set_args(pairs: list[str] | None) -> dict[str, Any]:
    """Turn ['market.customers=1000', ...] into {'market.customers': 1000, ...}."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set market.customers=1000.")
        out[key.strip()] = parse_value(value.strip())
    return out


MAX_LIST_INDEX = 1000
"""Largest list index a dotted override may name, plus one (suppliers, shocks, weights)."""


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Set dotted keys ('market.customers', 'suppliers.0.promise') in a raw scenario dict.

    Unknown keys are refused here (with a suggestion) so that a typo on the command line is
    never silently ignored.
    """
    data = copy.deepcopy(data)
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node: Any = data
        model: type[BaseModel] | None = Scenario
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit():
                    raise ConfigError(f"{source}: '{dotted}': '{part}' must be a list index.")
                idx = int(part)
                if idx >= MAX_LIST_INDEX:  # padding the list up to it would exhaust memory
                    raise ConfigError(
                        f"{source}: '{dotted}': list index {idx} is too large; indexes count from 0 "
                        f"and no list here holds more than {MAX_LIST_INDEX} items (market.suppliers <= 250)."
                    )
                while len(node) <= idx:
                    node.append({})
                if last:
                    node[idx] = value
                else:
                    node = node[idx]
                continue
            if model is not None and part not in model.model_fields:
                known = [k for k in model.model_fields if k != "base_dir"]
                hint = difflib.get_close_matches(part, known, n=1)
                dym = f" Did you mean '{hint[0]}'?" if hint else ""
                raise ConfigError(
                    f"{source}: unknown key '{dotted}'.{dym} Allowed here: {', '.join(known)}."
                )
            if last:
                node[part] = value
                break
            field = model.model_fields[part] if model is not None else None
            sub = None
            if field is not None:
                ann = field.annotation
                args = getattr(ann, "__args__", (ann,))
                sub = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
                if sub is None and args and getattr(args[0], "__args__", None):
                    sub = next(
                        (a for a in args[0].__args__ if isinstance(a, type) and issubclass(a, BaseModel)),
                        None,
                    )
            default: Any = [] if parts[depth + 1].isdigit() else {}
            child = node.setdefault(part, default)
            if not isinstance(child, (dict, list)):
                raise ConfigError(f"{source}: '{dotted}': '{part}' is a value, not a section.")
            node, model = child, sub
    return data


def build_scenario(data: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a raw dict into a :class:`Scenario`, raising :class:`ConfigError` on any problem."""
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, source)) from None


def load_scenario(
    source: str | Path | Mapping[str, Any] | Scenario | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """Load and validate a scenario from a TOML path, a dict, or an existing Scenario.

    Args:
        source: path to a TOML file, the name of a built-in scenario (``"baseline"``), a dict of
            sections, a Scenario, or None for the defaults.
        overrides: dotted keys to set, e.g. ``{"market.customers": 1000}``.

    Returns:
        The validated scenario.

    Raises:
        ConfigError: with a message naming the file, the key, the value and what is allowed.
    """
    if isinstance(source, Scenario):
        data = source.model_dump(exclude_unset=True)
        data["base_dir"] = source.base_dir
        label = "<scenario>"
    elif isinstance(source, (str, Path)):
        from trustsim.builtin import resolve  # a path, or the name of a built-in scenario

        source = resolve("scenario", source)
        label = str(source)
        data = read_toml(source)
        data["base_dir"] = str(Path(source).resolve().parent)
    elif source is None:
        data, label = {}, "<defaults>"
    elif isinstance(source, Mapping):
        data, label = dict(source), "<dict>"
    else:
        raise ConfigError(f"cannot load a scenario from a {type(source).__name__}")
    if overrides:
        data = apply_overrides(data, overrides, label if not overrides else f"{label} (--set)")
    return build_scenario(data, label)
