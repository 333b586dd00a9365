"""The calibration report: ``report.md``, figures, tables and the calibrated scenario.

Each target is shown as the model against the literature: the calibrated scenario's mean and
95% CI over fresh seeds (with n) beside the literature value and its tolerance band, fitted and
held-out patterns alike; the accepted parameter sets as ranges and correlations.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim.calibration.run import CalibrationResult
from trustsim.config import Scenario
from trustsim.io import atomic_write_bytes, atomic_write_text
from trustsim.reporting import figure_bytes, md_table, pyplot


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def scenario_toml(scenario: Scenario, header: str) -> str:
    """A scenario as a TOML file that loads back to the same scenario (every key written out)."""
    data = scenario.model_dump(mode="json", exclude={"base_dir"})
    lines = [f"# {line}".rstrip() for line in header.splitlines()] + [""]
    tables: list[tuple[str, dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((key, value))
        elif isinstance(value, list) and not value:
            continue  # an empty list of tables (no shocks) is the default
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for key, table in tables:
        lines += ["", f"[{key}]"] + [f"{k} = {_toml_value(v)}" for k, v in table.items()]
    for key, items in arrays:
        for item in items:
            lines += ["", f"[[{key}]]"] + [f"{k} = {_toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def targets_figure(check: pd.DataFrame) -> bytes:
    """One panel per pattern: the literature band and value against the model's mean and 95% CI."""
    plt = pyplot()
    n = len(check)
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for ax, (_, r) in zip(axes.flat, check.iterrows(), strict=False):
        ax.axhspan(r["literature"] - r["tolerance"], r["literature"] + r["tolerance"], color="0.88")
        ax.axhline(r["literature"], color="0.4", lw=1, ls="--", label="literature")
        colour = {"fitted": "tab:blue", "held out": "tab:orange"}.get(r["role"], "tab:red")
        if math.isfinite(r["mean"]):
            lo, hi = r["ci_low"], r["ci_high"]
            err = [[r["mean"] - lo], [hi - r["mean"]]] if math.isfinite(lo) else None
            ax.errorbar([0], [r["mean"]], yerr=err, fmt="o", color=colour, capsize=4, label="model (95% CI)")
        ax.set_xticks([])
        ax.set_title(f"{r['pattern']}\n({r['role']}: {r['verdict']}, n={r['n']})", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    return figure_bytes(fig)


def posterior_figure(result: CalibrationResult) -> bytes:
    """Each pair of free parameters: the prior sample (grey) and the accepted sets (blue)."""
    plt = pyplot()
    post = result.posterior
    names = post.parameters
    d = len(names)
    fig, axes = plt.subplots(
        max(d - 1, 1), max(d - 1, 1), figsize=(2.6 * max(d - 1, 1), 2.4 * max(d - 1, 1)), squeeze=False
    )
    pts, acc = post.points, post.accepted
    if d == 1:
        ax = axes[0, 0]
        ax.scatter(pts[names[0]], pts["distance"].clip(upper=10), s=8, color="0.7")
        ax.scatter(acc[names[0]], acc["distance"], s=12, color="tab:blue")
        ax.set_xlabel(names[0], fontsize=7)
        ax.set_ylabel("distance", fontsize=7)
    for i in range(1, d):
        for j in range(d - 1):
            ax = axes[i - 1, j]
            if j >= i:
                ax.axis("off")
                continue
            ax.scatter(pts[names[j]], pts[names[i]], s=6, color="0.75")
            ax.scatter(acc[names[j]], acc[names[i]], s=12, color="tab:blue")
            if i == d - 1:
                ax.set_xlabel(names[j], fontsize=7)
            if j == 0:
                ax.set_ylabel(names[i], fontsize=7)
            ax.tick_params(labelsize=6)
    fig.tight_layout()
    return figure_bytes(fig)


def report_text(result: CalibrationResult, command: str, load: str) -> str:
    """The Markdown report."""
    c, post, check = result.calibration, result.posterior, result.check
    acc = post.accepted
    lines = [f"# Calibration: {c.name}", ""]
    if c.description:
        lines += [" ".join(c.description.split()), ""]
    fitted = sum(1 for t in c.targets.values() if not t.known_miss)
    if post.all_met:
        how = f"every one of the {fitted} fitted targets"
    elif post.met:
        how = (
            f"the {fitted} fitted targets: **only {post.met} set(s) met every one** (fewer than min_accepted = "
            f"{c.method.min_accepted}), so the {len(acc)} nearest are kept"
        )
    else:
        how = f"the {fitted} fitted targets: **no parameter set met every one**, so the {len(acc)} nearest are kept"
    lines += [
        f"Rejection ABC over a {c.method.sample.upper()} sample of {len(post.points)} parameter sets from uniform "
        f"priors, {c.replicates} run(s) each ({c.steps or 'the scenario'} steps, base scenario `{c.scenario}`). "
        f"{post.met} set(s) met every fitted target within its tolerance; accepted: {len(acc)} sets, on {how}. "
        f"The calibrated scenario is the accepted set nearest to the targets; it was checked on "
        f"{c.method.check_replicates} fresh seeds (n below), fitted and held-out patterns alike.",
        "",
        f"Command: `{command}`. {result.runs} simulations, {result.seconds:.0f} s this session; {load}",
        "",
        "## Accepted parameter sets (approximate posterior)",
        "",
    ]
    ranges = post.ranges()
    lines.append(
        md_table(
            ["parameter", "prior", "accepted mean ± sd", "2.5%–97.5%", "calibrated"],
            [
                [
                    r["parameter"],
                    f"{_fmt(r['prior_low'])}–{_fmt(r['prior_high'])}",
                    f"{_fmt(r['mean'])} ± {_fmt(r['sd'])}",
                    f"{_fmt(r['q025'])}–{_fmt(r['q975'])}",
                    _fmt(r["best"]),
                ]
                for _, r in ranges.iterrows()
            ],
        )
    )
    if len(post.parameters) > 1:
        corr = post.correlations().to_numpy()
        lines += ["", f"Correlations over the {len(acc)} accepted sets (Pearson):", ""]
        lines.append(
            md_table(
                ["", *post.parameters],
                [[p, *[_fmt(float(v)) for v in corr[i]]] for i, p in enumerate(post.parameters)],
            )
        )
    lines += ["", "![accepted sets](figures/posterior.png)", "", "## Patterns: model against literature", ""]
    lines.append(
        md_table(
            ["pattern", "role", "literature (± tolerance)", "model mean (95% CI)", "n", "verdict", "source"],
            [
                [
                    r["pattern"],
                    r["role"],
                    f"{_fmt(r['literature'])} ± {_fmt(r['tolerance'])}",
                    f"{_fmt(r['mean'])} ({_fmt(r['ci_low'])} to {_fmt(r['ci_high'])})",
                    r["n"],
                    r["verdict"],
                    r["source"],
                ]
                for _, r in check.iterrows()
            ],
        )
    )
    notes = [f"- **{r['pattern']}**: {r['note']}" for _, r in check.iterrows() if r["note"]]
    notes += [
        f"- **{r['pattern']}** is a known miss, reported but not fitted: {r['known_miss']}"
        for _, r in check.iterrows()
        if r["known_miss"]
    ]
    lines += [
        "",
        "Verdict: *met* = the 95% CI lies inside the band; *missed* = outside; *unclear* = it straddles a bound.",
        "",
    ]
    lines += [*notes, "", "![targets](figures/targets.png)", ""]
    lines += [
        "*Each pattern: the literature value (dashed) and its tolerance band (grey) against the calibrated "
        "scenario's mean and 95% CI over the fresh seeds (blue: fitted, orange: held out, red: known miss).*",
        "",
    ]
    return "\n".join(lines)


def write_calibration(result: CalibrationResult, command: str, load: str) -> dict[str, Path]:
    """Write report.md, figures/, accepted.csv, ranges.csv, check.csv and calibrated.toml (each atomically)."""
    out = result.folder
    c = result.calibration
    paths = {
        "report.md": out / "report.md",
        "calibrated.toml": out / "calibrated.toml",
        "accepted.csv": out / "accepted.csv",
        "ranges.csv": out / "ranges.csv",
        "check.csv": out / "check.csv",
    }
    header = (
        f"Calibrated by `trustsim calibrate {c.name}` (rejection ABC; docs/calibration.md): the base\n"
        f"scenario {c.scenario!r} with the accepted parameter set nearest to the targets:\n"
        + "\n".join(f"  {k} = {v:.6g}" for k, v in result.posterior.best.items())
    )
    atomic_write_text(paths["calibrated.toml"], scenario_toml(result.scenario, header))
    atomic_write_text(paths["accepted.csv"], result.posterior.accepted.to_csv(index=False))
    atomic_write_text(paths["ranges.csv"], result.posterior.ranges().to_csv(index=False))
    atomic_write_text(paths["check.csv"], result.check.to_csv(index=False))
    atomic_write_bytes(out / "figures" / "targets.png", targets_figure(result.check))
    atomic_write_bytes(out / "figures" / "posterior.png", posterior_figure(result))
    atomic_write_text(paths["report.md"], report_text(result, command, load))
    return paths


def load_note() -> str:
    """The machine's load while calibrating (1, 5, 15 minute averages) and its cores."""
    import os

    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} cores."


__all__ = ["load_note", "scenario_toml", "write_calibration"]
