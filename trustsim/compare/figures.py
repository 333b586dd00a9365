"""Figures of a policy comparison (matplotlib, Okabe-Ito colour-blind-safe palette), as PNG bytes.

Each function takes a :class:`~trustsim.compare.run.Comparison` (or a frame from it) and
returns the PNG, so the report can both save it and embed it in a self-contained HTML page.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from trustsim import reporting
from trustsim.compare.stats import MEASURE_BY_KEY, band
from trustsim.figtext import literal
from trustsim.reporting import figure_bytes, pyplot

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from trustsim.compare.run import Comparison

CHANNEL_COLOURS = {"ads": "#E69F00", "reviews": "#56B4E9", "recommendations": "#009E73"}
TIMECOURSE = (
    ("customers", "Customers"),
    ("revenue", "Revenue per step"),
    ("nps", "NPS"),
    ("ambassadors", "Ambassadors"),
    ("trust", "Trust"),
)
MONEY_TIMECOURSE = (("profit", "Profit per step"), ("discounted_profit", "Cumulative discounted profit"))
"""Drawn too when the runs have the model's money columns."""


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (byte-identical for the same comparison); closes it."""
    return figure_bytes(fig, "png", dpi=110)


def colour(i: int, n: int | None = None) -> str:
    """The colour of the i-th of `n` policies (no two policies share a colour)."""
    return reporting.colour(i, n)


def _wrap(name: str, width: int = 22) -> str:
    """A name wrapped for a figure, drawn verbatim (a '$' is a dollar sign, never mathtext)."""
    return literal("\n".join(textwrap.wrap(name, width)) or name)


def _years_axis(ax: object, steps: int) -> None:
    """Label a week axis, with a tick at every year when the horizon is a year or longer."""
    ax.set_xlabel("week")  # pyright: ignore[reportAttributeAccessIssue]
    if steps >= 52:
        years = range(0, steps + 1, 52 * max(1, steps // (52 * 8)))
        ax.set_xticks(list(years), [f"{w}\n(year {w // 52})" if w else "0" for w in years])  # pyright: ignore[reportAttributeAccessIssue]


def profit_figure(cmp: Comparison) -> bytes:
    """Page one's chart: cumulative profit of each policy by week, mean and 95% band over replicates."""
    from trustsim.compare import horizon

    plt = pyplot()
    names = [p.name for p in cmp.policies]
    m = MEASURE_BY_KEY["profit"]
    cube = horizon.trajectories(cmp.series, m, names)
    palette = reporting.colours(len(names))
    steps = np.arange(1, cube.shape[2] + 1)
    fig, ax = plt.subplots(figsize=(7.6, 2.2))
    for k, name in enumerate(names):
        stats = np.array([reporting.t_interval(cube[k][:, h])[:3] for h in range(cube.shape[2])])
        ax.plot(steps, stats[:, 0], color=palette[k], lw=1.6, label=_wrap(cmp.label(name), 40))
        ax.fill_between(steps, stats[:, 1], stats[:, 2], color=palette[k], alpha=0.15, lw=0)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("cumulative profit", fontsize=9)
    _years_axis(ax, int(steps[-1]))
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return to_png(fig)


def ranking_figure(cmp: Comparison) -> bytes:
    """Each policy's mean with its 95% CI, one panel per measure, ordered by revenue; hollow =
    significantly below the best."""
    plt = pyplot()
    index = {p.name: k for k, p in enumerate(cmp.policies)}  # colours follow the order given
    names = list(cmp.rankings[cmp.headline.key]["policy"])  # rows follow the report's table
    measures = cmp.measures
    fig, axes = plt.subplots(1, len(measures), figsize=(3.0 * len(measures), 0.45 * len(names) + 1.6), sharey=True)
    y = np.arange(len(names))[::-1]
    for ax, m in zip(axes, measures, strict=True):
        r = cmp.rankings[m.key].set_index("policy").loc[names]
        for k, name in enumerate(names):
            row, c = r.loc[name], colour(index[name], len(names))
            filled = not bool(row["significant"])
            ax.errorbar(
                row["mean"],
                y[k],
                xerr=[[row["mean"] - row["lo"]], [row["hi"] - row["mean"]]],
                fmt="o",
                color=c,
                mfc=c if filled else "white",
                capsize=3,
                ms=6,
            )
        ax.set_title(m.label, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, [_wrap(cmp.label(n)) for n in names], fontsize=9)
    fig.suptitle(
        "Mean and 95% CI over replicates; hollow = significantly below the best (paired, Holm)", fontsize=9, y=1.0
    )
    fig.tight_layout()
    return to_png(fig)


def timecourse_figure(cmp: Comparison) -> bytes:
    """Each measure of our supplier over time: mean per policy with a 95% band (bootstrap for the
    bounded NPS and trust, so the band stays within their range); every policy its own colour."""
    plt = pyplot()
    panels = (*(MONEY_TIMECOURSE if cmp.has_money else ()), *TIMECOURSE)
    # at most four panels a row: one row of seven was illegible in print
    ncols = min(4, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.9 * nrows), squeeze=False)
    axes = list(grid.ravel())
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    palette = reporting.colours(len(cmp.policies))
    for ax, (col, title) in zip(axes, panels, strict=False):
        bounds = MEASURE_BY_KEY[col].bounds if col in MEASURE_BY_KEY else None
        for k, p in enumerate(cmp.policies):
            b = band(cmp.series[cmp.series["policy"] == p.name], col, bounds=bounds)
            ax.plot(b["step"], b["mean"], color=palette[k], lw=1.6, label=literal(cmp.label(p.name)))
            ax.fill_between(b["step"], b["lo"], b["hi"], color=palette[k], alpha=0.15, lw=0)
        if bounds is not None and col == "nps":
            ax.set_ylim(max(bounds[0], ax.get_ylim()[0]), min(bounds[1], ax.get_ylim()[1]))
        ax.set_title(title.replace("step", "week"), fontsize=10)
        ax.set_xlabel("week")
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="lower center",
        ncol=min(4, len(labels)),
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.5, (-0.02 - 0.05 * ((len(labels) - 1) // 4)) / nrows),
    )
    fig.tight_layout(rect=(0, (0.08 + 0.05 * ((len(labels) - 1) // 4)) / nrows, 1, 1))
    return to_png(fig)


def horizon_figure(cmp: Comparison) -> bytes:
    """The headline measure had the horizon been h (a total summed to h, a state read at h), per policy,
    with the period at which the final leader moves ahead for good marked."""
    from trustsim.compare import horizon

    plt = pyplot()
    m = cmp.headline
    names = [p.name for p in cmp.policies]
    cube = horizon.trajectories(cmp.series, m, names)
    palette = reporting.colours(len(names))
    steps = np.arange(1, cube.shape[2] + 1)
    fig, ax = plt.subplots(figsize=(8, 4))
    for k, name in enumerate(names):
        stats = (
            reporting.bootstrap_interval(cube[k].T)
            if m.bounds
            else np.array([reporting.t_interval(cube[k][:, h])[:3] for h in range(cube.shape[2])])
        )
        ax.plot(steps, stats[:, 0], color=palette[k], lw=1.6, label=literal(cmp.label(name)))
        ax.fill_between(steps, stats[:, 1], stats[:, 2], color=palette[k], alpha=0.15, lw=0)
    table = horizon.horizon_table(cmp.series, m, names)
    final = table.iloc[-1]
    changed = table[table["leader"] != final["leader"]]
    if len(names) > 1 and len(changed):
        c = horizon.crossover(cmp.series, m, names, final["leader"], changed["leader"].iloc[-1])
        if np.isfinite(c.mean):
            ax.axvline(c.mean, color="black", lw=0.8, ls="--")
            if np.isfinite(c.lo):
                ax.axvspan(c.lo, c.hi, color="grey", alpha=0.15, lw=0)
            ax.annotate(
                literal(f"{cmp.label(final['leader'])} ahead from week {c.mean:.0f}"),
                (c.mean, ax.get_ylim()[1]),
                fontsize=8,
                va="top",
                ha="left",
                xytext=(3, -3),
                textcoords="offset points",
            )
    ax.set(xlabel="horizon h (weeks)", ylabel=m.label, title=f"{m.name} at each horizon")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
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
            out[f"to rival {name}"] = mean[f"switched_to_{j}"]
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
        ax.barh(y, -table[col], left=-right, color=greys[k], hatch="//" if k % 2 else "", label=literal(f"lost {col}"))
        right += table[col].to_numpy()
    ax.set_xlim(-1.08 * max(1e-9, right.max()) - 0.5, 1.08 * max(1e-9, left.max()) + 0.5)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [_wrap(cmp.label(n), 28) for n in names], fontsize=9)
    ax.set_xlabel("customers per run over the horizon (left: lost, right: won)")
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return to_png(fig)


def robustness_winners(cmp: Comparison, measure: str, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per cell of the robustness grid (or of `rows`, e.g. the money cells): the varied values, the winner
    and its lead over the runner-up (``diff``; ``lead`` as a share of the winner's mean, the report's one
    base, when that mean is positive), whether that lead is significant, and ``tau``: Kendall's rank
    correlation of the cell's order of all policies with the main comparison's (1 = same order)."""
    from scipy.stats import kendalltau

    from trustsim.compare.stats import rank_policies

    frame = cmp.grid() if rows is None else rows
    assert frame is not None
    out = []
    names = [p.name for p in cmp.policies]
    overall = cmp.rankings[measure].set_index("policy").loc[names, "mean"].to_numpy()
    keys = [k for k in (*cmp.vary, *cmp.money_vary) if k in frame]
    for cell, group in frame.groupby("cell", sort=True):
        wide = group.pivot(index="replicate", columns="policy", values=measure)[names]
        r = rank_policies(wide, bounds=MEASURE_BY_KEY[measure].bounds)
        row = {k: group[k].iloc[0] for k in keys}
        row.update(cell=cell, winner=r["policy"].iloc[0], mean=r["mean"].iloc[0])
        if len(r) > 1:
            runner = r.iloc[1]
            row["runner_up"] = runner["policy"]
            row["diff"] = -runner["diff"]
            leader = r["mean"].iloc[0]
            positive = np.isfinite(leader) and leader > 0 and runner["mean"] > 0
            row["lead"] = -runner["diff"] / leader if positive else np.nan
            row["significant"] = bool(runner["significant"])
            cell_means = r.set_index("policy").loc[names, "mean"].to_numpy()
            ok = np.isfinite(overall) & np.isfinite(cell_means)
            row["tau"] = float(kendalltau(overall[ok], cell_means[ok]).statistic) if ok.sum() > 1 else np.nan
        out.append(row)
    return pd.DataFrame(out)


def lead_text(row: pd.Series | dict, measure: str) -> str:
    """The winner's lead over the runner-up: '+12%' (revenue, customers), '+4.2' (NPS), or in money when a
    mean is a loss ('+3,100')."""
    key = "lead" if MEASURE_BY_KEY[measure].relative else "diff"
    if key == "lead" and not np.isfinite(row.get("lead", np.nan)):
        key = "diff"
    value = row.get(key, np.nan)
    if value is None or not np.isfinite(value):
        return ""
    value = max(0.0, float(value))
    return f"+{value:.0%}" if key == "lead" else "+" + MEASURE_BY_KEY[measure].format(value).lstrip("+")


def robustness_figure(cmp: Comparison, measures: tuple[str, ...] | None = None) -> bytes | None:
    """Which policy wins in each cell of the robustness grid (one or two varied parameters);
    bold = significantly ahead of the runner-up. None for other grids (the table shows them)."""
    keys = list(cmp.vary)
    if cmp.robustness is None or not 1 <= len(keys) <= 2:
        return None
    measures = measures or (cmp.headline.key, "nps")
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
            text = _wrap(cmp.label(row["winner"]), 14) + "\n" + literal(lead_text(row, measure))
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=7,
                weight="bold" if pd.notna(row.get("significant")) and bool(row.get("significant")) else "normal",
            )
        cmap = plt.matplotlib.colors.ListedColormap(reporting.colours(len(names)))
        ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5, alpha=0.35, aspect="auto", origin="lower")
        ax.set_xticks(range(len(xs)), [str(x) for x in xs])
        ax.set_xlabel(keys[0])
        if len(keys) == 2:
            ax.set_yticks(range(len(ys)), [str(v) for v in ys])
            ax.set_ylabel(keys[1])
        else:
            ax.set_yticks([])
        ax.set_title(f"Leader on {MEASURE_BY_KEY[measure].name} (bold: significant; else a tie)", fontsize=10)
    fig.tight_layout()
    return to_png(fig)
