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
from trustsim.errors import printable
from trustsim.io import atomic_write_bytes, atomic_write_json, atomic_write_parquet, atomic_write_text
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
    edges = data["network"]["path"]
    if edges and not Path(edges).is_absolute() and scenario.base_dir:
        # relative to the base scenario's folder, which is not the folder this file is written to
        data["network"]["path"] = str((Path(scenario.base_dir) / edges).resolve())
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


def _method_text(result: CalibrationResult, fitted: int) -> str:
    c, post = result.calibration, result.posterior
    m, acc = c.method, post.accepted
    runs = f"{c.replicates} run(s) each ({c.steps or 'the scenario'} steps, base scenario `{c.scenario}`)"
    check = (
        f"The calibrated scenario is the accepted set nearest to the targets; it was checked on "
        f"{m.check_replicates} fresh seeds (n below), fitted and held-out patterns alike."
    )
    if post.method == "smc":
        gens = post.generations
        assert gens is not None
        return (
            f"Sequential ABC (adaptive population Monte Carlo: Beaumont et al. 2009; Lenormand, Jabot & "
            f"Deffuant 2013) over uniform priors: {len(gens)} generation(s), {int(gens['parameter_sets'].sum())} "
            f"parameter sets, {runs}. Each generation keeps the {m.particles} sets nearest to the {fitted} fitted "
            f"targets (alpha = {m.alpha:g}); the posterior is these {len(acc)} weighted sets (effective size "
            f"{float(gens['effective_size'].iloc[-1]):.0f}), within a final tolerance of "
            f"{_fmt(float(gens['tolerance'].iloc[-1]))} (root mean square of the targets' z-scores). "
            f"{post.met} of them meet every fitted target within its tolerance. {check}"
        )
    if post.all_met:
        how = f"every one of the {fitted} fitted targets"
    elif post.met:
        how = (
            f"the {fitted} fitted targets: **only {post.met} set(s) met every one** (fewer than min_accepted = "
            f"{m.min_accepted}), so the {len(acc)} nearest are kept"
        )
    else:
        how = f"the {fitted} fitted targets: **no parameter set met every one**, so the {len(acc)} nearest are kept"
    return (
        f"Rejection ABC over a {m.sample.upper()} sample of {len(post.points)} parameter sets from uniform "
        f"priors, {runs}. {post.met} set(s) met every fitted target within its tolerance; accepted: {len(acc)} "
        f"sets, on {how}. {check}"
    )


def regime_rows(result: CalibrationResult) -> list[tuple[str, str, str]]:
    """The regime the patterns were measured in: (key, value, where it was set), from the runs' scenario."""
    from trustsim.calibration.schema import REGIME_KEYS

    c, sc = result.calibration, result.scenario
    written = c.regime.model_dump(exclude_none=True)

    def by(key: str, regime_key: str) -> str:
        if regime_key in written:
            return f"[regime] {regime_key}"
        return "[overrides]" if key in c.overrides else "base scenario"

    rows = [
        ("steps", str(sc.steps), "steps" if c.steps is not None else "base scenario"),
        ("market.customers", str(sc.market.customers), by("market.customers", "")),
        ("market.suppliers", str(sc.market.suppliers), by("market.suppliers", "")),
        (
            REGIME_KEYS["maturity"],
            f"{sc.market.initial_customers:g} (share already buying)",
            by(REGIME_KEYS["maturity"], "maturity"),
        ),
    ]
    for i, policy in enumerate(sc.supplier_policies()):
        key = f"suppliers.{i}.ad_budget"
        rows.append((f"{key} ({printable(policy.name)})", f"{policy.ad_budget:g}", by(key, "ad_budget")))
    return rows


def generations_table(generations: pd.DataFrame) -> str:
    """The generations of an ABC-SMC as a Markdown table."""
    return md_table(
        ["generation", "parameter sets", "runs", "tolerance", "acceptance", "effective size"],
        [
            [
                int(r["generation"]),
                int(r["parameter_sets"]),
                int(r["runs"]),
                _fmt(float(r["tolerance"])),
                _fmt(float(r["acceptance"])),
                f"{float(r['effective_size']):.0f}",
            ]
            for _, r in generations.iterrows()
        ],
    )


def identifiability_text(table: pd.DataFrame) -> str:
    """The identifiability table (:meth:`Posterior.identifiability`) as Markdown, with how to read it."""
    from trustsim.calibration.abc import IDENTIFIED, MIN_EFFECTIVE, NOT_IDENTIFIED

    rows = [
        [
            r["parameter"],
            r["shares"] or f"{_fmt(r['prior_low'])}–{_fmt(r['prior_high'])} (sd {_fmt(r['prior_sd'])})",
            "–" if r["shares"] else f"{_fmt(r['posterior_mean'])} ± {_fmt(r['posterior_sd'])}",
            "–" if r["shares"] else f"{_fmt(r['posterior_q025'])}–{_fmt(r['posterior_q975'])}",
            f"{r['sd_ratio']:.2f}",
            f"{r['width_ratio']:.2f}",
            r["verdict"],
        ]
        for _, r in table.iterrows()
    ]
    head = ["parameter", "prior (uniform)", "posterior mean ± sd", "95% interval", "sd ratio", "width ratio", "verdict"]
    return (
        md_table(head, rows)
        + f"\n\n*sd ratio* = posterior sd / prior sd; *width ratio* = width of the posterior's 95% interval / "
        f"the prior's. **Identified**: sd ratio < {IDENTIFIED:g}; **not identified** (the data leave it near "
        f"its prior): sd ratio ≥ {NOT_IDENTIFIED:g}; weakly identified in between; not judged when the "
        f"posterior's effective size is below {MIN_EFFECTIVE}. A parameter with levels: "
        "its row gives each level's posterior weight, and the sd ratio is (effective number of levels - 1) / "
        "(levels - 1)."
    )


def report_text(result: CalibrationResult, command: str, load: str) -> str:
    """The Markdown report."""
    c, post, check = result.calibration, result.posterior, result.check
    acc = post.accepted
    lines = [f"# Calibration: {c.name}", ""]
    if c.description:
        lines += [" ".join(c.description.split()), ""]
    fitted = sum(1 for t in c.targets.values() if not t.known_miss)
    lines += [_method_text(result, fitted), ""]
    lines += [
        f"Command: `{command}`. {result.runs} simulations, {result.seconds:.0f} s this session; {load}",
        "",
        "## Regime: the scenario values every run used",
        "",
        md_table(["key", "value", "set by"], [[k, v, by] for k, v, by in regime_rows(result)]),
        "",
    ]
    if post.generations is not None:
        lines += ["## Generations", "", generations_table(post.generations), "", f"Stopped: {post.stop}.", ""]
    lines += [
        "## Which parameters the data identify",
        "",
        identifiability_text(post.identifiability(c.parameters)),
        "",
        "## Accepted parameter sets (approximate posterior)",
        "",
    ]
    ranges = post.ranges()
    lines.append(
        md_table(
            ["parameter", "values run", "posterior mean ± sd", "2.5%–97.5%", "calibrated"],
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
    corr = post.correlations()
    if len(corr) > 1:
        lines += ["", f"Correlations over the {len(acc)} accepted sets (Pearson, weighted):", ""]
        values = corr.to_numpy()
        lines.append(
            md_table(["", *corr.columns], [[p, *[_fmt(float(v)) for v in values[i]]] for i, p in enumerate(corr.index)])
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


def posterior_summary(result: CalibrationResult) -> dict[str, Any]:
    """``posterior.json``: the method and its options, the regime, the generations, the identifiability
    table and the calibrated set (the same for the same file and seed: no times, no paths)."""
    from trustsim.calibration.abc import IDENTIFIED, MIN_EFFECTIVE, NOT_IDENTIFIED

    c, post = result.calibration, result.posterior

    def plain(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [{str(k): _json_value(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]

    acc = post.accepted
    return {
        "calibration": c.name,
        "method": post.method,
        "options": c.method.model_dump(),
        "seed": c.seed,
        "replicates": c.replicates,
        "steps": result.scenario.steps,
        "scenario": c.scenario,
        "overrides": {k: _json_value(v) for k, v in c.overrides.items()},
        "regime": {key: value for key, value, _ in regime_rows(result)},
        "regime_file": c.regime.model_dump(exclude_none=True),
        "parameters": {k: r.model_dump() for k, r in c.parameters.items()},
        "fitted": [k for k, t in c.targets.items() if not t.known_miss],
        "posterior_size": len(acc),
        "effective_size": _json_value(1.0 / float((acc["weight"] ** 2).sum())),
        "met_every_target": post.met,
        "generations": plain(post.generations) if post.generations is not None else [],
        "stop": post.stop,
        "identifiability": plain(post.identifiability(c.parameters)),
        "thresholds": {
            "identified_below": IDENTIFIED,
            "not_identified_from": NOT_IDENTIFIED,
            "min_effective_size": MIN_EFFECTIVE,
        },
        "calibrated": {k: _json_value(v) for k, v in post.best.items()},
    }


def _json_value(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and not math.isfinite(value) else value


def write_calibration(result: CalibrationResult, command: str, load: str) -> dict[str, Path]:
    """Write report.md, figures/, posterior.parquet, posterior.json, identifiability.csv, accepted.csv,
    ranges.csv, check.csv, calibrated.toml and (smc) generations.csv, each atomically."""
    out = result.folder
    c = result.calibration
    post = result.posterior
    names = (
        "report.md",
        "calibrated.toml",
        "posterior.parquet",
        "posterior.json",
        "identifiability.csv",
        "accepted.csv",
        "ranges.csv",
        "check.csv",
    )
    paths = {name: out / name for name in names}
    how = "ABC-SMC" if post.method == "smc" else "rejection ABC"
    header = (
        f"Calibrated by `trustsim calibrate {c.name}` ({how}; docs/calibration.md): the base\n"
        f"scenario {c.scenario!r} with the accepted parameter set nearest to the targets:\n"
        + "\n".join(f"  {k} = {v:.6g}" if isinstance(v, float) else f"  {k} = {v!r}" for k, v in post.best.items())
    )
    atomic_write_text(paths["calibrated.toml"], scenario_toml(result.scenario, header))
    accepted = post.accepted.reset_index(drop=True)
    atomic_write_parquet(paths["posterior.parquet"], accepted)
    atomic_write_json(paths["posterior.json"], posterior_summary(result))
    atomic_write_text(paths["identifiability.csv"], post.identifiability(c.parameters).to_csv(index=False))
    atomic_write_text(paths["accepted.csv"], accepted.to_csv(index=False))
    atomic_write_text(paths["ranges.csv"], post.ranges().to_csv(index=False))
    atomic_write_text(paths["check.csv"], result.check.to_csv(index=False))
    if post.generations is not None:
        paths["generations.csv"] = out / "generations.csv"
        atomic_write_text(paths["generations.csv"], post.generations.to_csv(index=False))
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
