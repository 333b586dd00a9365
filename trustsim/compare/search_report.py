"""Report of a policy search: best policies with CIs on fresh seeds, and the trade-off front.

Writes ``DIR/report.md`` and a self-contained ``DIR/report.html`` (same renderer as the
comparison report), ``DIR/trials.csv`` (every candidate), ``DIR/policies/*.toml`` (the
validated candidates, ready for ``trustsim compare``) and the full comparison report of the
validation in ``DIR/validation/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from trustsim.compare import figures
from trustsim.compare.report import Section, ci_text, render_html, render_markdown, write_report
from trustsim.compare.search import Search
from trustsim.compare.stats import LEVEL, MEASURE_BY_KEY, Measure, mean_ci, paired_difference
from trustsim.figtext import literal
from trustsim.io import atomic_write_bytes, atomic_write_text
from trustsim.policies import Policy, budget_cost, slugify
from trustsim.reporting import fixed

SHOWN = ("revenue", "nps", "customers")


def front_figure(search: Search) -> bytes:
    """Every candidate's search mean (revenue vs NPS), the front, and the validated 95% CIs."""
    plt = figures.pyplot()
    t = search.trials
    fig, ax = plt.subplots(figsize=(7.5, 5))
    ax.scatter(t["revenue"], t["nps"], s=18, color="#999999", label="candidate (search mean)")
    f = t[t["front"]].sort_values("revenue")
    ax.plot(f["revenue"], f["nps"], "-o", color="#0072B2", ms=5, lw=1.2, label="trade-off front")
    v = search.validation
    rev, nps = v.rankings["revenue"].set_index("policy"), v.rankings["nps"].set_index("policy")
    for k, p in enumerate(search.chosen):
        r, n = rev.loc[p.name], nps.loc[p.name]
        ax.errorbar(
            r["mean"],
            n["mean"],
            xerr=[[r["mean"] - r["lo"]], [r["hi"] - r["mean"]]],
            yerr=[[n["mean"] - n["lo"]], [n["hi"] - n["mean"]]],
            fmt="s",
            ms=6,
            capsize=3,
            color=figures.colour(k + 1),
            label=literal(f"{p.name} (fresh seeds, 95% CI)"),
        )
    ax.set_xlabel("revenue (total over the horizon)")
    ax.set_ylabel("NPS (final)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return figures.to_png(fig)


def _settings_text(p: Policy) -> str:
    s = p.settings
    return (
        f"{fixed(s['ad_budget'], 2)} on ads, over-delivery {fixed(s['over_delivery'], 3)}, care "
        f"{fixed(s['care'], 2)}, promise {fixed(s['promise'], 2)}"
    )


def objective_table(search: Search) -> pd.DataFrame:
    """The objective expression per validation replicate (rows) and policy (columns)."""
    from trustsim.compare.search import check_objective, objective_values

    v = search.validation
    values = v.values.copy()
    values["objective"] = objective_values(values, check_objective(search.objective))
    return values.pivot(index="replicate", columns="policy", values="objective")[[p.name for p in search.chosen]]


def search_headline(search: Search) -> str:
    """Plain sentences: the best policy found, what it does, how it compares to the current one."""
    v = search.validation
    current = search.chosen[-1].name
    cost = budget_cost(search.chosen[-1].resolved(search.scenario))
    if len(search.chosen) < 2:
        return f"No candidate of the search could be ranked on {search.objective!r}; see trials.csv."
    texts = []
    if search.objective == "both":
        tables = {key: (MEASURE_BY_KEY[key], v.table(key)) for key in ("revenue", "nps")}
    else:
        measure = MEASURE_BY_KEY.get(search.objective.strip())
        m = measure or Measure("objective", search.objective, "total", "{:,.4g}")
        tables = {search.objective: (m, objective_table(search))}
    for key, (m, table) in tables.items():
        means = table.mean()
        best = max(search.chosen[:-1], key=lambda p: means[p.name] if np.isfinite(means[p.name]) else -np.inf)
        mean, lo_b, hi_b = mean_ci(table[best.name].to_numpy(), bounds=m.bounds)
        diff, lo, hi, p = paired_difference(table[best.name].to_numpy(), table[current].to_numpy())
        verdict = "significantly" if np.isfinite(p) and p < 1 - LEVEL else "not significantly"
        what = {"nps": "highest NPS", "revenue": "most revenue"}.get(
            key, f"highest {m.name.lower()}" if m.key != "objective" else f"highest value of {key!r}"
        )
        tied = []
        if key in v.rankings:
            r = v.rankings[key].set_index("policy")
            if r["rank"].to_dict()[best.name] == 1:
                tied = [
                    str(name)
                    for name, t in r.iterrows()
                    if name not in (best.name, current) and t["rank"] > 1 and not bool(t["significant"])
                ]
        tie = f"; statistically tied with {', '.join(tied)}" if tied else ""
        texts.append(
            f"With {search.budget:g} budget units per step, the {what} on fresh seeds comes from "
            f"**{best.name}**: {_settings_text(best)} — {m.format(mean)} (95% CI {ci_text(m, lo_b, hi_b)}{tie}), "
            f"{m.format(diff)} against the current policy, which spends {cost:.2f} units (95% CI "
            f"{ci_text(m, lo, hi)}, paired): {verdict} {'better' if diff > 0 else 'worse'}."
        )
    return " ".join(texts)


def write_search_report(search: Search, out_dir: str | Path, command: str = "") -> dict[str, Path]:
    """Write the search report and its companions to `out_dir` (atomically); returns the paths."""
    out = Path(out_dir)
    paths: dict[str, Path] = {}
    paths["trials.csv"] = out / "trials.csv"
    atomic_write_text(paths["trials.csv"], search.trials.to_csv(index=False))
    for p in search.chosen[:-1]:
        lines = [f"name = {json.dumps(p.name)}", f"description = {json.dumps(p.description)}"]
        lines += [f"{k} = {v:.6g}" for k, v in p.settings.items()]
        target = out / "policies" / f"{slugify(p.name)}.toml"
        atomic_write_text(target, "# Found by trustsim optimize.\n" + "\n".join(lines) + "\n")
        paths[target.name] = target
    write_report(search.validation, out / "validation", command)
    figs = {"front.png": front_figure(search)}
    atomic_write_bytes(out / "figures" / "front.png", figs["front.png"])
    v = search.validation
    rows = []
    for p in search.chosen:
        row = [
            p.name,
            f"{budget_cost(p.resolved(search.scenario)):.2f}",
            *[
                f"{p.resolved(search.scenario)[k]:.3g}"
                for k in ("ad_budget", "over_delivery", "care", "promise", "banner_share")
            ],
        ]
        for key in SHOWN:
            m, r = MEASURE_BY_KEY[key], cast(pd.Series, v.rankings[key].set_index("policy").loc[p.name])
            mark = "best" if r["rank"] == 1 else ("lower*" if r["significant"] else "≈ best")
            row.append(f"{m.format(r['mean'])} ({ci_text(m, r['lo'], r['hi'])}) {mark}")
        rows.append(row)
    header = [
        "Policy",
        "Budget",
        "Ads",
        "Over-delivery",
        "Care",
        "Promise",
        "Banner share",
        *[f"{MEASURE_BY_KEY[k].label} (95% CI)" for k in SHOWN],
    ]
    front = search.front
    front_rows = [
        [
            str(int(r["trial"])),
            f"{fixed(r['ad_budget'], 2)}",
            f"{fixed(r['over_delivery'], 3)}",
            f"{fixed(r['care'], 2)}",
            f"{fixed(r['promise'], 2)}",
            f"{fixed(r['banner_share'], 2)}",
            f"{r['revenue']:,.0f}",
            f"{r['nps']:+.1f}",
        ]
        for _, r in front.iterrows()
    ]
    n_front = int(search.trials["front"].sum())
    parts = [
        Section(
            "Best policies, validated on fresh seeds",
            [
                f"The candidates below were played again on {v.replicates} fresh replicate seeds (common to all of "
                "them), so their confidence intervals are not flattered by the search. 'lower*' = significantly below "
                "the best (paired t-test, Holm); the last row is the scenario's own policy of our supplier."
            ],
            [(header, rows)],
        ),
        Section(
            "Trade-off front",
            [
                f"{len(search.trials)} candidates were evaluated with {search.replicates} common-seed replicates each; "
                f"{n_front} of them are on the front (no other candidate has both more revenue and a higher NPS)."
            ],
            [
                (
                    [
                        "Trial",
                        "Ads",
                        "Over-delivery",
                        "Care",
                        "Promise",
                        "Banner share",
                        "Revenue (search mean)",
                        "NPS (search mean)",
                    ],
                    front_rows,
                )
            ],
            "front.png",
            "Grey: every candidate's search mean; blue: the front; squares: validated 95% CIs.",
        ),
        Section(
            "Method",
            [
                f"Search space: a budget of B = {search.budget:g} units per step split between advertising (1 unit = "
                "ad budget 1), over-delivery (1 unit = +0.1) and care (1 unit = +0.2 above 0.6), the exchange rate of "
                "configs/ten_ambassadors.toml; care is capped at 1 and over-delivery at 1 - promise. The promise level "
                "(0.5-0.95) and the banner share of ads (0-1) are chosen too; other settings are the scenario's "
                "supplier defaults. Money is the model's (docs/outputs.md): revenue = customers x price, costs = "
                "serving customers (with over-delivery and care) + advertising + fixed costs, discounted profit = "
                "the cumulative discounted profit at the horizon. The budget units are the search's exchange rate, "
                "not money: what a policy really spends is in the validation report's cost breakdown.",
                f"Optimiser: Optuna's TPE sampler (objective: `{search.objective}`, the mean over the replicates "
                "of a safe expression over each run's measures; "
                f"{'multi-objective' if search.objective == 'both' else 'single objective'}), seeded, proposing "
                "candidates in batches; each batch is one sweep on the sweep engine with common random numbers. "
                f"Validation: the chosen candidates on fresh seeds (see validation/report.html for its full report). "
                "Every candidate is in trials.csv; the validated ones are in policies/*.toml for trustsim compare.",
                f"Reproduce: `{command}`" if command else "",
            ],
            [],
        ),
    ]
    title = f"Policy search: budget {search.budget:g} in {Path(v.scenario_label).name}"
    lead = [search_headline(search)]
    paths["report.md"] = out / "report.md"
    atomic_write_text(paths["report.md"], render_markdown(title, lead, parts, figs))
    paths["report.html"] = out / "report.html"
    atomic_write_text(paths["report.html"], render_html(title, lead, parts, figs))
    return paths
