"""channels: which channel brings customers, and when (MODEL_BRIEF §4; Goldenberg et al. 2001).

Per run: cumulative acquisitions by channel (mass-media ads, banners, reviews,
recommendations), ``wom_overtakes_ads`` = first period from which recommendations bring more
new customers than all advertising (ads + banners), smoothed over 5 periods, the advertising
share of acquisitions in the first quarter and in the last half of the horizon, and the
periods until half of the market buys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from trustsim.experiments.common import (
    PALETTE,
    Size,
    answers,
    base_value,
    cell_of,
    cell_table,
    crossover_step,
    first_step_at_or_above,
    interval_panels,
    mean_ci,
    pyplot,
    reference_point,
    save_figure,
    verdict,
)
from trustsim.mechanisms.channels import reach_share

CLAIM = (
    "Advertising brings the first customers, word of mouth (recommendations, most credible) brings "
    "most of the later ones; the word-of-mouth rate (Bass q) drives adoption more than ad spend (Bass p)."
)
FALSIFIED_IF = (
    "At the reference point advertising's share of acquisitions is not higher early than late, "
    "recommendations never overtake advertising, or raising wom.rate does not speed up adoption."
)
AD, WOM = "supplier_defaults.ad_budget", "wom.rate"
SIZES = {
    "tiny": Size({"market.customers": 600}, replicates=2, steps=260, grid={AD: [1.0, 4.0], WOM: [0.103067, 0.2]}),
    "laptop": Size({"market.customers": 3000}, replicates=4),
}
CHANNEL_COLUMNS = {
    "ads (mass media)": "acquired_mass_media",
    "banners": "acquired_banners",
    "reviews": "acquired_reviews",
    "recommendations": "acquired_recommendations",
}


def per_run(series: pd.DataFrame) -> pd.DataFrame:
    """Channel totals, the WoM-overtakes-ads period, early/late ad shares, time to half the market."""
    rows = []
    for run, f in series.groupby("run", sort=True):
        f = f.sort_values("step")
        f = f[f["step"] > 0]
        steps = f["step"].to_numpy()
        ads = f["acquired_ads"].to_numpy(dtype=float)
        rec = f["acquired_recommendations"].to_numpy(dtype=float)
        total = ads + rec + f["acquired_reviews"].to_numpy(dtype=float)
        smooth = np.ones(5) / 5
        cross = crossover_step(steps, np.convolve(rec, smooth, "same"), np.convolve(ads, smooth, "same"))
        q, h = len(steps) // 4, len(steps) // 2
        rows.append(
            {
                "run": run,
                "acquired_mass_media": (f["acquired_ads"] - f["acquired_banners"]).sum(),
                "acquired_banners": f["acquired_banners"].sum(),
                "acquired_reviews": f["acquired_reviews"].sum(),
                "acquired_recommendations": f["acquired_recommendations"].sum(),
                "wom_overtakes_ads": cross,
                "ad_share_early": ads[:q].sum() / max(1.0, total[:q].sum()),
                "ad_share_late": ads[h:].sum() / max(1.0, total[h:].sum()),
                "periods_to_half_market": first_step_at_or_above(steps, f["customer_share"].to_numpy(), 0.5),
                "final_customer_share": f["customer_share"].iloc[-1],
            }
        )
    return pd.DataFrame(rows)


def analyse(ctx: Any) -> tuple[dict[str, Any], list[Path]]:
    """Run the sweep, draw the figures, return the findings."""
    data = ctx.sweep(ctx.path, SIZES)
    runs = per_run(data.series).merge(data.summary[["run", "point", *data.names]], on="run")
    ref = reference_point(data)
    r = runs[runs["point"] == ref]
    totals = r[list(CHANNEL_COLUMNS.values())].sum(axis=1)
    shares = {name: mean_ci(r[col] / totals) for name, col in CHANNEL_COLUMNS.items()}
    reach = float(base_value(data.experiment, "advertising.reach"))
    cells = [
        # Bass p (weekly) next to the budget it comes from: the model's reach rule at the scenario's reach
        {"ad_budget": c["ad_budget"], "bass_p": float(reach_share(reach, cast(float, c["ad_budget"]))), **c}
        for c in cell_table(
            runs,
            {"ad_budget": AD, "wom_rate": WOM},
            ("periods_to_half_market", "final_customer_share", "wom_overtakes_ads", "ad_share_early", "ad_share_late"),
            lambda f: {"share_reaching_half": float(f["periods_to_half_market"].notna().mean())},
        )
    ]
    # elasticities of final customer share: doubling p vs doubling q around the reference
    fit_p = np.polyfit(np.log(runs[AD]), runs["final_customer_share"], 1)
    fit_q = np.polyfit(np.log(runs[WOM]), runs["final_customer_share"], 1)
    early, late = mean_ci(r["ad_share_early"]), mean_ci(r["ad_share_late"])
    findings = {
        "steps": int(data.series["step"].max()),
        "replicates": data.experiment.replicates,
        "reference_point": {k: data.summary.loc[data.summary["point"] == ref, k].iloc[0] for k in data.names},
        "acquisition_share_by_channel": shares,
        "ad_share_of_acquisitions_first_quarter": early,
        "ad_share_of_acquisitions_last_half": late,
        "wom_overtakes_ads_period": mean_ci(r["wom_overtakes_ads"])
        | {"share_of_runs": float(r["wom_overtakes_ads"].notna().mean())},
        "final_customer_share_per_doubling": {
            "ad_budget (p)": float(fit_p[0] * np.log(2)),
            "wom_rate (q)": float(fit_q[0] * np.log(2)),
        },
        "cells": cells,
        "verdicts": {"ads_early_wom_late": verdict(mean_ci(r["ad_share_early"] - r["ad_share_late"]), 0.0)},
    }
    findings |= answers(findings["verdicts"])
    figures = [_flows(data.series[data.series["point"] == ref], ctx.out), _grid(cells, ctx.out)]
    return findings, figures


def _flows(series: pd.DataFrame, out: Path) -> Path:
    plt = pyplot()
    s = series[series["step"] > 0].assign(acquired_mass_media=lambda f: f["acquired_ads"] - f["acquired_banners"])
    mean = s.groupby("step")[list(CHANNEL_COLUMNS.values())].mean()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.stackplot(
        mean.index,
        *[mean[c] for c in CHANNEL_COLUMNS.values()],
        labels=list(CHANNEL_COLUMNS),
        colors=[PALETTE[i] for i in (1, 6, 2, 0)],
        alpha=0.9,
    )
    ax.set(
        xlabel="period",
        ylabel="new customers per period (mean of replicates)",
        title="Where new customers come from: ads early, recommendations later",
    )
    ax.legend(frameon=False, loc="upper right")
    return save_figure(fig, out, "channels_flows")


def _grid(cells: list[dict[str, Any]], out: Path) -> Path:
    ads = sorted({c["ad_budget"] for c in cells})
    woms = sorted({c["wom_rate"] for c in cells})
    lines = []
    for i, w in enumerate(woms):
        rows = [cell_of(cells, ad_budget=a, wom_rate=w) for a in ads]
        lines.append((f"wom.rate q = {w:g}", PALETTE[i], [r["bass_p"] for r in rows], rows))
    fig, _ = interval_panels(
        lines,
        {
            "final_customer_share": {
                "xscale": "log",
                "xlabel": "advertising reach per period, Bass p (log)",
                "ylabel": "customer share at the horizon",
                "title": "Ad spend (p) vs word of mouth (q) (95% CI)",
            }
        },
        figsize=(7, 4.2),
    )
    return save_figure(fig, out, "channels_p_vs_q")
