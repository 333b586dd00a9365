"""Findings as Markdown: the numbers in docs/experiments.md are written from findings.json.

``update_docs("docs/experiments.md", "results")`` replaces every block between
``<!-- findings:NAME -->`` and ``<!-- /findings:NAME -->`` with the findings of
``results/NAME/findings.json``, so the documented numbers are always those of a real run (and
are regenerated, not retyped, when the model changes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trustsim.io import atomic_write_text, read_result_json

Ci = dict[str, Any]


def fmt(ci: Ci | None, digits: int = 2, scale: float = 1.0, unit: str = "") -> str:
    """'mean [low, high]' of a findings interval (or 'n/a')."""
    if not ci or ci.get("mean") is None:
        return "n/a"
    m = ci["mean"] * scale
    if ci.get("ci_low") is None:
        return f"{m:.{digits}f}{unit}"
    return f"{m:.{digits}f}{unit} [{ci['ci_low'] * scale:.{digits}f}, {ci['ci_high'] * scale:.{digits}f}]"


def _verdict(f: dict[str, Any], key: str) -> str:
    """The answer of verdict `key` as its interval gives it (yes / no / cannot tell; common.verdict)."""
    return f"**{f['verdicts'][key]['answer']}**"


def _size(f: dict[str, Any]) -> str:
    return f"size `{f['size']}`, {f.get('replicates', '?')} replicates, {f.get('steps', '?')} periods"


def one_firm(f: dict[str, Any]) -> list[str]:
    """Findings of one_firm: the manager's paragraph, the region at the longest horizon and the verdicts."""
    last = f["horizons_years"][-1]
    cells = f["reference_cells"]

    def market(label: str) -> str:
        return f"{cells[label]['market_maturity']:.0%} already buying"

    ref = f["option_profit"]["reference"]
    lines = [
        f"* {_size(f)}, {f['customers']} customers; the numbers are this run's findings.json. "
        + f["manager_paragraph"],
        "* Each option's discounted profit at the reference cells ("
        + "; ".join(
            dict.fromkeys(
                f"ad reach x{c['ad_reach']:g}, a gesture = {c['relationship_cost_to_margin']:g} x the weekly margin"
                for c in cells.values()
            )
        )
        + "): "
        + "; ".join(
            f"{market(label)}, {h} years: " + ", ".join(f"{o} {fmt(ci, 0)}" for o, ci in by_h[h].items())
            for label, by_h in ref.items()
            for h in dict.fromkeys((next(iter(by_h)), str(last)))
        )
        + ".",
        "",
        f"| already buying | LTV/CAC | gesture / margin | best at {last} years | lead over second (95% CI) | sure? "
        "| posterior: gestures earn most |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in f["region"]:
        if r["horizon_years"] != last:
            continue
        share = r["win_share_posterior"]
        post = (
            "n/a"
            if share["mean"] is None
            else f"{share['mean']:.0%} [{share['ci_low']:.0%}, {share['ci_high']:.0%}], n = {share['n']}"
        )
        lines.append(
            f"| {r['market_maturity']:.0%} | {fmt(r['ltv_to_cac'], 1)} | {r['relationship_cost_to_margin']:g} "
            f"| {r['best_option']} | {fmt(r['difference'], 0)} over {r['second_option']} | {r['certainty']} | {post} |"
        )
    said = []
    for label in cells:
        keep, ads, ten = (
            _verdict(f, f"{key}_{label}")
            for key in ("relationship_beats_keep", "relationship_beats_ads", "one_ambassador_brings_ten")
        )
        said.append(
            f"{market(label)}: gestures beat keeping the money {keep}, beat ads {ads}; one ambassador brings ten {ten}"
        )
    lines += ["", f"* Verdict at the reference cells, {last} years: " + "; ".join(said) + "."]
    return lines


def ten_ambassadors(f: dict[str, Any]) -> list[str]:
    """Findings of ten_ambassadors."""
    d = f["discounted_profit_difference"]
    inc = f["incremental_customers_per_ambassador"]
    value = f["customer_value"]
    km = f["crossed_by_horizon"]
    last = km[-1] if km else None
    med = f["median_crossover"]
    if med:
        high = med["ci_high"] if med["ci_high"] is not None else "not reached"
        med_txt = f"median crossover period {med['median']} [{med['ci_low']}, {high}]"
    else:
        med_txt = "median crossover not reached (fewer than half the runs overtook)"
    lines = [
        f"* Reference point ({_size(f)}, {f['customers']} customers), at equal spend: cumulative discounted "
        "profit, relationship (Ambassador) − acquisition, by horizon: "
        + ", ".join(f"{h} weeks {fmt(d[h], 0)}" for h in sorted(d, key=int))
        + f" (n = {next(iter(d.values()))['n']} runs; the acquisition firm's matched ad budget averaged "
        f"{fmt(f['equal_spend']['acquisition_ad_budget_mean'], 1)} units a week). With the Ambassador's customers "
        "silent on the same seeds the difference at the horizon is "
        f"{fmt(f['silent_discounted_profit_difference'], 0)}.",
        "* Runs in which the Ambassador policy has overtaken for good (Kaplan–Meier, censored at the horizon): "
        + ", ".join(f"{r['share']:.0%} [{r['ci_low']:.0%}, {r['ci_high']:.0%}] by week {r['period']}" for r in km[2::2])
        + (f" ({last['share']:.0%} by the horizon, n = {last['n']}); " if last else "; ")
        + f"{med_txt}.",
        f"* **customers_per_ambassador** (referrals per distinct ambassador over its life, referral records) = "
        f"**{fmt(f['customers_per_ambassador'])}**; break-even: **{fmt(f['break_even_customers_per_ambassador'])}** "
        f"customers per ambassador would close the profit gap at the horizon ({fmt(f['ambassadors'], 0)} ambassadors "
        "per run).",
        f"* Incremental customers per ambassador against silent ambassadors (Libai, Muller & Peres 2013): "
        f"{fmt(inc)} = expansion {fmt(inc['expansion'])} + acceleration {fmt(inc['acceleration'])} + from the rival "
        f"{fmt(inc['from_rival'])}.",
        f"* Distribution across ambassadors: {fmt(f['referrers_none_share'], 0, 100, '%')} referred nobody, the top "
        f"10% brought {fmt(f['top10_referral_share'], 0, 100, '%')} of the referrals, Gini {fmt(f['referral_gini'])}. "
        f"Per customer: lifetime value (CLV) {fmt(value['clv'], 1)}, referral value (CRV) {fmt(value['crv'], 1)} "
        f"(CRV/CLV {fmt(value['crv_to_clv'])}); per ambassador CLV {fmt(value['ambassador_clv'], 1)}, CRV "
        f"{fmt(value['ambassador_crv'], 1)} (Kumar et al. 2010).",
    ]
    for e in f.get("exchange_rate", []):
        od = e.get("suppliers.1.over_delivery")
        lines.append(
            f"* Exchange rate with over-delivery {od:g} and care {e.get('suppliers.1.care'):g} (fixed budgets, "
            f"customers): difference {fmt(e['final_customers_difference'], 0)}, runs crossed "
            f"{e['crossover_step'].get('share_of_runs_crossed', 0):.0%}."
        )
    m = f.get("map")
    if m:
        st = m["sobol_indices"]["relationship_wins"]
        lines.append(
            f"* The map ({m['design']}, {m['customers']} customers, equal spend): the Ambassador policy wins on "
            "discounted profit in "
            + ", ".join(
                f"{fmt(m['win_probability'][h], 0, 100, '%')} of runs at {h} weeks"
                for h in sorted(m["win_probability"], key=int)
            )
            + ". Most influential on a win (total Sobol index ST [95% CI]): "
            + "; ".join(
                f"{k} {st[k]['ST']['value']:.2f} [{st[k]['ST']['ci_low']:.2f}, {st[k]['ST']['ci_high']:.2f}]"
                for k in m["most_influential"]
            )
            + ". Monte Carlo: a design point's noise is "
            f"{m['monte_carlo']['noise_share_of_point_variance']:.0%} of the variance between points at "
            f"{m['monte_carlo']['replicates']} replicates (about "
            f"{m['monte_carlo']['replicates_for_noise_below_5_percent']} would bring it below 5%)."
        )
    lines.append(
        f"* Verdict: ambassador policy wins on discounted profit at the horizon: "
        f"{_verdict(f, 'ambassador_wins_at_horizon')}; one ambassador brings ten: "
        f"{_verdict(f, 'one_ambassador_brings_ten')}."
    )
    return lines


def asymmetry(f: dict[str, Any]) -> list[str]:
    """Findings of asymmetry."""
    k = f["reference_loss_multiplier"]
    rows = sorted(
        (r for r in f["by_loss_multiplier_and_repair"] if r["transparency"] == 0.0), key=lambda r: r["loss_multiplier"]
    )
    return [
        f"* ({_size(f)}, wave at period {f['wave_step']}) At k = {k:g} one hidden broken promise undoes "
        f"**{fmt(f['periods_of_gain_lost'], 1)}** periods of kept promises; the pre-wave level is regained after "
        f"{fmt(f['recovery_periods']['hidden'], 1)} periods, but at the horizon the run is "
        f"{fmt(f['periods_behind_at_horizon']['hidden'], 1)} periods behind its twin (trust gap "
        f"{fmt(f['lasting_gap']['hidden'], 3)}).",
        "* By loss multiplier (hidden failures): periods of gain lost "
        + ", ".join(f"{fmt(r['periods_of_gain_lost'], 1)} (k = {r['loss_multiplier']:g})" for r in rows)
        + f"; periods behind at the horizon grow by {f['periods_behind_per_unit_loss_multiplier']:.1f} per unit of k.",
        f"* Admitted and repaired (transparency 1) at k = {k:g}: regained after "
        f"{fmt(f['recovery_periods']['repaired'], 1)} periods, {fmt(f['periods_behind_at_horizon']['repaired'], 1)} "
        f"periods behind at the horizon (negative: ahead of its twin), trust gap "
        f"{fmt(f['lasting_gap']['repaired'], 3)}.",
        "* Verdict: broken costs more than kept builds: "
        f"{_verdict(f, 'broken_costs_more_than_kept_builds')}; repair shortens the damage: "
        f"{_verdict(f, 'repair_shortens_recovery')}.",
    ]


def over_delivery(f: dict[str, Any]) -> list[str]:
    """Findings of over_delivery."""
    labels = {
        "under_promise_over_deliver": "promise 0.70 + over-deliver 0.15",
        "promise_exactly": "promise 0.85, keep it",
        "over_promise": "promise 0.95 (over-promise)",
    }
    lines = [
        f"({_size(f)})",
        "",
        f"| same delivered quality 0.85 | periods to trust {f['trust_level']:g} | trust after a quarter | "
        "trust at the horizon | ambassador share | broken promises |",
        "|---|---|---|---|---|---|",
    ]
    for key, label in labels.items():
        c = f["named_policies_same_delivered_quality"].get(key)
        if c:
            reach = (
                fmt(c["periods_to_trust"], 1)
                if c["share_reached"] == 1
                else f"not reached in {1 - c['share_reached']:.0%} of runs"
            )
            lines.append(
                f"| {label} | {reach} | {fmt(c['trust_quarter'], 3)} | {fmt(c['trust_final'], 3)} | "
                f"{fmt(c['ambassador_share_final'], 0, 100, '%')} | {fmt(c['broken_share'], 0, 100, '%')} |"
            )
    slopes = f["trust_quarter_gain_per_unit_over_delivery_by_promise"]
    lines += [
        "",
        "* Gain in trust after a quarter per 0.1 of over-delivery, by promise: "
        + ", ".join(f"{v / 10:+.3f} (promise {k})" for k, v in slopes.items())
        + ".",
        f"* Verdict: under-promise > promise exactly > over-promise: "
        f"{_verdict(f, 'under_promise_beats_exact_beats_over_promise')}; over-delivery speeds "
        f"up trust: {_verdict(f, 'over_delivery_speeds_trust')}.",
    ]
    return lines


def channels(f: dict[str, Any]) -> list[str]:
    """Findings of channels."""
    s = f["acquisition_share_by_channel"]
    per = f["final_customer_share_per_doubling"]
    w = f["wom_overtakes_ads_period"]
    return [
        f"* ({_size(f)}, reference point) New customers by channel: "
        + ", ".join(f"{name} {fmt(ci, 1, 100, '%')}" for name, ci in s.items())
        + ".",
        f"* Advertising brings {fmt(f['ad_share_of_acquisitions_first_quarter'], 0, 100, '%')} of new customers in the "
        f"first quarter and {fmt(f['ad_share_of_acquisitions_last_half'], 1, 100, '%')} in the second half; "
        + (
            f"recommendations bring more than all advertising from period {fmt(w, 0)} on "
            f"({w.get('share_of_runs', 0):.0%} of runs)."
            if w.get("mean") is not None
            else "recommendations never overtake advertising."
        ),
        f"* Doubling the word-of-mouth rate (q) adds {per['wom_rate (q)'] * 100:.1f} percentage points to the final "
        f"customer share; doubling the ad budget (p) adds {per['ad_budget (p)'] * 100:.1f}.",
        f"* Verdict: advertising early, word of mouth later: {_verdict(f, 'ads_early_wom_late')}.",
    ]


def four_components(f: dict[str, Any]) -> list[str]:
    """Findings of four_components."""
    lines = [
        f"({_size(f)}; gain at the horizon per +0.1 on one lever, paired with the base supplier)",
        "",
        "| weights | lever | trust | ambassador share |",
        "|---|---|---|---|",
    ]
    for weighting, r in f["per_unit_of_effort"].items():
        for comp in ("reliability", "transparency", "competence", "care"):
            if comp in r:
                lines.append(
                    f"| {weighting} | {comp} | {fmt(r[comp]['trust_per_unit'], 3)} | "
                    f"{fmt(r[comp]['ambassador_share_per_unit'], 1, 100, ' pp')} |"
                )
    trust = "; ".join(f"{w}: {' > '.join(v)}" for w, v in f["trust_ranking"].items())
    amb = "; ".join(f"{w}: {' > '.join(v)}" for w, v in f["ambassador_ranking"].items())
    lines += [
        "",
        f"* Ranking by trust bought: {trust}. By ambassadors: {amb}.",
        f"* Verdict: care buys most trust (brief's weights): {_verdict(f, 'care_buys_most_trust')}.",
    ]
    return lines


def scandal_lockin(f: dict[str, Any]) -> list[str]:
    """Findings of scandal_lockin."""
    t = f["trusting_share"]
    c, lk = f["churn_ratio_vs_control"], f["locked_in_share_after"]
    banks = f["recovery_by_bank_sector_wide"]
    return [
        f"* ({_size(f)}, scandal at period {f['scandal_period']}, severity {f['reference_severity']:g}) Share of "
        f"customers trusting their bank: {fmt(t['before'], 1, 100, '%')} before, {fmt(t['after'], 1, 100, '%')} after "
        f"(survey: 44% → 40%); the severity that reproduces the survey's relative fall in this run is "
        f"{f['severity_matching_survey_fall']:.3f}.",
        f"* Churn in the half year after the scandal, relative to no scandal: sector-wide {fmt(c['sector_wide'])}, "
        f"scandal at one bank {fmt(c['one_bank'])}. Customers locked in (unhappy, no trusted alternative): "
        f"{fmt(lk['sector_wide'], 1, 100, '%')} vs {fmt(lk['one_bank'], 1, 100, '%')}.",
        "* Trust per bank after the sector-wide scandal (before → just after → horizon; share of the loss "
        "regained): "
        + "; ".join(
            f"{n} {fmt(b['before'], 3)} → {fmt(b['after'], 3)} → {fmt(b['final'], 3)} ({fmt(b['regained'], 2)})"
            for n, b in banks.items()
        )
        + f". Recovers first: **{f['recovers_first']}**.",
        f"* Verdict: churn after a sector-wide scandal is lower than after a scandal at one bank: "
        f"{_verdict(f, 'sector_scandal_churn_below_one_bank_scandal')}.",
    ]


def mutual_trust(f: dict[str, Any]) -> list[str]:
    """Findings of mutual_trust."""
    r, s, e = f["effect_of_customer_reliability"], f["spiral_reciprocity_effect"], f["extend_trust_effect"]

    def effects(d: dict[str, Ci]) -> str:
        return (
            f"supplier's trust in customers {fmt(d['supplier_trust'])}, effort {fmt(d['effort'])}, broken "
            f"promises {fmt(d['broken_share'], 0, 100, ' pp')}, customers' trust {fmt(d['customer_trust'], 3)}, "
            f"ambassadors {fmt(d['ambassador_share'], 1, 100, ' pp')}"
        )

    return [
        f"* ({_size(f)}) Customers' reliability from {f['low_customer_reliability']:g} to the highest value swept "
        "(paired differences): "
        f"{effects(r)}.",
        f"* The spiral, reciprocity 0 → 1 (lowest reliability, no extended trust): {effects(s)}.",
        f"* Extending trust, extend_trust lowest → highest (lowest reliability): {effects(e)}.",
        f"* Verdict: reciprocity deepens the fall: {_verdict(f, 'reciprocity_deepens_fall')}; extending "
        f"trust breaks the spiral: {_verdict(f, 'extending_trust_breaks_spiral')}.",
    ]


def networks(f: dict[str, Any]) -> list[str]:
    """Findings of networks."""
    lines = [
        f"({_size(f)})",
        "",
        "| network | Ambassador − Acquisition, final customers | overtakes (runs) | customers per ambassador | "
        "periods to half the market | hubs among ambassadors | ambassadors' degree / mean |",
        "|---|---|---|---|---|---|---|",
    ]
    order = [k for k in ("well_mixed", "erdos_renyi", "small_world", "scale_free") if k in f["by_network"]]
    for kind in order:
        v = f["by_network"][kind]
        c = v["crossover_step"]
        lines.append(
            f"| {kind.replace('_', ' ')} | {fmt(v['final_customers_difference'], 0)} | {fmt(c, 0)} "
            f"({c.get('share_of_runs_crossed', 0):.0%}) | {fmt(v['customers_per_ambassador'])} | "
            f"{fmt(v['periods_to_half_market'], 1)} | {fmt(v['hub_share_of_ambassadors'], 1, 100, '%')} | "
            f"{fmt(v['ambassador_degree_ratio'])} |"
        )
    lines += [
        "",
        f"* Verdict: word of mouth strongest when well mixed: "
        f"{_verdict(f, 'wom_strongest_well_mixed')}; hubs over-represented among ambassadors on the "
        f"scale-free network: {_verdict(f, 'hubs_over_represented_scale_free')}.",
    ]
    return lines


WRITERS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "one_firm": one_firm,
    "ten_ambassadors": ten_ambassadors,
    "asymmetry": asymmetry,
    "over_delivery": over_delivery,
    "channels": channels,
    "four_components": four_components,
    "scandal_lockin": scandal_lockin,
    "mutual_trust": mutual_trust,
    "networks": networks,
}


def update_docs(doc: str | Path, results: str | Path) -> list[str]:
    """Rewrite the findings blocks of `doc` from `results/<name>/findings.json`; return the names updated."""
    path = Path(doc)
    text = path.read_text(encoding="utf-8")
    done = []
    for name, writer in WRITERS.items():
        source = Path(results) / name / "findings.json"
        if not source.is_file():
            continue
        block = "\n".join(writer(read_result_json(source, f"`trustsim experiment {name}`")))
        pattern = re.compile(rf"(<!-- findings:{name} -->\n)(?:.*?\n)?(<!-- /findings:{name} -->)", re.S)
        text, n = pattern.subn(lambda m, b=block: m.group(1) + b + "\n" + m.group(2), text)
        if n:
            done.append(name)
    atomic_write_text(path, text)
    return done
