"""trustsim as an EMA Workbench model, and PRIM scenario discovery on a tiny sweep (extra `[ema]`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from trustsim.cli import main
from trustsim.config import load_scenario
from trustsim.ema import (
    default_range,
    ema_model,
    experiments_frame,
    field_bounds,
    load_sweep,
    outcomes_of,
    replication_seeds,
)
from trustsim.errors import ConfigError
from trustsim.runner import run_one

BASELINE = Path(__file__).resolve().parents[1] / "configs" / "baseline.toml"
SMALL = {"market.customers": 300, "steps": 8}


def test_schema_bounds_and_bad_keys():
    assert field_bounds("advertising.reach") == (0.0, 1.0)
    assert field_bounds("suppliers.0.ad_budget") == (0.0, 1000.0)  # the schema bounds every number (finite)
    assert field_bounds("suppliers.0.price") == (0.0, 1e6)
    with pytest.raises(ConfigError, match="not a scenario setting"):
        field_bounds("trust.loss_multiplyer")
    with pytest.raises(ConfigError, match="within the schema"):
        ema_model(BASELINE, overrides=SMALL, uncertainties={"advertising.reach": (0.1, 2.0)})


def test_ema_experiments_run_the_model_with_the_sampled_inputs():
    from ema_workbench import perform_experiments

    model = ema_model(
        BASELINE,
        overrides=SMALL,
        uncertainties=["wom.rate", "trust.loss_multiplier"],
        levers=["care", "ad_budget"],
        replications=1,
    )
    assert [u.name for u in model.uncertainties] == ["wom.rate", "trust.loss_multiplier"]
    assert [lv.name for lv in model.levers] == ["suppliers.0.care", "suppliers.0.ad_budget"]
    experiments, outcomes = perform_experiments(  # pyright: ignore[reportGeneralTypeIssues]
        model,
        scenarios=3,
        policies=2,
        log_progress=False,
        uncertainty_sampling_kwargs={"rng": 1},
        lever_sampling_kwargs={"rng": 2},
    )
    assert len(experiments) == 6 and outcomes["customer_share"].shape == (6, 9)
    frame = experiments_frame(experiments, outcomes)
    assert frame["ours_total_revenue"].nunique() > 1, "different inputs must give different outcomes"
    # each experiment is exactly trustsim run on its inputs (common seed): check one by hand
    row = frame.iloc[4]
    params = {
        k: float(row[k]) for k in ("wom.rate", "trust.loss_multiplier", "suppliers.0.care", "suppliers.0.ad_budget")
    }
    scenario = load_scenario(BASELINE, {**SMALL, **params})
    result = run_one(scenario, scenario.seed, scenario.steps)
    expected = outcomes_of(result.model, result.suppliers, 0, money=False)
    for name in ("final_customer_share", "ours_final_customers", "ours_total_revenue"):
        assert row[name] == pytest.approx(expected[name])
    np.testing.assert_allclose(outcomes["customer_share"][4], expected["customer_share"])


def test_ranges_are_the_documented_ones_and_kinds_are_emas():
    """Half to twice the scenario's value (docs/sweeps.md); a share spans 0-1; integers and choices are EMA's own."""
    from ema_workbench import BooleanParameter, CategoricalParameter, IntegerParameter, RealParameter

    model = ema_model(
        BASELINE,
        overrides=SMALL,
        uncertainties=["market.customers", "network.kind", "wom.reach_rivals", "wom.rate"],
        levers=["ad_budget", "care"],
    )
    p = {u.name: u for u in [*model.uncertainties, *model.levers]}
    assert isinstance(p["market.customers"], IntegerParameter)
    assert (p["market.customers"].lower_bound, p["market.customers"].upper_bound) == (150, 600)
    assert isinstance(p["network.kind"], CategoricalParameter)
    # edge_list needs a file the scenario does not name: it is not sampled
    assert [c.value for c in p["network.kind"].categories] == ["well_mixed", "erdos_renyi", "small_world", "scale_free"]
    assert isinstance(p["wom.reach_rivals"], BooleanParameter)
    rate = load_scenario(BASELINE).wom.rate
    assert isinstance(p["wom.rate"], RealParameter)
    assert (p["wom.rate"].lower_bound, p["wom.rate"].upper_bound) == pytest.approx((rate / 2, rate * 2))
    assert (p["suppliers.0.ad_budget"].lower_bound, p["suppliers.0.ad_budget"].upper_bound) == (0.5, 2.0)
    assert (p["suppliers.0.care"].lower_bound, p["suppliers.0.care"].upper_bound) == (0.0, 1.0)
    assert default_range("market.customers", 301) == (151, 602)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"uncertainties": ["wom.rat"]}, "'wom.rat' is not a scenario setting"),
        ({"levers": ["nope"]}, "'suppliers.0.nope' is not a scenario setting"),
        ({"uncertainties": ["shocks"]}, "not a number, a choice or a switch"),
        ({"uncertainties": {"wom.rate": "x"}}, "must be (low, high) numbers"),
        ({"uncertainties": {"market.customers": (100.5, 200)}}, "whole number"),
        ({"uncertainties": {"network.kind": ["edge_list", "small_world"]}}, "needs network.path"),
        ({"uncertainties": {"network.kind": ["ring", "small_world"]}}, "cannot be 'ring'"),
        ({"uncertainties": [3]}, "'3' is not a scenario setting"),
        ({"replications": 0}, "replications 0"),
        ({"as_index": 7}, "as_index 7"),
    ],
)
def test_bad_keys_and_ranges_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError) as e:
        ema_model(BASELINE, overrides=SMALL, **kwargs)
    assert message in str(e.value)


def test_replicated_experiments_equal_direct_runs():
    """20 scenarios x 5 replications through EMA's ReplicatorModel: each outcome is trustsim run on its inputs
    and its replication's seed (the same seeds in every experiment: common random numbers)."""
    from ema_workbench import perform_experiments

    small = {"market.customers": 120, "steps": 4}
    model = ema_model(
        BASELINE,
        overrides=small,
        uncertainties=["wom.rate", "market.customers", "network.kind"],
        levers=[],
        replications=5,
    )
    experiments, outcomes = perform_experiments(  # pyright: ignore[reportGeneralTypeIssues]
        model, scenarios=20, log_progress=False, uncertainty_sampling_kwargs={"rng": 3}
    )
    each = {k: outcomes[f"{k}_replications"] for k in ("ours_total_revenue", "customer_share")}
    assert len(experiments) == 20 and each["ours_total_revenue"].shape == (20, 5)
    assert each["customer_share"].shape == (20, 5, 5) and outcomes["customer_share"].shape == (20, 5)
    np.testing.assert_allclose(outcomes["ours_total_revenue"], each["ours_total_revenue"].mean(axis=1))
    seeds = replication_seeds(load_scenario(BASELINE).seed, 5)
    assert len(set(seeds)) == 5
    spread = each["ours_total_revenue"].std(axis=1)
    assert (spread > 0).any(), "replications on different seeds must differ"
    for i in range(20):
        params = {k: experiments[k].iloc[i] for k in ("wom.rate", "market.customers", "network.kind")}
        params["market.customers"] = int(params["market.customers"])
        scenario = load_scenario(BASELINE, {**small, **params})
        for r, seed in enumerate(seeds):
            result = run_one(scenario, seed, scenario.steps)
            expected = outcomes_of(result.model, result.suppliers, 0, money=True)
            for name in ("final_customer_share", "ours_final_customers", "ours_total_revenue", "ours_total_profit"):
                assert outcomes[f"{name}_replications"][i, r] == expected[name], (i, r, name)
            np.testing.assert_array_equal(each["customer_share"][i, r], expected["customer_share"])
    frame = experiments_frame(experiments, outcomes)
    assert len(frame) == 100 and frame["replication"].tolist()[:6] == [0, 1, 2, 3, 4, 0]
    assert frame["ours_total_revenue"].tolist() == each["ours_total_revenue"].reshape(-1).tolist()


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory) -> Path:
    """30 runs of a Latin hypercube over the ad reach and word of mouth, 10 steps, 200 customers."""
    folder = tmp_path_factory.mktemp("discover")
    spec = folder / "tiny.toml"
    spec.write_text(f"""
name = "tiny_lhs"
scenario = "{BASELINE}"
seed = 5
replicates = 1
steps = 10
[overrides]
market.customers = 200
[design]
kind = "lhs"
samples = 30
[design.parameters]
"wom.rate" = {{ low = 0.05, high = 0.8 }}
"advertising.reach" = {{ low = 0.001, high = 0.05 }}
[output]
measures = ["customer_share", "ambassador_share"]
""")
    out = folder / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    return out


def test_prim_finds_the_box_where_the_outcome_holds(tiny_sweep):
    from trustsim.analysis.discover import discover

    summary = pd.read_parquet(tiny_sweep / "summary.parquet")
    cut = float(summary["customer_share"].median())
    found = discover(tiny_sweep, f"customer_share > {cut}")
    assert found.runs == 30 and found.holds == int((summary["customer_share"] > cut).sum())
    assert found.met and found.density >= 0.8
    # advertising fills the market in 10 steps; word of mouth has had no time: the box is on the reach
    assert "advertising.reach" in found.limits.index
    assert found.scores.index[0] == "advertising.reach" and found.scores.sum() == pytest.approx(1.0)
    # coverage and density recomputed from the box itself
    inside = np.ones(len(summary), dtype=bool)
    for name, row in found.limits.iterrows():
        inside &= (summary[name] >= row["min"]) & (summary[name] <= row["max"])
    y = summary["customer_share"] > cut
    assert found.density == pytest.approx(y[inside].mean())
    assert found.coverage == pytest.approx(y[inside].sum() / y.sum())


def test_discover_command_writes_its_report_and_refuses_bad_outcomes(tiny_sweep, capsys):
    assert main(["discover", str(tiny_sweep), "--outcome", "customer_share > 0.3"]) == 0
    assert "coverage" in capsys.readouterr().out
    assert (tiny_sweep / "discover" / "discover.md").read_text().startswith("# Scenario discovery")
    assert main(["discover", str(tiny_sweep), "--outcome", "customer_shar > 0.3"]) == 2
    assert "Did you mean 'customer_share'?" in capsys.readouterr().err
    assert main(["discover", str(tiny_sweep), "--outcome", "ambassador_share > 0.5"]) == 2
    assert "holds in none" in capsys.readouterr().err


def test_discover_on_a_comparison_finds_where_a_policy_wins(tmp_path):
    """A compare folder's robustness grid: the listener wins exactly where trust.loss_multiplier >= 4."""
    from trustsim.analysis.discover import discover

    rows = []
    for cell, (loss, rate) in enumerate((a, b) for a in (1.5, 3.0, 4.0, 5.0) for b in (0.15, 0.3, 0.45)):
        for rep in range(3):
            for policy, revenue in (("Listener", 100 + 10 * loss), ("Big advertiser", 135 + rep)):
                rows.append(
                    {
                        "cell": cell,
                        "policy": policy,
                        "replicate": rep,
                        "run": len(rows),
                        "trust.loss_multiplier": loss,
                        "wom.rate": rate,
                        "revenue": float(revenue),
                        "vary": "trust.loss_multiplier,wom.rate",
                    }
                )
    pd.DataFrame(rows).to_parquet(tmp_path / "robustness.parquet")
    found = discover(tmp_path, "winner_revenue == 'Listener'")
    assert (found.runs, found.holds, found.unit) == (36, 18, "cell replicates")
    assert found.density == 1.0 and found.coverage == 1.0
    assert list(found.limits.index) == ["trust.loss_multiplier"]
    assert found.limits["min"].astype(float)["trust.loss_multiplier"] > 3
    assert found.scores.index[0] == "trust.loss_multiplier"


def test_a_sweep_loads_as_emas_experiments_and_outcomes(tiny_sweep):
    """The loader round-trips: back to one table, it is the sweep's summary (inputs and measures per run)."""
    experiments, outcomes = load_sweep(tiny_sweep)
    summary = pd.read_parquet(tiny_sweep / "summary.parquet")
    assert list(experiments.columns) == ["wom.rate", "advertising.reach", "scenario", "policy", "model"]
    assert len(experiments) == 30 and outcomes["customer_share"].shape == (30,)
    frame = experiments_frame(experiments, outcomes)
    for column in ("wom.rate", "advertising.reach", "customer_share", "ambassador_share"):
        assert frame[column].tolist() == summary.sort_values("point")[column].tolist()
    # EMA's own analyses take them as they are
    from ema_workbench.analysis import prim

    y = outcomes["customer_share"] > np.median(outcomes["customer_share"])
    box = prim.Prim(experiments[["wom.rate", "advertising.reach"]], y).find_box()
    assert box is not None


def test_a_replicated_sweep_loads_with_replications(tmp_path):
    spec = tmp_path / "rep.toml"
    spec.write_text(f"""
name = "rep"
scenario = "{BASELINE}"
seed = 2
replicates = 3
steps = 4
[overrides]
market.customers = 100
[design]
kind = "grid"
[design.parameters]
"wom.rate" = [0.1, 0.3]
[output]
measures = ["customer_share"]
""")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    experiments, outcomes = load_sweep(out)
    summary = pd.read_parquet(out / "summary.parquet")
    assert outcomes["customer_share_replications"].shape == (2, 3) and outcomes["customer_share"].shape == (2,)
    for _, row in summary.iterrows():
        assert (
            outcomes["customer_share_replications"][int(row["point"]), int(row["replicate"])] == row["customer_share"]
        )
    frame = experiments_frame(experiments, outcomes)
    assert len(frame) == 6 and frame["replication"].tolist() == [0, 1, 2, 0, 1, 2]
