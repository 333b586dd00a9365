"""Figures of a policy comparison (matplotlib, Okabe-Ito colour-blind-safe palette), as PNG bytes.

Each function takes a :class:`~trustsim.compare.run.Comparison` (or a frame from it) and
returns the PNG, so the report can both save it and embed it in a self-contained HTML page.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from trustsim.compare.stats import MEASURE_BY_KEY, MEASURES, band

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from trustsim.compare.run import Comparison

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
"""Okabe & Ito (2008); cycled with line styles beyond eight policies."""
STYLES = ("-", "--", ":", "-.")
CHANNEL_COLOURS = {"ads": "#E69F00", "reviews": "#56B4E9", "recommendations": "#009E73"}
TIMECOURSE = (
    ("customers", "Customers"),
    ("revenue", "Revenue per step"),
    ("nps", "NPS"),
    ("ambassadors", "Ambassadors"),
    ("trust", "Trust"),
)


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def to_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    # Fixed metadata: the same comparison gives byte-identical figures.
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    pyplot().close(fig)
    return buf.getvalue()


def colour(i: int) -> str:
    """The colour of the i-th policy."""
    return PALETTE[i % len(PALETTE)]


def _wrap(name: str, width: int = 22) -> str:
    return "\n".join(textwrap.wrap(name, width)) or name


def ranking_figure(cmp: Comparison) -> bytes:
    """Each policy's mean with its 95% CI, one panel per measure, ordered by revenue; hollow =
    significantly below the best."""
    plt = pyplot()
    index = {p.name: k for k, p in enumerate(cmp.policies)}  # colours follow the order given
    names = list(cmp.rankings["revenue"]["policy"])  # rows follow the report's table
    fig, axes = plt.subplots(1, len(MEASURES), figsize=(3.0 * len(MEASURES), 0.45 * len(names) + 1.6),
                             sharey=True)
    y = np.arange(len(names))[::-1]
    for ax, m in zip(axes, MEASURES, strict=True):
        r = cmp.rankings[m.key].set_index("policy").loc[names]
        for k, name in enumerate(names):
            row, c = r.loc[name], colour(index[name])
            filled = not bool(row["significant"])
            ax.errorbar(row["mean"], y[k], xerr=[[row["mean"] - row["lo"]], [row["hi"] - row["mean"]]],
                        fmt="o", color=c, mfc=c if filled else "white", capsize=3, ms=6)
        ax.set_title(m.label, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, [_wrap(n) for n in names], fontsize=9)
    fig.suptitle("Mean and 95% CI over replicates; hollow = significantly below the best (paired, Holm)",
                 fontsize=9, y=1.0)
    fig.tight_layout()
    return to_png(fig)


def timecourse_figure(cmp: Comparison) -> bytes:
    """Each measure of our supplier over time: mean per policy with a 95% CI band."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(TIMECOURSE), figsize=(3.2 * len(TIMECOURSE), 3.4))
    for ax, (col, title) in zip(axes, TIMECOURSE, strict=True):
        for k, p in enumerate(cmp.policies):
            b = band(cmp.series[cmp.series["policy"] == p.name], col)
            ax.plot(b["step"], b["mean"], color=colour(k), ls=STYLES[(k // len(PALETTE)) % 4], lw=1.6,
                    label=p.name)
            ax.fill_between(b["step"], b["lo"], b["hi"], color=colour(k), alpha=0.15, lw=0)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, -0.02 - 0.05 * ((len(labels) - 1) // 4)))
    fig.tight_layout(rect=(0, 0.08 + 0.05 * ((len(labels) - 1) // 4), 1, 1))
    return to_png(fig)


def flows_table(cmp: Comparison) -> pd.DataFrame:
    """Mean per run, over the horizon: customers won by channel and lost to each competitor."""
    s = cmp.series[cmp.series["step"] > 0]
    per_run = s.groupby(["policy", "run"], sort=False).sum(numeric_only=True)
    mean = per_run.groupby(level="policy", sort=False).mean()
    out = pd.DataFrame(index=[p.name for p in cmp.policies])
    out["ads"] = mean["acquired_ads"]
    out["reviews"] = mean["acquired_reviews"]
    out["recommendations"] = mean["acquired_recommendations"]
    for j, name in enumerate(cmp.supplier_names):
        if j != cmp.as_index:
            out[f"to {name}"] = mean[f"switched_to_{j}"]
    out["lost"] = mean["churned"]
    return out


def flows_figure(cmp: Comparison) -> bytes:
    """Where our customers came from (right: ads, reviews, recommendations) and where they went
    (left: the competitor they switched to), mean per run over the horizon."""
    plt = pyplot()
    table = flows_table(cmp)
    names = list(table.index)
    y = np.arange(len(names))[::-1]
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(names) + 1.8))
    left = np.zeros(len(names))
    for channel, col in CHANNEL_COLOURS.items():
        ax.barh(y, table[channel], left=left, color=col, label=f"won via {channel}")
        left += table[channel].to_numpy()
    right = np.zeros(len(names))
    others = [c for c in table.columns if c.startswith("to ")]
    greys = plt.get_cmap("Greys")(np.linspace(0.35, 0.8, max(1, len(others))))
    for k, col in enumerate(others):
        ax.barh(y, -table[col], left=-right, color=greys[k], hatch="//" if k % 2 else "", label=f"lost {col}")
        right += table[col].to_numpy()
    ax.set_xlim(-1.08 * max(1e-9, right.max()) - 0.5, 1.08 * max(1e-9, left.max()) + 0.5)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [_wrap(n, 28) for n in names], fontsize=9)
    ax.set_xlabel("customers per run over the horizon (left: lost, right: won)")
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return to_png(fig)


def robustness_winners(cmp: Comparison, measure: str) -> pd.DataFrame:
    """Per cell of the robustness grid: the varied values, the winner and its lead over the
    runner-up (``diff``; ``lead`` as a share of the runner-up's mean), whether that lead is
    significant, and ``tau``: Kendall's rank correlation of the cell's order of all policies with
    the main comparison's (1 = same order)."""
    from scipy.stats import kendalltau

    from trustsim.compare.stats import rank_policies

    assert cmp.robustness is not None
    rows = []
    names = [p.name for p in cmp.policies]
    overall = cmp.rankings[measure].set_index("policy").loc[names, "mean"].to_numpy()
    for cell, group in cmp.robustness.groupby("cell", sort=True):
        wide = group.pivot(index="replicate", columns="policy", values=measure)[names]
        r = rank_policies(wide)
        row = {k: group[k].iloc[0] for k in cmp.vary}
        row.update(cell=cell, winner=r["policy"].iloc[0], mean=r["mean"].iloc[0])
        if len(r) > 1:
            runner = r.iloc[1]
            row["runner_up"] = runner["policy"]
            row["diff"] = -runner["diff"]
            row["lead"] = -runner["diff"] / abs(runner["mean"]) if runner["mean"] else np.nan
            row["significant"] = bool(runner["significant"])
            cell_means = r.set_index("policy").loc[names, "mean"].to_numpy()
            ok = np.isfinite(overall) & np.isfinite(cell_means)
            row["tau"] = float(kendalltau(overall[ok], cell_means[ok]).statistic) if ok.sum() > 1 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


RELATIVE = ("revenue", "customers", "ambassadors")
"""Measures whose leads read as a percentage; NPS and trust leads are shown in their units."""


def lead_text(row: pd.Series | dict, measure: str) -> str:
    """The winner's lead over the runner-up: '+12%' (revenue, customers) or '+4.2' (NPS)."""
    key = "lead" if measure in RELATIVE else "diff"
    value = row.get(key, np.nan)
    if value is None or not np.isfinite(value):
        return ""
    value = max(0.0, float(value))
    return f"+{value:.0%}" if key == "lead" else "+" + MEASURE_BY_KEY[measure].format(value).lstrip("+")


def robustness_figure(cmp: Comparison, measures: tuple[str, ...] = ("revenue", "nps")) -> bytes | None:
    """Which policy wins in each cell of the robustness grid (one or two varied parameters);
    bold = significantly ahead of the runner-up. None for other grids (the table shows them)."""
    keys = list(cmp.vary)
    if cmp.robustness is None or not 1 <= len(keys) <= 2:
        return None
    plt = pyplot()
    names = [p.name for p in cmp.policies]
    xs = cmp.vary[keys[0]]
    ys = cmp.vary[keys[1]] if len(keys) == 2 else [None]
    fig, axes = plt.subplots(1, len(measures), figsize=(4.6 * len(measures), 1.1 * len(ys) + 2.0), squeeze=False)
    for ax, measure in zip(axes[0], measures, strict=True):
        w = robustness_winners(cmp, measure)
        grid = np.full((len(ys), len(xs)), np.nan)
        for _, row in w.iterrows():
            i = ys.index(row[keys[1]]) if len(keys) == 2 else 0
            j = xs.index(row[keys[0]])
            k = names.index(row["winner"])
            grid[i, j] = k
            text = _wrap(row["winner"], 14) + "\n" + lead_text(row, measure)
            ax.text(j, i, text, ha="center", va="center", fontsize=7,
                    weight="bold" if row.get("significant", False) else "normal")
        cmap = plt.matplotlib.colors.ListedColormap([colour(k) for k in range(len(names))])
        ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5, alpha=0.35, aspect="auto", origin="lower")
        ax.set_xticks(range(len(xs)), [str(x) for x in xs])
        ax.set_xlabel(keys[0])
        if len(keys) == 2:
            ax.set_yticks(range(len(ys)), [str(v) for v in ys])
            ax.set_ylabel(keys[1])
        else:
            ax.set_yticks([])
        ax.set_title(f"Winner on {MEASURE_BY_KEY[measure].label.split(' (')[0]}", fontsize=10)
    fig.tight_layout()
    return to_png(fig)
