"""The comparison report: ``report.md`` (figures beside it), a self-contained ``report.html``, ``report.pdf``.

Page one is an executive summary a manager can act on: the market in plain words (generated
from the scenario), a conditional recommendation ("choose X if you look further than period P
or value NPS; Y otherwise"), the net flows of customers behind it (all of them, not the
favourable ones), warnings where the evidence is thin, and the limitations. Percentages are of
the leader's mean everywhere. Money heads the report when the model has it (profit, ROI,
cumulative discounted profit); without costs in the model the report ranks by revenue and says
so. Then: the ranking with confidence intervals, the horizon (who leads at which horizon, when
the ranking changes, whether the margin has settled), the time course, where customers came
from and went, robustness (only significant cells count as wins) and the method.
"""

from __future__ import annotations

import math
import shlex
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from trustsim.compare import figures, horizon
from trustsim.compare.run import Comparison, scenario_value
from trustsim.compare.stats import LEVEL, MEASURE_BY_KEY, Measure
from trustsim.io import atomic_write_bytes, atomic_write_text
from trustsim.policies import budget_cost
from trustsim.reporting import Section, pct, render_html, render_markdown

__all__ = ["Section", "ci_text", "headline", "render_html", "render_markdown", "write_report"]

MIN_REPLICATES = 10
"""Below this many replicates per policy the report warns that its intervals rest on few runs."""


def ci_text(m: Measure, lo: float, hi: float) -> str:
    """'lo to hi' in the measure's format, or 'n/a'."""
    from trustsim.reporting import ci_text as interval

    return interval(lo, hi, m.fmt)


# --- time and truth ----------------------------------------------------------------------------

WEEKS_PER_YEAR = 52
"""A step of the model is a week (docs/ODD.md: rates per week; the discount rate 0.001 is about 5% a year)."""


def weeks(n: float) -> str:
    """A span of steps in weeks, with years when it is a year or more.

    >>> weeks(260), weeks(20), weeks(78)
    ('260 weeks (5 years)', '20 weeks', '78 weeks (1.5 years)')
    """
    text = f"{n:,.0f} week{'s' if round(n) != 1 else ''}"
    if n >= WEEKS_PER_YEAR:
        years = n / WEEKS_PER_YEAR
        text += f" ({years:.1f}".rstrip("0").rstrip(".") + f" year{'s' if years != 1 else ''})"
    return text


def week(n: float) -> str:
    """A moment in weeks, with the year when past the first ('week 90, in year 2').

    >>> week(90), week(30)
    ('week 90 (year 2)', 'week 30')
    """
    text = f"week {n:,.0f}"
    return text + f" (year {int((n - 1) // WEEKS_PER_YEAR) + 1})" if n > WEEKS_PER_YEAR else text


def yes(value: object) -> bool:
    """A yes/no cell of a table (numpy bool, NaN when undefined) as a Python bool: NaN is no."""
    try:
        return bool(value) and not (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):
        return False


# --- names: us and them ---------------------------------------------------------------------


def rivals(cmp: Comparison) -> dict[int, str]:
    """Competitors by supplier index, labelled 'rival <name>' (never confused with our policies)."""
    return {j: f"rival {n}" for j, n in enumerate(cmp.supplier_names) if j != cmp.as_index}


def ours(cmp: Comparison, name: str) -> str:
    """A policy as we play it: '<name> (us)' when a competitor has the same name."""
    return cmp.label(name)


def what(m: Measure) -> str:
    """The measure's name inside a sentence ('revenue', 'NPS', 'ROI')."""
    return m.name if m.key in ("nps", "roi") else m.name.lower()


# --- the market in plain words ----------------------------------------------------------------

NETWORKS = {
    "well_mixed": "everyone can talk to everyone (no network structure)",
    "erdos_renyi": "a random social network",
    "small_world": "a small-world social network (close circles with a few long ties)",
    "scale_free": "a scale-free social network (a few people with very many ties)",
    "edge_list": "a social network read from a file",
}


def market_description(cmp: Comparison) -> str:
    """The scenario in plain words: who is in the market, how word travels, what happens to it."""
    sc = cmp.scenario
    m = sc.market
    rival_text = ", ".join(f"{n}" for n in rivals(cmp).values()) or "no competitors"
    parts = [
        f"The market ({Path(cmp.scenario_label).name}): {m.customers:,} potential customers and "
        f"{m.suppliers} suppliers — ours and {m.suppliers - 1} competitor(s) ({rival_text}) with fixed policies",
        f"{m.initial_customers:.0%} of people already buy somewhere at the start"
        if m.initial_customers
        else "nobody buys yet at the start",
        f"word of mouth travels over {NETWORKS.get(sc.network.kind, sc.network.kind).split(' (')[0]}"
        + (f" with about {sc.network.mean_degree:g} ties a person" if sc.network.kind != "well_mixed" else ""),
        f"a unit of ad budget reaches {sc.advertising.reach:.1%} of people a week and an enthusiastic customer "
        f"recommends about {sc.wom.rate:.2g} times a week",
        f"a broken promise weighs {sc.trust.loss_multiplier:g} times a kept one",
    ]
    if m.turnover:
        parts.append(f"{m.turnover:.1%} of people leave each week and are replaced by newcomers (an open market)")
    else:
        parts.append("nobody leaves the market (growth comes from newcomers to buying, then only from rivals)")
    for shock in sc.shocks:
        who = "every supplier" if shock.supplier == "all" else f"supplier {shock.supplier}"
        parts.append(f"a scandal hits {who} in {week(shock.step)}")
    if sc.imitation.rate > 0:
        parts.append("suppliers copy more successful rivals, so policies drift")
    return "; ".join(parts) + f". Each policy is played {cmp.replicates} times for {weeks(cmp.steps)}."


# --- plain language ------------------------------------------------------------------------------


def _row(cmp: Comparison, key: str, name: str) -> pd.Series:
    return cast(pd.Series, cmp.rankings[key].set_index("policy").loc[name])  # one row per policy


def lead_sentence(cmp: Comparison, m: Measure, winner: str, runner: str) -> str:
    """The leader's lead over the runner-up in words, right when money is lost.

    A share of the leader's mean ("the runner-up has 12% less") only when both means are
    positive; when either loses money the lead is stated in money ("loses 3,100 less"), since a
    percentage of a negative base reads backwards.
    """
    w, r = _row(cmp, m.key, winner), _row(cmp, m.key, runner)
    ci = f"95% CI {ci_text(m, -r['diff_hi'], -r['diff_lo'])}"
    if m.relative and np.isfinite(r["rel"]) and w["mean"] > 0 and r["mean"] > 0:
        return (
            f"{ours(cmp, runner)}, the runner-up, has {-r['rel']:.1%} less (95% CI {-r['rel_hi']:.1%} to "
            f"{-r['rel_lo']:.1%}, as a share of the leader's {m.format(w['mean'])})"
        )
    lead = m.format(-r["diff"]).lstrip("+")
    if m.key in ("profit", "discounted_profit") and w["mean"] < 0:
        return (
            f"every policy loses money; it loses {lead} less than {ours(cmp, runner)} "
            f"({m.format(-w['mean'])} against {m.format(-r['mean'])} lost; {ci})"
        )
    if m.key in ("profit", "discounted_profit") and r["mean"] < 0:
        return (
            f"it makes {m.format(w['mean'])} while {ours(cmp, runner)}, the runner-up, loses "
            f"{m.format(-r['mean'])}: a lead of {lead} ({ci})"
        )
    return f"a lead of {lead} over {ours(cmp, runner)} ({ci})"


def net_flows(cmp: Comparison, winner: str, runner: str) -> str:
    """Every flow of customers that separates the winner from the runner-up, and their net."""
    t = figures.flows_table(cmp)
    w, r = cast(pd.Series, t.loc[winner]), cast(pd.Series, t.loc[runner])  # one row per policy
    parts = []
    for channel in ("ads", "reviews", "recommendations"):
        d = w[channel] - r[channel]
        parts.append(f"{abs(d):,.0f} {'more' if d >= 0 else 'fewer'} customers through {channel}")
    lost = w["lost"] - r["lost"]
    parts.append(f"lost {abs(lost):,.0f} {'more' if lost >= 0 else 'fewer'} to rivals")
    net = sum(w[c] - r[c] for c in ("ads", "reviews", "recommendations")) - lost
    text = (
        f"Against {ours(cmp, runner)}, {ours(cmp, winner)} won " + ", ".join(parts[:3]) + f" and {parts[3]}: "
        f"net {net:+,.0f} customers (means per run over {weeks(cmp.steps)})"
    )
    price_w, price_r = _setting(cmp, winner, "price"), _setting(cmp, runner, "price")
    if price_w != price_r:
        text += f"; it charges {price_w:g} per customer per week against {price_r:g}"
    later = cmp.series[cmp.series["step"] > 0]
    held = later.groupby("policy")["customers"].mean()
    gap = held[winner] - held[runner]
    text += f"; it had {abs(gap):,.0f} {'more' if gap >= 0 else 'fewer'} customers in an average week"
    if cmp.has_money:
        money = later.groupby("policy")[["revenue", "costs"]].sum() / cmp.replicates  # weeks 1..T, as the headline
        revenue, costs = money["revenue"], money["costs"]
        dr = revenue[winner] - revenue[runner]
        dc = costs[winner] - costs[runner]
        text += f"; revenue {dr:+,.0f} and costs {dc:+,.0f} per run"
    return text + "."


def _setting(cmp: Comparison, name: str, key: str) -> float:
    policy = next(p for p in cmp.policies if p.name == name)
    return float(policy.resolved(cmp.scenario)[key])


def headline(cmp: Comparison) -> str:
    """The plain sentence at the top of the report, in Markdown, on the headline measure."""
    m = cmp.headline
    r = cmp.rankings[m.key]
    market = f"Under this market ({cmp.scenario_label}, {cmp.replicates} replicates of {weeks(cmp.steps)})"
    best = r.iloc[0]
    label = what(m)
    if len(r) == 1:
        return (
            f"{market}, **{ours(cmp, best['policy'])}** has a {label} of {m.format(best['mean'])} "
            f"(95% CI {ci_text(m, best['lo'], best['hi'])})."
        )
    runner = r.iloc[1]
    size = lead_sentence(cmp, m, best["policy"], runner["policy"])
    if yes(runner["significant"]):
        return f"{market}, **{ours(cmp, best['policy'])}** leads on {label}: {size}; the lead is significant."
    return (
        f"{market}, **{ours(cmp, best['policy'])}** has the highest {label}, but the lead is **not "
        f"significant**: {size}; with these replicates the two cannot be told apart (run more with --replicates)."
    )


def _value_leaders(cmp: Comparison, winner: str) -> list[tuple[Measure, str]]:
    """Measures (customers, NPS) on which another policy is significantly ahead of the headline winner."""
    out = []
    for key in ("nps", "customers"):
        r = cmp.rankings[key]
        leader = r["policy"].iloc[0]
        if leader != winner and len(r) > 1 and bool(_row(cmp, key, winner)["significant"]):
            out.append((MEASURE_BY_KEY[key], leader))
    return out


def recommendation(cmp: Comparison) -> str:
    """The decision in one sentence with its conditions: which policy, from which week, for which values,
    and the money assumption under which it changes."""
    m = cmp.headline
    names = [p.name for p in cmp.policies]
    if len(names) == 1:
        return f"Only one policy was compared ({ours(cmp, names[0])}); there is nothing to choose between."
    label = what(m)
    table = horizon.horizon_table(cmp.series, m, names)
    final = table.iloc[-1]
    winner, runner = final["leader"], final["runner_up"]
    early = table[table["leader"] != winner]
    parts = []
    if not yes(final["significant"]):
        parts.append(
            f"On {label} **{ours(cmp, winner)}** and **{ours(cmp, runner)}** cannot be told apart after "
            f"{weeks(cmp.steps)}; choose between them on the other measures below"
        )
    elif len(early):
        other = early["leader"].iloc[-1]
        c = horizon.crossover(cmp.series, m, names, winner, other)
        when = crossover_text(c, early)
        parts.append(
            f"Choose **{ours(cmp, winner)}** if you look further than {when}: from then on it leads on "
            f"{label}; **{ours(cmp, other)}** leads before that"
        )
    else:
        parts.append(
            f"Choose **{ours(cmp, winner)}** on {label}: it leads at every horizon checked "
            f"({', '.join(str(h) for h in table['horizon'])} weeks)"
        )
    for vm, leader in _value_leaders(cmp, winner):
        value = "NPS (customers who recommend you)" if vm.key == "nps" else f"{vm.name.lower()} at the end"
        parts.append(f"choose **{ours(cmp, leader)}** instead if you value {value} more than {label}")
    text = "; ".join(parts) + "."
    conditions = money_conditions(cmp)
    if conditions is not None:
        flips = conditions[conditions["leader"] != winner]
        if len(flips):
            changes = "; ".join(
                f"{r['key']} {r['value']:g} (not {r['base']:g}): **{ours(cmp, r['leader'])}**"
                + (" (significant)" if r["significant"] and not flips["significant"].all() else "")
                for _, r in flips.iterrows()
            )
            sure = (
                "significantly"
                if flips["significant"].all()
                else ("not significantly" if not flips["significant"].any() else "in some cases significantly")
            )
            text += f" The leader on {label} changes ({sure}) with the cost assumptions: {changes}."
        else:
            moved = ", ".join(dict.fromkeys(conditions["key"]))
            text += f" It holds with each cost assumption ({moved}) from half to twice its value."
    move = horizon.still_moving(cmp.series, m, names, winner, runner) if yes(final["significant"]) else None
    if move is not None and move.moving and move.catch_up is not None:
        text += (
            f" Caution: {ours(cmp, runner)} is catching up; at the current rate it would draw level around "
            f"{week(move.catch_up)}, so look again with a longer --horizon if yours is that long."
        )
    return text


def money_conditions(cmp: Comparison) -> pd.DataFrame | None:
    """Per money cell of the robustness sweep: the assumption moved, its value and the scenario's, and the
    leader on the headline measure with whether its lead is significant (None without money cells)."""
    if cmp.robustness is None or "kind" not in cmp.robustness or not cmp.money_vary:
        return None
    money = cmp.robustness[cmp.robustness["kind"] == "money"]
    if money.empty:
        return None
    w = figures.robustness_winners(cmp, cmp.headline.key, money)
    rows = []
    for _, r in w.iterrows():
        for key in cmp.money_vary:
            base = float(scenario_value(cmp.scenario, key))
            if float(r[key]) != base:
                rows.append(
                    {
                        "key": key,
                        "value": float(r[key]),
                        "base": base,
                        "leader": r["winner"],
                        "significant": yes(r.get("significant", False)),
                        "lead": figures.lead_text(r, cmp.headline.key),
                    }
                )
    return pd.DataFrame(rows, columns=["key", "value", "base", "leader", "significant", "lead"])


def crossover_text(c: horizon.Crossover, early: pd.DataFrame) -> str:
    """'week P (95% CI lo to hi, n = k replicates)', or the horizon table's week when no replicate crossed."""
    if not np.isfinite(c.mean):
        return week(int(early["horizon"].iloc[-1]))
    if not np.isfinite(c.lo):
        return f"{week(c.mean)} (n = {c.n} replicate)"
    if c.lo == c.hi:
        return f"{week(c.mean)} (in each of the {c.n} replicates in which it ends ahead)"
    return f"{week(c.mean)} (95% CI {c.lo:.0f} to {c.hi:.0f}, n = {c.n} replicates)"


def replicate_warnings(cmp: Comparison) -> list[str]:
    """Warnings where the sign of the lead can still change: too few replicates to tell the leaders
    apart, or robustness cells too small to call."""
    out = []
    m = cmp.headline
    r = cmp.rankings[m.key]
    settled = len(r) < 2 or yes(r.iloc[1]["significant"])
    if cmp.replicates < MIN_REPLICATES and not settled:
        out.append(
            f"Only {cmp.replicates} replicates per policy: use at least {MIN_REPLICATES} (--replicates) before "
            "acting on a close call."
        )
    if not settled:
        table = cmp.table(m.key)
        d = (table[r["policy"].iloc[0]] - table[r["policy"].iloc[1]]).dropna()
        if len(d) > 1 and d.mean() != 0 and d.std(ddof=1) > 0:
            need = math.ceil((2.0 * d.std(ddof=1) / abs(d.mean())) ** 2)
            out.append(
                f"A lead of this size on {m.name.lower()} would need about {max(need, cmp.replicates + 1)} "
                "replicates to show."
            )
    grid = cmp.grid()
    if grid is not None and cmp.robust_replicates < 5:
        w = figures.robustness_winners(cmp, m.key)
        if "significant" in w and not w["significant"].fillna(False).astype(bool).all():
            out.append(
                f"Robustness cells have {cmp.robust_replicates} replicates each: a cell that is not significant "
                "is a tie (--robust-replicates)."
            )
    return out


def limitations(cmp: Comparison) -> str:
    """What the report cannot tell, in one paragraph."""
    text = (
        "Limitations: this is a simulation of one market, not a forecast. Competitors keep their policies "
        f"(they do not respond to ours{'' if cmp.scenario.imitation.rate == 0 else ', apart from imitation'}), "
        "customers follow the model's rules of trust, word of mouth and switching (docs/ODD.md), and money is "
        f"in units of the price of a week's service, over {weeks(cmp.steps)}. "
    )
    if cmp.has_money:
        text += "Profit rests on the cost assumptions in the table above (docs/config.md). "
    else:
        text += (
            "The model has no costs yet, so this report ranks by revenue (customers × price) and customers, "
            "not by profit: a policy that spends more is not charged for it here (the budget column "
            "shows what each spends). "
        )
    if cmp.robustness is not None:
        varied = [*cmp.vary, *cmp.money_vary]
        text += f"Robustness was checked over {', '.join(varied)} only; other parameters are as in the scenario."
    else:
        text += "No robustness sweep was run: the ranking is for this scenario's parameters only."
    return text


def other_leaders(cmp: Comparison) -> str:
    """One sentence on who leads on each of the other measures."""
    parts = []
    for m in cmp.measures[1:]:
        r = cmp.rankings[m.key]
        best = r.iloc[0]
        sure = (
            ""
            if len(r) == 1
            else (
                " (significantly ahead)"
                if r.iloc[1]["significant"]
                else f" (tied with {ours(cmp, r.iloc[1]['policy'])})"
            )
        )
        parts.append(f"{m.name} — **{ours(cmp, best['policy'])}**, {m.format(best['mean'])}{sure}")
    return "Leaders on the other measures: " + "; ".join(parts) + "."


def robustness_summary(cmp: Comparison, measure: str | None = None, short: bool = False) -> str:
    """How often the overall winner is *significantly* ahead in the cells of the robustness grid."""
    if cmp.robustness is None or not cmp.vary:
        return "No robustness grid was run (--no-robustness)." if cmp.robustness is None else ""
    m = MEASURE_BY_KEY[measure or cmp.headline.key]
    w = figures.robustness_winners(cmp, m.key)
    top = cmp.rankings[m.key]["policy"].iloc[0]
    sig = w["significant"].map(yes) if "significant" in w else pd.Series(False, index=w.index)
    wins = int(((w["winner"] == top) & sig).sum())
    others = w[(w["winner"] != top) & sig]["winner"].value_counts()
    ties = int((~sig).sum())
    label = what(m)
    text = (
        f"Across {len(w)} combinations of {', '.join(cmp.vary)}, **{ours(cmp, top)}** is significantly ahead on "
        f"{label} in {wins} of {len(w)}"
    )
    if len(others):
        text += "; " + ", ".join(f"{ours(cmp, n)} in {k}" for n, k in others.items())
    if ties:
        text += f"; in {ties} no policy is significantly ahead (a tie at {cmp.robust_replicates} replicates a cell)"
    if "tau" in w and np.isfinite(w["tau"]).any() and not short:
        text += (
            f"; the whole ranking keeps its order on average at Kendall τ = {np.nanmean(w['tau']):.2f} "
            f"(lowest {np.nanmin(w['tau']):.2f}; 1 = the same order everywhere)"
        )
    return text + "."


def summary_section(cmp: Comparison) -> Section:
    """Page one: the decision with its conditions, profit over time, the key numbers, the cost assumptions
    and what moving each does, the rivals' settings, robustness, warnings and limitations."""
    m = cmp.headline
    r = cmp.rankings[m.key]
    paragraphs = [market_description(cmp), "**Recommendation.** " + recommendation(cmp)]
    if len(r) > 1:
        paragraphs.append("**Why.** " + net_flows(cmp, r["policy"].iloc[0], r["policy"].iloc[1]))
    if not cmp.has_money:
        paragraphs.append(
            "**Money.** The model has no costs yet: revenue and customers stand in for profit and "
            "cumulative discounted profit, which will head this report once the model has them."
        )
    robust = robustness_summary(cmp, short=True)
    if robust:
        paragraphs.append("**Robustness.** " + robust)
    warnings = replicate_warnings(cmp)
    if warnings:
        paragraphs.append("**Warning.** " + " ".join(warnings))
    paragraphs.append("Limitations and method: see the last section.")
    shown = [cmp.headline, *[MEASURE_BY_KEY[k] for k in ("customers", "nps") if k != m.key]]
    shown = [x for x in shown if x.key in cmp.rankings]
    header = ["Policy", *[f"{x.label} (95% CI)" for x in shown]]
    rows = []
    for name in r["policy"]:
        rows.append(
            [
                ours(cmp, name),
                *[
                    f"{x.format(_row(cmp, x.key, name)['mean'])} "
                    f"({ci_text(x, _row(cmp, x.key, name)['lo'], _row(cmp, x.key, name)['hi'])})"
                    for x in shown
                ],
            ]
        )
    tables = [(header, rows)]
    if cmp.has_money:
        tables.append(assumptions_table(cmp))
    if rivals(cmp):
        tables.append(rivals_table(cmp))
    figure = "profit.png" if cmp.has_money else ""
    caption = (
        f"Cumulative {m.name.lower()} of each policy by week (mean and 95% band over {cmp.replicates} replicates)."
        if figure
        else ""
    )
    return Section("Executive summary", paragraphs, tables, figure, caption, kind="summary")


COST_UNITS = {
    "service_cost": "customer-week",
    "over_delivery_cost": "customer-week × over-delivery",
    "care_cost": "customer-week × care",
    "ad_cost": "person reached",
    "fixed_cost": "week",
    "discount_rate": "week",
}


def assumptions_table(cmp: Comparison) -> tuple[list[str], list[list[str]]]:
    """The cost assumptions, the range each was moved over, and the recommendation there."""
    conditions = money_conditions(cmp)
    winner = cmp.rankings[cmp.headline.key]["policy"].iloc[0]
    rows = []
    for name, unit in COST_UNITS.items():
        key = f"money.{name}"
        value = float(getattr(cmp.scenario.money, name))
        tested, outcome = "—", "cannot change the ranking on profit"
        if name == "discount_rate":
            outcome = f"only discounts profit ({(1 + value) ** WEEKS_PER_YEAR - 1:.1%} a year)"
        if conditions is not None and key in set(conditions["key"]):
            mine = conditions[conditions["key"] == key]
            tested = " and ".join(f"{v:g}" for v in mine["value"])
            flips = mine[mine["leader"] != winner]
            outcome = (
                f"{ours(cmp, winner)} still leads"
                if flips.empty
                else "; ".join(
                    f"at {f['value']:g}: {ours(cmp, f['leader'])}" + ("" if f["significant"] else " (not significant)")
                    for _, f in flips.iterrows()
                )
            )
        elif key in cmp.vary:
            tested, outcome = ", ".join(f"{v:g}" for v in cmp.vary[key]), "see Robustness"
        elif name not in ("fixed_cost", "discount_rate"):
            outcome = "not tested (value 0)" if value == 0 else "not tested"
        rows.append([key, f"{value:g} per {unit}", tested, outcome])
    return (["Cost assumption", "Value", "Also tested at", f"Leader ({ours(cmp, winner)} here)"], rows)


def rivals_table(cmp: Comparison) -> tuple[list[str], list[list[str]]]:
    """The competitors' settings (what our policies play against)."""
    fields = ("promise", "over_delivery", "care", "ad_budget", "price")
    rows = []
    policies = cmp.scenario.supplier_policies()
    for j, name in rivals(cmp).items():
        settings = policies[j].model_dump()
        rows.append([name, *[f"{float(settings[f]):g}" for f in fields]])
    return (["Rival", "Promise", "Over-delivery", "Care", "Ad budget", "Price"], rows)


# --- sections ----------------------------------------------------------------------------


def disagreements(cmp: Comparison) -> list[str]:
    """Where the paired test and the overlap of the marginal intervals disagree, and why."""
    overlap_sig: list[str] = []
    apart_not_sig: list[str] = []
    for m in cmp.measures:
        r = cmp.rankings[m.key]
        if len(r) < 2:
            continue
        best = r.iloc[0]
        for _, row in r.iloc[1:].iterrows():
            overlap = np.isfinite(row["hi"]) and np.isfinite(best["lo"]) and row["hi"] >= best["lo"]
            pair = (
                f"{m.name}: {ours(cmp, row['policy'])} vs {ours(cmp, best['policy'])}, paired difference "
                f"{m.format(row['diff'])} (95% CI {ci_text(m, row['diff_lo'], row['diff_hi'])})"
            )
            if overlap and row["significant"]:
                overlap_sig.append(pair)
            elif not overlap and not row["significant"] and np.isfinite(row["p_holm"]):
                apart_not_sig.append(f"{pair}, Holm p = {row['p_holm']:.3g}")
    out = []
    if overlap_sig:
        out.append(
            "Overlapping intervals, yet significantly lower: " + "; ".join(overlap_sig) + ". Why: every "
            "policy was played on the same seeds, so the luck two runs share (the same network, customers "
            "and random stream) cancels in their paired difference, which is far more precise than either "
            "mean's own interval; the paired test, not the overlap, is the right check."
        )
    if apart_not_sig:
        out.append(
            "Separate intervals, yet not called significant: " + "; ".join(apart_not_sig) + ". Why: comparing "
            f"{len(cmp.policies) - 1} policies with the best is a family of tests, and Holm's adjustment "
            "raises each p-value to keep the chance of any false 'lower' at 5%."
        )
    return out


def _ranking_section(cmp: Comparison) -> Section:
    measures = cmp.measures
    order = list(cmp.rankings[cmp.headline.key]["policy"])
    # two tables of at most four measures each: one table of all of them overran an A4 page
    tables = []
    for part in (measures[:4], measures[4:]):
        if not part:
            continue
        header = ["Policy"] + [f"{m.label} (95% CI)" for m in part]
        rows = []
        for name in order:
            row = [ours(cmp, name)]
            for m in part:
                r = _row(cmp, m.key, name)
                mark = "best" if r["rank"] == 1 else ("lower*" if yes(r["significant"]) else "≈ best")
                row.append(f"{m.format(r['mean'])} ({ci_text(m, r['lo'], r['hi'])}) {mark}")
            rows.append(row)
        tables.append((header, rows))
    for m in measures:
        detail = []
        for _, r in cmp.rankings[m.key].iterrows():
            if r["rank"] == 1:
                detail.append([str(r["rank"]), ours(cmp, r["policy"]), m.format(r["mean"]), "—", "—", "—", "best"])
                continue
            diff = f"{m.format(r['diff'])} ({ci_text(m, r['diff_lo'], r['diff_hi'])})"
            rel = pct(r["rel"]) if m.relative else "—"
            detail.append(
                [
                    str(r["rank"]),
                    ours(cmp, r["policy"]),
                    m.format(r["mean"]),
                    diff,
                    rel,
                    f"{r['p_holm']:.3g}" if np.isfinite(r["p_holm"]) else "n/a",
                    "yes" if yes(r["significant"]) else "no",
                ]
            )
        tables.append(
            (
                [
                    f"{m.label}: rank",
                    "Policy",
                    "Mean",
                    "Difference to best (95% CI)",
                    "Relative (of the best's mean)",
                    "p (Holm)",
                    "Significantly lower?",
                ],
                detail,
            )
        )
    bounded = ", ".join(m.name for m in measures if m.bounds)
    return Section(
        "Ranking",
        [
            f"Ordered by {cmp.headline.name.lower()}. Each cell: mean over {cmp.replicates} replicates (95% confidence "
            f"interval: Student t; for {bounded}, which are bounded, a percentile bootstrap that stays within their "
            "range); 'best' = highest mean, 'lower*' = significantly below the best (paired t-test over replicates, "
            f"Holm-adjusted, {1 - LEVEL:.0%} level), '≈ best' = not distinguishable from the best. Percentages are of "
            "the best's mean (in money when a mean is a loss).",
            *disagreements(cmp),
        ],
        tables,
        "ranking.png",
        "Means and 95% CIs; hollow markers are significantly below the best.",
    )


def _horizon_section(cmp: Comparison) -> Section:
    names = [p.name for p in cmp.policies]
    paragraphs = [
        f"The same runs read at shorter horizons: a total is summed to the horizon, a state read at it. "
        f"Leader, runner-up and the paired lead at {', '.join(map(str, horizon.horizons(cmp.steps)))} "
        "weeks."
    ]
    tables = []
    keys = [cmp.headline.key, *[k for k in ("customers", "nps") if k != cmp.headline.key]]
    warnings = []
    for key in keys:
        m = MEASURE_BY_KEY[key]
        t = horizon.horizon_table(cmp.series, m, names)
        rows = []
        for _, h in t.iterrows():
            runner = h.get("runner_up")
            rows.append(
                [
                    str(h["horizon"]),
                    f"{ours(cmp, h['leader'])}: {m.format(h['leader_mean'])} "
                    f"({ci_text(m, h['leader_lo'], h['leader_hi'])})",
                    ours(cmp, runner) if isinstance(runner, str) else "—",
                    f"{m.format(h['lead']).lstrip('+')} ({ci_text(m, h['lead_lo'], h['lead_hi'])})"
                    if isinstance(runner, str)
                    else "—",
                    "yes" if yes(h.get("significant", False)) else "no",
                    " > ".join(ours(cmp, n) for n in h["order"]),
                ]
            )
        tables.append(
            (
                [
                    "Horizon (weeks)",
                    f"Leader on {m.name} (95% CI)",
                    "Runner-up",
                    "Lead (95% CI, paired)",
                    "Significant?",
                    "Order",
                ],
                rows,
            )
        )
        if len(names) < 2:
            continue
        final = t.iloc[-1]
        changed = t[t["leader"] != final["leader"]]
        if len(changed):
            other = changed["leader"].iloc[-1]
            c = horizon.crossover(cmp.series, m, names, final["leader"], other)
            ci = f" (95% CI {c.lo:.0f} to {c.hi:.0f})" if np.isfinite(c.lo) else ""
            until = week(c.early_leader_until) if c.early_leader_until is not None else "the start"
            paragraphs.append(
                f"{m.name}: the ranking changes. {ours(cmp, other)} leads up to {until} on "
                f"average; {ours(cmp, final['leader'])} moves ahead for good at {week(c.mean)}{ci}, over the "
                f"{c.n} of {cmp.replicates} replicates in which it ends ahead ({c.share:.0%})."
            )
        else:
            tie = (
                ""
                if yes(final.get("significant", False))
                else (f", though after {weeks(cmp.steps)} not significantly ahead of {ours(cmp, final['runner_up'])}")
            )
            paragraphs.append(f"{m.name}: {ours(cmp, final['leader'])} leads at every horizon checked{tie}.")
        move = horizon.still_moving(cmp.series, m, names, final["leader"], final["runner_up"])
        slope = (
            f"{move.slope:+,.3g} per week over the last {move.window} weeks, 95% CI {move.lo:+,.3g} to {move.hi:+,.3g}"
        )
        if move.moving and move.slope < 0:
            # the runner-up gains on the leader: the sign of the lead can still change
            text = (
                f"{m.name}: the leader's {move.quantity.replace('period', 'week')} over {ours(cmp, move.runner_up)} "
                f"is shrinking at the end ({slope}, n = {move.n}): the ranking after {weeks(cmp.steps)} is not settled"
            )
            if move.catch_up is not None:
                text += f"; on a straight line the runner-up would draw level around {week(move.catch_up)}"
            warnings.append(text + ".")
        elif move.moving:
            paragraphs.append(
                f"{m.name}: the leader's {move.quantity.replace('period', 'week')} is still growing at the end "
                f"({slope}): its lead widens with a longer horizon."
            )
    return Section(
        "The horizon: who leads when",
        paragraphs + [f"**Warning.** {w}" for w in warnings],
        tables,
        "horizon.png",
        f"{cmp.headline.name} of each policy had the horizon been h weeks (mean and 95% band over replicates).",
    )


def _flows_section(cmp: Comparison) -> Section:
    t = figures.flows_table(cmp)
    header = [
        "Policy",
        *[
            c.replace("to ", "lost to ") if c.startswith("to ") else f"won via {c}" if c != "lost" else "lost (total)"
            for c in t.columns
        ],
        "net",
    ]
    rows = []
    for name, r in t.iterrows():
        net = r["ads"] + r["reviews"] + r["recommendations"] - r["lost"]
        rows.append([ours(cmp, str(name)), *[f"{v:,.1f}" for v in r.to_numpy()], f"{net:+,.1f}"])
    return Section(
        "Where customers came from and where they went",
        [
            f"Mean per run over {cmp.steps} steps, for our supplier (supplier {cmp.as_index}, "
            f"'{cmp.supplier_names[cmp.as_index]}' in the scenario, which plays each policy). Customers leave a "
            "supplier only by switching to a competitor they trust more; 'lost to rival X' counts them by destination. "
            "Customers "
            "won include those who switched to us from a competitor, by the channel through which they first heard of "
            "us; won minus lost is the change in customers (net)."
        ],
        [(header, rows)],
        "flows.png",
        "Right: customers won per channel; left: customers lost, by competitor.",
    )


def _robustness_section(cmp: Comparison) -> Section:
    if cmp.robustness is None:
        return Section("Robustness", [robustness_summary(cmp)], [])
    tables = []
    keys = [cmp.headline.key, "nps"]
    for measure in keys if cmp.vary else ():
        w = figures.robustness_winners(cmp, measure)
        rows = []
        for _, r in w.iterrows():
            sig = yes(r.get("significant", False))
            leader = ours(cmp, r["winner"]) if sig else f"tie ({ours(cmp, r['winner'])} ahead)"
            rows.append(
                [
                    *[str(r[k]) for k in cmp.vary],
                    leader,
                    ours(cmp, r["runner_up"]) if isinstance(r.get("runner_up"), str) else "—",
                    figures.lead_text(r, measure) or "n/a",
                    "yes" if sig else "no",
                    f"{r['tau']:+.2f}" if np.isfinite(r.get("tau", np.nan)) else "n/a",
                ]
            )
        tables.append(
            (
                [
                    *cmp.vary,
                    f"Winner ({MEASURE_BY_KEY[measure].name})",
                    "Runner-up",
                    "Lead",
                    "Significant?",
                    "Same order as overall (Kendall τ)",
                ],
                rows,
            )
        )
    conditions = money_conditions(cmp)
    if conditions is not None:
        rows = [
            [
                r["key"],
                f"{r['value']:g} (scenario: {r['base']:g})",
                ours(cmp, r["leader"]) if r["significant"] else f"tie ({ours(cmp, r['leader'])} ahead)",
                r["lead"] or "n/a",
                "yes" if r["significant"] else "no",
            ]
            for _, r in conditions.iterrows()
        ]
        tables.append((["Cost assumption", "Value", f"Leader ({cmp.headline.name})", "Lead", "Significant?"], rows))
    money_text = (
        f"Each cost assumption ({', '.join(cmp.money_vary)}) was also moved on its own to half and twice its value "
        "(the others and the grid's parameters at the scenario's values), every policy played in each, same seeds."
        if cmp.money_vary
        else ""
    )
    return Section(
        "Robustness across the uncertain parameters",
        [
            robustness_summary(cmp),
            robustness_summary(cmp, "nps"),
            money_text,
            f"Every policy was played in every combination of the values below, {cmp.robust_replicates} replicates "
            "each, on common seeds. A cell counts as a win only where the leader is significantly ahead of the "
            "runner-up (paired t-test, Holm); otherwise it is a tie. Lead = leader minus runner-up, as a share of the "
            "leader's mean (NPS: in points); Kendall τ compares the cell's order of all policies with the main order.",
        ],
        tables,
        "robustness.png",
        "Leader per combination of the varied parameters; bold = significantly ahead, otherwise a tie.",
    )


def _method_section(cmp: Comparison, command: str) -> Section:
    defaults = cmp.scenario.supplier_defaults.model_dump()
    rows = []
    for p in cmp.policies:
        resolved = p.resolved(cmp.scenario)
        changed = ", ".join(f"{k} {v:g}" for k, v in resolved.items() if v != defaults.get(k))
        rows.append(
            [
                ours(cmp, p.name),
                p.description or "—",
                changed or "(the market's default supplier)",
                f"{budget_cost(resolved):.2f}",
            ]
        )
    competitors = ", ".join(rivals(cmp).values()) or "none"
    money = (
        "Profit is summed over weeks 1 to T (revenue − costs each week: serving customers, advertising, fixed "
        "costs; docs/outputs.md), discounted profit is the model's cumulative discounted profit at the last "
        f"week; the return on extra spend is against {ours(cmp, cmp.reference)} (see Money); "
        if cmp.has_money
        else ""
    )
    return Section(
        "Method and limitations",
        [
            limitations(cmp),
            f"Each policy is played by supplier {cmp.as_index} ('{cmp.supplier_names[cmp.as_index]}') of the "
            f"scenario against its competitors ({competitors}); a policy called like a competitor is marked '(us)'. "
            "Fields a policy does not set take the scenario's [supplier_defaults]. Common random numbers: replicate r "
            f"of every policy runs on the same seed (derived from seed {cmp.seed}), so differences come from the "
            "policies, not from luck. Confidence intervals are t-intervals over replicates (percentile bootstrap, "
            "2,000 resamples, for the bounded NPS and trust); differences to the best are paired over replicates and "
            "tested with a paired t-test, Holm-adjusted over the policies compared.",
            f"{money}Revenue is summed over the horizon (customers × price each step); the other measures are taken "
            "at the last step (NPS over current customers, trust = mean trust of current and former customers).",
            "Budget units = ad_budget + over_delivery / 0.1 + max(0, care − 0.6) / 0.2, the exchange rate of "
            "configs/ten_ambassadors.toml and of trustsim optimize: a scale for settings, not money. Two policies "
            "with the same budget units can spend very different money (serving customers costs far more than "
            "ads); what each really spends is in the Money section.",
            (
                f"Note: this scenario lets suppliers imitate more successful rivals (imitation.rate = "
                f"{cmp.scenario.imitation.rate:g}), so a policy is where our supplier starts, not where it ends."
                if cmp.scenario.imitation.rate > 0
                else ""
            ),
            f"Reproduce: `{command}`" if command else "",
        ],
        [(["Policy", "Description", "Settings (differing from the market's default supplier)", "Budget units"], rows)],
    )


def cost_breakdown(cmp: Comparison) -> pd.DataFrame:
    """Per policy, means per run over weeks 1..T: revenue, serving customers, advertising, fixed costs, total
    costs and profit (with its 95% CI), and against the reference policy the extra spend, extra profit and
    the return on the extra spend (:func:`~trustsim.compare.stats.extra_spend_return`)."""
    from trustsim.compare.stats import extra_spend_return

    names = [p.name for p in cmp.policies]
    v = cmp.values.set_index(["policy", "replicate"])
    rows = []
    for name in names:
        mine = v.loc[name]
        profit = _row(cmp, "profit", name)
        row = {
            "policy": name,
            "revenue": float(mine["revenue"].mean()),
            "service_costs": float(mine["service_costs"].mean()) if "service_costs" in mine else np.nan,
            "ad_costs": float(mine["ad_costs"].mean()) if "ad_costs" in mine else np.nan,
            "costs": float(mine["costs"].mean()),
            "profit": float(profit["mean"]),
            "profit_lo": float(profit["lo"]),
            "profit_hi": float(profit["hi"]),
            "reference": cmp.reference,
        }
        row["fixed_costs"] = row["costs"] - np.nansum([row["service_costs"], row["ad_costs"]])
        if name != cmp.reference:
            # the verdict names the policies as the report does ('Listener (us)')
            profit_t, spend_t = (cmp.table(k).rename(columns=cmp.label) for k in ("profit", "costs"))
            e = extra_spend_return(profit_t, spend_t, cmp.label(name), cmp.label(cmp.reference))
            row |= {
                "extra_spend": e.extra_spend,
                "extra_spend_lo": e.extra_spend_lo,
                "extra_spend_hi": e.extra_spend_hi,
                "extra_profit": e.extra_profit,
                "extra_profit_lo": e.extra_profit_lo,
                "extra_profit_hi": e.extra_profit_hi,
                "roi": e.roi,
                "roi_lo": e.roi_lo,
                "roi_hi": e.roi_hi,
                "n": e.n,
                "verdict": e.verdict,
            }
        rows.append(row)
    return pd.DataFrame(rows)


def _money_section(cmp: Comparison) -> Section:
    t = cost_breakdown(cmp)
    m = MEASURE_BY_KEY["profit"]
    breakdown = [
        [
            ours(cmp, r["policy"]),
            *[f"{r[c]:,.0f}" if np.isfinite(r[c]) else "n/a" for c in ("revenue", "service_costs", "ad_costs")],
            f"{r['fixed_costs']:,.0f}",
            f"{r['costs']:,.0f}",
            f"{m.format(r['profit'])} ({ci_text(m, r['profit_lo'], r['profit_hi'])})",
        ]
        for _, r in t.iterrows()
    ]
    ref = ours(cmp, cmp.reference)
    extra = [
        [
            ours(cmp, r["policy"]),
            f"{r['extra_spend']:+,.0f} ({r['extra_spend_lo']:+,.0f} to {r['extra_spend_hi']:+,.0f})",
            f"{r['extra_profit']:+,.0f} ({r['extra_profit_lo']:+,.0f} to {r['extra_profit_hi']:+,.0f})",
            f"{r['roi']:+.2f} ({r['roi_lo']:+.2f} to {r['roi_hi']:+.2f})" if np.isfinite(r["roi"]) else "not defined",
            r["verdict"],
        ]
        for _, r in t.iterrows()
        if r["policy"] != cmp.reference
    ]
    return Section(
        "Money: where the profit comes from",
        [
            f"Means per run over weeks 1 to {cmp.steps}, in units of a week's price. Serving "
            "customers = customers × (money.service_cost + over-delivery and care costs) each week; advertising = "
            "money.ad_cost × people reached; fixed = money.fixed_cost × weeks. Profit = revenue − all costs.",
            f"Return on the extra spend against **{ref}** (the reference, --reference): (profit − {ref}'s profit) "
            f"÷ (costs − {ref}'s costs), replicate by replicate on the same seeds, as a ratio of the mean "
            "differences with a 95% percentile-bootstrap interval over the replicate pairs. +0.5 = each extra unit "
            "spent came back with half a unit of profit on top; −1 = the extra spend brought no extra revenue. "
            "When a policy spends no more than the reference there is no extra spend to return anything on, and "
            "the table says so instead of dividing by it. (Profit ÷ costs is not shown: it restates the unit "
            "cost, so the cheapest policy looks best whatever it earns.)",
        ],
        [
            (
                ["Policy", "Revenue", "Serving customers", "Advertising", "Fixed", "Total costs", "Profit (95% CI)"],
                breakdown,
            ),
            (
                [
                    f"Policy (against {ref})",
                    "Extra spend (95% CI)",
                    "Extra profit (95% CI)",
                    "Return on extra spend (95% CI)",
                    "In words",
                ],
                extra,
            ),
        ]
        if extra
        else [
            (
                ["Policy", "Revenue", "Serving customers", "Advertising", "Fixed", "Total costs", "Profit (95% CI)"],
                breakdown,
            ),
        ],
    )


def sections(cmp: Comparison, command: str = "") -> list[Section]:
    """The report's sections after the headline: the executive summary first."""
    return [
        summary_section(cmp),
        _ranking_section(cmp),
        *([_money_section(cmp)] if cmp.has_money else []),
        _horizon_section(cmp),
        Section(
            "Over time",
            [
                "Our supplier's measures per week: mean over replicates with a 95% band (bootstrap "
                "for NPS and trust, which stays within their range)."
            ],
            [],
            "timecourse.png",
            "Time course of each measure, per policy.",
        ),
        _flows_section(cmp),
        _robustness_section(cmp),
        _method_section(cmp, command),
    ]


# --- rendering ---------------------------------------------------------------------------


def make_figures(cmp: Comparison) -> dict[str, bytes]:
    """Every figure of the report, by file name."""
    figs = {
        **({"profit.png": figures.profit_figure(cmp)} if cmp.has_money else {}),
        "ranking.png": figures.ranking_figure(cmp),
        "horizon.png": figures.horizon_figure(cmp),
        "timecourse.png": figures.timecourse_figure(cmp),
        "flows.png": figures.flows_figure(cmp),
    }
    robust = figures.robustness_figure(cmp)
    if robust is not None:
        figs["robustness.png"] = robust
    return figs


def per_run_table(cmp: Comparison) -> pd.DataFrame:
    """One row per policy and replicate: the run's id in runs/ and every measure (totals over weeks 1..T,
    states at week T), ordered as the policies were given."""
    order = {p.name: k for k, p in enumerate(cmp.policies)}
    table = cmp.values.assign(_order=cmp.values["policy"].map(order))
    table = table.sort_values(["_order", "replicate"], kind="stable").drop(columns="_order")
    return table[["policy", "replicate", "run", *[c for c in table.columns if c not in ("policy", "replicate", "run")]]]


def write_report(
    cmp: Comparison, out_dir: str | Path, command: str | list[str] = "", pdf: bool = False
) -> dict[str, Path]:
    """Write report.md, report.html, figures/*.png, ranking.csv, runs.csv and costs.csv (and report.pdf) to
    `out_dir`, atomically.

    Args:
        cmp: the comparison.
        out_dir: the folder (usually the comparison's own).
        command: the command line that reproduces it (shown in the Method section).
        pdf: also print ``report.pdf`` with headless Chromium (:func:`trustsim.reporting.write_pdf`).

    Returns:
        The paths written, by name.
    """
    out = Path(out_dir)
    if isinstance(command, list):
        command = shlex.join(command)
    figs = make_figures(cmp)
    title = f"What if: {len(cmp.policies)} policies in {Path(cmp.scenario_label).name}"
    lead = [headline(cmp)]
    parts = sections(cmp, command)
    paths = {}
    for name, data in figs.items():
        paths[name] = out / "figures" / name
        atomic_write_bytes(paths[name], data)
    ranking = pd.concat([r.assign(measure=k) for k, r in cmp.rankings.items()], ignore_index=True)
    paths["ranking.csv"] = out / "ranking.csv"
    atomic_write_text(paths["ranking.csv"], ranking.to_csv(index=False))
    # one row per policy x replicate: every measure of every run, for a spreadsheet (seeds are in runs/)
    paths["runs.csv"] = out / "runs.csv"
    atomic_write_text(paths["runs.csv"], per_run_table(cmp).to_csv(index=False))
    if cmp.has_money:
        paths["costs.csv"] = out / "costs.csv"
        atomic_write_text(paths["costs.csv"], cost_breakdown(cmp).to_csv(index=False))
    if cmp.robustness is not None:
        from trustsim.io import atomic_write_parquet

        # one row per (cell, policy, replicate): what `trustsim discover DIR` reads for "where does X win?"
        paths["robustness.parquet"] = out / "robustness.parquet"
        atomic_write_parquet(paths["robustness.parquet"], cmp.robustness.assign(vary=",".join(cmp.vary)))
    paths["report.md"] = out / "report.md"
    atomic_write_text(paths["report.md"], render_markdown(title, lead, parts, figs))
    paths["report.html"] = out / "report.html"
    atomic_write_text(paths["report.html"], render_html(title, lead, parts, figs))
    if pdf:
        from trustsim.reporting import write_pdf

        paths["report.pdf"] = write_pdf(paths["report.html"], out / "report.pdf")
    return paths
