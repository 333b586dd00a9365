"""`trustsim compare` end to end on a tiny market: common random numbers, ranking, flows, report."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsim.compare.flows import run_with_flows, switch_columns
from trustsim.compare.stats import paired_difference
from trustsim.config import load_scenario
from trustsim.runner import run_one

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "baseline.toml"


def test_flow_run_matches_run_one_and_accounts_for_every_customer():
    scenario = load_scenario(BASELINE, {"market.customers": 400, "steps": 25})
    flows, plain = run_with_flows(scenario, seed=5), run_one(scenario, seed=5)
    pd.testing.assert_frame_equal(flows.model, plain.model)
    pd.testing.assert_frame_equal(flows.suppliers[plain.suppliers.columns], plain.suppliers)
    s = flows.suppliers
    cols = switch_columns(4)
    assert (s[cols].sum(axis=1) == s["churned"]).all()
    assert s["churned"].sum() > 0, "the test market must see some switching"
    for j in range(4):
        assert (s.loc[s["supplier"] == j, f"switched_to_{j}"] == 0).all()
    # Customers only change supplier by adopting or switching: final = initial + won - lost.
    for _, g in s.groupby("supplier"):
        g = g.sort_values("step")
        won = g.loc[g["step"] > 0, "acquired"].sum()
        assert g["customers"].iloc[-1] == g["customers"].iloc[0] + won - g.loc[g["step"] > 0, "churned"].sum()


def test_cli_exit_status_and_files(cli_run):
    status, out = cli_run
    assert status == 0
    for name in (
        "report.html",
        "report.md",
        "ranking.csv",
        "figures/ranking.png",
        "figures/timecourse.png",
        "figures/flows.png",
        "figures/robustness.png",
        "figures/profit.png",
        "runs.csv",
        "costs.csv",
        "robustness.parquet",
        "runs/manifest.json",
        "robustness/manifest.json",
    ):
        assert (out / name).is_file(), name


def test_common_random_numbers_make_a_copied_policy_identical(comparison):
    """Same seeds: the copy of Listener reproduces Listener in every replicate, exactly."""
    v = comparison.values.set_index(["policy", "replicate"]).sort_index()
    a, b = v.loc["Listener"], v.loc["Listener again"]
    pd.testing.assert_frame_equal(a.drop(columns="run"), b.drop(columns="run"))
    assert v.loc["Listener", "revenue"].nunique() > 1, "replicates must differ from each other"
    for measure, ranking in comparison.rankings.items():
        r = ranking.set_index("policy")
        assert r.loc["Listener", "mean"] == r.loc["Listener again", "mean"], measure
        assert r.loc["Listener", "significant"] == r.loc["Listener again", "significant"], measure
        table = comparison.table(measure)
        assert paired_difference(table["Listener"], table["Listener again"]) == (0.0, 0.0, 0.0, 1.0)


def test_seeds_are_common_across_policies_and_distinct_across_replicates(comparison):
    from trustsim.sweep import load_summary

    runs = load_summary(comparison.out_dir / "runs")
    seeds = runs.pivot(index="replicate", columns="point", values="seed")
    assert (seeds.nunique(axis=1) == 1).all()
    assert seeds[0].nunique() == comparison.replicates


def test_over_promising_costs_trust_and_nps_significantly(comparison):
    """The asymmetry: promising 0.95 with ability 0.85 breaks promises, so trust and NPS fall."""
    for measure in ("trust", "nps"):
        r = comparison.rankings[measure].set_index("policy")
        assert r.index[-1] == "Over-promiser"
        assert r.loc["Over-promiser", "significant"]
        assert r.loc["Over-promiser", "diff_hi"] < 0


def test_values_are_our_suppliers(comparison):
    """The ranked values are supplier 0's, and its competitors keep their own policies."""
    s = comparison.suppliers
    final = s[s["step"] == s["step"].max()]
    ours = final[final["supplier"] == 0].sort_values("run")
    v = comparison.values.sort_values("run")
    assert ours["customers"].to_numpy().tolist() == v["customers"].to_numpy().tolist()
    other = final[final["supplier"] == 2].groupby("policy")["customers"].mean()
    assert other.nunique() > 1, "a competitor's result depends on our policy"


def test_report_states_the_winner_with_its_numbers(comparison, cli_run):
    _, out = cli_run
    md = (out / "report.md").read_text()
    first = md.split("\n\n")[1]
    r = comparison.rankings["profit"]  # the model has money: profit heads the report
    assert first.startswith("Under this market")
    assert f"**{r['policy'].iloc[0]}**" in first
    runner = r.iloc[1]
    lead = -runner["diff"] / r["mean"].iloc[0]  # one base for every percentage: the leader's mean
    assert f"{lead:.1%} less" in first and runner["policy"] in first
    assert f"| -{lead:.1%} |" in md  # the ranking table shows the same gap on the same base
    assert ("not significant" in first) != bool(runner["significant"])
    for m in (
        "Profit (total)",
        "Return on extra spend (95% CI)",
        "Discounted profit (cumulative, final)",
        "Revenue (total)",
        "Customers (final)",
        "NPS (final)",
        "Ambassadors (final)",
        "Trust (final)",
    ):
        assert m in md
    assert "lower*" in md  # the over-promiser is significantly below the best somewhere
    ranking = pd.read_csv(out / "ranking.csv")
    assert set(ranking["measure"]) == {
        "profit",
        "discounted_profit",
        "revenue",
        "customers",
        "nps",
        "ambassadors",
        "trust",
    }


def test_report_html_is_self_contained(cli_run):
    _, out = cli_run
    page = (out / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 6  # page one's profit chart and five more
    assert not re.search(r'(src|href)="(?!data:)', page), "the page must not load anything"
    assert "<script" not in page


def test_per_run_and_cost_files_match_the_runs(comparison, cli_run):
    """runs.csv: one row per policy x replicate; costs.csv: the cost breakdown, its parts adding up."""
    _, out = cli_run
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 4 * comparison.replicates
    assert list(runs.columns[:3]) == ["policy", "replicate", "run"]
    series = comparison.series[comparison.series["step"] > 0]
    totals = series.groupby(["policy", "replicate"])[["profit", "costs", "service_costs", "ad_costs"]].sum()
    for _, row in runs.iterrows():
        expected = totals.loc[(row["policy"], row["replicate"])]
        for column in ("profit", "costs", "service_costs", "ad_costs"):
            assert row[column] == pytest.approx(expected[column], rel=1e-12)
    costs = pd.read_csv(out / "costs.csv").set_index("policy")
    parts = costs["service_costs"] + costs["ad_costs"] + costs["fixed_costs"]
    np.testing.assert_allclose(parts, costs["costs"], rtol=1e-9)
    np.testing.assert_allclose(costs["revenue"] - costs["costs"], costs["profit"], rtol=1e-9)
    # the columns are those docs/outputs.md lists (generated from trustsim.outputs.COMPARE)
    from trustsim.outputs import COMPARE

    def documented(name: str) -> set[str]:
        return {part.strip() for c in COMPARE[name][1] for part in c.name.split(",")}

    assert set(costs.reset_index().columns) == documented("costs.csv")
    assert set(pd.read_csv(out / "ranking.csv").columns) == documented("ranking.csv")
    listener = costs.to_dict("index")["Listener"]
    assert listener["reference"] == "Listener" and np.isnan(listener["roi"])


def test_robustness_grid_has_every_policy_in_every_cell(comparison):
    rob = comparison.grid()
    assert sorted(rob["trust.loss_multiplier"].unique()) == [1.5, 5.0]
    counts = rob.groupby(["cell", "policy"]).size()
    assert len(counts) == 2 * 4 and (counts == 2).all()
    # and each money assumption moved on its own to half and twice the scenario's value, others as in the scenario
    money = comparison.robustness[comparison.robustness["kind"] == "money"]
    base = comparison.scenario.money
    for key in ("service_cost", "over_delivery_cost", "care_cost", "ad_cost"):
        value = getattr(base, key)
        moved = money[money[f"money.{key}"] != value]
        assert sorted(moved[f"money.{key}"].unique()) == [value / 2, value * 2]
        assert moved.groupby(["cell", "policy"]).size().eq(2).all() and moved["cell"].nunique() == 2
        others = [f"money.{k}" for k in ("service_cost", "over_delivery_cost", "care_cost", "ad_cost") if k != key]
        assert (moved[others] == [getattr(base, k.split(".")[1]) for k in others]).all().all()
    assert (money["trust.loss_multiplier"] == comparison.scenario.trust.loss_multiplier).all()
    # The asymmetry hurts the over-promiser more when broken promises cost 5 kept ones than 1.5.
    op = rob[rob["policy"] == "Over-promiser"].groupby("trust.loss_multiplier")["trust"].mean()
    assert op[5.0] < op[1.5]


def test_rerun_resumes_without_recomputing(comparison):
    from trustsim.sweep import read_manifest

    manifest = read_manifest(comparison.out_dir / "runs")
    assert manifest["status"] == "complete"
    assert manifest["counts"]["done"] == 4 * comparison.replicates
    assert np.isfinite(comparison.rankings["trust"]["mean"]).all()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["listner"], "Did you mean 'listener'"),
        (["listener", "--as", "9"], "--as 9: the scenario has 4 supplier"),
        (["listener", "--replicates", "1"], "at least 2 replicates"),
        (["listener", "--vary", "trust.loss_multiplier=0.5"], "loss_multiplier = 0.5"),
        (["listener", "--vary", "suppliers.0.care=0.5"], "cannot be varied"),
        (["listener", "--vary", "wom.rate"], "expected KEY=V1,V2"),
        (["listener", "--set", "market.customer=5"], "Did you mean 'customers'"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_output(tmp_path, capsys, extra, message):
    from trustsim.cli import main

    out = tmp_path / "out"
    status = main(["compare", "--scenario", str(BASELINE), "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert status == 2, err
    assert message in " ".join(err.split()) and "Traceback" not in err
    assert not out.exists()


def test_cli_runs_as_a_program(tmp_path):
    """The console entry point reports a bad policy file with exit status 2 and no traceback."""
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\npromise = 2\n')
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "trustsim.cli",
            "compare",
            str(bad),
            "--scenario",
            str(BASELINE),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert str(bad) in proc.stderr and "promise = 2" in proc.stderr and "Traceback" not in proc.stderr


def test_as_plays_the_policies_as_another_supplier(tmp_path):
    """--as 3: the policies replace the Listener (supplier 3); the values are supplier 3's."""
    from trustsim.compare import compare_policies

    cmp = compare_policies(
        BASELINE,
        ["big_advertiser", "cost_cutter"],
        tmp_path / "as3",
        as_index=3,
        replicates=2,
        steps=12,
        overrides={"market.customers": 300},
        vary={},
        workers=1,
        progress=False,
    )
    assert set(cmp.series["supplier"]) == {3}
    trust = cmp.table("trust")
    assert (trust["Cost cutter"] < trust["Big advertiser"]).all()  # less able and caring, in every replicate
    assert (cmp.series["customers"] <= 0.3 * 300).where(cmp.series["policy"] == "Cost cutter", True).all()
    assert cmp.supplier_names[3] == "Listener"
