"""four_components: which component of trust buys most per unit of effort (MODEL_BRIEF §1).

Each design point raises one lever by 0.1 (one unit of effort) over a middling base
supplier; with common random numbers, replicate r of every point shares its seed, so the
paired difference (point minus base, same replicate) isolates the lever's effect. Reported per
lever and weighting: the gain in mean trust and in the ambassador share at the horizon per
unit of effort, with 95% intervals over the paired replicates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim.config import COMPONENTS
from trustsim.experiments.common import (
    PALETTE,
    Size,
    all_of,
    answers,
    difference,
    interval_bars,
    mean_ci,
    pyplot,
    save_figure,
    verdict,
)

CLAIM = "Of the four components, care buys most trust (and ambassadors) per unit of effort; reliability least."
FALSIFIED_IF = "With the brief's weights, +0.1 of care does not buy the largest gain in trust of the four levers."
SIZES = {
    "tiny": Size({"market.customers": 300}, replicates=3, steps=30, points=(0, 1, 2, 3, 4)),
    "laptop": Size({"market.customers": 1500}, replicates=6, steps=52),
}
UNIT = 0.1
"""One unit of effort: +0.1 on a lever (a probability or a 0-1 level)."""
WEIGHTS = "trust.weights"


def levers(summary: pd.DataFrame) -> pd.DataFrame:
    """Each run's weighting (as text) and lever ('base' or the component raised)."""
    out = summary.copy()
    out["weighting"] = out[WEIGHTS].map(_weighting)
    lever = pd.Series("base", index=out.index)
    for comp in COMPONENTS:
        col = f"supplier_defaults.{comp}"
        if col in out.columns:
            lever[out[col].notna()] = comp
    out["lever"] = lever
    return out


def _weighting(weights: Any) -> str:
    """A label for a list of component weights."""
    w = list(weights)
    return "brief (0.1, 0.2, 0.3, 0.4)" if w == [0.1, 0.2, 0.3, 0.4] else "equal" if len(set(w)) == 1 else str(w)


def analyse(ctx: Any) -> tuple[dict[str, Any], list[Path]]:
    """Run the sweep, draw the figures, return the findings."""
    data = ctx.sweep(ctx.path, SIZES)
    runs = levers(data.summary)
    result: dict[str, dict[str, Any]] = {}
    for label, f in runs.groupby("weighting", sort=False):
        weighting = str(label)
        base = f[f["lever"] == "base"].set_index("replicate")
        result[weighting] = {}
        for comp in COMPONENTS:
            g = f[f["lever"] == comp].set_index("replicate")
            if g.empty:
                continue
            result[weighting][comp] = {
                "trust_per_unit": mean_ci(g["mean_trust"] - base["mean_trust"]),
                "ambassador_share_per_unit": mean_ci(g["ambassador_share"] - base["ambassador_share"]),
            }
        result[weighting]["base"] = {
            "mean_trust": mean_ci(base["mean_trust"]),
            "ambassador_share": mean_ci(base["ambassador_share"]),
        }

    def ranking(weighting: str, key: str) -> list[str]:
        r = result.get(weighting, {})
        vals = {c: r[c][key]["mean"] for c in COMPONENTS if c in r and r[c][key]["mean"] is not None}
        return sorted(vals, key=lambda c: vals[c], reverse=True)

    brief = next((w for w in result if w.startswith("brief")), next(iter(result)))
    findings = {
        "steps": int(data.series["step"].max()),
        "replicates": data.experiment.replicates,
        "unit_of_effort": "+0.1 on one policy lever (reliability, transparency, competence, care)",
        "per_unit_of_effort": result,
        "trust_ranking": {w: ranking(w, "trust_per_unit") for w in result},
        "ambassador_ranking": {w: ranking(w, "ambassador_share_per_unit") for w in result},
        "verdicts": {
            "care_buys_most_trust": all_of(
                *(
                    verdict(difference(result[brief]["care"]["trust_per_unit"], result[brief][c]["trust_per_unit"]))
                    for c in COMPONENTS
                    if c != "care" and c in result[brief] and "care" in result[brief]
                )
            )
        },
    }
    findings |= answers(findings["verdicts"])
    return findings, [_bars(result, ctx.out)]


def _bars(result: dict[str, dict[str, Any]], out: Path) -> Path:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    width = 0.8 / max(1, len(result))
    for w_i, (weighting, r) in enumerate(result.items()):
        for ax, key, label in zip(
            axes,
            ("trust_per_unit", "ambassador_share_per_unit"),
            ("gain in mean trust", "gain in ambassador share"),
            strict=True,
        ):
            comps = [c for c in COMPONENTS if c in r]
            x = np.arange(len(comps)) + w_i * width
            interval_bars(
                ax, x, [r[c][key] for c in comps], width, capsize=3, color=PALETTE[w_i], label=f"weights: {weighting}"
            )
            ax.set_xticks(np.arange(len(comps)) + width * (len(result) - 1) / 2, comps)
            ax.set(ylabel=f"{label} per unit of effort (+0.1)", title=f"{label.capitalize()} at the horizon")
            ax.axhline(0, color="grey", lw=0.5)
    axes[0].legend(frameon=False)
    fig.suptitle("Which component buys most? (paired differences to the base supplier, 95% CI)", y=1.02)
    return save_figure(fig, out, "four_components")
