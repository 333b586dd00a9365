"""Market-level patterns: small functions of a run's public tables, to calibrate and validate against.

Pattern-oriented modelling (Grimm et al. 2005, Science 310) fits a model to several patterns at
once and then tests it on patterns not used for fitting. Each function here reads the tables of
one run (``model.parquet``, ``suppliers.parquet``, ``customers.parquet``; docs/outputs.md) and
returns plain numbers, so anyone can compute them on any run (``trustsim patterns RUN_DIR``).

Three patterns read the model-table columns :data:`OBSERVED_COLUMNS`: the positive and negative
word-of-mouth messages said, the prospects a recommendation reached, and the share of customers
who trust their supplier (docs/outputs.md); a pattern that needs one of them is NaN when a table
made by an older version lacks it.

One period is one week (:data:`WEEKS_PER_YEAR` converts rates to years, as the literature
quotes them).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trustsim.analysis.referrals import AD_CHANNELS, referral_distribution, value_by_channel
from trustsim.mechanisms.planning import customer_value

WEEKS_PER_YEAR = 52
"""Periods per year: one period is one week (docs/ODD.md)."""

EXTERNAL_CHANNELS = AD_CHANNELS
"""Channels of external influence (mass media and banners); recommendations and reviews are
consumers talking to consumers (internal influence, Bass 1969; Goldenberg, Libai & Muller 2001)."""

OBSERVED_COLUMNS = ("wom_positive", "wom_negative", "prospects_referred", "trusting_share")
"""Model-table columns (per step) that some patterns need: recommendations
and warnings said, distinct people reached by a recommendation for the first time while prospects,
and the share of current customers whose overall trust in their supplier is at least 0.5."""

WINDOW = 13
"""Weeks (a quarter) over which levels around a scandal and end-of-run levels are averaged."""

EARLY_SHARE = 0.16
"""The first 16% of adopters: Rogers' innovators (2.5%) and early adopters (13.5%)."""


@dataclass(frozen=True)
class RunTables:
    """The public tables of one run, and what the patterns need to know of its scenario.

    Attributes:
        model: ``model.parquet`` (one row per step), with :data:`OBSERVED_COLUMNS`.
        suppliers: ``suppliers.parquet`` (step x supplier).
        customers: ``customers.parquet`` (one row per customer spell), or None.
        people: the number of people N (``market.customers``).
        shock_step: the step of the first scandal (None without one).
        discount_rate: ``money.discount_rate``, per week (for lifetime value).
    """

    model: pd.DataFrame
    suppliers: pd.DataFrame
    customers: pd.DataFrame | None
    people: int
    shock_step: int | None = None
    discount_rate: float = 0.001

    @property
    def steps(self) -> int:
        """The last step of the run."""
        return int(self.model["step"].iloc[-1])


# --- Bass diffusion ------------------------------------------------------------------------------


def bass_curve(t: np.ndarray, p: float, q: float, m: float = 1.0) -> np.ndarray:
    """Cumulative adoption share of the Bass model, F(t) = m (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).

    Models: Bass (1969), Management Science 15(5):215-227; p external, q internal influence,
    m the market potential (share of people who ever adopt).
    """
    e = np.exp(-(p + q) * np.asarray(t, dtype=np.float64))
    return m * (1 - e) / (1 + (q / p) * e)


def adoption_curve(tables: RunTables) -> np.ndarray:
    """Share of the N people who have ever bought in the category, at each step 0..T.

    From the referral records: each person's first spell (a prospect won by any channel; spells
    of customers at step 0 count from step 0). Without them, the customer share of the model table.
    """
    steps = tables.steps
    spells = tables.customers
    if spells is None:
        return tables.model["customer_share"].to_numpy(dtype=np.float64)
    first = spells.groupby("customer", observed=True)["start_step"].min().to_numpy()
    counts = np.bincount(first, minlength=steps + 1)[: steps + 1]
    return np.cumsum(counts) / tables.people


def fit_bass(curve: np.ndarray, per_year: int = WEEKS_PER_YEAR) -> dict[str, float]:
    """Fit Bass's p, q and m to a cumulative adoption curve by least squares; p and q per year.

    Models: the Bass fits of the meta-analysis of Sultan, Farley & Lehmann (1990), J. Marketing
    Research 27(1): mean p ≈ 0.03, q ≈ 0.38 per year. The curve is per week (step 0 = no one
    yet); weekly rates times ``per_year`` are yearly rates (a hazard scales with the time unit).

    Returns:
        ``bass_p``, ``bass_q`` (per year), ``bass_q_over_p``, ``bass_m`` (market potential) and
        ``bass_rmse``; all NaN when the curve does not start near 0 or hardly moves.
    """
    from scipy.optimize import least_squares

    nan: dict[str, float] = dict.fromkeys(("bass_p", "bass_q", "bass_q_over_p", "bass_m", "bass_rmse"), math.nan)
    y = np.asarray(curve, dtype=np.float64)
    if len(y) < 10 or y[0] > 0.01 or y[-1] - y[0] < 0.02:
        return nan  # Bass describes a new category: nobody at the start, some adoption later
    t = np.arange(len(y), dtype=np.float64)

    def residual(theta: np.ndarray) -> np.ndarray:
        p, q, m = np.exp(theta)
        return bass_curve(t, p, q, m) - y

    best = None
    for q0 in (0.002, 0.02, 0.1):  # a few starts: the surface has long flat valleys
        start = np.log([max(y[1] - y[0], 1e-5) / max(y[-1], 1e-3) + 1e-5, q0, max(y[-1], 0.05)])
        fit = least_squares(residual, start, bounds=(np.log([1e-7, 1e-7, 1e-3]), np.log([1.0, 5.0, 1.0])))
        if best is None or fit.cost < best.cost:
            best = fit
    assert best is not None
    p, q, m = np.exp(best.x)
    return {
        "bass_p": float(p * per_year),
        "bass_q": float(q * per_year),
        "bass_q_over_p": float(q / p),
        "bass_m": float(m),
        "bass_rmse": float(np.sqrt(np.mean(best.fun**2))),
    }


def bass(tables: RunTables) -> dict[str, float]:
    """Bass p, q (per year), q/p and m fitted to the run's adoption curve (:func:`fit_bass`)."""
    return fit_bass(adoption_curve(tables))


# --- word of mouth and referrals -----------------------------------------------------------------


def _total(tables: RunTables, column: str) -> float:
    if column not in tables.model.columns:
        return math.nan
    return float(tables.model[column].iloc[1:].sum())


def wom_balance(tables: RunTables) -> dict[str, float]:
    """Positive to negative word of mouth: recommendations said per warning said, over the run.

    Models: East, Hammond & Wright (2007), IJRM 24(2): positive WOM about three times as common
    as negative. Needs the columns ``wom_positive`` and ``wom_negative``.
    """
    pos, neg = _total(tables, "wom_positive"), _total(tables, "wom_negative")
    return {"wom_positive_to_negative": pos / neg if neg > 0 else math.nan}


def first_adoptions(spells: pd.DataFrame) -> pd.DataFrame:
    """The spells that made a prospect a customer: not a switch, not a customer at step 0, and not the
    return of a customer who had lapsed (``lapse.*``: the same person adopting again is no new adopter,
    Bass 1969). A newcomer who takes the slot of a person who lapsed and never came back is missed
    (the tables do not record turnover of people who buy from no one).

    Example:
        >>> s = pd.DataFrame({"customer": [0, 0, 1], "start_step": [1, 9, 4], "from_supplier": [None, None, None],
        ...     "channel": ["ad", "recommendation", "review"], "end_reason": ["lapsed", None, None]})
        >>> first_adoptions(s)["channel"].tolist()
        ['ad', 'review']
    """
    fresh = spells["from_supplier"].isna() & (spells["channel"].astype(str) != "initial")
    if {"customer", "end_reason"} <= set(spells.columns):  # tables of an older version: nobody lapsed
        order = spells.sort_values(["customer", "start_step"], kind="stable")
        before = order.groupby("customer")["end_reason"].shift(1)  # how the person's previous spell ended
        fresh &= before.reindex(spells.index).astype(str) != "lapsed"
    return spells[fresh]


def referrals(tables: RunTables) -> dict[str, float]:
    """How referrals turn out: conversion of referred prospects and would-be referrers who never refer.

    Models: Kumar, Petersen & Leone (2007) HBR 85(10); (2010) J. Marketing 74(5): only a minority
    of referred prospects become customers; many who say they would refer never do.

    - ``referral_conversion``: prospects won by a recommendation / distinct prospects a
      recommendation reached (needs the column ``prospects_referred``);
    - ``promoters_never_refer``: share of the spells that reached the ambassador rung (promoters,
      who say they would recommend) that referred nobody (right-censored at the horizon).
    """
    spells = tables.customers
    if spells is None:
        return {"referral_conversion": math.nan, "promoters_never_refer": math.nan}
    won = int((first_adoptions(spells)["channel"].astype(str) == "recommendation").sum())
    reached = _total(tables, "prospects_referred")
    return {
        "referral_conversion": won / reached if reached > 0 else math.nan,
        "promoters_never_refer": referral_distribution(spells)["referrers_none_share"],
    }


def channel_value(tables: RunTables) -> dict[str, float]:
    """Lifetime value and churn of recommendation- against ad-acquired customers, time-matched.

    Models: Villanueva, Yoo & Hanssens (2008) JMR 45(1): WOM-acquired customers add about twice
    the long-term value; Schmitt, Skiera & Van den Bulte (2011) J. Marketing 75(1): referred
    customers ≈16% more valuable, ≈18% less churn. Reads :func:`trustsim.analysis.referrals.value_by_channel`.
    """
    if tables.customers is None:
        return {"wom_to_ad_value": math.nan, "wom_to_ad_churn": math.nan}
    v = value_by_channel(tables.customers, tables.steps)
    churn = v["wom_churn"] / v["ad_churn"] if v["ad_churn"] > 0 else math.nan
    return {"wom_to_ad_value": v["wom_to_ad_value"], "wom_to_ad_churn": churn}


def adopter_sources(tables: RunTables) -> dict[str, float]:
    """Share of adopters won by external influence (ads, banners): the first 16% against the rest.

    Models: Goldenberg, Libai & Muller (2001), Marketing Letters 12(3): advertising matters
    early, word of mouth later. Adopters are ordered by the step of their first purchase.
    """
    nan = {"early_external_share": math.nan, "late_external_share": math.nan}
    if tables.customers is None:
        return nan
    first = first_adoptions(tables.customers).sort_values("start_step", kind="stable")
    first = first.drop_duplicates("customer")
    if len(first) < 20:
        return nan
    external = first["channel"].astype(str).isin(EXTERNAL_CHANNELS).to_numpy()
    k = max(1, round(EARLY_SHARE * len(first)))
    return {"early_external_share": float(external[:k].mean()), "late_external_share": float(external[k:].mean())}


def market_stability(tables: RunTables) -> dict[str, float]:
    """People buying from someone at the end of the first year over those buying at the start.

    Models: an established market is one past its diffusion, at Bass's saturation level m, where
    the share buying no longer changes much (Bass 1969; MODEL_BRIEF 'market maturity'); a market
    that starts established and loses or gains a large share of its buyers within a year is not one.
    NaN when nobody buys at the start (a new category).

    Example:
        >>> model = pd.DataFrame({"step": [0, 52, 53], "customers": [80, 76, 75]})
        >>> market_stability(RunTables(model, pd.DataFrame(), None, people=100))
        {'buyers_year_on_year': 0.95}
    """
    m = tables.model
    start = float(m.loc[m["step"] == 0, "customers"].sum())
    year = m.loc[m["step"] == WEEKS_PER_YEAR, "customers"]
    if start <= 0 or year.empty:
        return {"buyers_year_on_year": math.nan}
    return {"buyers_year_on_year": float(year.iloc[0]) / start}


# --- retail banking ------------------------------------------------------------------------------


def switching(tables: RunTables) -> dict[str, float]:
    """Share of customers who switch supplier per year: 52 x mean over steps of churned / customers.

    Models: UK CMA (2016), retail banking market investigation: about 3% of personal current
    account customers switch bank per year.
    """
    m = tables.model
    before = m["customers"].shift(1).iloc[1:].to_numpy(dtype=np.float64)
    churned = m["churned"].iloc[1:].to_numpy(dtype=np.float64)
    ok = before > 0
    rate = float(np.mean(churned[ok] / before[ok])) * WEEKS_PER_YEAR if ok.any() else math.nan
    return {"annual_switching": rate}


def _window(model: pd.DataFrame, column: str, start: int, stop: int) -> float:
    f = model[(model["step"] >= start) & (model["step"] < stop)]
    return float(f[column].mean()) if len(f) else math.nan


def scandal_trust(tables: RunTables) -> dict[str, float]:
    """Share of customers who trust their supplier over the quarter before and after the scandal.

    Models: the source texts' bank trust of 44% falling to 40% (MODEL_BRIEF §4, seeds/003);
    ``switching_after`` is the annual switching rate over the quarter after it ("they hardly
    switch"). Needs the column ``trusting_share`` and a scenario with a shock.
    """
    nan = {"trusting_before": math.nan, "trusting_after": math.nan, "switching_after": math.nan}
    at, m = tables.shock_step, tables.model
    if at is None or "trusting_share" not in m.columns:
        return nan
    rows = m[(m["step"] >= at) & (m["step"] < at + WINDOW)]
    before = m["customers"].shift(1)[rows.index].to_numpy(dtype=np.float64)
    after = float(np.mean(rows["churned"].to_numpy() / np.maximum(before, 1))) * WEEKS_PER_YEAR
    return {
        "trusting_before": _window(m, "trusting_share", at - WINDOW, at),
        "trusting_after": _window(m, "trusting_share", at, at + WINDOW),
        "switching_after": after,
    }


def supplier_nps(tables: RunTables) -> dict[str, float]:
    """Lowest, mean and highest supplier NPS over the last quarter of the run (suppliers with customers).

    Models: Net Promoter Score (Reichheld 2003, HBR); compared with the ranges reported for the sector.
    """
    s = tables.suppliers
    last = s[s["step"] > tables.steps - WINDOW]
    per = last.groupby("supplier")["nps"].mean().dropna()
    if per.empty:
        return {"nps_low": math.nan, "nps_mean": math.nan, "nps_high": math.nan}
    return {"nps_low": float(per.min()), "nps_mean": float(per.mean()), "nps_high": float(per.max())}


# --- unit economics ------------------------------------------------------------------------------

WEEKS_PER_MONTH = WEEKS_PER_YEAR / 12


def unit_economics(tables: RunTables) -> pd.DataFrame:
    """Each supplier's acquisition cost, payback and lifetime value over the run, from its table.

    Models: the practitioners' unit economics of subscriptions and services (MODEL_BRIEF, 'Advertising
    response and unit economics'; payback 12-24 months and LTV/CAC near 3 are practitioner benchmarks),
    with lifetime value as in Gupta, Lehmann & Stuart (2004), JMR 41(1):

    - ``cac``: ad spend per customer won by advertising (``ad_costs`` / ``acquired_ads``);
    - ``margin``: gross margin per customer-week, price less the cost of serving and gestures
      (``revenue - service_costs - gesture_costs`` over customer-weeks);
    - ``loss_rate``: customers lost per customer-week (switched, left the market or lapsed);
    - ``ltv``: margin discounted over the expected lifetime, ``margin (1 + r) / (r + loss_rate)``;
    - ``payback_months``: ``cac`` / monthly margin; ``ltv_to_cac``: ``ltv / cac``.

    Steps after step 0 count (step 0 bills the initial customers but wins nobody). NaN where a
    supplier won nobody by ads or had no customers.
    """
    s = tables.suppliers
    s = s[s["step"] > 0]
    cols = ["customers", "revenue", "service_costs", "ad_costs", "acquired_ads", "churned", "departed"]
    extra = [c for c in ("gesture_costs", "lapsed") if c in s.columns]
    g = s.groupby("supplier")[cols + extra].sum()
    names = s.groupby("supplier")["name"].first()
    weeks = g["customers"].astype(np.float64).replace(0, np.nan)
    gestures = g.get("gesture_costs", 0.0)
    lost = g["churned"] + g["departed"] + g.get("lapsed", 0)
    margin = (g["revenue"] - g["service_costs"] - gestures) / weeks
    loss_rate = lost / weeks
    ltv = customer_value(margin.to_numpy(), loss_rate.to_numpy(), tables.discount_rate)
    cac = g["ad_costs"] / g["acquired_ads"].astype(np.float64).replace(0, np.nan)
    return pd.DataFrame(
        {
            "name": names,
            "cac": cac,
            "margin": margin,
            "loss_rate": loss_rate,
            "ltv": ltv,
            "payback_months": cac / (margin * WEEKS_PER_MONTH),
            "ltv_to_cac": ltv / cac,
            "ad_spend": g["ad_costs"],
        }
    )


def advertiser_economics(tables: RunTables) -> dict[str, float]:
    """LTV/CAC and payback (months) of the supplier that spent most on advertising (:func:`unit_economics`).

    Models: practitioner benchmarks for subscriptions and services, payback 12-24 months and LTV/CAC
    near 3 (a ratio far above it means advertising is too cheap to be true; MODEL_BRIEF).
    """
    u = unit_economics(tables)
    if u.empty or not (u["ad_spend"] > 0).any():
        return {"ltv_to_cac": math.nan, "payback_months": math.nan}
    top = u.iloc[int(np.argmax(u["ad_spend"].to_numpy()))]
    return {"ltv_to_cac": float(top["ltv_to_cac"]), "payback_months": float(top["payback_months"])}


@dataclass(frozen=True)
class Pattern:
    """One group of patterns: the function, the values it returns, and what they mean."""

    function: Callable[[RunTables], dict[str, float]]
    values: tuple[str, ...]
    meaning: str
    needs: tuple[str, ...] = field(default=())


PATTERNS: dict[str, Pattern] = {
    "bass": Pattern(
        bass,
        ("bass_p", "bass_q", "bass_q_over_p", "bass_m"),
        "Bass p and q per year fitted to the adoption curve (Sultan, Farley & Lehmann 1990)",
    ),
    "wom_balance": Pattern(
        wom_balance,
        ("wom_positive_to_negative",),
        "recommendations per warning said (East, Hammond & Wright 2007)",
        ("wom_positive", "wom_negative"),
    ),
    "referrals": Pattern(
        referrals,
        ("referral_conversion", "promoters_never_refer"),
        "referred prospects who become customers; promoters who refer nobody (Kumar et al. 2007, 2010)",
        ("prospects_referred",),
    ),
    "market_stability": Pattern(
        market_stability,
        ("buyers_year_on_year",),
        "people buying at the end of the first year over those buying at the start (an established market keeps them)",
    ),
    "switching": Pattern(switching, ("annual_switching",), "customers who switch supplier per year (UK CMA 2016)"),
    "scandal_trust": Pattern(
        scandal_trust,
        ("trusting_before", "trusting_after", "switching_after"),
        "share trusting their supplier a quarter before and after the scandal (source texts: 44% -> 40%)",
        ("trusting_share",),
    ),
    "supplier_nps": Pattern(
        supplier_nps, ("nps_low", "nps_mean", "nps_high"), "supplier NPS over the last quarter (Reichheld 2003)"
    ),
    "channel_value": Pattern(
        channel_value,
        ("wom_to_ad_value", "wom_to_ad_churn"),
        "value and churn of WOM- against ad-acquired customers (Villanueva et al. 2008; Schmitt et al. 2011)",
    ),
    "adopter_sources": Pattern(
        adopter_sources,
        ("early_external_share", "late_external_share"),
        "adopters won by ads: first 16% against the rest (Goldenberg, Libai & Muller 2001)",
    ),
    "unit_economics": Pattern(
        advertiser_economics,
        ("ltv_to_cac", "payback_months"),
        "the biggest advertiser's lifetime value / acquisition cost and payback in months (practitioner "
        "benchmarks: near 3; 12-24 months)",
    ),
}
"""Every pattern group, by name."""

PATTERN_VALUES: tuple[str, ...] = tuple(v for p in PATTERNS.values() for v in p.values)
"""Every value the patterns compute (plus the elasticities of :mod:`trustsim.calibration.observe`)."""


def compute_patterns(tables: RunTables) -> dict[str, float]:
    """Every pattern of one run, by value name (NaN where the run cannot show it)."""
    out: dict[str, float] = {}
    for pattern in PATTERNS.values():
        out |= {k: v for k, v in pattern.function(tables).items() if k in pattern.values}
    return out


RUN_TEXT_COLUMNS = {
    "model.parquet": (),
    "suppliers.parquet": ("name",),
    "customers.parquet": ("supplier", "channel", "from_supplier", "heard_via", "end_reason"),
}
"""Columns of a run's tables that hold text or categories; every other column holds numbers."""

RUN_COLUMNS = {
    "model.parquet": ("step", "customer_share", "customers"),
    "suppliers.parquet": ("step", "supplier", "nps"),
    "customers.parquet": ("customer", "supplier", "channel", "from_supplier", "start_step", "value", "referrals"),
}
"""Columns of a run's tables that the patterns cannot do without."""


def read_run(folder: str, people: int | None = None) -> RunTables:
    """The tables of a run folder written by ``trustsim run`` (``run.json`` gives N and the scandal).

    Raises:
        ConfigError: the folder holds no ``model.parquet`` or ``suppliers.parquet``, or a file of
            the run is damaged (not Parquet or JSON, cut short, a column missing or of the wrong
            kind, no rows, a ``run.json`` whose market or shocks make no sense); the message names
            the file and what is wrong.
    """
    from pathlib import Path

    from trustsim.errors import ConfigError
    from trustsim.io import read_result_json, read_result_table

    root = Path(folder)
    if not root.is_dir():
        raise ConfigError(f"{root}: no such folder; give the folder of a run (`trustsim run ... --out DIR`).")
    for name in ("model.parquet", "suppliers.parquet"):
        if not (root / name).exists():
            raise ConfigError(f"{root}: no {name} here; give the folder of a run (`trustsim run ... --out DIR`).")
    writer = "`trustsim run`"

    def table(name: str) -> pd.DataFrame:
        return read_result_table(
            root / name, writer, RUN_COLUMNS[name], RUN_TEXT_COLUMNS[name], rows=name != "customers.parquet"
        )

    meta = read_result_json(root / "run.json", writer) if (root / "run.json").exists() else {}
    size, shock, rate = _run_facts(meta, root / "run.json")
    customers = table("customers.parquet") if (root / "customers.parquet").exists() else None
    model = table("model.parquet")
    n = people or size or round(_people_from(model))
    return RunTables(model, table("suppliers.parquet"), customers, n, shock, rate)


def _run_facts(meta: dict, path: object) -> tuple[int, int | None, float]:
    """The market size, the first scandal's step and the discount rate that ``run.json`` records (0, None
    and the default rate if it does not)."""
    from trustsim.errors import ConfigError, excerpt

    def bad(what: str, value: object) -> ConfigError:
        return ConfigError(f"{path}: damaged: {what} = {excerpt(value)}; run `trustsim run` again to write it anew.")

    scenario = meta.get("scenario", {})
    if not isinstance(scenario, dict):
        raise bad("'scenario'", scenario)
    market = scenario.get("market", {})
    if not isinstance(market, dict):
        raise bad("'scenario.market'", market)
    size = market.get("customers", 0)
    if type(size) is not int or size < 0:
        raise bad("'scenario.market.customers'", size)
    shocks = scenario.get("shocks") or []
    if not isinstance(shocks, list) or not all(isinstance(s, dict) for s in shocks):
        raise bad("'scenario.shocks'", shocks)
    step = shocks[0].get("step") if shocks else None
    if shocks and (type(step) is not int or step < 0):
        raise bad("'scenario.shocks[0].step'", step)
    money = scenario.get("money", {})
    rate = money.get("discount_rate", 0.001) if isinstance(money, dict) else None
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1:
        raise bad("'scenario.money.discount_rate'", rate)
    return size, step, float(rate)


def _people_from(model: pd.DataFrame) -> float:
    share = model["customer_share"].to_numpy(dtype=np.float64)
    count = model["customers"].to_numpy(dtype=np.float64)
    ok = share > 0
    return float(np.median(count[ok] / share[ok])) if ok.any() else 1.0
