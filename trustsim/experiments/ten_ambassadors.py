"""ten_ambassadors: "rather ten ambassadors than one customer" (MODEL_BRIEF §2, the headline).

Two suppliers with the same budget per period compete for one market (the exchange rate is
stated in ``configs/ten_ambassadors.toml``): supplier 0 ("Acquisition") spends it on ads and
keeps its promises; supplier 1 ("Ambassador") spends a fifth on ads and the rest on
over-delivery and care. Measured with replicates and 95% bands: customers, revenue and
ambassadors over time, the step where the Ambassador overtakes, how that depends on network
clustering and recommendation credibility, and the value of one ambassador.

``customers_per_ambassador`` (per supplier and run) = recommendation acquisitions over the
whole horizon / mean number of ambassadors over the horizon (steps 1..T). Equivalently: new
customers per ambassador-period times the horizon T, i.e. what one ambassador brings in over
T periods at the observed rate. Attribution is exact at the supplier level (in the gated
model only ambassadors recommend, and a customer acquired "through a recommendation" was
persuaded by one); the model does not record *which* ambassador recommended, so the
distribution across ambassadors is not available. Switchers whose first contact with the new
supplier was a recommendation are counted as recommendation acquisitions too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim.experiments.common import (
    PALETTE,
    Size,
    SweepData,
    band_plot,
    bands,
    crossover_step,
    mean_ci,
    pyplot,
    reference_point,
    save_figure,
)

CLAIM = (
    "With the same budget, spending on over-delivery and care (ambassadors) beats spending on "
    "advertising: the Ambassador policy overtakes, and one ambassador brings about ten customers."
)
FALSIFIED_IF = (
    "The Ambassador policy has not overtaken by the horizon (crossover_step null) at the "
    "reference network and credibility, or customers_per_ambassador is far below 10."
)

SIZES = {
    "tiny": Size(
        {"market.customers": 500},
        replicates=2,
        steps=100,
        grid={"network.rewire": [0.1, 1.0], "credibility.recommendation": [0.5, 0.9]},
    ),
    "laptop": Size({"market.customers": 4000}, replicates=6),
}
EXCHANGE_SIZES = {
    "tiny": Size({"market.customers": 500}, replicates=2, steps=100, points=(0, 2)),
    "laptop": Size({"market.customers": 4000}, replicates=4),
}
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
    data = ctx.sweep(ctx.path, SIZES)
    ref = reference_point(data)
    sup = data.suppliers
    ref_sup = sup[sup["point"] == ref]
    names = names_of(ref_sup)
    head = summarise_point(ref_sup)
    params = data.summary.drop_duplicates("point").set_index("point")[data.names]

    grid = []
    for point, frame in sup.groupby("point", sort=True):
        s = summarise_point(frame)
        grid.append(
            {
                **{k: params.loc[point, k] for k in data.names},
                "crossover_step": s["crossover_step"],
                "final_customers_difference": s["final_customers_difference"],
                "customers_per_ambassador": s["customers_per_ambassador"][names[1]],
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

    cpa = head["customers_per_ambassador"][names[1]]
    diff = head["final_customers_difference"]
    findings = {
        "customers": int(data.experiment.overrides.get("market.customers", 0)) or _customers(data),
        "replicates": data.experiment.replicates,
        "steps": int(sup["step"].max()),
        "reference_point": {k: params.loc[ref, k] for k in data.names},
        "policies": {"acquisition": names[0], "ambassador": names[1]},
        "customers_per_ambassador": cpa,
        "customers_per_ambassador_definition": (
            "recommendation acquisitions of the Ambassador supplier over steps 1..T / its mean "
            "number of ambassadors over steps 1..T (= new customers per ambassador-period x T); "
            "mean and 95% t-interval over replicates at the reference point"
        ),
        "customers_per_ambassador_by_policy": head["customers_per_ambassador"],
        "new_customers_per_ambassador_per_step": head["per_ambassador_step"],
        "periods_for_one_ambassador_to_bring_ten": _periods_for_ten(head["per_ambassador_step"][names[1]]),
        "value_of_a_non_ambassador_customer": {
            "recommendations": None,
            "customers_via_reviews_over_horizon": head["customers_per_customer_reviews"],
            "note": (
                "not measured here: with smooth word of mouth (wom.mode = 'smooth', the default) customers "
                "who are not ambassadors recommend too, less often; the referral records "
                "(customers.parquet) give referrals per spell. Every customer may post reviews."
            ),
        },
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
        "ambassador_wins_at_horizon": bool(
            diff["mean"] is not None and diff["ci_low"] is not None and diff["ci_low"] > 0
        ),
        "one_ambassador_brings_ten": bool(cpa["mean"] is not None and cpa["mean"] >= TARGET),
    }
    figures = [
        _trajectories(ref_sup, names, head, ctx.out),
        _value(head, names, ctx.out),
    ]
    if len(data.names) == 2:
        figures.append(_heatmap(grid, data.names, ctx.out))
    return findings, figures


def _periods_for_ten(rate: dict[str, Any]) -> dict[str, Any]:
    """TARGET / (new customers per ambassador-period), with the interval mapped through (monotone)."""

    def inv(x: float | None) -> float | None:
        return TARGET / x if x else None

    return {
        "mean": inv(rate["mean"]),
        "ci_low": inv(rate["ci_high"]),
        "ci_high": inv(rate["ci_low"]),
        "n": rate["n"],
        "note": "ten / new customers per ambassador-period, at the rate observed",
    }


def _customers(data: SweepData) -> int:
    from trustsim.experiments.common import base_value

    return int(base_value(data.experiment, "market.customers"))


def _trajectories(sup: pd.DataFrame, names: list[str], head: dict[str, Any], out: Path) -> Path:
    plt = pyplot()
    sup = sup.sort_values(["run", "supplier", "step"])
    sup = sup.assign(cumulative_revenue=sup.groupby(["run", "supplier"])["revenue"].cumsum())
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), sharex=True)
    for ax, measure, title in zip(
        axes,
        ("customers", "cumulative_revenue", "ambassadors"),
        ("Customers", "Cumulative revenue (price 1 per customer-period)", "Ambassadors"),
        strict=True,
    ):
        for s, name in enumerate(names):
            band_plot(ax, bands(sup[sup["supplier"] == s], [], measure), PALETTE[s], name)
        cross = head["crossover_step"]["of_mean_curves"]
        if cross is not None and np.isfinite(cross):
            ax.axvline(cross, color="grey", ls=":", lw=1)
        ax.set(title=title, xlabel="period")
    axes[0].legend(frameon=False, loc="upper left")
    cross = head["crossover_step"]
    text = (
        "no crossover within the horizon"
        if cross["mean"] is None
        else f"Ambassador overtakes at period {cross['mean']:.0f}"
    )
    fig.suptitle(f"Same budget: advertising vs ambassadors (95% bands; {text})", y=1.02)
    return save_figure(fig, out, "ten_ambassadors_trajectories")


def _value(head: dict[str, Any], names: list[str], out: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    labels, means, errs, colors = [], [], [], []
    for s, name in enumerate(names):
        for key, what in (
            ("customers_per_ambassador", "per ambassador\n(recommendations)"),
            ("customers_per_customer_reviews", "per customer\n(reviews)"),
        ):
            ci = head[key][name]
            labels.append(f"{name}\n{what}")
            m = ci["mean"] if ci["mean"] is not None else np.nan
            means.append(m)
            errs.append(0 if ci["ci_low"] is None else m - ci["ci_low"])
            colors.append(PALETTE[s])
    ax.bar(range(len(means)), means, yerr=errs, color=colors, capsize=4)
    ax.axhline(TARGET, color="black", ls="--", lw=1)
    ax.text(len(means) - 0.5, TARGET, " ten", va="bottom", ha="right")
    ax.set_xticks(range(len(means)), labels, fontsize=8)
    ax.set(ylabel="new customers brought over the horizon", title="The value of one ambassador (95% CI)")
    return save_figure(fig, out, "ten_ambassadors_value")


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
