"""ten_ambassadors: "rather ten ambassadors than one customer" (MODEL_BRIEF §2, the headline), in money.

Two suppliers compete for one market at **equal spend** (issue 15): supplier 1 ("Ambassador",
the relationship policy) over-delivers and cares for its customers and advertises a little;
each week supplier 0 ("Acquisition") spends on advertising exactly what supplier 1 spends
beyond it (:func:`trustsim.experiments.runs.matched_budget`). Measured as the marketing
literature measures it, each with a 95% interval and its n:

- cumulative discounted profit, relationship − acquisition, at one to five years;
- customers per distinct ambassador over its life (referral records) and the break-even number
  that would close the profit gap (:func:`trustsim.analysis.ambassadors.break_even`);
- the incremental customers per ambassador against a counterfactual on the same seeds in which
  the Ambassador's customers stay silent (``wom.silent_suppliers``), split into expansion,
  acceleration and customers taken from the rival (Libai, Muller & Peres 2013);
- the distribution across ambassadors (share referring nobody, top-10% share, Gini) and
  customer referral value against lifetime value (Kumar et al. 2010);
- the crossover as a survival question (Kaplan–Meier, runs censored at the horizon);
- the map (``ten_ambassadors_map.toml``): a Sobol design over market conditions, with the
  probability of a win over the most influential factors and Sobol indices with intervals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim.analysis import ambassadors
from trustsim.experiments.common import (
    PALETTE,
    Size,
    SweepData,
    answers,
    band_plot,
    bands,
    crossover_step,
    mean_ci,
    pyplot,
    reference_point,
    save_figure,
    verdict,
)
from trustsim.experiments.runs import HORIZONS

CLAIM = (
    "With the same spend, spending on over-delivery and care (ambassadors) brings more long-term income "
    "than spending on advertising, and one ambassador brings about ten customers."
)
FALSIFIED_IF = (
    "The interval of the discounted profit difference (relationship − acquisition) at the horizon lies "
    "below 0 at the reference point, or customers_per_ambassador lies far below 10; the map shows where "
    "each holds."
)

REFERENCE = {"network.rewire": [0.1], "credibility.recommendation": [0.9]}
SIZES = {
    "tiny": Size({"market.customers": 300}, replicates=4, steps=160, grid=REFERENCE),
    "laptop": Size({"market.customers": 1500}, replicates=10, grid=REFERENCE),
}
EXCHANGE_SIZES = {
    "tiny": Size({"market.customers": 300}, replicates=2, steps=160, points=(0, 2)),
    "laptop": Size({"market.customers": 1000}, replicates=2),
}
MAP_SIZES = {
    "tiny": Size({"market.customers": 200}, replicates=2, steps=60, samples=2),
    "laptop": Size({"market.customers": 300}, replicates=2, samples=8),
}
PAIR_FN = "trustsim.experiments.runs:run_ambassador_pair"
MAP_FN = "trustsim.experiments.runs:run_equal_spend"
PARTS = ambassadors.PARTS
KM_PERIODS = (13, 26, 52, 78, 104, 156, 208, 260)
"""Periods at which the share of runs crossed is reported (a quarter to five years)."""
TARGET = 10.0
"""The brief's "ten" customers per ambassador."""


def per_run(suppliers: pd.DataFrame) -> pd.DataFrame:
    """One row per run x supplier: final and cumulative measures, customers per ambassador."""
    body = suppliers[suppliers["step"] > 0]
    g = body.groupby(["run", "supplier"], sort=True)
    out = pd.DataFrame(
        {
            "recommended": g["acquired_recommendations"].sum(),
            "mean_ambassadors": g["ambassadors"].mean(),
            "horizon": g["step"].max(),
            "cumulative_revenue": g["revenue"].sum(),
            "customer_steps": g["customers"].sum(),
            "reviews": g["acquired_reviews"].sum() if "acquired_reviews" in body else np.nan,
        }
    )
    last = suppliers.sort_values("step").groupby(["run", "supplier"]).tail(1).set_index(["run", "supplier"])
    out["final_customers"] = last["customers"]
    out["final_revenue"] = last["revenue"]
    out["final_ambassadors"] = last["ambassadors"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["customers_per_ambassador"] = np.where(
            out["mean_ambassadors"] > 0, out["recommended"] / out["mean_ambassadors"], np.nan
        )
        out["per_ambassador_step"] = out["customers_per_ambassador"] / out["horizon"]
        # reviews are posted by every customer: new customers per customer over the horizon
        out["customers_per_customer_reviews"] = out["reviews"] / (out["customer_steps"] / out["horizon"])
    return out.reset_index()


def crossovers(suppliers: pd.DataFrame, measure: str = "customers") -> pd.DataFrame:
    """Per run: the step from which supplier 1 stays ahead of supplier 0 in `measure` (NaN: never)."""
    rows = []
    for run, frame in suppliers.groupby("run", sort=True):
        wide = frame.pivot(index="step", columns="supplier", values=measure).sort_index()
        rows.append({"run": run, "crossover_step": crossover_step(wide.index.to_numpy(), wide[1], wide[0])})
    return pd.DataFrame(rows)


def names_of(suppliers: pd.DataFrame) -> list[str]:
    """Supplier names by index."""
    return suppliers.drop_duplicates("supplier").sort_values("supplier")["name"].tolist()


def summarise_point(suppliers: pd.DataFrame) -> dict[str, Any]:
    """Headline numbers of one design point (all its replicates)."""
    names = names_of(suppliers)
    runs = per_run(suppliers)
    cross = crossovers(suppliers)
    mean_curve = suppliers.groupby(["step", "supplier"])["customers"].mean().unstack()
    out: dict[str, Any] = {"replicates": int(runs["run"].nunique())}
    for key in (
        "final_customers",
        "final_revenue",
        "cumulative_revenue",
        "final_ambassadors",
        "customers_per_ambassador",
        "per_ambassador_step",
        "customers_per_customer_reviews",
    ):
        out[key] = {names[s]: mean_ci(runs.loc[runs["supplier"] == s, key]) for s in range(len(names))}
    crossed = cross["crossover_step"].notna()
    out["crossover_step"] = mean_ci(cross["crossover_step"]) | {
        "share_of_runs_crossed": float(crossed.mean()),
        "of_mean_curves": crossover_step(mean_curve.index.to_numpy(), mean_curve[1], mean_curve[0]),
    }
    wide = runs.pivot(index="run", columns="supplier", values="final_customers")
    out["final_customers_difference"] = mean_ci(wide[1] - wide[0])
    return out


def analyse(ctx: Any) -> tuple[dict[str, Any], list[Path]]:
    """Run the sweeps, draw the figures, return the findings."""
    data = ctx.sweep(ctx.path, SIZES, run_fn=PAIR_FN)
    ref = reference_point(data)
    sup = data.suppliers
    ref_sup = sup[sup["point"] == ref]
    names = names_of(ref_sup)
    head = summarise_point(ref_sup)
    params = data.summary.drop_duplicates("point").set_index("point")[data.names]
    ref_runs = data.summary[data.summary["point"] == ref]
    ref_series = data.series[data.series["point"] == ref]
    money = money_findings(ref_runs, ref_series)

    grid = []
    for point, frame in sup.groupby("point", sort=True):
        s = summarise_point(frame)
        runs = data.summary[data.summary["point"] == point]
        grid.append(
            {
                **{k: params.loc[point, k] for k in data.names},
                "crossover_step": s["crossover_step"],
                "final_customers_difference": s["final_customers_difference"],
                "customers_per_ambassador": mean_ci(runs["customers_per_ambassador"]),
                "discounted_profit_difference": mean_ci(runs["profit_difference"]),
            }
        )

    exchange = []
    companion = ctx.sibling("ten_ambassadors_exchange")
    ex_data = ctx.sweep(companion, EXCHANGE_SIZES) if companion else None
    if ex_data is not None:
        ex_params = ex_data.summary.drop_duplicates("point").set_index("point")[ex_data.names]
        for point, frame in ex_data.suppliers.groupby("point", sort=True):
            runs = per_run(frame)
            wide = runs.pivot(index="run", columns="supplier", values="final_customers")
            cross = crossovers(frame)
            exchange.append(
                {
                    **{k: ex_params.loc[point, k] for k in ex_data.names},
                    "final_customers": {names[s]: mean_ci(wide[s]) for s in (0, 1)},
                    "final_customers_difference": mean_ci(wide[1] - wide[0]),
                    "crossover_step": mean_ci(cross["crossover_step"])
                    | {"share_of_runs_crossed": float(cross["crossover_step"].notna().mean())},
                }
            )

    diff = head["final_customers_difference"]
    findings = {
        "customers": int(data.experiment.overrides.get("market.customers", 0)) or _customers(data),
        "replicates": data.experiment.replicates,
        "steps": int(sup["step"].max()),
        "reference_point": {k: params.loc[ref, k] for k in data.names},
        "policies": {"acquisition": names[0], "ambassador": names[1]},
        **money,
        "final_customers": {
            "acquisition": head["final_customers"][names[0]],
            "ambassador": head["final_customers"][names[1]],
        },
        "final_revenue": {
            "acquisition": head["final_revenue"][names[0]],
            "ambassador": head["final_revenue"][names[1]],
        },
        "cumulative_revenue": {
            "acquisition": head["cumulative_revenue"][names[0]],
            "ambassador": head["cumulative_revenue"][names[1]],
        },
        "final_ambassadors": {
            "acquisition": head["final_ambassadors"][names[0]],
            "ambassador": head["final_ambassadors"][names[1]],
        },
        "final_customers_difference": diff,
        "crossover_step": head["crossover_step"],
        "by_clustering_and_credibility": grid,
        "exchange_rate": exchange,
    }
    findings["verdicts"] = {
        "ambassador_wins_at_horizon": verdict(money["discounted_profit_difference"][str(findings["steps"])], 0.0),
        "one_ambassador_brings_ten": verdict(money["customers_per_ambassador"], TARGET),
    }
    findings |= answers(findings["verdicts"])
    figures = [
        _trajectories(ref_sup, names, money, ctx.out),
        _value(money, ctx.out),
    ]
    if len(data.names) == 2 and len(grid) > 1:
        figures.append(_heatmap(grid, data.names, ctx.out))
    atlas = ctx.sibling("ten_ambassadors_map")
    if atlas is not None:
        map_data = ctx.sweep(atlas, MAP_SIZES, run_fn=MAP_FN)
        findings["map"], map_figure = the_map(map_data, ctx.out / "sweeps" / f"{atlas.stem}-{ctx.size}", ctx.out)
        figures.insert(0, map_figure)
    return findings, figures


def money_findings(runs: pd.DataFrame, series: pd.DataFrame) -> dict[str, Any]:
    """The issue-15 measures of one design point, each a 95% interval over its runs with its n."""
    steps = int(series["step"].max())
    horizons = [h for h in HORIZONS if h < steps] + [steps]
    by_step = series.pivot(index="step", columns="run", values="profit_difference")
    difference = {str(h): mean_ci(by_step.loc[h]) for h in horizons}
    d_t = by_step.loc[steps].reindex(runs["run"]).to_numpy()
    per_amb = runs["ambassadors"].to_numpy(np.float64)
    cpa = runs["customers_per_ambassador"].to_numpy(np.float64)
    b_even = [
        ambassadors.break_even(float(d), float(a), float(c), float(v))
        for d, a, c, v in zip(d_t, per_amb, cpa, runs["referred_value"].to_numpy(np.float64), strict=True)
    ]
    parts = ambassadors.customers_per_ambassador_added(runs, per_amb)
    with np.errstate(invalid="ignore", divide="ignore"):
        crv_to_clv = runs["crv"] / runs["clv"]
    times = np.array(
        [crossover_step(by_step.index.to_numpy(), by_step[r].to_numpy(), np.zeros(len(by_step))) for r in by_step]
    )
    km = ambassadors.crossed_by(times, np.full(len(times), steps), [p for p in KM_PERIODS if p < steps] + [steps])
    median = km["median"]
    return {
        "equal_spend": {
            "rule": (
                "each week the acquisition firm's ad budget buys what the relationship firm spends beyond it "
                "(its own ads plus the extra cost of over-delivery and care for each of its customers): "
                "trustsim.experiments.runs.matched_budget"
            ),
            "acquisition_ad_budget_mean": mean_ci(series.groupby("run")["acquisition_ad_budget"].mean()),
        },
        "discounted_profit_difference": difference,
        "silent_discounted_profit_difference": mean_ci(
            series.pivot(index="step", columns="run", values="silent_profit_difference").loc[steps]
        ),
        "customers_per_ambassador": mean_ci(cpa),
        "customers_per_ambassador_definition": (
            "referrals (recommendation acquisitions) made by each distinct person who was ever an ambassador "
            "of the relationship firm, summed over all its spells there (its life), from the referral records; "
            "mean over those people, then mean and 95% t-interval over runs"
        ),
        "ambassadors": mean_ci(per_amb),
        "break_even_customers_per_ambassador": mean_ci(b_even),
        "break_even_definition": (
            "customers_per_ambassador - discounted_profit_difference / (ambassadors x value of a referred "
            "customer discounted to step 0): what each ambassador would have to bring for the profit gap "
            "at the horizon to close, at the observed value per referred customer"
        ),
        "incremental_customers_per_ambassador": mean_ci(parts["incremental"])
        | {k: mean_ci(parts[k]) for k in PARTS}
        | {
            "definition": (
                "customer-weeks the relationship firm gained over the horizon against the same seeds with its "
                "customers silent (wom.silent_suppliers; Libai, Muller & Peres 2013), each person-week "
                "classed as expansion / acceleration / from_rival by what the person did in the other run; "
                "in customers: divided by the mean weeks a referred customer stayed within the horizon, per "
                "distinct ambassador"
            ),
            "customer_weeks": {k: mean_ci(runs[f"{k}_weeks"]) for k in ("incremental", *PARTS)},
        },
        "referrers_none_share": mean_ci(runs["referrers_none_share"]),
        "top10_referral_share": mean_ci(runs["top10_referral_share"]),
        "referral_gini": mean_ci(runs["referral_gini"]),
        "customer_value": {
            "clv": mean_ci(runs["clv"]),
            "crv": mean_ci(runs["crv"]),
            "crv_to_clv": mean_ci(crv_to_clv),
            "ambassador_clv": mean_ci(runs["ambassador_clv"]),
            "ambassador_crv": mean_ci(runs["ambassador_crv"]),
            "definition": (
                "per customer spell of the relationship firm: lifetime value (its discounted profit) and "
                "referral value (the lifetime value of the customers it referred), both discounted to the "
                "spell's start (Kumar, Petersen & Leone 2010); censored at the horizon"
            ),
        },
        "crossed_by_horizon": km["by_period"],
        "median_crossover": median if median["median"] is not None else None,
        "median_crossover_interval": median,
    }


def _customers(data: SweepData) -> int:
    from trustsim.experiments.common import base_value

    return int(base_value(data.experiment, "market.customers"))


def _trajectories(sup: pd.DataFrame, names: list[str], money: dict[str, Any], out: Path) -> Path:
    plt = pyplot()
    sup = sup.sort_values(["run", "supplier", "step"])
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), sharex=True)
    for ax, measure, title in zip(
        axes,
        ("customers", "discounted_profit", "ambassadors"),
        ("Customers", "Cumulative discounted profit", "Ambassadors"),
        strict=True,
    ):
        for s, name in enumerate(names):
            band_plot(ax, bands(sup[sup["supplier"] == s], [], measure), PALETTE[s], name)
        ax.set(title=title, xlabel="period (week)")
    axes[0].legend(frameon=False, loc="upper left")
    last = money["crossed_by_horizon"][-1] if money["crossed_by_horizon"] else None
    text = "" if last is None else f"; Ambassador ahead on profit for good in {last['share']:.0%} of runs"
    fig.suptitle(f"Equal spend: advertising vs ambassadors (95% bands{text})", y=1.02)
    return save_figure(fig, out, "ten_ambassadors_trajectories")


def _value(money: dict[str, Any], out: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    inc = money["incremental_customers_per_ambassador"]
    bars = [
        ("brings\n(referrals, over its life)", money["customers_per_ambassador"], PALETTE[1]),
        ("adds\n(vs silent, same seeds)", inc, PALETTE[2]),
        ("must bring\n(break-even)", money["break_even_customers_per_ambassador"], PALETTE[0]),
    ]
    for i, (_, ci, color) in enumerate(bars):
        m = ci["mean"] if ci["mean"] is not None else np.nan
        err = [[m - ci["ci_low"]], [ci["ci_high"] - m]] if ci["ci_low"] is not None else None
        ax.bar(i, m, yerr=err, color=color, capsize=4)
    bottom = 0.0
    for part, hatch in zip(PARTS, ("", "//", ".."), strict=True):
        m = inc[part]["mean"] or 0.0
        ax.bar(3, m, bottom=bottom if m >= 0 else 0.0, color=PALETTE[2], alpha=0.5, hatch=hatch, label=part)
        bottom += max(m, 0.0)
    ax.axhline(TARGET, color="black", ls="--", lw=1)
    ax.text(3.4, TARGET, " ten", va="bottom", ha="right")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xticks(range(4), [b[0] for b in bars] + ["added, by source"], fontsize=8)
    ax.legend(frameon=False, fontsize=8, loc="center left")
    ax.set(ylabel="customers per ambassador", title="What one ambassador is worth (95% CI over runs)")
    return save_figure(fig, out, "ten_ambassadors_value")


def the_map(data: SweepData, folder: Path, out: Path) -> tuple[dict[str, Any], Path]:
    """Where ambassadors pay: Sobol indices of the profit difference and of a win, the Monte Carlo
    error of a design point, and the probability of a win over the most influential factors."""
    from SALib.analyze import sobol

    from trustsim.analysis.sensitivity import salib_seed
    from trustsim.sweep.design import design_points

    design = design_points(data.experiment)
    problem = design.problem
    assert problem is not None  # the map is a Sobol design
    runs = data.summary.sort_values(["point", "replicate"])
    horizons = [h for h in HORIZONS if f"profit_difference_{h}" in runs]
    final = f"profit_difference_{horizons[-1]}"
    points = runs.groupby("point")
    indices: dict[str, Any] = {}
    for label, y in (
        ("profit_difference", points[final].mean()),
        ("relationship_wins", points[final].apply(lambda v: float(np.mean(v > 0)))),
    ):
        res = sobol.analyze(
            problem,
            y.sort_index().to_numpy(float),
            calc_second_order=False,
            conf_level=0.95,
            seed=salib_seed(data.experiment.seed),
        )
        indices[label] = {
            name: {
                "S1": _index(res["S1"][i], res["S1_conf"][i]),
                "ST": _index(res["ST"][i], res["ST_conf"][i]),
            }
            for i, name in enumerate(problem["names"])
        }
    rank = sorted(problem["names"], key=lambda n: -indices["relationship_wins"][n]["ST"]["value"])
    top = rank[:2]
    within = float(points[final].var(ddof=1).mean())
    between = float(points[final].mean().var(ddof=1))
    r = int(points.size().min())
    noise = within / r
    signal = max(between - noise, 0.0)
    wins = runs[final] > 0
    summary = {
        "design": f"sobol, base sample {data.experiment.design.samples}, {len(design.points)} points x {r} replicates",
        "customers": int(data.experiment.overrides.get("market.customers", 0)) or None,
        "factors": problem["names"],
        "sobol_indices": indices,
        "most_influential": rank[:3],
        "win_probability": {str(h): _share(runs[f"profit_difference_{h}"] > 0) for h in horizons},
        "win_probability_by_factor": _cells(runs, top, final),
        "monte_carlo": {
            "replicates": r,
            "within_point_sd": within**0.5,
            "between_point_sd": between**0.5,
            "noise_share_of_point_variance": noise / between if between > 0 else None,
            "replicates_for_noise_below_5_percent": (int(np.ceil(within / (0.05 * signal))) if signal > 0 else None),
        },
        "win_share_of_runs": float(wins.mean()),
    }
    return summary, _map_figure(runs, top, horizons, out)


def _index(value: float, conf: float) -> dict[str, float]:
    return {"value": float(value), "ci_low": float(value - conf), "ci_high": float(value + conf)}


def _share(flags: pd.Series) -> dict[str, Any]:
    """Share of runs with an exact (Clopper-Pearson) 95% interval and its n."""
    from scipy import stats

    k, n = int(flags.sum()), len(flags)
    if n == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    ci = stats.binomtest(k, n).proportion_ci(method="exact")
    return {"mean": k / n, "ci_low": float(ci.low), "ci_high": float(ci.high), "n": n}


def _bins(values: pd.Series, k: int = 3) -> tuple[pd.Series, list[str]]:
    """Levels as they are; numbers in `k` equal-count bins labelled by their range."""
    if not pd.api.types.is_numeric_dtype(values):
        labels = sorted(values.astype(str).unique())
        return values.astype(str), labels
    cut = pd.qcut(values, k, duplicates="drop")
    labels = [f"{iv.left:.3g}-{iv.right:.3g}" for iv in cut.cat.categories]
    return cut.cat.rename_categories(labels).astype(str), labels


def _cells(runs: pd.DataFrame, top: list[str], final: str) -> list[dict[str, Any]]:
    (bx, lx), (by, ly) = (_bins(runs[t]) for t in top)
    rows = []
    for x in lx:
        for y in ly:
            sel = (bx == x) & (by == y)
            rows.append({top[0]: x, top[1]: y, "win_probability": _share(runs.loc[sel, final] > 0)})
    return rows


BANDWIDTH = 0.2
"""Kernel width of the smoothed win probability, as a share of each factor's range."""


def win_surface(x: np.ndarray, y: np.ndarray, wins: np.ndarray, size: int = 60) -> tuple[np.ndarray, ...]:
    """Probability of a win over two factors, smoothed from the runs (Nadaraya-Watson, Gaussian kernel).

    Each factor is scaled to [0, 1] over its sampled range; the other factors are averaged over
    as sampled. Returns the grid's x and y values and the probability on it (size x size).
    """
    lo_x, hi_x, lo_y, hi_y = x.min(), x.max(), y.min(), y.max()
    gx, gy = np.linspace(lo_x, hi_x, size), np.linspace(lo_y, hi_y, size)
    ux = (x - lo_x) / ((hi_x - lo_x) or 1.0)
    uy = (y - lo_y) / ((hi_y - lo_y) or 1.0)
    g = np.linspace(0.0, 1.0, size)
    kx = np.exp(-0.5 * ((g[:, None] - ux[None, :]) / BANDWIDTH) ** 2)  # grid x runs
    ky = np.exp(-0.5 * ((g[:, None] - uy[None, :]) / BANDWIDTH) ** 2)
    weight = ky @ kx.T  # rows: y, columns: x
    return gx, gy, (ky * wins[None, :]) @ kx.T / weight


def _coordinate(values: pd.Series) -> tuple[np.ndarray, list[str] | None]:
    """Numbers as they are; levels (network kinds) as their index, with their labels."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(np.float64), None
    labels = sorted(values.astype(str).unique())
    return values.astype(str).map(labels.index).to_numpy(np.float64), labels


def _map_figure(runs: pd.DataFrame, top: list[str], horizons: list[int], out: Path) -> Path:
    plt = pyplot()
    (x, xl), (y, yl) = (_coordinate(runs[t]) for t in top)
    fig, axes = plt.subplots(1, len(horizons), figsize=(3.6 * len(horizons) + 1, 3.8), sharey=True, squeeze=False)
    im = None
    for ax, h in zip(axes[0], horizons, strict=True):
        wins = (runs[f"profit_difference_{h}"] > 0).to_numpy(np.float64)
        gx, gy, p = win_surface(x, y, wins)
        im = ax.pcolormesh(gx, gy, p, cmap="RdBu", vmin=0, vmax=1, shading="auto")
        if p.min() < 0.5 < p.max():
            ax.contour(gx, gy, p, levels=[0.5], colors="black", linewidths=2)
        ax.scatter(x[wins > 0], y[wins > 0], s=6, c="navy", marker="o", lw=0, label="wins")
        ax.scatter(x[wins == 0], y[wins == 0], s=6, c="darkred", marker="x", lw=0.6, label="loses")
        ax.set(title=f"horizon {h} weeks\n{wins.mean():.0%} of runs win", xlabel=top[0])
        if xl:
            ax.set_xticks(range(len(xl)), xl)
        if yl:
            ax.set_yticks(range(len(yl)), yl)
    axes[0][0].set_ylabel(top[1])
    axes[0][0].legend(frameon=True, fontsize=7, loc="lower right")
    if im is not None:
        fig.colorbar(im, ax=axes[0].tolist(), label="P(relationship policy wins on discounted profit)")
    fig.suptitle(
        f"Where ambassadors pay: equal spend, {len(runs)} runs of a Sobol design; black line: 50% boundary "
        "(other factors averaged)",
        y=1.1,  # above the two-line panel titles
    )
    return save_figure(fig, out, "ten_ambassadors_map")


def _heatmap(grid: list[dict[str, Any]], keys: list[str], out: Path) -> Path:
    plt = pyplot()
    xs = sorted({g[keys[0]] for g in grid})
    ys = sorted({g[keys[1]] for g in grid})
    cross = np.full((len(ys), len(xs)), np.nan)
    diff = np.full((len(ys), len(xs)), np.nan)
    share = np.zeros((len(ys), len(xs)))
    for g in grid:
        i, j = ys.index(g[keys[1]]), xs.index(g[keys[0]])
        c = g["crossover_step"]
        cross[i, j] = np.nan if c["mean"] is None else c["mean"]
        share[i, j] = c["share_of_runs_crossed"]
        d = g["final_customers_difference"]["mean"]
        diff[i, j] = np.nan if d is None else d
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, values, title, cmap in (
        (axes[0], cross, "Crossover period (Ambassador overtakes)", "viridis_r"),
        (axes[1], diff, "Final customers: Ambassador - Acquisition", "RdBu"),
    ):
        if cmap == "RdBu":
            lim = np.nanmax(np.abs(values)) if np.isfinite(values).any() else 1.0
            im = ax.imshow(values, origin="lower", cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
        else:
            im = ax.imshow(values, origin="lower", cmap=cmap, aspect="auto")
        fig.colorbar(im, ax=ax)
        for i in range(len(ys)):
            for j in range(len(xs)):
                v = values[i, j]
                if values is cross:
                    txt = "never" if not np.isfinite(v) else f"{v:.0f}\n({share[i, j]:.0%} of runs)"
                else:
                    txt = f"{v:+.0f}"
                ax.text(
                    j,
                    i,
                    txt,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="black",
                    bbox={"facecolor": "white", "alpha": 0.6, "lw": 0},
                )
        ax.set_xticks(
            range(len(xs)),
            [f"{x:g}\n(C~{0.667 * (1 - x) ** 3:.2f})" for x in xs]
            if keys[0] == "network.rewire"
            else [f"{x:g}" for x in xs],
        )
        ax.set_yticks(range(len(ys)), [f"{y:g}" for y in ys])
        ax.set(
            xlabel=f"{keys[0]} (clustering C)" if keys[0] == "network.rewire" else keys[0], ylabel=keys[1], title=title
        )
    return save_figure(fig, out, "ten_ambassadors_crossover")
