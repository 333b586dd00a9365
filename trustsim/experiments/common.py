"""Shared machinery of the experiments: sizes, sweeps through :mod:`trustsim.sweep`, CIs, figures.

Every experiment is a built-in experiment TOML (``trustsim/data/experiments/``, the design, run by
:func:`trustsim.sweep.run_sweep`) plus an analysis module in this package that turns the
sweep's tables into figures and ``findings.json``. Sizes: ``full`` runs the TOML as written
(what a researcher would report); ``laptop`` and ``tiny`` override the number of customers,
replicates and steps (``tiny`` is the CI smoke test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from trustsim.errors import RunError
from trustsim.io import atomic_write_json
from trustsim.reporting import PALETTE as PALETTE  # re-exported for the experiment modules
from trustsim.reporting import jsonable, t_interval
from trustsim.reporting import pyplot as pyplot

SIZES: tuple[str, ...] = ("tiny", "laptop", "full")


@dataclass(frozen=True)
class Size:
    """How one size changes an experiment: scenario overrides, replicates and steps (None: as written).

    ``grid`` keeps only some values of grid parameters and ``points`` only some points of a list
    design (the smoke test runs a corner of the design; every point is still validated);
    ``samples`` sets the base sample size of an lhs or sobol design.
    """

    overrides: Mapping[str, Any] = field(default_factory=dict)
    replicates: int | None = None
    steps: int | None = None
    grid: Mapping[str, list[Any]] = field(default_factory=dict)
    points: tuple[int, ...] | None = None
    samples: int | None = None

    def shrink(self, experiment: Any) -> Any:
        """The experiment with its design cut down to ``grid`` / ``points`` (unchanged if none apply)."""
        design = experiment.design
        if design.kind in ("lhs", "sobol") and self.samples is not None:
            return experiment.model_copy(update={"design": design.model_copy(update={"samples": self.samples})})
        if design.kind == "grid" and self.grid:
            params = {k: self._keep(v, self.grid[k]) if k in self.grid else v for k, v in design.parameters.items()}
            return experiment.model_copy(update={"design": design.model_copy(update={"parameters": params})})
        if design.kind == "list" and self.points is not None:
            kept = [p for i, p in enumerate(design.points) if i in self.points]
            return experiment.model_copy(update={"design": design.model_copy(update={"points": kept})})
        return experiment

    @staticmethod
    def _keep(values: list[Any], wanted: list[Any]) -> list[Any]:
        """The design's values that are among `wanted`; if none are, its first and last value."""
        kept = [v for v in values if any(_same(v, w) for w in wanted)]
        return kept or list(dict.fromkeys([values[0], values[-1]]))


@dataclass
class SweepData:
    """The tables of one finished sweep, with every run's design parameters joined in.

    Attributes:
        experiment: the validated experiment that ran.
        names: the swept parameters (dotted keys), in design order.
        summary: one row per run (run, point, replicate, seed, parameters, final measures).
        series: per-step model measures (run, point, replicate, step, parameters, measures).
        suppliers: per-step, per-supplier measures (empty if none were kept).
        seconds: wall time of the sweep in this session.
    """

    experiment: Any
    names: list[str]
    summary: pd.DataFrame
    series: pd.DataFrame
    suppliers: pd.DataFrame
    seconds: float


def run_design(
    path: str | Path | Any,
    folder: str | Path,
    size: Size,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    run_fn: str | None = None,
) -> SweepData:
    """Run (or resume) the sweep of an experiment TOML (or a loaded Experiment) at a given size and read
    its tables back.

    Raises:
        ConfigError: the experiment file is bad.
        RunError: a run failed (the sweep folder keeps the finished ones; re-run to resume).
    """
    from trustsim.sweep import load_experiment, load_summary, load_timeseries, run_sweep
    from trustsim.sweep.design import design_points

    experiment = size.shrink(
        load_experiment(path, dict(size.overrides) or None, replicates=size.replicates, steps=size.steps)
    )
    kwargs: dict[str, Any] = {"workers": workers, "scheduler": scheduler, "progress": progress}
    if run_fn:
        kwargs["run_fn"] = run_fn
    result = run_sweep(experiment, folder, **kwargs)
    if result.failures:
        first_id, error = next(iter(result.failures.items()))
        raise RunError(
            f"{len(result.failures)} run(s) of {experiment.name} failed (first: {first_id}: "
            f"{error.splitlines()[0]}); finished runs are kept in {folder}."
        )
    names = design_points(experiment).names
    summary = load_summary(folder)
    params = summary[["run", *names]]
    series = load_timeseries(folder).merge(params, on="run", how="left")
    kept_suppliers = bool(experiment.output.supplier_measures)
    suppliers = (
        load_timeseries(folder, "suppliers").merge(params, on="run", how="left") if kept_suppliers else pd.DataFrame()
    )
    return SweepData(experiment, names, summary, series, suppliers, result.seconds)


# --- statistics ---------------------------------------------------------------------------


def mean_ci(values: Any, level: float = 0.95) -> dict[str, Any]:
    """Mean and Student-t confidence interval of independent replicates (NaNs dropped).

    Returns:
        {"mean", "ci_low", "ci_high", "n"}; the interval is None with fewer than two values.
    """
    mean, lo, hi, n = t_interval(values, level)
    if n == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    if n < 2:
        return {"mean": mean, "ci_low": None, "ci_high": None, "n": 1}
    return {"mean": mean, "ci_low": lo, "ci_high": hi, "n": n}


def cell_table(
    runs: pd.DataFrame,
    by: Mapping[str, str],
    measures: Iterable[str],
    extra: Callable[[pd.DataFrame], Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One row per design cell (the runs sharing the values of the `by` columns), in sorted order.

    Args:
        runs: one row per run, with the `by` columns and the `measures`.
        by: the findings' name of each grouping column -> the column (a dotted scenario key).
        measures: columns summarised by :func:`mean_ci` over the cell's runs.
        extra: more entries of a row, computed from the cell's runs (e.g. a share of runs).

    Returns:
        Rows ``{name: value, ..., measure: mean_ci, ..., **extra(runs of the cell)}``.
    """
    names, measures = list(by), list(measures)
    rows = []
    for values, f in runs.groupby(list(by.values()), sort=True):
        row = dict(zip(names, cast(tuple, values), strict=True)) | {m: mean_ci(f[m]) for m in measures}
        rows.append(row | dict(extra(f)) if extra else row)
    return rows


def cell_of(cells: Sequence[Mapping[str, Any]], **values: Any) -> Any:
    """The first row of :func:`cell_table` whose named values are `values` (floats to within
    ``np.isclose``), or None."""
    return next((c for c in cells if all(_same(c[k], v) for k, v in values.items())), None)


def interval_arrays(cis: Iterable[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The means, lower and upper bounds of a sequence of :func:`mean_ci` results as float arrays
    (missing values as NaN), for a line with its band or bars with error bars."""
    cis = list(cis)
    mean, lo, hi = (
        np.array([np.nan if ci[key] is None else ci[key] for ci in cis], dtype=float)
        for key in ("mean", "ci_low", "ci_high")
    )
    return mean, lo, hi


def bands(frame: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Per (keys..., step) mean of `value` over replicates with a 95% t interval (lo, hi).

    The interval is :func:`trustsim.analysis.sweep_plots.mean_ci`'s; with a single replicate
    the band collapses onto the line.
    """
    from trustsim.analysis.sweep_plots import mean_ci

    out = mean_ci(frame, [*keys, "step"], [value]).drop(columns="measure")
    single = out["n"] < 2
    out["lo"] = out["ci_low"].where(~single, out["mean"])
    out["hi"] = out["ci_high"].where(~single, out["mean"])
    out = out.rename(columns={"n": "count", "sd": "std"})
    return out[[*keys, "step", "mean", "std", "count", "lo", "hi"]]


def crossover_step(steps: ArrayLike, leader: ArrayLike, other: ArrayLike) -> float:
    """First step from which `leader` stays strictly above `other` to the end (NaN if never)."""
    ahead = np.asarray(leader) > np.asarray(other)
    if not ahead[-1]:
        return float("nan")
    behind = np.flatnonzero(~ahead)
    first = 0 if len(behind) == 0 else behind[-1] + 1
    return float(np.asarray(steps)[first])


def first_step_at_or_above(steps: np.ndarray, values: np.ndarray, level: float) -> float:
    """First step where `values` reaches `level` (NaN if it never does)."""
    hit = np.flatnonzero(np.asarray(values) >= level)
    return float(np.asarray(steps)[hit[0]]) if len(hit) else float("nan")


def clean(obj: Any) -> Any:
    """Make numpy scalars and NaNs JSON-friendly (NaN -> None); see :func:`trustsim.reporting.jsonable`."""
    return jsonable(obj)


# --- figures and files ------------------------------------------------------------------


def save_figure(fig: Any, out: Path, name: str) -> Path:
    """Save a figure as a modest PNG, atomically; close it; return the path."""
    from trustsim import reporting

    return reporting.save_figure(fig, out, name, ("png",), dpi=100)[0]


def band_plot(ax: Any, band: pd.DataFrame, color: str, label: str, **kw: Any) -> None:
    """A mean line with its shaded 95% band."""
    ax.plot(band["step"], band["mean"], color=color, label=label, **kw)
    ax.fill_between(band["step"], band["lo"], band["hi"], color=color, alpha=0.25, lw=0)


def trajectory_figure(
    lines: Iterable[tuple[str, str, pd.DataFrame]], value: str, figsize: tuple[float, float] = (7, 4.2), **settings: Any
) -> tuple[Any, Any]:
    """One panel of trajectories: per ``(label, colour, rows of its runs)`` the mean of `value`
    over the runs at each period with its 95% band (:func:`bands`); ``ax.set(**settings)`` and a legend.

    Returns:
        The figure and its axes.
    """
    fig, ax = pyplot().subplots(figsize=figsize)
    for label, color, frame in lines:
        band_plot(ax, bands(frame, [], value), color, label)
    ax.set(xlabel="period", **settings)
    ax.legend(frameon=False)
    return fig, ax


def interval_plot(ax: Any, x: ArrayLike, cis: Iterable[Mapping[str, Any]], color: str, label: str) -> None:
    """Means of :func:`mean_ci` results against `x` as a line with markers and their shaded 95% band."""
    mean, lo, hi = interval_arrays(cis)
    ax.plot(x, mean, "o-", color=color, label=label)
    ax.fill_between(x, lo, hi, color=color, alpha=0.25, lw=0)


def interval_panels(
    groups: Iterable[tuple[str, str, ArrayLike, Sequence[Mapping[str, Any]]]],
    panels: Mapping[str, Mapping[str, Any]],
    figsize: tuple[float, float] | None = None,
) -> tuple[Any, list[Any]]:
    """A figure of side-by-side panels, one per measure, each with one :func:`interval_plot` per group.

    Args:
        groups: ``(label, colour, x values, cells)`` per line; a cell holds a :func:`mean_ci`
            result under each measure's name (e.g. rows of :func:`cell_table`).
        panels: measure -> its panel's settings (``ax.set``: xlabel, ylabel, title, xscale...).
        figsize: the figure's size (default 6 x 4 inches per panel).

    Returns:
        The figure and its axes, the legend drawn on the first.
    """
    fig, axes = pyplot().subplots(1, len(panels), figsize=figsize or (6 * len(panels), 4), squeeze=False)
    axes = list(axes[0])
    for label, color, x, cells in groups:
        for ax, key in zip(axes, panels, strict=True):
            interval_plot(ax, x, [c[key] for c in cells], color, label)
    for ax, settings in zip(axes, panels.values(), strict=True):
        ax.set(**settings)
    axes[0].legend(frameon=False)
    return fig, axes


def interval_bars(ax: Any, x: ArrayLike, cis: Iterable[Mapping[str, Any]], width: float = 0.8, **kw: Any) -> None:
    """Means of :func:`mean_ci` results as bars with the lower half of their 95% interval as a
    symmetric error bar (none where there is no interval)."""
    mean, lo, _ = interval_arrays(cis)
    ax.bar(x, mean, width, yerr=mean - np.where(np.isnan(lo), mean, lo), **kw)


def annotated_heatmap(
    fig: Any,
    ax: Any,
    values: np.ndarray,
    text: Sequence[Sequence[str]],
    columns: Sequence[float],
    rows: Sequence[float],
    *,
    cmap: str,
    fontsize: float,
    label: str = "",
    column_labels: Sequence[str] | None = None,
    **imshow: Any,
) -> None:
    """A grid of values (``values[i, j]`` for ``rows[i]``, ``columns[j]``) as a colour map with
    a colour bar, each cell labelled with ``text[i][j]`` and the axes ticked with the values.

    Args:
        label: the colour bar's label.
        column_labels: tick labels of the columns (default: the values, ``:g``).
        imshow: more options of ``ax.imshow`` (e.g. ``vmin``, ``vmax`` of a diverging map).
    """
    im = ax.imshow(values, origin="lower", cmap=cmap, aspect="auto", **imshow)
    fig.colorbar(im, ax=ax, label=label)
    for i in range(len(rows)):
        for j in range(len(columns)):
            ax.text(
                j,
                i,
                text[i][j],
                ha="center",
                va="center",
                fontsize=fontsize,
                bbox={"facecolor": "white", "alpha": 0.6, "lw": 0},
            )
    ax.set_xticks(range(len(columns)), [f"{c:g}" for c in columns] if column_labels is None else column_labels)
    ax.set_yticks(range(len(rows)), [f"{r:g}" for r in rows])


def write_findings(out: Path, findings: Mapping[str, Any]) -> Path:
    """Write findings.json atomically (NaN written as null)."""
    path = out / "findings.json"
    atomic_write_json(path, clean(findings))
    return path


def base_value(experiment: Any, key: str) -> Any:
    """The value of a dotted scenario key in an experiment's base scenario (with its overrides)."""
    from trustsim.config import build_scenario

    node: Any = build_scenario(experiment.base_data(), experiment.source)
    for part in key.split("."):
        node = node[int(part)] if part.isdigit() else getattr(node, part)
    return node


def reference_point(data: SweepData) -> int:
    """The design point that equals the base scenario in every swept key (else point 0)."""
    if not data.names:
        return 0
    base = {k: base_value(data.experiment, k) for k in data.names}
    points = data.summary.drop_duplicates("point").sort_values("point")
    for _, row in points.iterrows():
        if all(_same(row[k], base[k]) for k in data.names):
            return int(row["point"])
    return int(points["point"].iloc[0])


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.isclose(float(a), float(b)))
    except (TypeError, ValueError):
        return a == b


# --- verdicts -----------------------------------------------------------------------------

ANSWERS: tuple[str, ...] = ("yes", "no", "cannot tell")
"""The three answers a verdict can give; "cannot tell" when the interval includes the threshold."""


def verdict(ci: Mapping[str, Any] | None, threshold: float = 0.0, above: bool = True) -> dict[str, Any]:
    """Does the quantity lie above (or, with ``above=False``, below) `threshold`? Answered by its
    95% interval, never by its mean alone (the one rule for every experiment's verdict sentence).

    Returns ``{"answer", "interval", "threshold", "above"}``: "yes" when the whole interval is on
    the claimed side, "no" when it is wholly on the other side, "cannot tell" when it includes the
    threshold or there is no interval (fewer than two runs).
    """
    lo = None if ci is None else ci.get("ci_low")
    hi = None if ci is None else ci.get("ci_high")
    answer = "cannot tell"
    if lo is not None and hi is not None:
        if (lo > threshold) if above else (hi < threshold):
            answer = "yes"
        elif (hi < threshold) if above else (lo > threshold):
            answer = "no"
    return {"answer": answer, "interval": dict(ci) if ci else None, "threshold": threshold, "above": above}


def follows_interval(v: Mapping[str, Any]) -> bool:
    """Whether a verdict's answer is the one its interval gives (what the verdict test checks)."""
    if "parts" in v:
        return all(follows_interval(p) for p in v["parts"]) and v["answer"] == all_of(*v["parts"])["answer"]
    return v["answer"] == verdict(v["interval"], v["threshold"], v["above"])["answer"]


def all_of(*verdicts: Mapping[str, Any]) -> dict[str, Any]:
    """A verdict made of several (e.g. an ordering a > b > c): yes if all are yes, no if any is
    no, else (or with none to judge) cannot tell."""
    said = [v["answer"] for v in verdicts]
    answer = "no" if "no" in said else "yes" if said and all(a == "yes" for a in said) else "cannot tell"
    return {"answer": answer, "parts": [dict(v) for v in verdicts]}


def answers(verdicts: Mapping[str, Mapping[str, Any]]) -> dict[str, bool]:
    """The findings' yes/no keys of a set of verdicts: true only where the answer is "yes"."""
    return {key: v["answer"] == "yes" for key, v in verdicts.items()}


def difference(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None, level: float = 0.95) -> dict[str, Any]:
    """Welch interval of ``a - b`` for two independent t-intervals (each {mean, ci_low, ci_high, n}).

    The standard errors are read back from the intervals; the degrees of freedom are
    Welch-Satterthwaite's. Used when two groups of runs are compared and their runs are not
    paired (when they are, take the interval of the paired differences instead).
    """
    from scipy import stats

    empty = {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    if not a or not b or a.get("ci_low") is None or b.get("ci_low") is None:
        if a and b and a.get("mean") is not None and b.get("mean") is not None:
            return empty | {"mean": a["mean"] - b["mean"], "n": min(a["n"], b["n"])}
        return empty
    se2 = []
    for ci in (a, b):
        t = stats.t.ppf(0.5 + level / 2, ci["n"] - 1)
        se2.append(((ci["ci_high"] - ci["ci_low"]) / (2 * t)) ** 2)
    mean = a["mean"] - b["mean"]
    total = se2[0] + se2[1]
    if total == 0:
        return {"mean": mean, "ci_low": mean, "ci_high": mean, "n": min(a["n"], b["n"])}
    dof = total**2 / (se2[0] ** 2 / (a["n"] - 1) + se2[1] ** 2 / (b["n"] - 1))
    half = float(stats.t.ppf(0.5 + level / 2, dof) * total**0.5)
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": min(a["n"], b["n"])}


def slope_ci(x: ArrayLike, y: ArrayLike, level: float = 0.95) -> dict[str, Any]:
    """Least-squares slope of y on x with its t-interval (scipy.stats.linregress) and n."""
    from scipy import stats

    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    if n < 3 or np.ptp(x) == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": n}
    fit: Any = stats.linregress(x, y)
    slope, half = float(fit.slope), float(stats.t.ppf(0.5 + level / 2, n - 2) * fit.stderr)
    return {"mean": slope, "ci_low": slope - half, "ci_high": slope + half, "n": n}
