"""over_delivery: over-delivery speeds up trust; under-promise and over-deliver (MODEL_BRIEF §2.7).

Per run: ``periods_to_trust`` = first period where mean trust reaches :data:`LEVEL` (censored
at the horizon, with the share of runs that reached it), and mean trust after a quarter of the
horizon and at the horizon. Three named cells deliver the same quality (0.85): under-promise and
over-deliver, promise exactly, over-promise.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim.experiments.common import (
    PALETTE,
    Size,
    all_of,
    annotated_heatmap,
    answers,
    cell_of,
    cell_table,
    difference,
    first_step_at_or_above,
    pyplot,
    save_figure,
    slope_ci,
    trajectory_figure,
    verdict,
)

CLAIM = "Delivering more than promised speeds up trust a lot; under-promise and over-deliver beats over-promising."
FALSIFIED_IF = (
    "More over-delivery does not shorten the time to trust at a given promise, or at equal delivered "
    "quality under-promise-and-over-deliver is not faster than promising exactly, and that than over-promising."
)
PROMISE, OVER = "supplier_defaults.promise", "supplier_defaults.over_delivery"
SIZES = {
    "tiny": Size(
        {"market.customers": 300}, replicates=2, steps=30, grid={PROMISE: [0.7, 0.85, 0.95], OVER: [0.0, 0.15]}
    ),
    "laptop": Size({"market.customers": 1500}, replicates=4, steps=52),
}
LEVEL = 0.7
"""Mean trust that counts as 'trusted' for the growth-speed measure."""
NAMED = {
    "under_promise_over_deliver": (0.7, 0.15),
    "promise_exactly": (0.85, 0.0),
    "over_promise": (0.95, 0.0),
}


def per_run(series: pd.DataFrame) -> pd.DataFrame:
    """Periods to trust, trust at a quarter of the horizon and at the horizon, per run."""
    rows = []
    for run, f in series.groupby("run", sort=True):
        f = f.sort_values("step")
        steps, trust = f["step"].to_numpy(), f["mean_trust"].to_numpy()
        quarter = len(steps) // 4
        deliveries = (f["broken"] + f["kept"] + f["exceeded"]).iloc[1:].sum()
        rows.append(
            {
                "run": run,
                "periods_to_trust": first_step_at_or_above(steps, trust, LEVEL),
                "trust_quarter": trust[quarter],
                "trust_final": trust[-1],
                "ambassador_share_final": f["ambassador_share"].iloc[-1],
                "broken_share": f["broken"].iloc[1:].sum() / max(1, deliveries),
            }
        )
    return pd.DataFrame(rows)


def analyse(ctx: Any) -> tuple[dict[str, Any], list[Path]]:
    """Run the sweep, draw the figures, return the findings."""
    data = ctx.sweep(ctx.path, SIZES)
    runs = per_run(data.series).merge(data.summary[["run", *data.names]], on="run")
    cells = cell_table(
        runs,
        {"promise": PROMISE, "over_delivery": OVER},
        ("periods_to_trust", "trust_quarter", "trust_final", "ambassador_share_final", "broken_share"),
        lambda f: {"share_reached": float(f["periods_to_trust"].notna().mean())},
    )
    named = {k: c for k, (p, od) in NAMED.items() if (c := cell_of(cells, promise=p, over_delivery=od)) is not None}
    slopes = {}
    for p in sorted(runs[PROMISE].unique()):
        f = runs[runs[PROMISE] == p]
        if f[OVER].nunique() > 1:
            slopes[f"{p:g}"] = float(np.polyfit(f[OVER], f["trust_quarter"], 1)[0])
    order = [named[k]["trust_quarter"] for k in NAMED if k in named]
    slope_cis = {
        f"{p:g}": slope_ci(f[OVER], f["trust_quarter"])
        for p in sorted(runs[PROMISE].unique())
        if (f := runs[runs[PROMISE] == p])[OVER].nunique() > 1
    }
    findings = {
        "steps": int(data.series["step"].max()),
        "replicates": data.experiment.replicates,
        "trust_level": LEVEL,
        "named_policies_same_delivered_quality": named,
        "trust_quarter_gain_per_unit_over_delivery_by_promise": slopes,
        "cells": cells,
        "trust_quarter_gain_per_unit_over_delivery_interval": slope_cis,
        "verdicts": {
            "under_promise_beats_exact_beats_over_promise": all_of(
                *(verdict(difference(a, b)) for a, b in itertools.pairwise(order))
            )
            if len(order) == 3
            else all_of(verdict(None)),
            "over_delivery_speeds_trust": all_of(*(verdict(v) for k, v in slope_cis.items() if float(k) < 0.9)),
        },
    }
    findings |= answers(findings["verdicts"])
    figures = [_heatmap(cells, ctx.out), _named(data.series, ctx.out)]
    return findings, figures


def _heatmap(cells: list[dict[str, Any]], out: Path) -> Path:
    plt = pyplot()
    ps = sorted({c["promise"] for c in cells})
    ods = sorted({c["over_delivery"] for c in cells})
    grid = np.full((len(ods), len(ps)), np.nan)
    quarter = np.full((len(ods), len(ps)), np.nan)
    for c in cells:
        i, j = ods.index(c["over_delivery"]), ps.index(c["promise"])
        v = c["periods_to_trust"]["mean"]
        grid[i, j] = np.nan if v is None or c["share_reached"] < 1 else v
        quarter[i, j] = c["trust_quarter"]["mean"]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    text = [
        [
            f"{quarter[i, j]:.2f}\n" + ("not reached" if not np.isfinite(grid[i, j]) else f"{grid[i, j]:.0f} periods")
            for j in range(len(ps))
        ]
        for i in range(len(ods))
    ]
    annotated_heatmap(
        fig,
        ax,
        quarter,
        text,
        ps,
        ods,
        cmap="viridis",
        fontsize=7,
        label="mean trust after a quarter of the horizon",
    )
    ax.set(
        xlabel="promised quality (competence 0.85)",
        ylabel="over-delivery",
        title=f"Trust growth: trust after a quarter; periods to reach trust {LEVEL}",
    )
    return save_figure(fig, out, "over_delivery_heatmap")


def _named(series: pd.DataFrame, out: Path) -> Path:
    labels = {
        "under_promise_over_deliver": "promise 0.70 + over-deliver 0.15",
        "promise_exactly": "promise 0.85, keep it",
        "over_promise": "promise 0.95 (over-promise)",
    }
    picked = (
        (labels[key], PALETTE[i], series[np.isclose(series[PROMISE], p) & np.isclose(series[OVER], od)])
        for i, (key, (p, od)) in enumerate(NAMED.items())
    )
    fig, ax = trajectory_figure(
        ((label, color, f) for label, color, f in picked if len(f)),
        "mean_trust",
        ylabel="mean trust of customers",
        title="Same delivered quality (0.85), different promises (95% bands)",
    )
    ax.axhline(LEVEL, color="grey", ls=":", lw=1)
    return save_figure(fig, out, "over_delivery_promises")
