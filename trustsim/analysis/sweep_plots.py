"""Standard figures and tables of a sweep: means with 95% confidence intervals across replicates.

Figures (PNG and SVG, in ``DIR/figures/``):

* ``timeseries_<measure>``: each measure over time, mean and 95% band per design point (for
  many design points: the spread of the point means instead);
* ``final_<measure>``: the summarised measure against each swept parameter, every run as a
  dot and the design point's mean with its 95% interval;
* ``heatmap_<measure>``: the mean over replicates on a two-parameter grid.

Table: ``DIR/points.csv``, one row per design point and measure, with n, mean, sd and the
95% interval (Student t) across replicates.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim.figtext import literal
from trustsim.io import atomic_write_bytes
from trustsim.reporting import PALETTE, colours, pyplot
from trustsim.reporting import save_figure as _save_figure

MAX_BANDS = 12
"""Above this many design points, time-series figures show the spread of point means."""

KEYS = ("run", "run_id", "point", "replicate", "seed")


def t_quantile(n: int, level: float = 0.95) -> float:
    """Two-sided Student t quantile for a mean of n values (nan for n < 2)."""
    if n < 2:
        return math.nan
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, n - 1))


def mean_ci(frame: pd.DataFrame, by: Sequence[str], measures: Sequence[str]) -> pd.DataFrame:
    """Mean, sd, n and 95% interval of each measure within each group (long format).

    Returns:
        Columns ``*by, measure, n, mean, sd, ci_low, ci_high``.
    """
    grouped = frame.groupby(list(by), sort=True)[list(measures)]
    stats = grouped.agg(["count", "mean", "std"])
    rows = []
    for measure in measures:
        part = stats[measure].reset_index()
        half = part["count"].map(t_quantile) * part["std"] / np.sqrt(part["count"])
        part = part.rename(columns={"count": "n", "std": "sd"})
        part.insert(len(by), "measure", measure)
        part["ci_low"], part["ci_high"] = part["mean"] - half, part["mean"] + half
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


def summary_measures(summary: pd.DataFrame, params: Sequence[str]) -> list[str]:
    """The numeric measure columns of a summary table (not keys, not parameters)."""
    return [
        c
        for c in summary.columns
        if c not in KEYS
        and c not in params
        and pd.api.types.is_numeric_dtype(summary[c])
        and not pd.api.types.is_bool_dtype(summary[c])
    ]


class PartialResultWarning(UserWarning):
    """The sweep was still running: the figures show only the runs finished so far."""


class DegenerateResultWarning(UserWarning):
    """A measure that does not vary, so its sensitivity indices or its figure say nothing."""


SLOW_MEASURES = ("ambassador", "loyal", "detractor")
"""Measures that need many periods to move: people climb the loyalty ladder one rung at a time."""


def degenerate_reason(measure: str, summary: pd.DataFrame, steps: int | None = None) -> str | None:
    """Why a measure's sensitivity indices or figure would say nothing, or None if they can.

    A measure is degenerate when it has the same value in every run (indices are then undefined
    or zero), or when its design-point means differ by no more than replicate noise would make
    them (an F-test of the points at the 5% level finds nothing): the indices then measure luck.

    Args:
        measure: the summary column.
        summary: one row per run with ``point`` and the measure.
        steps: the sweep's steps per run (named in the message).
    """
    y = pd.to_numeric(summary[measure], errors="coerce")
    finite = y[np.isfinite(y)]
    horizon = f" over {steps} steps" if steps is not None else ""
    if finite.empty:
        return f"{measure} is NaN in every run{horizon} (e.g. an NPS with no customers): there is nothing to analyse."
    if finite.nunique() == 1:
        value = finite.iloc[0]
        why = (
            (
                "people climb the loyalty ladder one rung at a time, so this measure needs more periods to move; "
                "run more steps (--steps)"
            )
            if any(k in measure for k in SLOW_MEASURES)
            else (
                "it does not respond to the swept parameters within the horizon; run more steps or sweep "
                "parameters that act on it"
            )
        )
        return (
            f"{measure} is {value:g} in every run{horizon}: it never varies, so its sensitivity indices are "
            f"undefined and its figures are flat. Likely cause: {why}."
        )
    groups = [g.dropna().to_numpy(dtype=float) for _, g in summary.groupby("point")[measure]]
    if all(len(g) > 1 for g in groups) and len(groups) > 1:
        from scipy import stats

        within = sum(float(np.var(g, ddof=1)) * (len(g) - 1) for g in groups)
        if within > 0:
            p = float(stats.f_oneway(*groups).pvalue)
            if np.isfinite(p) and p > 0.05:
                return (
                    f"{measure}: the design points' means differ no more than replicate noise makes them "
                    f"(one-way ANOVA over {len(groups)} points, p = {p:.2f}){horizon}, so its indices and "
                    "figures show luck, not the parameters; run more replicates or steps."
                )
    return None


def point_table(summary: pd.DataFrame, params: Sequence[str], measures: Sequence[str]) -> pd.DataFrame:
    """One row per design point and measure: parameters, n, mean, sd, 95% interval."""
    table = mean_ci(summary, ["point"], measures)
    values = summary.drop_duplicates("point").set_index("point")[list(params)]
    return table.join(values, on="point")[["point", *params, *table.columns[1:]]]


def plot_sweep(folder: str | Path, measures: Sequence[str] | None = None) -> list[Path]:
    """Draw the standard figures of a sweep results folder; return the files written.

    Args:
        folder: a sweep results folder (with manifest.json).
        measures: measures to plot (default: the experiment's ``[plot] measures``, else all).
    """
    from trustsim.sweep import load_summary, load_timeseries, read_manifest

    folder = Path(folder)
    manifest = read_manifest(folder)
    note = partial_note(folder, manifest)
    if note:
        warnings.warn(note, PartialResultWarning, stacklevel=2)
    experiment = manifest["experiment"]
    params = list(manifest["design"]["names"])
    formats = tuple(experiment["plot"]["formats"])
    summary = load_summary(folder)
    if summary.empty:
        from trustsim.errors import RunError

        raise RunError(f"{folder}: no finished runs to plot yet.")
    available = summary_measures(summary, params)
    unknown = [m for m in measures or () if m not in available]
    if unknown:  # else nothing would be drawn, silently
        from trustsim.errors import ConfigError, did_you_mean

        raise ConfigError(
            f"--measure {unknown[0]}: not a measure of the sweep in {folder}.{did_you_mean(unknown[0], available)} "
            f"Available: {', '.join(available)}."
        )
    chosen = list(measures or experiment["plot"]["measures"])
    final_measures = [m for m in summary_measures(summary, params) if not chosen or m in chosen]
    table = point_table(summary, params, summary_measures(summary, params))
    for measure in final_measures:
        reason = degenerate_reason(measure, summary, manifest.get("steps"))
        if reason:
            warnings.warn(reason, DegenerateResultWarning, stacklevel=2)
    atomic_write_bytes(folder / "points.csv", table.to_csv(index=False).encode())

    pyplot()
    out = folder / "figures"
    paths: list[Path] = []
    series = load_timeseries(folder)
    series_measures = [
        c for c in series.columns if c not in ("run", "point", "replicate", "step") and (not chosen or c in chosen)
    ]
    labels = _point_labels(summary, params)
    for measure in series_measures:
        paths += _timeseries_figure(series, measure, labels, out, formats, note)
    numeric = [p for p in params if _is_numeric(summary[p])]
    for measure in final_measures:
        if params:
            how = experiment["output"]["summary"]
            paths += _final_figure(summary, table, params, measure, how, out, formats, note)
    heat = list(experiment["plot"]["heatmap"]) or (numeric[:2] if manifest["design"]["kind"] == "grid" else [])
    if len(heat) == 2 and all(p in params for p in heat):
        for measure in final_measures:
            paths += _heatmap_figure(summary, heat, measure, out, formats, note)
    return paths


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _point_labels(summary: pd.DataFrame, params: Sequence[str]) -> dict[int, str]:
    firsts = summary.drop_duplicates("point")
    return {
        int(row["point"]): literal(", ".join(f"{p}={_fmt(row[p])}" for p in params) or f"point {row['point']}")
        for _, row in firsts.iterrows()
    }


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def save_figure(fig: Any, out: Path, name: str, formats: Sequence[str], note: str = "") -> list[Path]:
    """Write a figure as ``out/name.<ext>`` for each format, atomically, and close it.

    A `note` (e.g. that the sweep was still running) is printed along the figure's foot.
    """
    if note:
        fig.text(0.5, 0.0, literal(note), ha="center", va="bottom", fontsize=7, color="#D55E00", wrap=True)
    return _save_figure(fig, out, name, formats, dpi=120)


def partial_note(folder: Path, manifest: dict[str, Any]) -> str:
    """What to say when a sweep still writes to `folder`: its figures show only the runs done so far.

    Empty when no process holds the folder's lock. Drawing goes ahead, on the runs the manifest
    calls done when it was read, since a researcher checking on a long sweep wants its progress;
    the note keeps the figures from passing for final ones.
    """
    from trustsim.sweep.lock import lock_holder

    holder = lock_holder(folder)
    if holder is None:
        return ""
    done = sum(len(b["runs"]) for b in manifest["batches"])
    total = len(manifest["runs"]["point"])
    return (
        f"Partial: a sweep (pid {holder}) was still writing to this folder; "
        f"these figures show the {done} of {total} runs finished when they were drawn."
    )


def file_stem(name: str) -> str:
    """A measure name made safe as a file name (no path separators)."""
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name)


def _timeseries_figure(
    series: pd.DataFrame, measure: str, labels: dict[int, str], out: Path, formats: Sequence[str], note: str = ""
) -> list[Path]:
    import matplotlib.pyplot as plt

    stats = mean_ci(series, ["point", "step"], [measure])
    shown = literal(measure)  # a measure names a supplier: customers[<name>]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    points = sorted(stats["point"].unique())
    if len(points) <= MAX_BANDS:
        palette = colours(len(points))  # never the same colour for two design points
        for i, point in enumerate(points):
            rows = stats[stats["point"] == point]
            color = palette[i]
            ax.plot(rows["step"], rows["mean"], color=color, label=labels.get(point, str(point)))
            ax.fill_between(rows["step"], rows["ci_low"], rows["ci_high"], color=color, alpha=0.2, lw=0)
        ax.legend(frameon=False, fontsize=7)
        ax.set_title(f"{shown}: mean and 95% interval over replicates, per design point")
    else:
        wide = stats.pivot(index="step", columns="point", values="mean")
        ax.fill_between(
            wide.index,
            wide.quantile(0.05, axis=1),
            wide.quantile(0.95, axis=1),
            color=PALETTE[0],
            alpha=0.25,
            lw=0,
            label="5-95% of design points",
        )
        ax.plot(wide.index, wide.median(axis=1), color=PALETTE[0], label="median design point")
        ax.legend(frameon=False)
        ax.set_title(f"{shown}: spread of the {len(points)} design points' means")
    ax.set(xlabel="step", ylabel=shown)
    return save_figure(fig, out, f"timeseries_{file_stem(measure)}", formats, note)


def _final_figure(
    summary: pd.DataFrame,
    table: pd.DataFrame,
    params: Sequence[str],
    measure: str,
    how: str,
    out: Path,
    formats: Sequence[str],
    note: str = "",
) -> list[Path]:
    import matplotlib.pyplot as plt

    cols = min(len(params), 3)
    rows = math.ceil(len(params) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    means = table[table["measure"] == measure]
    for ax, param in zip(axes.flat, params, strict=False):
        x, mx = summary[param], means[param]
        if not _is_numeric(x):
            codes = {v: i for i, v in enumerate(dict.fromkeys(summary[param].astype(str)))}
            x, mx = x.astype(str).map(codes), mx.astype(str).map(codes)
            ax.set_xticks(list(codes.values()), [literal(k) for k in codes], rotation=30)
        ax.scatter(x, summary[measure], s=8, alpha=0.35, color=PALETTE[4], lw=0, label="runs")
        if len(means) <= 200:
            err = np.vstack([means["mean"] - means["ci_low"], means["ci_high"] - means["mean"]])
            ax.errorbar(
                mx,
                means["mean"],
                yerr=np.nan_to_num(err),
                fmt="o",
                ms=4,
                color=PALETTE[0],
                capsize=2,
                label="point mean, 95% CI",
            )
        ax.set(xlabel=param, ylabel=literal(measure))
    for ax in list(axes.flat)[len(params) :]:
        ax.axis("off")
    axes.flat[0].legend(frameon=False, fontsize=7)
    fig.suptitle(f"{literal(measure)} ({how}) against each swept parameter")
    fig.tight_layout()
    return save_figure(fig, out, f"final_{file_stem(measure)}", formats, note)


def _heatmap_figure(
    summary: pd.DataFrame, heat: Sequence[str], measure: str, out: Path, formats: Sequence[str], note: str = ""
) -> list[Path]:
    import matplotlib.pyplot as plt

    grid = summary.groupby(list(heat))[measure].mean().unstack(heat[1])
    fig, ax = plt.subplots(figsize=(5.5, 4.4))
    image = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(grid.shape[1]), [literal(_fmt(v)) for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [literal(_fmt(v)) for v in grid.index])
    ax.set(xlabel=heat[1], ylabel=heat[0], title=f"{literal(measure)} (mean over replicates)")
    values = grid.to_numpy(dtype=float)
    if values.size <= 100:
        for (i, j), value in np.ndenumerate(values):
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=7, color="white")
    fig.colorbar(image, ax=ax)
    return save_figure(fig, out, f"heatmap_{file_stem(measure)}", formats, note)
