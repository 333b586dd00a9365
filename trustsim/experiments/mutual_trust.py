"""mutual_trust: distrust of customers lowers effort, which breeds distrust (MODEL_BRIEF §1, §3).

Per run, at the horizon: the supplier's mean trust in its current customers, its mean effort per
delivery, the share of promises broken in the last period, customers' mean trust and the
ambassador share. Comparisons are paired by replicate (common random numbers): the spiral is
the extra fall of customer trust that reciprocity causes; what breaks it is the rise that
extending trust (a high effort floor) brings, both at the lowest customer reliability.
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
    annotated_heatmap,
    answers,
    band_plot,
    bands,
    cell_table,
    mean_ci,
    pyplot,
    save_figure,
    verdict,
)

CLAIM = (
    "A supplier that distrusts its customers puts in less effort and breaks more promises, which lowers "
    "customers' trust and behaviour in turn (a spiral); extending trust breaks the spiral."
)
FALSIFIED_IF = (
    "Lower customer reliability does not lower effort and customer trust, extending trust does not "
    "restore them, or reciprocity does not deepen the fall."
)
RUN_FN = "trustsim.experiments.runs:run_with_extras"
REL, EXT, REC = "mutual.reliability_mean", "supplier_defaults.extend_trust", "mutual.reciprocity"
SIZES = {
    "tiny": Size(
        {"market.customers": 300}, replicates=2, steps=30, grid={REL: [0.7, 0.9], EXT: [0.0, 0.9], REC: [0.0, 1.0]}
    ),
    "laptop": Size({"market.customers": 1500}, replicates=4, steps=52),
}
MEASURES = ("supplier_trust", "effort", "broken_share", "customer_trust", "ambassador_share")


def per_run(data: SweepData) -> pd.DataFrame:
    """Final measures of every run, with its parameters and replicate."""
    last = data.series.sort_values("step").groupby("run").tail(1).set_index("run")
    sup = data.suppliers.sort_values("step").groupby("run").tail(1).set_index("run")
    deliveries = (sup["broken"] + sup["kept"] + sup["exceeded"]).replace(0, np.nan)
    out = pd.DataFrame(
        {
            "supplier_trust": last["supplier_trust_mean"],
            "effort": sup["effort"],
            "broken_share": sup["broken"] / deliveries,
            "customer_trust": last["mean_trust"],
            "ambassador_share": last["ambassador_share"],
        }
    )
    return out.reset_index().merge(data.summary[["run", "replicate", REL, EXT, REC]], on="run")


def _paired(runs: pd.DataFrame, fixed: dict[str, float], key: str, a: float, b: float, measure: str) -> dict:
    f = runs
    for k, v in fixed.items():
        f = f[np.isclose(f[k], v)]
    x = f[np.isclose(f[key], a)].set_index("replicate")[measure]
    y = f[np.isclose(f[key], b)].set_index("replicate")[measure]
    return mean_ci(y - x)


def analyse(ctx: Any) -> tuple[dict[str, Any], list[Path]]:
    """Run the sweep, draw the figures, return the findings."""
    data = ctx.sweep(ctx.path, SIZES, run_fn=RUN_FN)
    runs = per_run(data)
    rels, exts, recs = (sorted(runs[k].unique()) for k in (REL, EXT, REC))
    low, high = rels[0], rels[-1]
    mid_rec = recs[len(recs) // 2]
    mid_ext = exts[len(exts) // 2]
    cells = cell_table(runs, {"reliability_mean": REL, "extend_trust": EXT, "reciprocity": REC}, MEASURES)
    findings = {
        "steps": int(data.series["step"].max()),
        "replicates": data.experiment.replicates,
        "low_customer_reliability": low,
        "effect_of_customer_reliability": {
            m: _paired(runs, {EXT: mid_ext, REC: mid_rec}, REL, low, high, m) for m in MEASURES
        },
        "spiral_reciprocity_effect": {
            m: _paired(runs, {REL: low, EXT: exts[0]}, REC, recs[0], recs[-1], m) for m in MEASURES
        },
        "extend_trust_effect": {
            m: _paired(runs, {REL: low, REC: mid_rec}, EXT, exts[0], exts[-1], m) for m in MEASURES
        },
        "cells": cells,
    }
    findings["verdicts"] = {
        "reciprocity_deepens_fall": verdict(findings["spiral_reciprocity_effect"]["customer_trust"], 0.0, above=False),
        "extending_trust_breaks_spiral": verdict(findings["extend_trust_effect"]["customer_trust"], 0.0),
    }
    findings |= answers(findings["verdicts"])
    figures = [_trajectories(data, low, exts, mid_rec, high, mid_ext, ctx.out), _heatmap(cells, mid_rec, ctx.out)]
    return findings, figures


def _trajectories(
    data: SweepData, low: float, exts: list[float], rec: float, high: float, mid_ext: float, out: Path
) -> Path:
    plt = pyplot()
    s, sup = data.series, data.suppliers
    cases = [(low, e, f"reliability {low:g}, extend_trust {e:g}") for e in exts]
    cases.append((high, mid_ext, f"reliability {high:g}, extend_trust {mid_ext:g}"))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for i, (r, e, label) in enumerate(cases):
        pick = np.isclose(s[REL], r) & np.isclose(s[EXT], e) & np.isclose(s[REC], rec)
        pick_s = np.isclose(sup[REL], r) & np.isclose(sup[EXT], e) & np.isclose(sup[REC], rec)
        band_plot(axes[0], bands(s[pick], [], "supplier_trust_mean"), PALETTE[i], label)
        band_plot(axes[1], bands(sup[pick_s & (sup["step"] > 0)], [], "effort"), PALETTE[i], label)
        band_plot(axes[2], bands(s[pick], [], "mean_trust"), PALETTE[i], label)
    for ax, title in zip(
        axes,
        ("Supplier's trust in its customers", "Supplier's effort", "Customers' trust in the supplier"),
        strict=True,
    ):
        ax.set(title=title, xlabel="period")
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle(f"The mutual-trust spiral and extending trust (reciprocity {rec:g}; 95% bands)", y=1.02)
    return save_figure(fig, out, "mutual_trust_spiral")


def _heatmap(cells: list[dict[str, Any]], rec: float, out: Path) -> Path:
    plt = pyplot()
    rows = [c for c in cells if np.isclose(c["reciprocity"], rec)]
    rels = sorted({c["reliability_mean"] for c in rows})
    exts = sorted({c["extend_trust"] for c in rows})
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, title in (
        (axes[0], "customer_trust", "Customers' trust at the horizon"),
        (axes[1], "broken_share", "Share of promises broken"),
    ):
        grid = np.full((len(exts), len(rels)), np.nan)
        for c in rows:
            v = c[key]["mean"]
            grid[exts.index(c["extend_trust"]), rels.index(c["reliability_mean"])] = np.nan if v is None else v
        cmap = "viridis" if key == "customer_trust" else "magma_r"
        text = [[f"{v:.2f}" for v in line] for line in grid]
        annotated_heatmap(fig, ax, grid, text, rels, exts, cmap=cmap, fontsize=8)
        ax.set(xlabel="customers' reliability (mean)", ylabel="supplier's extend_trust", title=title)
    fig.suptitle(f"Reciprocity {rec:g}", y=1.02)
    return save_figure(fig, out, "mutual_trust_heatmap")
