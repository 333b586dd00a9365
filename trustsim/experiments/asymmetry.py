"""asymmetry: a broken promise costs more trust than a kept one builds (MODEL_BRIEF §2.6, §3).

Every promise of the one supplier is broken once, at a quarter of the horizon, and the run is
compared with its twin without the wave (same seed;
:func:`trustsim.experiments.runs.run_broken_promise_pair`). Per run, on mean overall trust:

- ``fall``: control minus wave trust in the period of the wave;
- ``gain_per_period``: mean growth of trust per period over the five periods before the wave;
- ``periods_of_gain_lost``: fall / gain_per_period — kept-promise periods one broken promise undoes;
- ``recovery_periods``: periods after the wave until trust is back at its pre-wave level
  (censored at the horizon: reported as the share recovered);
- ``periods_behind``: at the horizon, how many periods the wave run lags its twin;
- ``lasting_gap``: control minus wave trust at the horizon.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim.experiments.common import (
    PALETTE,
    Size,
    answers,
    band_plot,
    bands,
    cell_of,
    cell_table,
    difference,
    interval_panels,
    pyplot,
    save_figure,
    verdict,
)
from trustsim.experiments.runs import wave_step

CLAIM = (
    "Breaking a promise destroys trust faster than keeping promises builds it; recovery takes "
    "longer the larger the asymmetry, and admitting and repairing the failure (right wrongs) limits it."
)
FALSIFIED_IF = (
    "At k > 1 the fall at the wave is no larger than one period's gain, recovery does not lengthen "
    "with the loss multiplier k, or repair (transparency 1) does not shorten it."
)
RUN_FN = "trustsim.experiments.runs:run_broken_promise_pair"
SIZES = {
    "tiny": Size({"market.customers": 300}, replicates=2, steps=40, grid={"trust.loss_multiplier": [1.0, 3.0, 5.0]}),
    "laptop": Size({"market.customers": 2000}, replicates=6, steps=80),
}
K = "trust.loss_multiplier"
REPAIR = "supplier_defaults.transparency"


def per_run(series: pd.DataFrame, measure: str = "mean_trust") -> pd.DataFrame:
    """The asymmetry measures of every run (see the module docstring)."""
    rows = []
    for run, f in series.groupby("run", sort=True):
        f = f.sort_values("step")
        steps = f["step"].to_numpy()
        wave, control = f[measure].to_numpy(), f[f"{measure}_control"].to_numpy()
        at = wave_step(int(steps[-1]))
        pre = control[at - 1]
        before = max(0, at - 6)
        gain = (control[at - 1] - control[before]) / max(1, at - 1 - before)
        after = np.flatnonzero(wave[at:] >= pre)
        recovery = float(after[0]) if len(after) else np.nan
        # periods behind at the horizon: when did the control first reach the wave's final level?
        # (negative when the wave run ends ahead: it reached the twin's final level earlier)
        reached = np.flatnonzero(control >= wave[-1])
        ahead = np.flatnonzero(wave >= control[-1])
        if len(reached):
            behind = float(steps[-1] - steps[reached[0]])
        else:
            behind = -float(steps[-1] - steps[ahead[0]]) if len(ahead) else np.nan
        fall = control[at] - wave[at]
        rows.append(
            {
                "run": run,
                "fall": fall,
                "gain_per_period": gain,
                "periods_of_gain_lost": fall / gain if gain > 0 else np.nan,
                "recovery_periods": recovery,
                "recovered": bool(len(after)),
                "periods_behind": behind,
                "lasting_gap": control[-1] - wave[-1],
                "pre_wave_trust": pre,
            }
        )
    return pd.DataFrame(rows)


def analyse(ctx: Any) -> tuple[dict[str, Any], list[Path]]:
    """Run the sweep, draw the figures, return the findings."""
    data = ctx.sweep(ctx.path, SIZES, run_fn=RUN_FN)
    runs = per_run(data.series).merge(data.summary[["run", "point", *data.names]], on="run")
    table = cell_table(
        runs,
        {"loss_multiplier": K, "transparency": REPAIR},
        ("fall", "gain_per_period", "periods_of_gain_lost", "recovery_periods", "periods_behind", "lasting_gap"),
        lambda f: {"share_recovered": float(f["recovered"].mean())},
    )
    ks = sorted(runs[K].unique())

    def row(k: float, repair: float) -> dict[str, Any]:
        return cell_of(table, loss_multiplier=k, transparency=repair)

    hidden = [row(k, 0.0) for k in ks]
    behind = [r["periods_behind"]["mean"] for r in hidden]
    slope = float(np.polyfit(ks, behind, 1)[0]) if all(b is not None for b in behind) and len(ks) > 1 else None
    k_ref = 3.0 if 3.0 in ks else ks[len(ks) // 2]
    findings = {
        "steps": int(data.series["step"].max()),
        "wave_step": wave_step(int(data.series["step"].max())),
        "replicates": data.experiment.replicates,
        "reference_loss_multiplier": k_ref,
        "periods_of_gain_lost": row(k_ref, 0.0)["periods_of_gain_lost"],
        "recovery_periods": {
            "hidden": row(k_ref, 0.0)["recovery_periods"],
            "repaired": row(k_ref, 1.0)["recovery_periods"],
        },
        "periods_behind_at_horizon": {
            "hidden": row(k_ref, 0.0)["periods_behind"],
            "repaired": row(k_ref, 1.0)["periods_behind"],
        },
        "lasting_gap": {"hidden": row(k_ref, 0.0)["lasting_gap"], "repaired": row(k_ref, 1.0)["lasting_gap"]},
        "periods_behind_per_unit_loss_multiplier": slope,
        "by_loss_multiplier_and_repair": table,
        "verdicts": {
            "broken_costs_more_than_kept_builds": verdict(row(k_ref, 0.0)["periods_of_gain_lost"], 1.0),
            "repair_shortens_recovery": verdict(
                difference(row(k_ref, 1.0)["periods_behind"], row(k_ref, 0.0)["periods_behind"]), 0.0, above=False
            ),
        },
    }
    findings |= answers(findings["verdicts"])
    figures = [_trajectories(data, k_ref, ctx.out), _recovery(table, ks, ctx.out)]
    return findings, figures


def _trajectories(data: Any, k_ref: float, out: Path) -> Path:
    plt = pyplot()
    s = data.series[data.series[K] == k_ref]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    for ax, repair, title in zip(
        axes,
        (0.0, 1.0),
        ("failure hidden (transparency 0)", "failure admitted and repaired (transparency 1)"),
        strict=True,
    ):
        f = s[s[REPAIR] == repair]
        control = f.assign(value=f["mean_trust_control"])
        band_plot(ax, bands(control, [], "value"), PALETTE[0], "promises kept (control)")
        band_plot(ax, bands(f, [], "mean_trust"), PALETTE[5], "one broken-promise wave")
        ax.axvline(wave_step(int(f["step"].max())), color="grey", ls=":", lw=1)
        ax.set(title=title, xlabel="period")
    axes[0].set_ylabel("mean trust of customers")
    axes[0].legend(frameon=False)
    fig.suptitle(f"Trust after one broken promise vs kept promises (loss multiplier {k_ref:g}; 95% bands)", y=1.02)
    return save_figure(fig, out, "asymmetry_trajectories")


def _recovery(table: list[dict[str, Any]], ks: list[float], out: Path) -> Path:
    fig, axes = interval_panels(
        (
            (label, color, ks, [cell_of(table, loss_multiplier=k, transparency=repair) for k in ks])
            for repair, color, label in ((0.0, PALETTE[5], "hidden"), (1.0, PALETTE[2], "admitted and repaired"))
        ),
        {
            "periods_of_gain_lost": {
                "xlabel": "loss multiplier k",
                "ylabel": "periods of kept promises undone",
                "title": "Immediate fall / gain per kept-promise period",
            },
            "periods_behind": {
                "xlabel": "loss multiplier k",
                "ylabel": "periods behind the twin at the horizon",
                "title": "Lasting cost of one broken promise",
            },
        },
    )
    axes[0].axhline(1, color="grey", lw=0.5)
    axes[1].axhline(0, color="grey", lw=0.5)
    return save_figure(fig, out, "asymmetry_recovery")
