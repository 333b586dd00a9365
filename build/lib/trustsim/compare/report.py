"""The comparison report: ``report.md`` (figures beside it) and a self-contained ``report.html``.

The report opens with one plain sentence a strategist can repeat ("Under this market, policy
X wins on revenue by N% (95% CI ...) because ..."), then the ranking table with confidence
intervals and significance, the time course of each measure, where customers came from and
where they went, how robust the ranking is across the uncertain parameters, and the method.
The HTML page embeds its figures as data URLs and loads nothing else: it opens offline.
"""

from __future__ import annotations

import base64
import html
import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from trustsim.compare import figures
from trustsim.compare.run import Comparison
from trustsim.compare.stats import LEVEL, MEASURES
from trustsim.io import atomic_write_bytes, atomic_write_text
from trustsim.policies import budget_cost


@dataclass
class Section:
    """One part of the report: a title, paragraphs, tables (header + rows) and a figure."""

    title: str
    paragraphs: list[str]
    tables: list[tuple[list[str], list[list[str]]]]
    figure: str = ""  # file name under figures/
    caption: str = ""


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:+.1%}".replace("+-", "-")


def ci_text(m, lo: float, hi: float) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "n/a"
    return f"{m.format(lo)} to {m.format(hi)}"


# --- plain language --------------------------------------------------------------------


def _reasons(cmp: Comparison, winner: str, runner: str) -> str:
    """Why the winner earns more: the channels and losses that separate it from the runner-up."""
    flows = figures.flows_table(cmp)
    w, r = flows.loc[winner], flows.loc[runner]
    gains = sorted(((w[c] - r[c], c) for c in ("recommendations", "reviews", "ads") if w[c] - r[c] > 0.5),
                   reverse=True)
    parts = []
    if gains:
        won = f"won {gains[0][0]:,.0f} more customers through {gains[0][1]}"
        if len(gains) > 1 and (r["lost"] - w["lost"]) < gains[1][0]:
            won += f" and {gains[1][0]:,.0f} more through {gains[1][1]}"
        parts.append((gains[0][0], won))
    lost = r["lost"] - w["lost"]
    if lost > 0.5:
        parts.append((lost, f"lost {lost:,.0f} fewer to competitors"))
    parts.sort(key=lambda t: -t[0])
    price_w = _setting(cmp, winner, "price")
    price_r = _setting(cmp, runner, "price")
    text = " and ".join(p for _, p in parts[:2])
    if price_w > price_r:
        extra = f"charges {price_w:g} per customer per step against {price_r:g}"
        text = f"{text}, and {extra}" if text else extra
    if not text:
        return "for reasons this comparison does not separate (see the flows below)"
    return f"because it {text} (means per run over {cmp.steps} steps)"


def _setting(cmp: Comparison, name: str, key: str) -> float:
    policy = next(p for p in cmp.policies if p.name == name)
    return float(policy.resolved(cmp.scenario)[key])


def headline(cmp: Comparison) -> str:
    """The plain sentence at the top of the report (revenue), in Markdown."""
    r = cmp.rankings["revenue"]
    market = f"Under this market ({cmp.scenario_label}, {cmp.replicates} replicates of {cmp.steps} steps)"
    best = r.iloc[0]
    if len(r) == 1:
        m = MEASURES[0]
        ci = ci_text(m, best["lo"], best["hi"])
        return f"{market}, **{best['policy']}** earns a revenue of {m.format(best['mean'])} (95% CI {ci})."
    runner = r.iloc[1]
    base = abs(runner["mean"]) if runner["mean"] else np.nan
    lead, lo, hi = -runner["diff"] / base, -runner["diff_hi"] / base, -runner["diff_lo"] / base
    why = _reasons(cmp, best["policy"], runner["policy"])
    if runner["significant"]:
        return (f"{market}, policy **{best['policy']}** wins on revenue by {lead:.1%} over {runner['policy']} "
                f"(95% CI {lo:.1%} to {hi:.1%}) {why}.")
    return (f"{market}, **{best['policy']}** earns the most revenue, {lead:.1%} more than {runner['policy']} "
            f"(95% CI {lo:.1%} to {hi:.1%}), but the difference is **not significant**: with these replicates "
            f"the two cannot be told apart (run more with --replicates). It {why.removeprefix('because it ')}.")


def other_leaders(cmp: Comparison) -> str:
    """One sentence on who leads on each of the other measures."""
    parts = []
    for m in MEASURES[1:]:
        r = cmp.rankings[m.key]
        best = r.iloc[0]
        sure = "" if len(r) == 1 else (
            " (significantly ahead)" if r.iloc[1]["significant"] else f" (tied with {r.iloc[1]['policy']})")
        parts.append(f"{m.label.split(' (')[0]} — **{best['policy']}**, {m.format(best['mean'])}{sure}")
    return "Leaders on the other measures: " + "; ".join(parts) + "."


def robustness_summary(cmp: Comparison) -> str:
    """How often the overall revenue winner also wins in the cells of the robustness grid."""
    if cmp.robustness is None:
        return "No robustness sweep was run (--vary none)."
    w = figures.robustness_winners(cmp, "revenue")
    top = cmp.rankings["revenue"]["policy"].iloc[0]
    wins = int((w["winner"] == top).sum())
    counts = w["winner"].value_counts()
    others = ", ".join(f"{name} in {n}" for name, n in counts.items() if name != top)
    text = (f"Across {len(w)} combinations of {', '.join(cmp.vary)}, **{top}** wins on revenue in {wins} of "
            f"{len(w)}")
    text += f"; {others}" if others else ""
    if "tau" in w and np.isfinite(w["tau"]).any():
        text += (f"; the whole revenue ranking keeps its order on average at Kendall τ = {np.nanmean(w['tau']):.2f} "
                 f"(lowest {np.nanmin(w['tau']):.2f}; 1 = the same order everywhere)")
    return text + "."


# --- sections ----------------------------------------------------------------------------


def _ranking_section(cmp: Comparison) -> Section:
    order = list(cmp.rankings["revenue"]["policy"])
    header = ["Policy", "Budget"] + [f"{m.label} (95% CI)" for m in MEASURES]
    rows = []
    for name in order:
        policy = next(p for p in cmp.policies if p.name == name)
        row = [name, f"{budget_cost(policy.resolved(cmp.scenario)):.2f}"]
        for m in MEASURES:
            r = cmp.rankings[m.key].set_index("policy").loc[name]
            mark = "best" if r["rank"] == 1 else ("lower*" if r["significant"] else "≈ best")
            row.append(f"{m.format(r['mean'])} ({ci_text(m, r['lo'], r['hi'])}) {mark}")
        rows.append(row)
    tables = [(header, rows)]
    for m in MEASURES:
        detail = []
        for _, r in cmp.rankings[m.key].iterrows():
            if r["rank"] == 1:
                detail.append([str(r["rank"]), r["policy"], m.format(r["mean"]), "—", "—", "—", "best"])
                continue
            diff = f"{m.format(r['diff'])} ({ci_text(m, r['diff_lo'], r['diff_hi'])})"
            rel = _pct(r["rel"]) if m.key != "nps" else "—"  # NPS is a difference of shares already
            detail.append([str(r["rank"]), r["policy"], m.format(r["mean"]), diff, rel,
                           f"{r['p_holm']:.3g}" if np.isfinite(r["p_holm"]) else "n/a",
                           "yes" if r["significant"] else "no"])
        tables.append(([f"{m.label}: rank", "Policy", "Mean", "Difference to best (95% CI)", "Relative",
                        "p (Holm)", "Significantly lower?"], detail))
    return Section(
        "Ranking",
        [f"Ordered by revenue. Each cell: mean over {cmp.replicates} replicates (95% confidence interval); "
         "'best' = highest mean, 'lower*' = significantly below the best (paired t-test over replicates, "
         f"Holm-adjusted, {1 - LEVEL:.0%} level), '≈ best' = not distinguishable from the best. "
         "Budget = units per step spent on ads, over-delivery and care (see Method)."],
        tables, "ranking.png", "Means and 95% CIs; hollow markers are significantly below the best.",
    )


def _flows_section(cmp: Comparison) -> Section:
    t = figures.flows_table(cmp)
    header = ["Policy", *[c if c.startswith("to ") else f"won via {c}" if c != "lost" else "lost (total)"
                          for c in t.columns], "net"]
    rows = []
    for name, r in t.iterrows():
        net = r["ads"] + r["reviews"] + r["recommendations"] - r["lost"]
        rows.append([name, *[f"{v:,.1f}" for v in r.to_numpy()], f"{net:+,.1f}"])
    return Section(
        "Where customers came from and where they went",
        [f"Mean per run over {cmp.steps} steps, for our supplier (supplier {cmp.as_index}, "
         f"'{cmp.supplier_names[cmp.as_index]}' in the scenario). Customers leave a supplier only by switching "
         "to a competitor they trust more; 'to X' counts them by destination. Customers won include those who "
         "switched to us from a competitor, by the channel through which they first heard of us; won minus lost "
         "is the change in customers."],
        [(header, rows)], "flows.png", "Right: customers won per channel; left: customers lost, by competitor.",
    )


def _robustness_section(cmp: Comparison) -> Section:
    if cmp.robustness is None:
        return Section("Robustness", [robustness_summary(cmp)], [])
    tables = []
    for measure in ("revenue", "nps"):
        w = figures.robustness_winners(cmp, measure)
        rows = []
        for _, r in w.iterrows():
            rows.append([*[str(r[k]) for k in cmp.vary], r["winner"], r.get("runner_up", "—"),
                         figures.lead_text(r, measure) or "n/a",
                         "yes" if r.get("significant", False) else "no",
                         f"{r['tau']:+.2f}" if np.isfinite(r.get("tau", np.nan)) else "n/a"])
        tables.append(([*cmp.vary, f"Winner ({measure})", "Runner-up", "Lead", "Significant?",
                        "Same order as overall (Kendall τ)"], rows))
    return Section(
        "Robustness across the uncertain parameters",
        [robustness_summary(cmp),
         f"Every policy was played in every combination of the values below, {cmp.robust_replicates} replicates "
         "each, on common seeds. Lead = winner over runner-up (revenue: as a share of the runner-up's mean; NPS: "
         "in points); bold in the figure = significant (paired t-test, Holm); Kendall τ compares the cell's order "
         "of all policies with the order in the main comparison."],
        tables, "robustness.png",
        "Winner per combination of the varied parameters.",
    )


def _method_section(cmp: Comparison, command: str) -> Section:
    defaults = cmp.scenario.supplier_defaults.model_dump()
    rows = []
    for p in cmp.policies:
        resolved = p.resolved(cmp.scenario)
        changed = ", ".join(f"{k} {v:g}" for k, v in resolved.items() if v != defaults.get(k))
        rows.append([p.name, p.description or "—", changed or "(the market's default supplier)",
                     f"{budget_cost(resolved):.2f}"])
    competitors = ", ".join(n for j, n in enumerate(cmp.supplier_names) if j != cmp.as_index) or "none"
    return Section(
        "Method",
        [f"Each policy is played by supplier {cmp.as_index} ('{cmp.supplier_names[cmp.as_index]}') of the "
         f"scenario against its competitors ({competitors}); fields a policy does not set take the scenario's "
         "[supplier_defaults]. Common random numbers: replicate r of every policy runs on the same seed "
         f"(derived from seed {cmp.seed}), so differences come from the policies, not from luck. Confidence "
         "intervals are t-intervals over replicates; differences to the best are paired over replicates and "
         "tested with a paired t-test, Holm-adjusted over the policies compared.",
         "Revenue is summed over the horizon (customers × price each step); the other measures are taken at "
         "the last step (NPS over current customers, trust = mean trust of current and former customers).",
         "Budget (units per step) = ad_budget + over_delivery / 0.1 + max(0, care − 0.6) / 0.2, the exchange "
         "rate of configs/ten_ambassadors.toml; the model itself has no costs (revenue = customers × price).",
         (f"Note: this scenario lets suppliers imitate more successful rivals (imitation.rate = "
          f"{cmp.scenario.imitation.rate:g}), so a policy is where our supplier starts, not where it ends."
          if cmp.scenario.imitation.rate > 0 else ""),
         f"Reproduce: `{command}`" if command else ""],
        [(["Policy", "Description", "Settings (differing from the market's default supplier)", "Budget"], rows)],
    )


def sections(cmp: Comparison, command: str = "") -> list[Section]:
    """The report's sections after the headline."""
    return [
        _ranking_section(cmp),
        Section("Over time", ["Our supplier's measures per step: mean over replicates with a 95% band."], [],
                "timecourse.png", "Time course of each measure, per policy."),
        _flows_section(cmp),
        _robustness_section(cmp),
        _method_section(cmp, command),
    ]


# --- rendering ---------------------------------------------------------------------------


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    def esc(s: str) -> str:
        return str(s).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(title: str, lead: list[str], parts: list[Section], figs: dict[str, bytes]) -> str:
    """The Markdown report; figures are referenced as ``figures/<name>``."""
    out = [f"# {title}", "", *[p + "\n" for p in lead]]
    for s in parts:
        out += [f"## {s.title}", ""]
        out += [p + "\n" for p in s.paragraphs if p]
        if s.figure and s.figure in figs:
            out += [f"![{s.caption}](figures/{s.figure})", ""]
        for header, rows in s.tables:
            out += [_md_table(header, rows), ""]
    return "\n".join(out).rstrip() + "\n"


def _inline_md(text: str) -> str:
    """Escape, then turn **bold** and `code` into HTML."""
    import re

    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.lead{font-size:1.15em;background:#f3f7fb;border-left:4px solid #0072B2;padding:.8em 1em}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0}tr:nth-child(even) td{background:#fafafa}
figure{margin:1em 0}figure img{max-width:100%;height:auto}figcaption{font-size:.85em;color:#555}
code{background:#f3f3f3;padding:0 .2em}
"""


def render_html(title: str, lead: list[str], parts: list[Section], figs: dict[str, bytes]) -> str:
    """A self-contained HTML page: inline CSS, figures as data URLs, no scripts, no requests."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    body += [f'<p class="lead">{_inline_md(lead[0])}</p>', *[f"<p>{_inline_md(p)}</p>" for p in lead[1:]]]
    for s in parts:
        body.append(f"<h2>{html.escape(s.title)}</h2>")
        body += [f"<p>{_inline_md(p)}</p>" for p in s.paragraphs if p]
        if s.figure and s.figure in figs:
            data = base64.b64encode(figs[s.figure]).decode("ascii")
            body.append(f'<figure><img alt="{html.escape(s.caption)}" src="data:image/png;base64,{data}">'
                        f"<figcaption>{html.escape(s.caption)}</figcaption></figure>")
        for header, rows in s.tables:
            head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
            cells = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                            for row in rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def make_figures(cmp: Comparison) -> dict[str, bytes]:
    """Every figure of the report, by file name."""
    figs = {
        "ranking.png": figures.ranking_figure(cmp),
        "timecourse.png": figures.timecourse_figure(cmp),
        "flows.png": figures.flows_figure(cmp),
    }
    robust = figures.robustness_figure(cmp)
    if robust is not None:
        figs["robustness.png"] = robust
    return figs


def write_report(cmp: Comparison, out_dir: str | Path, command: str | list[str] = "") -> dict[str, Path]:
    """Write report.md, report.html, figures/*.png and ranking.csv to `out_dir`, each atomically.

    Args:
        cmp: the comparison.
        out_dir: the folder (usually the comparison's own).
        command: the command line that reproduces it (shown in the Method section).

    Returns:
        The paths written, by name.
    """
    out = Path(out_dir)
    if isinstance(command, list):
        command = shlex.join(command)
    figs = make_figures(cmp)
    title = f"What if: {len(cmp.policies)} policies in {Path(cmp.scenario_label).name}"
    lead = [headline(cmp), other_leaders(cmp), robustness_summary(cmp)]
    parts = sections(cmp, command)
    paths = {}
    for name, data in figs.items():
        paths[name] = out / "figures" / name
        atomic_write_bytes(paths[name], data)
    ranking = pd.concat([r.assign(measure=k) for k, r in cmp.rankings.items()], ignore_index=True)
    paths["ranking.csv"] = out / "ranking.csv"
    atomic_write_text(paths["ranking.csv"], ranking.to_csv(index=False))
    paths["report.md"] = out / "report.md"
    atomic_write_text(paths["report.md"], render_markdown(title, lead, parts, figs))
    paths["report.html"] = out / "report.html"
    atomic_write_text(paths["report.html"], render_html(title, lead, parts, figs))
    return paths
