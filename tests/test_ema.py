"""trustsim as an EMA Workbench model, and PRIM scenario discovery on a tiny sweep (extra `[ema]`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from trustsim.cli import main
from trustsim.config import load_scenario
from trustsim.ema import ema_model, experiments_frame, field_bounds, outcomes_of
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
        BASELINE, overrides=SMALL, uncertainties=["wom.rate", "trust.loss_multiplier"], levers=["care", "ad_budget"]
    )
    assert [u.name for u in model.uncertainties] == ["wom.rate", "trust.loss_multiplier"]
    assert [lv.name for lv in model.levers] == ["suppliers.0.care", "suppliers.0.ad_budget"]
    experiments, outcomes = perform_experiments(
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
    assert found.limits.loc["trust.loss_multiplier", "min"] > 3
    assert found.scores.index[0] == "trust.loss_multiplier"
