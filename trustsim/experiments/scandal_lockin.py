"""scandal_lockin: a sector-wide scandal lowers trust everywhere and locks customers in (MODEL_BRIEF §4).

Windows around the scandal period S (read from the scenario): trust before = mean over the 13
periods before S, after = mean over the 13 periods from S; churn before/after = mean churn per
period over the 26 periods before / from S. Churn is compared with the no-scandal control of
the same replicate (common random numbers): ``churn_ratio`` = churn after the scandal / churn
of the control over the same periods. Per bank: trust before (13-period mean), just after
(period S), at the horizon; ``regained`` = (horizon - after) / (before - after), and the first
period at which the bank's trust is back at its pre-scandal level.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from trustsim.experiments.common import (
    PALETTE,
    Size,
    SweepData,
    answers,
    band_plot,
    bands,
    base_value,
    cell_of,
    cell_table,
    difference,
    interval_panels,
    mean_ci,
    pyplot,
    save_figure,
    trajectory_figure,
    verdict,
)

CLAIM = (
    "A sector-wide scandal lowers trust in every supplier, and churn falls rather than rises, because "
    "no competitor is trusted; after a scandal at one supplier, its customers leave."
)
FALSIFIED_IF = (
    "Churn after a sector-wide scandal rises relative to the control as much as after a scandal at one "
    "bank, or the calibrated scandal does not take the trusting share from about 44% to about 40%."
)
RUN_FN = "trustsim.experiments.runs:run_with_extras"
WHO, SEVERITY = "shocks.0.supplier", "shocks.0.severity"
SIZES = {
    "tiny": Size(
        {"market.customers": 600, "shocks.0.step": 26}, replicates=2, steps=52, grid={SEVERITY: [0.0, 0.119635]}
    ),
    "laptop": Size({"market.customers": 3000}, replicates=5, steps=104),
}
SINGLE = "0"
"""The bank hit by the single-bank scandal (as written in the design: text)."""
SURVEY = (0.44, 0.40)
"""Share of Dutch consumers trusting banks, before and after (MODEL_BRIEF §4)."""


def _window(frame: pd.DataFrame, col: str, start: int, stop: int) -> float:
    f = frame[(frame["step"] >= start) & (frame["step"] < stop)]
    return float(f[col].mean())


def per_run(series: pd.DataFrame, at: int) -> pd.DataFrame:
    """Trusting share, churn and lock-in before and after the scandal, per run."""
    rows = []
    for run, f in series.groupby("run", sort=True):
        rows.append(
            {
                "run": run,
                "trusting_before": _window(f, "trusting_share", at - 13, at),
                "trusting_after": _window(f, "trusting_share", at, at + 13),
                "churn_before": _window(f, "churned", at - 26, at),
                "churn_after": _window(f, "churned", at, at + 26),
                "locked_after": _window(f, "locked_share", at, at + 26),
                "unhappy_after": _window(f, "unhappy_share", at, at + 26),
            }
        )
    return pd.DataFrame(rows)


def per_bank(suppliers: pd.DataFrame, at: int) -> pd.DataFrame:
    """Each bank's trust before, just after and at the horizon; share regained; recovery period."""
    rows = []
    for (run, s), f in suppliers.groupby(["run", "supplier"], sort=True):
        f = f.sort_values("step")
        before = _window(f, "trust", at - 13, at)
        after = float(f.loc[f["step"] == at, "trust"].iloc[0])
        final = float(f["trust"].iloc[-1])
        later = f[f["step"] >= at]
        back = later.loc[later["trust"] >= before, "step"]
        rows.append(
            {
                "run": run,
                "supplier": s,
                "name": f["name"].iloc[0],
                "before": before,
                "after": after,
                "final": final,
                "fall": before - after,
                "regained": (final - after) / (before - after) if before - after > 1e-9 else np.nan,
                "recovery_periods": float(back.iloc[0] - at) if len(back) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def analyse(ctx: Any) -> tuple[dict[str, Any], list[Path]]:
    """Run the sweep, draw the figures, return the findings."""
    data = ctx.sweep(ctx.path, SIZES, run_fn=RUN_FN)
    at = int(base_value(data.experiment, "shocks.0.step"))
    # the design's value nearest the scenario's own (the calibrated scandal, rounded in the grid)
    severities = np.unique(data.summary[SEVERITY].to_numpy(dtype=float))
    ref_severity = float(severities[np.argmin(np.abs(severities - float(base_value(data.experiment, SEVERITY))))])
    info = data.summary[["run", "replicate", WHO, SEVERITY]].copy()
    info[WHO] = info[WHO].astype(str)
    runs = per_run(data.series, at).merge(info, on="run")
    control = runs[runs[SEVERITY] == 0].groupby("replicate")["churn_after"].mean()
    runs["churn_ratio"] = runs["churn_after"] / runs["replicate"].map(control).replace(0, np.nan)
    cells = cell_table(
        runs,
        {"scandal_at": WHO, "severity": SEVERITY},
        (
            "trusting_before",
            "trusting_after",
            "churn_before",
            "churn_after",
            "churn_ratio",
            "locked_after",
            "unhappy_after",
        ),
    )
    banks = per_bank(data.suppliers, at).merge(info, on="run")
    ref_banks = banks[(banks[WHO] == "all") & np.isclose(banks[SEVERITY], ref_severity)]
    recovery = {}
    for name, f in ref_banks.groupby("name", sort=False):
        recovery[name] = {
            m: mean_ci(f[m]) for m in ("before", "after", "final", "fall", "regained", "recovery_periods")
        }
        recovery[name]["share_recovered"] = float(f["recovery_periods"].notna().mean())
    first = sorted(recovery, key=lambda n: -(recovery[n]["regained"]["mean"] or -np.inf))

    sector = cell_of(cells, scandal_at="all", severity=ref_severity)
    single = cell_of(cells, scandal_at=SINGLE, severity=ref_severity)
    ratios = runs[runs[WHO] == "all"].groupby(SEVERITY)[["trusting_before", "trusting_after"]].mean()
    rel = (ratios["trusting_after"] / ratios["trusting_before"]).sort_index()
    target = SURVEY[1] / SURVEY[0]
    calibrated = float(np.interp(-target, -rel.to_numpy(), rel.index.to_numpy())) if len(rel) > 1 else None
    findings = {
        "steps": int(data.series["step"].max()),
        "scandal_period": at,
        "replicates": data.experiment.replicates,
        "reference_severity": ref_severity,
        "trusting_share": {
            "before": sector["trusting_before"] if sector else None,
            "after": sector["trusting_after"] if sector else None,
            "survey_banks": {"before": SURVEY[0], "after": SURVEY[1]},
        },
        "severity_matching_survey_fall": calibrated,
        "churn_ratio_vs_control": {
            "sector_wide": sector["churn_ratio"] if sector else None,
            "one_bank": single["churn_ratio"] if single else None,
        },
        "locked_in_share_after": {
            "sector_wide": sector["locked_after"] if sector else None,
            "one_bank": single["locked_after"] if single else None,
        },
        "recovery_by_bank_sector_wide": recovery,
        "recovers_first": first[0] if first else None,
        "cells": cells,
        "verdicts": {
            "sector_scandal_churn_below_one_bank_scandal": verdict(
                difference(sector["churn_ratio"] if sector else None, single["churn_ratio"] if single else None),
                0.0,
                above=False,
            )
        },
    }
    findings |= answers(findings["verdicts"])
    figures = [_trust(data, ref_severity, at, ctx.out), _churn(cells, ctx.out), _banks(data, ref_severity, at, ctx.out)]
    return findings, figures


def _select(frame: pd.DataFrame, who: str, sev: float) -> pd.DataFrame:
    return frame[(frame[WHO].astype(str) == who) & np.isclose(frame[SEVERITY], sev)]


def _trust(data: SweepData, sev: float, at: int, out: Path) -> Path:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for i, (who, s, label) in enumerate(
        (("all", 0.0, "no scandal"), ("all", sev, "sector-wide scandal"), (SINGLE, sev, "scandal at one bank (Steady)"))
    ):
        f = _select(data.series, who, s)
        band_plot(axes[0], bands(f, [], "trusting_share"), PALETTE[i], label)
        band_plot(axes[1], bands(f, [], "churned"), PALETTE[i], label)
    for y in SURVEY:
        axes[0].axhline(y, color="grey", ls=":", lw=1)
    for ax in axes:
        ax.axvline(at, color="grey", lw=0.5)
    axes[0].set(
        xlabel="period",
        ylabel="share of customers trusting their bank",
        title="Trust in the sector (dotted: 44% and 40%)",
    )
    axes[1].set(xlabel="period", ylabel="customers switching per period", title="Churn")
    axes[0].legend(frameon=False)
    fig.suptitle(f"A scandal of severity {sev:g} log-odds (95% bands)", y=1.02)
    return save_figure(fig, out, "scandal_lockin_trust_churn")


def _churn(cells: list[dict[str, Any]], out: Path) -> Path:
    groups = []
    for i, (who, label) in enumerate((("all", "sector-wide"), (SINGLE, "one bank (Steady)"))):
        rows = sorted((c for c in cells if c["scandal_at"] == who), key=lambda c: c["severity"])
        groups.append((label, PALETTE[i + 1], [c["severity"] for c in rows], rows))
    fig, axes = interval_panels(
        groups,
        {
            "churn_ratio": {
                "xlabel": "scandal severity (log-odds)",
                "ylabel": "churn after / churn without scandal",
                "title": "Churn in the half year after the scandal",
            },
            "locked_after": {
                "xlabel": "scandal severity (log-odds)",
                "ylabel": "share of customers",
                "title": "Unhappy but no trusted alternative (locked in)",
            },
        },
    )
    axes[0].axhline(1, color="grey", lw=0.5)
    return save_figure(fig, out, "scandal_lockin_churn")


def _banks(data: SweepData, sev: float, at: int, out: Path) -> Path:
    sup = _select(data.suppliers, "all", sev)
    fig, ax = trajectory_figure(
        ((f["name"].iloc[0], PALETTE[cast(int, s)], f) for s, f in sup.groupby("supplier", sort=True)),
        "trust",
        figsize=(8, 4.2),
        ylabel="mean trust of (former) customers",
        title="Which bank recovers first after a sector-wide scandal? (95% bands)",
    )
    ax.axvline(at, color="grey", lw=0.5)
    return save_figure(fig, out, "scandal_lockin_banks")


def calibrate(
    scenario: str = "scandal_banks",
    customers: int = 3000,
    seeds: tuple[int, ...] = (1, 2, 3),
    target: tuple[float, float] = SURVEY,
    iterations: int = 7,
) -> dict[str, float]:
    """Find the propensity mean and scandal severity that reproduce the survey (44% -> 40%).

    Bisection with common random numbers: first ``propensity.mean`` so that the share of
    customers trusting their bank over the 13 periods before the scandal is ``target[0]``, then
    ``shocks.0.severity`` (sector-wide) so that the share over the 13 periods from the scandal is
    ``target[1]``. Runs stop 13 periods after the scandal. Used to set the values written in
    ``configs/scandal_banks.toml`` (re-run it when the model's mechanisms change)::

        python -c "from trustsim.experiments.scandal_lockin import calibrate; print(calibrate())"
    """
    from trustsim.config import load_scenario
    from trustsim.experiments.runs import run_with_extras

    base = load_scenario(scenario)
    at = base.shocks[0].step

    def shares(mean: float, severity: float) -> tuple[float, float]:
        sc = load_scenario(
            scenario,
            {
                "market.customers": customers,
                "propensity.mean": mean,
                "shocks.0.severity": severity,
                "shocks.0.supplier": "all",
            },
        )
        before, after = [], []
        for seed in seeds:
            m = run_with_extras(sc, seed=seed, steps=at + 13).model
            before.append(_window(m, "trusting_share", at - 13, at))
            after.append(_window(m, "trusting_share", at, at + 13))
        return float(np.mean(before)), float(np.mean(after))

    lo, hi = 0.2, 0.8
    for _ in range(iterations):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if shares(mid, 0.0)[0] < target[0] else (lo, mid)
    mean = round((lo + hi) / 2, 3)
    lo, hi = 0.0, 2.0
    for _ in range(iterations):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if shares(mean, mid)[1] > target[1] else (lo, mid)
    severity = round((lo + hi) / 2, 3)
    before, after = shares(mean, severity)
    return {"propensity.mean": mean, "shocks.0.severity": severity, "trusting_before": before, "trusting_after": after}
