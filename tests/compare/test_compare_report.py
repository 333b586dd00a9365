"""The comparison report on constructed results: money or its fallback, the horizon, honest statistics.

A fake results frame (two policies whose curves are known in closed form, with seeded noise)
stands in for the runs, so each test knows the answer it must find: the big advertiser fills
its customers early, the listener grows steadily and overtakes; with the model's money columns
the report must lead with profit, without them it must fall back to revenue and say so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsim.compare import horizon, report
from trustsim.compare.run import Comparison, _values
from trustsim.compare.stats import MONEY_COLUMNS, measures_for, rank_policies
from trustsim.config import load_scenario
from trustsim.policies import load_policies

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "baseline.toml"
STEPS, REPS = 60, 8
FAST, SLOW = "Big advertiser", "Listener"


def fake_series(money: bool, seed: int = 3, nps_floor: bool = False) -> pd.DataFrame:
    """Our supplier's per-step table for two policies: FAST saturates at 400, SLOW grows by 10 a step."""
    rng = np.random.default_rng(seed)
    t = np.arange(STEPS + 1)
    rows = []
    luck = rng.normal(0, 15, REPS)  # common random numbers: a replicate's luck hits both policies alike
    for k, name in enumerate((FAST, SLOW)):
        for r in range(REPS):
            shared = luck[r]
            base = 400 * (1 - np.exp(-t / 5)) if name == FAST else 10.0 * t
            customers = np.maximum(0, base + shared + rng.normal(0, 2, len(t)))
            costs = np.full(len(t), 120.0 if name == FAST else 40.0)
            costs[0] = 0.0
            profit = customers - costs
            profit[0] = 0.0
            nps = (-99.0 + rng.uniform(-1, 1, len(t))) if (nps_floor and name == FAST) else 20 + 0.5 * t + shared / 5
            frame = pd.DataFrame(
                {
                    "run": k * REPS + r,
                    "policy": name,
                    "replicate": r,
                    "step": t,
                    "supplier": 0,
                    "customers": customers,
                    "revenue": customers,
                    "nps": np.clip(nps, -100, 100),
                    "ambassadors": customers / 10,
                    "detractors": 1.0,
                    "trust": 0.6 + 0.001 * t,
                    "acquired_ads": np.r_[0, np.diff(customers)].clip(0) * (0.8 if name == FAST else 0.2),
                    "acquired_reviews": 1.0,
                    "acquired_recommendations": np.r_[0, np.diff(customers)].clip(0) * (0.2 if name == FAST else 0.8),
                    "churned": 0.5,
                    **{f"switched_to_{j}": (0.5 if j == 1 else 0.0) for j in range(4)},
                }
            )
            if money:
                frame["costs"], frame["profit"] = costs, profit
                frame["discounted_profit"] = np.cumsum(profit * 0.99**t)
            rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def fake_comparison(money: bool, **kw) -> Comparison:
    scenario = load_scenario(BASELINE, {"market.customers": 1000, "steps": STEPS})
    policies = [p for p in load_policies(["big_advertiser", "listener"])]
    series = fake_series(money, **kw)
    measures = measures_for(series.columns)
    values = _values(series, measures)
    names = [p.name for p in policies]
    rankings = {
        m.key: rank_policies(values.pivot(index="replicate", columns="policy", values=m.key)[names], bounds=m.bounds)
        for m in measures
    }
    return Comparison(
        scenario=scenario,
        scenario_label=str(BASELINE),
        policies=policies,
        as_index=0,
        replicates=REPS,
        seed=1,
        series=series,
        suppliers=series,
        values=values,
        rankings=rankings,
        measures=measures,
    )


def test_fake_policies_have_the_expected_names():
    assert [p.name for p in load_policies(["big_advertiser", "listener"])] == [FAST, SLOW]


def test_money_heads_the_report_when_the_model_has_costs():
    cmp = fake_comparison(money=True)
    assert cmp.has_money and cmp.headline.key == "profit"
    assert [m.key for m in cmp.measures][:2] == ["profit", "discounted_profit"]
    assert "roi" not in cmp.rankings  # profit / costs restates the unit cost: not a measure
    text = report.headline(cmp)
    assert "leads on profit" in text
    summary = report.summary_section(cmp)
    assert summary.tables[0][0][1].startswith("Profit (total)")
    assert summary.figure == "profit.png"
    assert not any("no costs" in p for p in summary.paragraphs)
    # the return on the extra spend against the reference (the first policy given: FAST), replicate by replicate
    assert cmp.reference == FAST
    t = report.cost_breakdown(cmp).set_index("policy")
    runs = cmp.series[cmp.series["step"] > 0].groupby(["policy", "replicate"])[["profit", "costs"]].sum()
    extra_profit = (runs.loc[SLOW] - runs.loc[FAST])["profit"].mean()
    extra_spend = (runs.loc[SLOW] - runs.loc[FAST])["costs"].mean()
    assert t.loc[SLOW, "extra_profit"] == pytest.approx(extra_profit)
    assert t.loc[SLOW, "extra_spend"] == pytest.approx(extra_spend) and extra_spend < 0
    # SLOW spends less than the reference: no return is computed on a negative spend, and the report says why
    slow = t.to_dict("index")[SLOW]
    assert np.isnan(slow["roi"]) and "spends no more than Big advertiser" in slow["verdict"]
    assert slow["costs"] == pytest.approx(float(runs.xs(SLOW)["costs"].mean()))


def test_return_on_extra_spend_is_the_ratio_of_paired_differences():
    from trustsim.compare.stats import extra_spend_return

    rng = np.random.default_rng(5)
    luck = rng.normal(0, 50, 12)
    spend = pd.DataFrame({"ref": 100 + luck, "more": 160 + luck + rng.normal(0, 2, 12)})
    profit = pd.DataFrame({"ref": 40 + luck, "more": 70 + luck + rng.normal(0, 2, 12)})
    r = extra_spend_return(profit, spend, "more", "ref")
    d_p, d_s = profit["more"] - profit["ref"], spend["more"] - spend["ref"]
    assert r.roi == pytest.approx(d_p.mean() / d_s.mean()) and r.n == 12
    assert r.roi_lo < r.roi < r.roi_hi and r.roi_lo > 0.4 and r.roi_hi < 0.6  # 30 more profit on 60 more spend
    assert f"each extra unit spent returned {r.roi:+.2f} in extra profit (95% CI" in r.verdict
    same = extra_spend_return(profit, spend.assign(more=spend["ref"]), "more", "ref")
    assert np.isnan(same.roi) and "spends no more than ref" in same.verdict


def test_headlines_handle_losses():
    cmp = fake_comparison(money=True)
    for key in ("profit", "discounted_profit"):
        r = cmp.rankings[key]
        for col in ("mean", "lo", "hi"):
            r[col] = r[col] - 1e6  # every policy loses money
    text = report.headline(cmp)
    assert "every policy loses money" in text and "% less" not in text and "as a share" not in text
    lead = -cmp.rankings["profit"]["diff"].iloc[1]
    assert f"it loses {lead:,.0f} less than" in text


def test_without_costs_the_report_falls_back_to_revenue_and_says_so():
    cmp = fake_comparison(money=False)
    assert not cmp.has_money and cmp.headline.key == "revenue"
    assert not set(MONEY_COLUMNS) & set(cmp.series.columns)
    assert "on revenue" in report.headline(cmp)
    summary = report.summary_section(cmp)
    assert any(p.startswith("**Money.** The model has no costs yet") for p in summary.paragraphs)
    assert "no costs yet" in report.limitations(cmp)


def test_horizon_finds_the_overtaking_period_with_its_interval():
    cmp = fake_comparison(money=False)
    m = cmp.measures[1]  # customers, a state: SLOW passes FAST where 10 t = 400 (1 - exp(-t / 5)), t ~ 40
    assert m.key == "customers"
    table = horizon.horizon_table(cmp.series, m, [FAST, SLOW])
    assert list(table["horizon"]) == [15, 30, 45, 60]
    assert table["leader"].iloc[0] == FAST and table["leader"].iloc[-1] == SLOW
    c = horizon.crossover(cmp.series, m, [FAST, SLOW], SLOW, FAST)
    assert c.n == REPS and 37 <= c.lo <= c.mean <= c.hi <= 43
    assert c.early_leader_until is not None and 37 <= c.early_leader_until <= 42


def test_recommendation_is_conditional_on_the_horizon_and_the_margin_is_still_moving():
    cmp = fake_comparison(money=True)
    text = report.recommendation(cmp)
    # cumulative profit: FAST leads early, SLOW (cheaper, still growing) for good later
    assert text.startswith(f"Choose **{SLOW} (us)** if you look further than week ")
    assert f"**{FAST}** leads before that" in text
    section = report._horizon_section(cmp)
    # the leader's margin grows: said, but no warning (the sign of the lead cannot change)
    assert any("still growing at the end" in p for p in section.paragraphs)
    assert not any(p.startswith("**Warning.**") for p in section.paragraphs)
    move = horizon.still_moving(cmp.series, cmp.measures[3], [FAST, SLOW], SLOW, FAST)  # revenue per period
    assert move.moving and move.slope == pytest.approx(10.0, rel=0.1)


def test_net_flows_list_every_flow_and_their_net():
    cmp = fake_comparison(money=False)
    text = report.net_flows(cmp, SLOW, FAST)
    for channel in ("ads", "reviews", "recommendations"):
        assert f"through {channel}" in text
    assert "to rivals" in text
    flows = report.figures.flows_table(cmp).to_dict("index")

    def net_of(name: str) -> float:
        f = flows[name]
        return f["ads"] + f["reviews"] + f["recommendations"] - f["lost"]

    net = net_of(SLOW) - net_of(FAST)
    assert f"net {net:+,.0f} customers" in text


def test_nps_intervals_stay_within_plus_minus_100():
    cmp = fake_comparison(money=False, nps_floor=True)
    nps = cmp.rankings["nps"].set_index("policy").to_dict("index")[FAST]
    assert -100 <= nps["lo"] <= nps["mean"] <= nps["hi"] <= 100
    t_lo = rank_policies(cmp.table("nps"))  # the t-interval for the same data may cross the bound
    assert t_lo.set_index("policy").to_dict("index")[FAST]["lo"] < nps["lo"]


def test_our_policy_is_labelled_apart_from_a_rival_with_the_same_name():
    cmp = fake_comparison(money=False)
    assert "Listener" in cmp.supplier_names[1:]  # the baseline has a rival called Listener
    assert report.ours(cmp, SLOW) == "Listener (us)"
    assert report.ours(cmp, FAST) == FAST
    assert "rival Listener" in report.market_description(cmp)
    assert "Listener (us)" in report.headline(cmp)


def test_overlapping_intervals_with_a_significant_paired_test_are_explained():
    cmp = fake_comparison(money=False)
    rng = np.random.default_rng(7)
    luck = rng.normal(0, 100, REPS)  # shared by both policies in each replicate
    table = pd.DataFrame({FAST: luck + 10 + rng.normal(0, 1, REPS), SLOW: luck + rng.normal(0, 1, REPS)})
    cmp.rankings["revenue"] = rank_policies(table)
    r = cmp.rankings["revenue"].set_index("policy").to_dict("index")
    assert r[SLOW]["hi"] > r[FAST]["lo"] and r[SLOW]["significant"]
    notes = report.disagreements(cmp)
    assert notes[0].startswith("Overlapping intervals, yet significantly lower: Revenue: Listener (us) vs Big")
    assert "same seeds" in notes[0]


def test_robustness_counts_only_significant_cells():
    cmp = fake_comparison(money=False)
    # cell 0: FAST far ahead in both replicates; cell 1: the paired differences (+7, -5) are a tie
    revenue = {(0, FAST): (1500, 1600), (0, SLOW): (1000, 1090), (1, FAST): (1010, 1000), (1, SLOW): (1003, 1005)}
    rows = [
        {
            "cell": cell,
            "policy": name,
            "replicate": rep,
            "trust.loss_multiplier": [1.5, 5][cell],
            "revenue": float(v[rep]),
            "customers": 1.0,
            "nps": 0.0,
            "ambassadors": 0.0,
            "trust": 0.5,
        }
        for (cell, name), v in revenue.items()
        for rep in range(2)
    ]
    cmp.robustness, cmp.vary, cmp.robust_replicates = pd.DataFrame(rows), {"trust.loss_multiplier": [1.5, 5]}, 2
    winners = report.figures.robustness_winners(cmp, "revenue")
    assert list(winners["significant"]) == [True, False]
    text = report.robustness_summary(cmp, "revenue")
    top = cmp.rankings["revenue"]["policy"].iloc[0]
    assert top == FAST  # over 60 periods the early customers earn more in total
    assert f"**{FAST}** is significantly ahead on revenue in 1 of 2" in text
    assert "in 1 no policy is significantly ahead" in text


def test_too_few_replicates_are_warned_about_only_when_the_lead_is_open():
    cmp = fake_comparison(money=False)
    assert bool(cmp.rankings["revenue"]["significant"].iloc[1])
    assert report.replicate_warnings(cmp) == []  # a significant lead: more replicates cannot flip its sign
    cmp.rankings["revenue"].loc[1, "significant"] = False
    warnings = report.replicate_warnings(cmp)
    assert any("Only 8 replicates" in w for w in warnings)


def test_full_report_renders_with_summary_first(tmp_path):
    cmp = fake_comparison(money=True)
    paths = report.write_report(cmp, tmp_path)
    md = paths["report.md"].read_text()
    assert md.index("## Executive summary") < md.index("## Ranking") < md.index("## The horizon")
    html = paths["report.html"].read_text()
    assert '<section class="summary">' in html and "horizon.png" in md


def test_pdf_without_a_browser_is_refused_before_any_run(tmp_path, monkeypatch, capsys):
    from trustsim.cli import main

    monkeypatch.setenv("TRUSTSIM_CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium on PATH either
    out = tmp_path / "out"
    status = main(
        [
            "compare",
            "listener",
            "--scenario",
            str(BASELINE),
            "--replicates",
            "2",
            "--horizon",
            "2",
            "--set",
            "market.customers=100",
            "--no-robustness",
            "--quiet",
            "--out",
            str(out),
            "--pdf",
        ]
    )
    assert status == 2
    assert "headless Chromium not found" in capsys.readouterr().err
    assert not out.exists(), "nothing is written when the PDF cannot be made"


def test_a_cost_assumption_that_changes_the_leader_is_on_page_one():
    """Robustness cells moving money.service_cost: at 1 the big advertiser leads (significantly), at 0.25 not."""
    cmp = fake_comparison(money=True)
    assert cmp.rankings["profit"]["policy"].iloc[0] == SLOW and cmp.scenario.money.service_cost == 0.5
    profit = {  # (cell, policy): profit in replicates 0, 1, 2
        (0, FAST): (100, 110, 105),
        (0, SLOW): (150, 161, 158),
        (1, FAST): (100, 110, 105),
        (1, SLOW): (180, 190, 185),
        (2, FAST): (100, 112, 104),
        (2, SLOW): (60, 70, 66),
    }
    cells = {0: ("grid", 0.5), 1: ("money", 0.25), 2: ("money", 1.0)}
    rows = [
        {"cell": c, "kind": cells[c][0], "policy": name, "replicate": r, "profit": float(v[r]), "nps": 0.0}
        | {"trust.loss_multiplier": 3.0, "money.service_cost": cells[c][1]}
        for (c, name), v in profit.items()
        for r in range(3)
    ]
    cmp.robustness, cmp.robust_replicates = pd.DataFrame(rows), 3
    cmp.vary, cmp.money_vary = {"trust.loss_multiplier": [3.0]}, {"money.service_cost": [0.25, 1.0]}
    text = report.recommendation(cmp)
    assert "The leader on profit changes (significantly) with the cost assumptions: " in text
    assert f"money.service_cost 1 (not 0.5): **{FAST}**." in text and "money.service_cost 0.25" not in text
    table = dict((r[0], r) for r in report.assumptions_table(cmp)[1])
    assert table["money.service_cost"][2:] == ["0.25 and 1", f"at 1: {FAST}"]
    assert table["money.care_cost"][3] == "not tested"
    section = report._robustness_section(cmp)
    money_rows = section.tables[-1][1]
    assert [r[:2] for r in money_rows] == [
        ["money.service_cost", "0.25 (scenario: 0.5)"],
        ["money.service_cost", "1 (scenario: 0.5)"],
    ]
    assert money_rows[1][2] == FAST and money_rows[1][4] == "yes"
    # the grid's summary counts its one cell only, never the money cells
    assert "Across 1 combinations of trust.loss_multiplier" in report.robustness_summary(cmp)
