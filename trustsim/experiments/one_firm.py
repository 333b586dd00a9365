"""one_firm: the flagship v3 (issue 26), the source texts' own question asked of one firm, as a region.

"Wil je op langere termijn meer inkomen? ... Liever tien ambassadeurs dan één klant" (MODEL_BRIEF §2):
a claim about one firm's long-term income from relationship work done consistently and cheaply ("een
week later bellen"). So: against a fixed rival, the focal firm has the same extra money each week and
keeps it, spends it on advertising or spends it on relationship gestures
(:mod:`trustsim.experiments.decision`, the three options as copies of one model: common random numbers).
Per market condition and horizon, measured as a manager would:

- each option's cumulative discounted profit with its 95% t-interval over paired seeds, and the return
  on the extra money spent (``(profit - profit_keep) / extra spend``);
- which option earns most, and how sure: the paired difference best − second-best and its
  :func:`~trustsim.experiments.common.verdict` (an interval that includes 0 is "cannot tell");
- over the calibration's posterior (not only its best point): the share of posterior draws in which
  gestures earn most, with a Clopper-Pearson interval and its n;
- what an ambassador brings (referral records) and adds (against the same seeds with the firm's customers
  silent), and when gestures overtake both other options for good (Kaplan-Meier, censored at the horizon).

The region's axes are dimensionless and mean money to a manager: the market's advertiser LTV/CAC
(lifetime margin of an ad-won customer / ad money spent to win one; measured from the runs in which
the firm keeps its money, with :func:`trustsim.patterns.advertiser_economics`), the cost of one
gesture in weeks of a customer's margin, the market's maturity (share of people already buying at the
start) and the horizon. The design (``one_firm.toml``) sets them as inputs: the reach of advertising per
unit of goodwill (:func:`~trustsim.mechanisms.planning.max_reach_at`), the gesture cost per margin
(:func:`~trustsim.mechanisms.planning.gesture_cost_at`) and ``market.initial_customers``.

The equal-spend design of issue 15 stays as the ``ten_ambassadors`` experiment; here the pair
gestures − ads at the same extra money is its one-firm counterpart (``equal_spend``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from trustsim.analysis import ambassadors
from trustsim.errors import ConfigError
from trustsim.experiments.common import (
    PALETTE,
    Size,
    SweepData,
    answers,
    crossover_step,
    mean_ci,
    pyplot,
    run_design,
    save_figure,
    verdict,
)
from trustsim.experiments.decision import OPTIONS
from trustsim.patterns import WEEKS_PER_YEAR

CLAIM = (
    "For one firm, extra money spent on relationship gestures (a call a week later, a surprise) brings more "
    "long-term income than the same money spent on advertising or kept, and one ambassador brings about ten "
    "customers."
)
FALSIFIED_IF = (
    "In a market condition, the 95% interval of gestures' discounted profit minus the best other option's lies "
    "below 0 at a horizon; the region map shows where each holds, and customers_per_ambassador lies far below 10."
)

SIZES = {
    "tiny": Size(replicates=3, steps=52),
    "laptop": Size(replicates=6),
}
ANALYSIS_SIZES: dict[str, dict[str, Any]] = {
    "tiny": {"ends": True, "horizons_years": [1], "posterior_draws": 2},
    "laptop": {"posterior_draws": 4},
}
"""How a size changes the [analysis] settings: ``ends`` keeps the first and last level of each axis."""

MARKET_FN = "trustsim.experiments.decision:run_market_options"
GESTURES_FN = "trustsim.experiments.decision:run_relationship_option"
PAIR_FN = "trustsim.experiments.decision:run_one_firm_pair"
MATURITY = "market.initial_customers"
TARGET = 10.0
"""The brief's "ten" customers per ambassador."""
PARTS = ambassadors.PARTS
COLOURS = {"keep": "#7f7f7f", "ads": PALETTE[0], "gestures": PALETTE[1]}
TEN_AMBASSADORS = "results/ten_ambassadors/findings.json (trustsim experiment ten_ambassadors: equal spend, two firms)"


# --- the design ------------------------------------------------------------------------------------


class Settings(BaseModel):
    """The ``[analysis]`` table of one_firm.toml: the region's axes and the posterior."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ad_reach: list[float] = Field(
        ...,
        min_length=1,
        description="People reached per unit of goodwill, relative to the base scenario (advertising.max_reach x it).",
    )
    relationship_cost_to_margin: list[float] = Field(
        ..., min_length=1, description="Cost of one gesture in weeks of a customer's margin."
    )
    horizons_years: list[int] = Field(..., min_length=1, description="Horizons at which profit is read, in years.")
    reference_ad_reach: float = Field(..., description="The ad reach of the reference cells (one of ad_reach).")
    reference_cost_to_margin: float = Field(
        ..., description="The cost per margin of the reference cells (one of relationship_cost_to_margin)."
    )
    posterior: str = Field(
        ...,
        min_length=1,
        description="The calibration's posterior: a shipped name (calibrated/services_new), a file or a folder.",
    )
    posterior_draws: int = Field(..., ge=1, le=100_000, description="Parameter sets drawn by weight.")

    @field_validator("ad_reach", "relationship_cost_to_margin")
    @classmethod
    def _positive(cls, values: list[float]) -> list[float]:
        if any(not (0 < v <= 1000) for v in values):
            raise ValueError("each value must be > 0 and at most 1000")
        if len(set(values)) != len(values):
            raise ValueError("name each value once")
        return values

    @field_validator("horizons_years")
    @classmethod
    def _increasing(cls, values: list[int]) -> list[int]:
        if any(v < 1 for v in values) or values != sorted(set(values)):
            raise ValueError("whole years >= 1, increasing, each once")
        return values

    @model_validator(mode="after")
    def _reference_among_levels(self) -> Settings:
        if not any(np.isclose(self.reference_ad_reach, v) for v in self.ad_reach):
            raise ValueError(f"reference_ad_reach = {self.reference_ad_reach} must be one of ad_reach {self.ad_reach}")
        if not any(np.isclose(self.reference_cost_to_margin, v) for v in self.relationship_cost_to_margin):
            raise ValueError(
                f"reference_cost_to_margin = {self.reference_cost_to_margin} must be one of "
                f"relationship_cost_to_margin {self.relationship_cost_to_margin}"
            )
        return self


class _Analysis(BaseModel):
    """The experiment's analysis table, for error messages that name ``analysis.<key>``."""

    model_config = ConfigDict(extra="forbid")
    analysis: Settings


CELL = ("market_maturity", "ad_reach", "relationship_cost_to_margin")
"""The columns that name a cell of the region (the design's inputs)."""


@dataclass(frozen=True)
class Group:
    """The runs of one set of market conditions: the ``keep`` and ``ads`` runs at each point, and the
    ``gestures`` runs at the same points for each gesture cost on the same seeds (their tables pair up).

    With common seeding every point of a replicate has the same seed, so one gestures sweep holds every
    cost (``point_map``: its point -> the market point and the cost); with independent seeding a point's
    seed follows its index, so each cost has its own sweep over the very same points.
    """

    market: Any
    gestures: list[tuple[str, Any, list[tuple[int, float]]]]
    """(name, experiment, per point: the market point and the cost per margin)."""
    points: list[tuple[float, float, int]]
    """Per market point: maturity, ad reach and the posterior draw (-1: the calibration's best point)."""


@dataclass(frozen=True)
class Design:
    """Everything the sweeps need, validated before any run: the experiments and what their points mean."""

    settings: Settings
    main: Group
    posterior: Group
    pair: Any
    maturities: list[float]
    margin: float
    gesture_cost: dict[float, float]
    cost_to_margin_as_run: dict[float, float]
    steps: int
    customers: int
    replicates: int


def _shrink(settings: Settings, size: str) -> Settings:
    change = dict(ANALYSIS_SIZES.get(size, {}))
    if change.pop("ends", False):
        ends = {
            key: list(dict.fromkeys([getattr(settings, key)[0], getattr(settings, key)[-1]]))
            for key in ("ad_reach", "relationship_cost_to_margin")
        }
        change |= ends
        change["reference_ad_reach"] = ends["ad_reach"][-1]
        change["reference_cost_to_margin"] = ends["relationship_cost_to_margin"][0]
    return settings.model_copy(update=change)


def prepare(path: Path, size: str) -> Design:
    """Load and check the design and the posterior, and build every sweep's experiment (nothing runs).

    Raises:
        ConfigError: naming the file, the key, the bad value and what is allowed.
    """
    from trustsim.calibration.posterior import draw, load_posterior
    from trustsim.config import build_scenario, format_validation_error
    from trustsim.mechanisms import planning
    from trustsim.sweep import load_experiment
    from trustsim.sweep.experiment import Design as SweepDesign

    sz = SIZES.get(size, Size())
    experiment = load_experiment(path, dict(sz.overrides) or None, replicates=sz.replicates, steps=sz.steps)
    label = str(path)
    try:
        settings = _Analysis.model_validate({"analysis": experiment.analysis}).analysis
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, label, root=_Analysis)) from None
    settings = _shrink(settings, size)
    design = experiment.design
    if design.kind != "grid" or list(design.parameters) != [MATURITY]:
        raise ConfigError(
            f"{label}: [design] must be a grid over {MATURITY!r} only (the market's maturity; the other axes are "
            f"in [analysis]); found kind = {design.kind!r} with parameters {list(design.parameters) or 'none'}."
        )
    maturities = [float(m) for m in design.parameters[MATURITY]]  # type: ignore[union-attr]
    base = build_scenario(experiment.base_data(), f"{label} (base scenario)")
    steps = int(experiment.steps if experiment.steps is not None else base.steps)
    too_long = [h for h in settings.horizons_years if h * WEEKS_PER_YEAR > steps]
    if too_long:
        raise ConfigError(
            f"{label}: analysis.horizons_years = {settings.horizons_years} is not allowed: {too_long[0]} years is "
            f"beyond the {steps} steps (weeks) of a run; allowed: at most {steps // WEEKS_PER_YEAR} years."
        )
    if base.advertising.response != "goodwill":
        raise ConfigError(
            f"{label}: the base scenario's advertising.response = {base.advertising.response!r} is not allowed: the "
            "ad reach axis scales the goodwill response; allowed: 'goodwill'."
        )
    focal = base.suppliers[-1]
    margin = planning.customer_margin(focal.price, focal.over_delivery, focal.care, base.money)
    if margin <= 0:
        raise ConfigError(
            f"{label}: the focal firm ({focal.name}) earns no margin (price less the cost of serving = {margin:g}), "
            "so the cost of a gesture per margin is undefined; allowed: a scenario with a positive margin."
        )
    gesture_cost = {c: planning.gesture_cost_at(c, margin) for c in settings.relationship_cost_to_margin}
    as_run = {  # the ratio each cost's runs will see, from their own money settings
        c: planning.relationship_cost_to_margin(base.money.model_copy(update={"gesture_cost": g}), margin)
        for c, g in gesture_cost.items()
    }
    try:
        posterior = load_posterior(settings.posterior)
    except ConfigError as e:
        raise ConfigError(f"{label}: analysis.posterior = {settings.posterior!r}: {e}") from None
    draws = draw(posterior, settings.posterior_draws, np.random.default_rng(experiment.seed))
    max_reach = base.advertising.max_reach

    def point(m: float, reach: float, params: dict[str, Any]) -> dict[str, Any]:
        params = dict(params)
        drawn = params.pop("advertising.max_reach", max_reach)
        return params | {MATURITY: m, "advertising.max_reach": planning.max_reach_at(drawn, reach)}

    output = experiment.output.model_copy(update={"measures": [], "supplier_measures": []})

    def variant(points: list[dict[str, Any]], cost: float | None = None, **update: Any) -> Any:
        overrides = dict(experiment.overrides)
        if cost is not None:
            overrides["money.gesture_cost"] = gesture_cost[cost]
        listed = SweepDesign(kind="list", points=points)
        changed = {"design": listed, "output": output, "overrides": overrides, **update}
        return load_experiment(experiment.model_copy(update=changed))

    costs = settings.relationship_cost_to_margin

    def group(keys: list[tuple[float, float, int]], seeding: str, **update: Any) -> Group:
        points = [point(m, p, draws[k] if k >= 0 else {}) for m, p, k in keys]
        market = variant(points, seeding=seeding, **update)
        if seeding == "common":
            every = [q | {"money.gesture_cost": gesture_cost[c]} for q in points for c in costs]
            mapping = [(j, c) for j in range(len(points)) for c in costs]
            return Group(market, [("gestures", variant(every, seeding=seeding, **update), mapping)], keys)
        per_cost = [
            (f"gestures_{c:g}", variant(points, c, seeding=seeding, **update), [(j, c) for j in range(len(points))])
            for c in costs
        ]
        return Group(market, per_cost, keys)

    ref_cost, ref_reach = settings.reference_cost_to_margin, settings.reference_ad_reach
    try:
        main = group([(m, p, -1) for m in maturities for p in settings.ad_reach], "common")
        keys = [(m, p, k) for m in maturities for p in settings.ad_reach for k in range(len(draws))]
        post = group(keys, "independent", replicates=1)
        pair = variant([point(m, ref_reach, {}) for m in maturities], ref_cost, seeding="common")
    except ConfigError as e:
        raise ConfigError(f"{label} (with analysis.posterior = {settings.posterior!r}): {e}") from None
    return Design(
        settings,
        main,
        post,
        pair,
        maturities,
        margin,
        gesture_cost,
        as_run,
        steps,
        int(base.market.customers),
        experiment.replicates,
    )


def check(path: Path, size: str) -> None:
    """Refuse a bad design or a missing posterior before anything is written (:func:`prepare`).

    Raises:
        ConfigError: naming the file, the key, the bad value and what is allowed.
    """
    prepare(path, size)


def _sweep(ctx: Any, experiment: Any, stem: str, run_fn: str) -> SweepData:
    folder = ctx.out / "sweeps" / f"{stem}-{ctx.size}"
    data = run_design(
        experiment, folder, Size(), workers=ctx.workers, scheduler=ctx.scheduler, progress=ctx.progress, run_fn=run_fn
    )
    ctx.seconds[stem] = round(data.seconds, 2)
    return data


def run_group(ctx: Any, group: Group, stem: str) -> pd.DataFrame:
    """Run a group's sweeps and pair them: one row per cell, run (replicate, draw) and week with every
    option's profit and extra spend, and the market's LTV/CAC and payback when the firm keeps its money."""
    on = ["point", "replicate", "step"]
    market = _sweep(ctx, group.market, f"{stem}_market", MARKET_FN).series
    market = market[[*on, "profit_keep", "profit_ads", "extra_spend_ads", "spend_keep", "ltv_to_cac", "payback_months"]]
    frames = []
    for name, experiment, mapping in group.gestures:
        g = _sweep(ctx, experiment, f"{stem}_{name}", GESTURES_FN).series
        g = g[[*on, "profit_gestures", "spend_gestures"]]
        where = pd.DataFrame(mapping, columns=["market_point", "relationship_cost_to_margin"])
        g = g.merge(where, left_on="point", right_index=True).drop(columns="point")
        frames.append(g.rename(columns={"market_point": "point"}))
    gestures = pd.concat(frames, ignore_index=True)
    both = market.merge(gestures, on=on, validate="one_to_many")
    both["extra_spend_gestures"] = both["spend_gestures"] - both["spend_keep"]
    points = pd.DataFrame(group.points, columns=["market_maturity", "ad_reach", "draw"])
    points["point"] = np.arange(len(points))
    return both.merge(points, on="point")


# --- statistics ------------------------------------------------------------------------------------


def share_ci(flags: Any, level: float = 0.95) -> dict[str, Any]:
    """Share of True with its exact (Clopper-Pearson) interval and n (None without any).

    Example:
        >>> share_ci([True, False, True, True])["mean"]
        0.75
    """
    from scipy import stats

    flags = np.asarray(flags, dtype=bool)
    k, n = int(flags.sum()), len(flags)
    if n == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    return {"mean": k / n, "ci_low": float(ci.low), "ci_high": float(ci.high), "n": n}


def judge(rows: pd.DataFrame) -> dict[str, Any]:
    """One cell at one horizon (one row per paired run): per option the mean profit with its 95% interval,
    the return on the extra spend, the paired differences, the best option and how sure (the interval of
    best − second-best over the paired runs, :func:`~trustsim.experiments.common.verdict`)."""
    profit = {o: mean_ci(rows[f"profit_{o}"]) for o in OPTIONS}
    roi = {}
    for o in OPTIONS[1:]:
        spent = rows[f"extra_spend_{o}"].to_numpy(np.float64)
        gain = (rows[f"profit_{o}"] - rows["profit_keep"]).to_numpy(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            roi[o] = mean_ci(np.where(spent > 0, gain / spent, np.nan))
    ranked = sorted(OPTIONS, key=lambda o: -(profit[o]["mean"] if profit[o]["mean"] is not None else -np.inf))
    best, second = ranked[0], ranked[1]
    diff = mean_ci(rows[f"profit_{best}"] - rows[f"profit_{second}"])
    v = verdict(diff, 0.0)
    return {
        "profit": profit,
        "roi": roi,
        "gestures_minus_keep": mean_ci(rows["profit_gestures"] - rows["profit_keep"]),
        "gestures_minus_ads": mean_ci(rows["profit_gestures"] - rows["profit_ads"]),
        "ads_minus_keep": mean_ci(rows["profit_ads"] - rows["profit_keep"]),
        "best_option": best,
        "second_option": second,
        "difference": diff,
        "verdict": v,
        "certainty": "sure" if v["answer"] == "yes" else "uncertain",
    }


def gestures_win(rows: pd.DataFrame) -> np.ndarray:
    """Per run: whether gestures earn strictly the most of the three options."""
    others = np.maximum(rows["profit_keep"].to_numpy(), rows["profit_ads"].to_numpy())
    return rows["profit_gestures"].to_numpy() > others


def crossovers(table: pd.DataFrame) -> np.ndarray:
    """Per run (replicate) of one cell: the week from which gestures' cumulative discounted profit stays above
    both other options' (NaN: not by the horizon, a censored run)."""
    times = []
    for _, run in table.sort_values("step").groupby("replicate", sort=True):
        best_other = np.maximum(run["profit_keep"].to_numpy(), run["profit_ads"].to_numpy())
        times.append(crossover_step(run["step"].to_numpy(), run["profit_gestures"].to_numpy(), best_other))
    return np.array(times, dtype=np.float64)


def maturity_label(m: float) -> str:
    """A findings key for a maturity.

    Example:
        >>> maturity_label(0.0), maturity_label(0.8)
        ('maturity_00', 'maturity_80')
    """
    return f"maturity_{round(100 * m):02d}"


def _shares(table: pd.DataFrame, weeks: dict[int, int]) -> dict[str, Any]:
    """Per horizon (years): the share of runs in `table` in which gestures earn the most."""
    return {str(h): share_ci(gestures_win(table[table["step"] == w])) for h, w in weeks.items()}


def _in_cell(table: pd.DataFrame, cell: tuple[float, ...]) -> pd.DataFrame:
    sel = np.ones(len(table), dtype=bool)
    for key, value in zip(CELL, cell, strict=False):
        sel &= np.isclose(table[key].to_numpy(np.float64), value)
    return table[sel]


# --- the analysis ----------------------------------------------------------------------------------


def analyse(ctx: Any) -> tuple[dict[str, Any], list[Path]]:
    """Run the sweeps (the region, the silent-ambassador pairs, the posterior), draw the figures, return the
    findings."""
    d = prepare(ctx.path, ctx.size)
    main = run_group(ctx, d.main, "one_firm")
    pair = _sweep(ctx, d.pair, "one_firm_pair", PAIR_FN).summary
    post = run_group(ctx, d.posterior, "one_firm_posterior")
    s = d.settings
    weeks = {h: h * WEEKS_PER_YEAR for h in s.horizons_years}
    cells = [(m, p, c) for m in d.maturities for p in s.ad_reach for c in s.relationship_cost_to_margin]
    main_end, post_end = main[main["step"] == d.steps], post[post["step"] == d.steps]
    first_cost = s.relationship_cost_to_margin[0]  # keep runs do not depend on the gesture cost

    economics = {
        (m, p): {
            "ltv_to_cac": mean_ci(_in_cell(main_end, (m, p, first_cost))["ltv_to_cac"]),
            "payback_months": mean_ci(_in_cell(main_end, (m, p, first_cost))["payback_months"]),
            "posterior_ltv_to_cac": mean_ci(_in_cell(post_end, (m, p, first_cost))["ltv_to_cac"]),
        }
        for m in d.maturities
        for p in s.ad_reach
    }
    region, judged = [], []
    for cell in cells:
        here, here_post = _in_cell(main, cell), _in_cell(post, cell)
        for h, w in weeks.items():
            j = judge(here[here["step"] == w])
            share = share_ci(gestures_win(here_post[here_post["step"] == w]))
            axes = {"ltv_to_cac": economics[cell[:2]]["ltv_to_cac"]} | dict(zip(CELL, cell, strict=True))
            axes["horizon_years"] = h
            region.append(
                axes
                | {k: j[k] for k in ("best_option", "second_option", "difference", "verdict", "certainty")}
                | {"win_share_posterior": share, "n": int(j["difference"]["n"])}
            )
            judged.append(axes | j)

    refs = {maturity_label(m): (m, s.reference_ad_reach, s.reference_cost_to_margin) for m in d.maturities}
    option_profit: dict[str, Any] = {"definition": _PROFIT_DEFINITION, "reference": {}, "cells": []}
    relationship_roi: dict[str, Any] = {"definition": _ROI_DEFINITION, "reference": {}, "cells": []}
    ads_roi: dict[str, Any] = {"definition": _ROI_DEFINITION, "reference": {}, "cells": []}
    equal_spend: dict[str, Any] = {
        "definition": (
            "gestures minus ads at the same extra money, paired over seeds: the one-firm counterpart of the "
            "two-firm equal-spend design; the part of the gestures' money there is nothing to spend on is kept"
        ),
        "two_firm_view": TEN_AMBASSADORS,
        "reference": {},
    }
    for row in judged:
        key = {k: row[k] for k in (*CELL, "horizon_years")}
        option_profit["cells"].append(key | row["profit"])
        relationship_roi["cells"].append(key | {"roi": row["roi"]["gestures"]})
        ads_roi["cells"].append(key | {"roi": row["roi"]["ads"]})
    for label, cell in refs.items():
        by_h = [r for r in judged if tuple(r[k] for k in CELL) == cell]
        option_profit["reference"][label] = {str(r["horizon_years"]): r["profit"] for r in by_h}
        relationship_roi["reference"][label] = {str(r["horizon_years"]): r["roi"]["gestures"] for r in by_h}
        ads_roi["reference"][label] = {str(r["horizon_years"]): r["roi"]["ads"] for r in by_h}
        equal_spend["reference"][label] = {str(r["horizon_years"]): r["gestures_minus_ads"] for r in by_h}

    periods = sorted({*weeks.values(), 13, 26})
    crossover = {}
    for label, cell in refs.items():
        times = crossovers(_in_cell(main, cell))
        crossover[label] = ambassadors.crossed_by(times, np.full(len(times), d.steps), periods) | {
            "definition": (
                "runs in which gestures' cumulative discounted profit has overtaken both keeping the money and "
                "ads for good, Kaplan-Meier with runs never overtaking censored at the horizon"
            )
        }
    every_quarter = list(range(13, d.steps + 1, 13))
    crossover_by_cost = []
    for m in d.maturities:
        for c in s.relationship_cost_to_margin:
            times = crossovers(_in_cell(main, (m, s.reference_ad_reach, c)))
            crossover_by_cost.append(
                {"market_maturity": m, "relationship_cost_to_margin": c}
                | ambassadors.crossed_by(times, np.full(len(times), d.steps), every_quarter)
            )

    cpa, inc = _ambassador_findings(pair, d.maturities)
    win_share = {
        "definition": (
            f"share of {s.posterior_draws} parameter sets drawn by weight from the posterior {s.posterior!r} (one "
            "seed each) in which gestures earn the most discounted profit of the three options; exact 95% "
            "interval; per cell in `region`"
        ),
        "posterior": s.posterior,
        "draws": s.posterior_draws,
        "by_maturity": {maturity_label(m): _shares(_in_cell(post, (m,)), weeks) for m in d.maturities},
    }
    last = s.horizons_years[-1]
    verdicts: dict[str, Any] = {}
    for label, cell in refs.items():
        row = next(r for r in judged if tuple(r[k] for k in CELL) == cell and r["horizon_years"] == last)
        verdicts[f"relationship_beats_keep_{label}"] = verdict(row["gestures_minus_keep"], 0.0)
        verdicts[f"relationship_beats_ads_{label}"] = verdict(row["gestures_minus_ads"], 0.0)
        verdicts[f"one_ambassador_brings_ten_{label}"] = verdict(cpa[label], TARGET)

    findings: dict[str, Any] = {
        "customers": d.customers,
        "replicates": d.replicates,
        "steps": d.steps,
        "reference_cells": {label: dict(zip(CELL, cell, strict=True)) for label, cell in refs.items()},
        "option_profit": option_profit,
        "relationship_roi": relationship_roi,
        "ads_roi": ads_roi,
        "ltv_to_cac": {
            "definition": (
                "advertiser LTV/CAC of the market when the focal firm keeps its money: lifetime margin of an "
                "ad-won customer / ad money spent per customer won by ads (trustsim.patterns.advertiser_economics)"
            ),
            "cells": [{"market_maturity": m, "ad_reach": p} | v for (m, p), v in economics.items()],
        },
        "relationship_cost_to_margin": {
            "definition": "cost of one gesture / weekly margin of a customer (price less the cost of serving it)",
            "levels": s.relationship_cost_to_margin,
            "gesture_cost": {f"{c:g}": v for c, v in d.gesture_cost.items()},
            "as_run": {f"{c:g}": v for c, v in d.cost_to_margin_as_run.items()},
            "margin_per_week": d.margin,
        },
        "market_maturity": {
            "definition": "share of people already buying from a firm at the start (market.initial_customers)",
            "levels": d.maturities,
        },
        "horizons_years": s.horizons_years,
        "win_share_posterior": win_share,
        "region": region,
        "customers_per_ambassador": cpa,
        "incremental_customers_per_ambassador": inc,
        "crossover": crossover,
        "crossover_by_cost": crossover_by_cost,
        "equal_spend": equal_spend,
    }
    findings["verdicts"] = verdicts
    findings |= answers(verdicts)
    findings["manager_paragraph"] = manager_paragraph(findings)
    figures = [
        region_figure(findings, ctx.out),
        profit_figure(findings, ctx.out),
        crossover_figure(findings, ctx.out),
    ]
    return findings, figures


_PROFIT_DEFINITION = (
    "the focal firm's cumulative discounted profit at the horizon under each option (keep the extra money, "
    "spend it on ads, spend it on relationship gestures), mean and 95% t-interval over paired seeds"
)
_ROI_DEFINITION = (
    "return on the extra money: (profit of the option - profit of keep) / discounted extra spend, per run; "
    "mean and 95% t-interval over paired seeds"
)


def _ambassador_findings(summary: pd.DataFrame, maturities: list[float]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Customers per distinct ambassador (referral records) and incremental customers per ambassador
    (against the same seeds with the firm's customers silent), at each maturity's reference cell."""
    cpa: dict[str, Any] = {
        "definition": (
            "referrals made by each distinct person who was ever an ambassador of the focal firm under the "
            "gestures option, over its life there (referral records), at the reference cell; mean over those "
            "people, then mean and 95% t-interval over seeds"
        )
    }
    inc: dict[str, Any] = {
        "definition": (
            "customer-weeks the focal firm gained under gestures against the same seeds with its customers "
            "silent (wom.silent_suppliers; Libai, Muller & Peres 2013), split by what each person did in the other "
            "run (expansion / acceleration / from the rival); in customers: divided by the mean weeks a referred "
            "customer stayed within the horizon, per distinct ambassador"
        )
    }
    for k, m in enumerate(maturities):
        runs = summary[summary["point"] == k]
        label = maturity_label(m)
        cpa[label] = mean_ci(runs["customers_per_ambassador"])
        added = ambassadors.customers_per_ambassador_added(runs, runs["distinct_ambassadors"].to_numpy())
        inc[label] = mean_ci(added["incremental"]) | {part: mean_ci(added[part]) for part in PARTS}
    return cpa, inc


# --- words -----------------------------------------------------------------------------------------


def _fmt(ci: dict[str, Any] | None, digits: int = 0) -> str:
    from trustsim.experiments.report import fmt

    return fmt(ci, digits)


def _cond(row: dict[str, Any]) -> str:
    ltv = row["ltv_to_cac"]["mean"]
    ltv_txt = "n/a" if ltv is None else f"{ltv:.1f}"
    return f"LTV/CAC {ltv_txt}, a gesture = {_weeks([row['relationship_cost_to_margin']])} of margin"


WORDS = {"gestures": "relationship gestures", "keep": "keeping the money", "ads": "advertising"}


def _weeks(costs: list[float]) -> str:
    """'0.25, 1 weeks' / '1 week': gesture costs in weeks of margin, in words."""
    return ", ".join(f"{c:g}" for c in costs) + (" week" if costs == [1.0] else " weeks")


def _state(rows: list[dict[str, Any]], reference: dict[str, Any]) -> list[str]:
    """Phrases saying which option earns the most, for sure, in how many of `rows` (one horizon and maturity),
    with an example and its interval (the reference cell where it is one of them)."""
    phrases = []
    for option in ("gestures", "keep", "ads"):
        sure = [r for r in rows if r["best_option"] == option and r["certainty"] == "sure"]
        if not sure:
            continue
        ref = [r for r in sure if all(r[k] == v for k, v in reference.items() if k in CELL)]
        ex = ref[0] if ref else max(sure, key=lambda r: r["difference"]["mean"])
        costs = _weeks(sorted({r["relationship_cost_to_margin"] for r in sure}))
        phrases.append(
            f"{WORDS[option]} earn{'s' if option != 'gestures' else ''} the most for sure in {len(sure)} of "
            f"{len(rows)} conditions (a gesture at {costs} of margin; e.g. {_cond(ex)}: "
            f"{_fmt(ex['difference'])} more than {WORDS[ex['second_option']]})"
        )
    if not any(r["best_option"] == "gestures" and r["certainty"] == "sure" for r in rows):
        phrases.insert(0, f"relationship gestures earn the most for sure in none of the {len(rows)} conditions")
    unsure = [r for r in rows if r["certainty"] != "sure"]
    if unsure:
        costs = _weeks(sorted({r["relationship_cost_to_margin"] for r in unsure}))
        phrases.append(f"{len(unsure)} are too close to call at this size (a gesture at {costs} of margin)")
    return phrases


def manager_paragraph(f: dict[str, Any]) -> str:
    """The seeds' claim restated with its conditions, from the findings (numbers never typed by hand)."""
    rows = f["region"]
    years = f["horizons_years"]
    last, first = years[-1], years[0]
    post = f["win_share_posterior"]
    parts = [
        "Rather ten ambassadors than one customer? For one firm that spends as much again as its ad budget "
        f"({f['replicates']} paired seeds per condition, {post['draws']} posterior draws):"
    ]
    for m in f["market_maturity"]["levels"]:
        label = maturity_label(m)
        ref = f["reference_cells"][label]
        market = "In a new category" if m == 0 else f"Where {m:.0%} already buy"

        def at(h: int, m: float = m) -> list[dict[str, Any]]:
            return [r for r in rows if r["market_maturity"] == m and r["horizon_years"] == h]

        text = f"{market}, over {last} years " + "; ".join(_state(at(last), ref))
        if first != last:
            text += f". Within {first} year{'s' if first > 1 else ''}: " + "; ".join(_state(at(first), ref))
        share = post["by_maturity"][label][str(last)]
        text += f". Over the calibration's posterior, gestures earn the most in {_pct(share)} of draws at {last} years."
        parts.append(text)
    ads_best = [r for r in rows if r["best_option"] == "ads"]
    roi = [f["ads_roi"]["reference"][label][str(last)] for label in f["reference_cells"]]
    parts.append(
        f"Advertising the extra money earns the most in {len(ads_best)} of {len(rows)} conditions and horizons (its "
        f"return on the extra money at {last} years in the reference conditions: "
        + " and ".join(_fmt(r, 2) for r in roi)
        + ")."
    )
    cpa = [f"{_fmt(f['customers_per_ambassador'][maturity_label(m)], 2)}" for m in f["market_maturity"]["levels"]]
    inc = [
        f"{_fmt(f['incremental_customers_per_ambassador'][maturity_label(m)], 2)}"
        for m in f["market_maturity"]["levels"]
    ]
    parts.append(
        "One ambassador brings "
        + " and ".join(cpa)
        + " customers over its life (by maturity, as above), and its word of mouth adds "
        + " and ".join(inc)
        + " customers' worth of weeks against the same seeds with it silent: the income comes from keeping and "
        "winning customers, not from ten referrals each."
    )
    return " ".join(parts)


def _pct(share: dict[str, Any]) -> str:
    if share.get("mean") is None:
        return "n/a"
    return f"{share['mean']:.0%} [{share['ci_low']:.0%}, {share['ci_high']:.0%}] (n = {share['n']})"


def summary_lines(f: dict[str, Any]) -> list[str]:
    """The region table and the manager's paragraph, for the terminal after `trustsim experiment one_firm`."""
    lines = ["Which option earns the most (95% interval of best - second-best; posterior share of gestures wins):"]
    for r in f["region"]:
        lines.append(
            f"  maturity {r['market_maturity']:.0%}  {r['horizon_years']:>2} y  {_cond(r):<45} -> "
            f"{r['best_option']:<8} by {_fmt(r['difference']):<28} {r['certainty']:<9} "
            f"posterior {_pct(r['win_share_posterior'])}"
        )
    lines += ["", f["manager_paragraph"]]
    return lines


# --- figures ---------------------------------------------------------------------------------------


def region_figure(f: dict[str, Any], out: Path) -> Path:
    """Small multiples: rows = maturity, columns = horizon; x = LTV/CAC, y = cost per margin; colour = the
    option that earns the most, pale and hatched where its lead is not sure; text = posterior win share."""
    from matplotlib.patches import Patch

    plt = pyplot()
    rows = f["region"]
    maturities = f["market_maturity"]["levels"]
    years = f["horizons_years"]
    reaches = sorted({r["ad_reach"] for r in rows})  # weak ads (low LTV/CAC) on the left
    costs = sorted({r["relationship_cost_to_margin"] for r in rows})
    fig, axes = plt.subplots(
        len(maturities),
        len(years),
        figsize=(2.6 * len(years) + 1.2, 2.6 * len(maturities) + 1.2),
        squeeze=False,
        sharey=True,
    )
    from matplotlib.colors import to_rgba

    for a, m in enumerate(maturities):
        for b, h in enumerate(years):
            ax = axes[a][b]
            here = [r for r in rows if r["market_maturity"] == m and r["horizon_years"] == h]
            for r in here:
                x, y = reaches.index(r["ad_reach"]), costs.index(r["relationship_cost_to_margin"])
                sure = r["certainty"] == "sure"
                ax.add_patch(
                    pyplot().Rectangle(
                        (x - 0.5, y - 0.5),
                        1,
                        1,
                        facecolor=to_rgba(COLOURS[r["best_option"]], 1.0 if sure else 0.35),
                        hatch="" if sure else "///",
                        edgecolor="white",
                        lw=1.5,
                    )
                )
                share = r["win_share_posterior"]
                txt = r["best_option"] + ("" if sure else "?")
                if share["mean"] is not None:
                    txt += f"\n{share['mean']:.0%} (n={share['n']})"
                ax.text(x, y, txt, ha="center", va="center", fontsize=7, color="black")
            ltv = {r["ad_reach"]: r["ltv_to_cac"]["mean"] for r in here}
            ax.set_xlim(-0.5, len(reaches) - 0.5)
            ax.set_ylim(-0.5, len(costs) - 0.5)
            ax.set_xticks(range(len(reaches)), [f"{ltv[p]:.1f}" if ltv.get(p) is not None else "n/a" for p in reaches])
            ax.set_yticks(range(len(costs)), [f"{c:g}" for c in costs])
            if a == 0:
                ax.set_title(f"{h} year{'s' if h > 1 else ''}")
            if a == len(maturities) - 1:
                ax.set_xlabel("advertiser LTV/CAC")
            if b == 0:
                ax.set_ylabel(f"{m:.0%} already buying\ngesture cost / weekly margin")
    handles = [Patch(facecolor=COLOURS[o], label=o) for o in OPTIONS]
    handles.append(Patch(facecolor="white", edgecolor="grey", hatch="///", label="lead not sure (95% CI spans 0)"))
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(
        "Which use of one firm's extra money earns the most discounted profit: keep it, ads, or relationship "
        "gestures\n(text: share of posterior draws in which gestures earn the most)",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    return save_figure(fig, out, "one_firm_region")


def profit_figure(f: dict[str, Any], out: Path) -> Path:
    """Each option's discounted profit and the return on the extra money over the horizons, at the reference cells."""
    plt = pyplot()
    ref = f["option_profit"]["reference"]
    fig, axes = plt.subplots(2, len(ref), figsize=(6 * len(ref), 7), squeeze=False)
    for b, (label, by_h) in enumerate(ref.items()):
        years = [int(h) for h in by_h]
        for o in OPTIONS:
            mean = np.array([by_h[str(h)][o]["mean"] for h in years], dtype=float)
            lo = np.array([_or_nan(by_h[str(h)][o]["ci_low"]) for h in years])
            hi = np.array([_or_nan(by_h[str(h)][o]["ci_high"]) for h in years])
            axes[0][b].plot(years, mean, "o-", color=COLOURS[o], label=o)
            axes[0][b].fill_between(years, lo, hi, color=COLOURS[o], alpha=0.25, lw=0)
        for o, key in (("ads", "ads_roi"), ("gestures", "relationship_roi")):
            cis = [f[key]["reference"][label][str(h)] for h in years]
            mean = np.array([_or_nan(c["mean"]) for c in cis])
            lo, hi = np.array([_or_nan(c["ci_low"]) for c in cis]), np.array([_or_nan(c["ci_high"]) for c in cis])
            axes[1][b].plot(years, mean, "o-", color=COLOURS[o], label=o)
            axes[1][b].fill_between(years, lo, hi, color=COLOURS[o], alpha=0.25, lw=0)
        axes[1][b].axhline(0, color="black", lw=0.8)
        cell = f["reference_cells"][label]
        axes[0][b].set(
            title=f"{cell['market_maturity']:.0%} already buying (ad reach x{cell['ad_reach']:g}, gesture = "
            f"{_weeks([cell['relationship_cost_to_margin']])} of margin)",
            ylabel="cumulative discounted profit",
        )
        axes[1][b].set(xlabel="horizon (years)", ylabel="return on the extra money")
        axes[0][b].legend(frameon=False)
    fig.suptitle("One firm's options at the reference cells (95% intervals over paired seeds)")
    fig.tight_layout()
    return save_figure(fig, out, "one_firm_profit")


def crossover_figure(f: dict[str, Any], out: Path) -> Path:
    """Kaplan-Meier share of runs in which gestures have overtaken both other options for good, by cost per margin."""
    plt = pyplot()
    rows = f["crossover_by_cost"]
    maturities = f["market_maturity"]["levels"]
    fig, axes = plt.subplots(1, len(maturities), figsize=(6 * len(maturities), 4), squeeze=False, sharey=True)
    costs = sorted({r["relationship_cost_to_margin"] for r in rows})
    for ax, m in zip(axes[0], maturities, strict=True):
        for k, c in enumerate(costs):
            r = next(r for r in rows if r["market_maturity"] == m and r["relationship_cost_to_margin"] == c)
            t = [p["period"] for p in r["by_period"]]
            colour = PALETTE[k % len(PALETTE)]
            ax.step(
                t, [p["share"] for p in r["by_period"]], where="post", color=colour, label=f"gesture = {c:g} x margin"
            )
            known = np.array([p["at_risk"] > 0 for p in r["by_period"]])  # no run left at risk: no interval
            ax.fill_between(
                t,
                [p["ci_low"] for p in r["by_period"]],
                [p["ci_high"] for p in r["by_period"]],
                where=known,
                step="post",
                color=colour,
                alpha=0.15,
                lw=0,
            )
        ax.set(title=f"{m:.0%} already buying", xlabel="week", ylim=(0, 1))
    axes[0][0].set_ylabel("share of runs: gestures ahead for good")
    axes[0][0].legend(frameon=False, fontsize=8)
    fig.suptitle(
        "When relationship gestures overtake keeping the money and ads (Kaplan-Meier, censored at the horizon)"
    )
    fig.tight_layout()
    return save_figure(fig, out, "one_firm_crossover")


def _or_nan(v: Any) -> float:
    return float("nan") if v is None else float(v)
