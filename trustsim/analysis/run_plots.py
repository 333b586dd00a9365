"""Standard figures of one run: customers and ambassadors per supplier, NPS, trust components."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trustsim.config import COMPONENTS
from trustsim.figtext import literal
from trustsim.reporting import colours, pyplot, save_figure

FORMATS = ("png", "svg")


def plot_run(model: pd.DataFrame, suppliers: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Draw the standard figures of one run to `out_dir` as PNG and SVG; return the paths."""
    plt = pyplot()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    names = [literal(n) for n in suppliers.drop_duplicates("supplier").sort_values("supplier")["name"]]
    palette = colours(len(names))  # one colour per supplier, never repeated

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharex=True)
    for i, name in enumerate(names):
        rows = suppliers[suppliers["supplier"] == i]
        color = palette[i]
        axes[0].plot(rows["step"], rows["customers"], color=color, label=name)
        axes[1].plot(rows["step"], rows["ambassadors"], color=color, label=name)
        axes[1].plot(rows["step"], rows["detractors"], color=color, ls="--")
    axes[0].set(title="Customers per supplier", xlabel="step", ylabel="customers")
    axes[1].set(title="Ambassadors (solid) and detractors (dashed)", xlabel="step", ylabel="people")
    axes[0].legend(frameon=False)
    paths += save_figure(fig, out, "customers_ambassadors", FORMATS, dpi=120)

    fig, ax = plt.subplots(figsize=(6, 4))
    for i, name in enumerate(names):
        rows = suppliers[suppliers["supplier"] == i]
        ax.plot(rows["step"], rows["nps"], color=palette[i], label=name)
    ax.plot(model["step"], model["nps"], color="black", lw=2, label="market")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set(title="Net Promoter Score", xlabel="step", ylabel="NPS", ylim=(-100, 100))
    ax.legend(frameon=False)
    paths += save_figure(fig, out, "nps", FORMATS, dpi=120)

    fig, axes = plt.subplots(1, 4, figsize=(14, 3.5), sharey=True)
    for k, comp in enumerate(COMPONENTS):
        for i, name in enumerate(names):
            rows = suppliers[suppliers["supplier"] == i]
            axes[k].plot(rows["step"], rows[f"trust_{comp}"], color=palette[i], label=name)
        axes[k].set(title=f"Trust: {comp}", xlabel="step", ylim=(0, 1))
    axes[0].set_ylabel("mean trust of (former) customers")
    axes[-1].legend(frameon=False)
    paths += save_figure(fig, out, "trust_components", FORMATS, dpi=120)
    return paths
