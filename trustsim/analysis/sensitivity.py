"""Global sensitivity analysis of a Sobol or Morris sweep with SALib.

Each design point's output is the mean of its replicates (so model noise averages out before
the indices are computed). Sobol: first-order (S1) and total-order (ST) indices with
bootstrap 95% confidence intervals (Saltelli 2002; Jansen 1999 estimators as in SALib).
Morris: mu* (mean absolute elementary effect) with its 95% interval, and sigma (Morris 1991;
Campolongo et al. 2007). Results: ``DIR/sensitivity.csv`` and ``DIR/figures/sensitivity_*``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from trustsim.analysis.sweep_plots import (
    DegenerateResultWarning,
    degenerate_reason,
    file_stem,
    save_figure,
    summary_measures,
)
from trustsim.errors import ConfigError, RunError, did_you_mean
from trustsim.figtext import literal
from trustsim.io import atomic_write_bytes
from trustsim.reporting import PALETTE, pyplot

MAX_RESAMPLES = 100_000
"""Most bootstrap resamples; beyond some thousands the intervals do not change."""

RESAMPLE_CELLS = 50_000_000
"""Most resamples x design points: SALib holds that many floats (400 MB) per index at once."""


def sensitivity(
    folder: str | Path,
    measures: Sequence[str] | None = None,
    *,
    resamples: int = 1000,
    seed: int = 0,
    plot: bool = True,
) -> pd.DataFrame:
    """Compute Sobol or Morris indices of a sweep's summarised measures.

    Args:
        folder: results folder of a sweep with a ``sobol`` or ``morris`` design.
        measures: measures to analyse (default: every summarised measure).
        resamples: bootstrap resamples for the confidence intervals.
        seed: seed of the bootstrap.
        plot: also draw ``figures/sensitivity_<measure>``.

    Returns:
        Long table: measure, parameter, index (S1, ST, mu_star, sigma, ...), value, conf (the
        half-width of the 95% interval, where SALib gives one). Also written as
        ``sensitivity.csv``. ``table.attrs["warnings"]`` lists the degenerate measures and why
        (each is also issued as a :class:`DegenerateResultWarning` and printed on its figure).

    Raises:
        ConfigError: if the design is not Sobol or Morris, a measure is unknown or ``resamples``
            is out of range.
        RunError: if runs are missing.
    """
    from trustsim.sweep import load_summary, read_manifest

    folder = Path(folder)
    manifest = read_manifest(folder)
    design = manifest["design"]
    kind = design["kind"]
    if kind not in ("sobol", "morris"):
        raise ConfigError(f"{folder}: a {kind!r} design; sensitivity indices need a 'sobol' or 'morris' design.")
    summary = load_summary(folder)
    n_points = len(design["points"])
    done_points = summary["point"].nunique() if len(summary) else 0
    if done_points < n_points:
        raise RunError(
            f"{folder}: {n_points - done_points} of {n_points} design points have no finished run; "
            f"re-run the sweep to complete it before computing {kind} indices."
        )
    available = summary_measures(summary, design["names"])
    chosen = list(measures or available)
    unknown = [m for m in chosen if m not in available]
    if unknown:
        raise ConfigError(
            f"--measure {unknown[0]}: not a measure of the sweep in {folder}.{did_you_mean(unknown[0], available)} "
            f"Available: {', '.join(available)}."
        )
    if not 1 <= resamples <= MAX_RESAMPLES or resamples * n_points > RESAMPLE_CELLS:
        most = min(MAX_RESAMPLES, RESAMPLE_CELLS // max(n_points, 1))
        raise ConfigError(f"--resamples {resamples}: use 1 to {most:,} for this sweep of {n_points:,} design points.")
    problem = design["problem"]
    outputs = summary.groupby("point")[chosen].mean().sort_index()
    steps = manifest.get("steps")
    notes = {m: r for m in chosen if (r := degenerate_reason(m, summary, steps)) is not None}
    for reason in notes.values():
        warnings.warn(reason, DegenerateResultWarning, stacklevel=2)
    rows = []
    for measure in chosen:
        y = outputs[measure].to_numpy(dtype=float)
        if kind == "sobol":
            rows += _sobol(problem, y, manifest, measure, resamples, seed)
        else:
            x = np.asarray(design["samples"], dtype=float)
            rows += _morris(problem, x, y, manifest, measure, resamples, seed)
    table = pd.DataFrame(rows, columns=["measure", "parameter", "index", "value", "conf"])
    table.attrs["warnings"] = list(notes.values())
    atomic_write_bytes(folder / "sensitivity.csv", table.to_csv(index=False).encode())
    if plot:
        formats = manifest["experiment"]["plot"]["formats"]
        for measure in chosen:
            _figure(table[table["measure"] == measure], kind, measure, folder / "figures", formats, notes.get(measure))
    return table


def salib_seed(seed: int) -> int:
    """A seed SALib honours: its analyzers test ``if seed:``, so 0 would leave the bootstrap unseeded
    (confidence intervals that change from call to call); derived, never 0."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) + 1


def _sobol(problem, y, manifest, measure, resamples, seed) -> list[tuple]:
    from SALib.analyze import sobol

    second = manifest["experiment"]["design"]["second_order"]
    result = sobol.analyze(
        problem, y, calc_second_order=second, num_resamples=resamples, conf_level=0.95, seed=salib_seed(seed)
    )
    rows = []
    for i, name in enumerate(problem["names"]):
        rows.append((measure, name, "S1", result["S1"][i], result["S1_conf"][i]))
        rows.append((measure, name, "ST", result["ST"][i], result["ST_conf"][i]))
    return rows


def _morris(problem, x, y, manifest, measure, resamples, seed) -> list[tuple]:
    from SALib.analyze import morris

    levels = manifest["experiment"]["design"]["levels"]
    result = morris.analyze(
        problem, x, y, num_resamples=resamples, conf_level=0.95, num_levels=levels, seed=salib_seed(seed)
    )
    rows = []
    for i, name in enumerate(problem["names"]):
        rows.append((measure, name, "mu_star", result["mu_star"][i], result["mu_star_conf"][i]))
        rows.append((measure, name, "mu", result["mu"][i], np.nan))
        rows.append((measure, name, "sigma", result["sigma"][i], np.nan))
    return rows


def _figure(table: pd.DataFrame, kind: str, measure: str, out: Path, formats, note: str | None = None) -> list[Path]:
    plt = pyplot()
    wide = table.pivot(index="parameter", columns="index", values="value")
    conf = table.pivot(index="parameter", columns="index", values="conf")
    fig, ax = plt.subplots(figsize=(7, 4))
    if kind == "sobol":
        order = wide["ST"].sort_values(ascending=False).index
        pos = np.arange(len(order))
        for shift, index, color in ((-0.2, "S1", PALETTE[0]), (0.2, "ST", PALETTE[1])):
            ax.bar(
                pos + shift,
                wide.loc[order, index],
                0.4,
                yerr=conf.loc[order, index],
                color=color,
                capsize=3,
                label=f"{index} ({'first' if index == 'S1' else 'total'} order)",
            )
        ax.set_xticks(pos, order, rotation=30, ha="right")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set(ylabel="Sobol index", title=f"Sobol indices of {literal(measure)} (95% bootstrap CI)")
        ax.legend(frameon=False)
    else:
        ax.errorbar(wide["mu_star"], wide["sigma"], xerr=conf["mu_star"], fmt="o", color=PALETTE[0], capsize=3)
        for name, row in wide.iterrows():
            ax.annotate(name, (row["mu_star"], row["sigma"]), fontsize=8, xytext=(4, 4), textcoords="offset points")
        ax.set(
            xlabel="mu* (mean |elementary effect|)",
            ylabel="sigma",
            title=f"Morris screening of {literal(measure)} (95% CI of mu*)",
        )
    if note:  # a degenerate measure says so on its own figure, not only on the terminal
        import textwrap

        fig.text(
            0.5,
            -0.02,
            literal("Warning: " + textwrap.fill(note, 110)),
            ha="center",
            va="top",
            fontsize=7,
            color="#D55E00",
        )
    fig.tight_layout()
    return save_figure(fig, out, f"sensitivity_{file_stem(measure)}", formats)
