"""`trustsim optimize`: budget-feasible candidates, a correct front, reproducible search, honest validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsim.compare.search import candidate, pareto_front
from trustsim.policies import budget_cost, load_policy

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "baseline.toml"
ARGS = [
    "optimize",
    "--scenario",
    str(BASELINE),
    "--budget",
    "2",
    "--objective",
    "both",
    "--trials",
    "6",
    "--batch",
    "3",
    "--replicates",
    "2",
    "--validate",
    "2",
    "--validate-replicates",
    "3",
    "--horizon",
    "12",
    "--set",
    "market.customers=250",
    "--workers",
    "2",
    "--quiet",
]


@pytest.mark.parametrize(
    "shares",
    [
        {"ads": 1, "over_delivery": 0, "care": 0},
        {"ads": 0.2, "over_delivery": 0.5, "care": 0.3},
        {"ads": 0, "over_delivery": 0, "care": 0},
    ],
)
def test_candidates_spend_exactly_the_budget_unless_capped(shares):
    settings = candidate(2.0, shares, promise=0.7, banner_share=0.0)
    assert budget_cost(settings) == pytest.approx(2.0)
    capped = candidate(5.0, {"ads": 0, "over_delivery": 0, "care": 1}, promise=0.7, banner_share=0.0)
    assert capped["care"] == 1.0 and budget_cost(capped) == pytest.approx(2.0)  # care cannot exceed 1
    od = candidate(10.0, {"ads": 0, "over_delivery": 1, "care": 0}, promise=0.9, banner_share=0.0)
    assert od["over_delivery"] == pytest.approx(0.1)  # promise + over-delivery <= 1


def test_pareto_front_keeps_exactly_the_undominated():
    frame = pd.DataFrame({"revenue": [1, 2, 3, 2, 3], "nps": [5, 4, 1, 3, 1]})
    assert pareto_front(frame).tolist() == [True, True, True, False, True]


@pytest.fixture(scope="module")
def search_dir(tmp_path_factory):
    from trustsim.cli import main

    out = tmp_path_factory.mktemp("optimize") / "out"
    assert main([*ARGS, "--out", str(out)]) == 0
    return out


def test_search_writes_its_report_and_reusable_policies(search_dir):
    trials = pd.read_csv(search_dir / "trials.csv")
    assert len(trials) == 6 and trials["trial"].tolist() == list(range(6))
    assert (trials["cost"] <= 2.0 + 1e-6).all()  # never over budget; under only where care or over-delivery cap
    assert np.isclose(trials["cost"], 2.0).mean() > 0.5
    assert trials["front"].any()
    files = sorted((search_dir / "policies").glob("*.toml"))
    assert 1 <= len(files) <= 2
    best = trials.iloc[int(trials["revenue"].to_numpy().argmax())]
    policy = load_policy(next(f for f in files if "search_best_revenue" in f.name))
    assert policy.settings["ad_budget"] == pytest.approx(best["ad_budget"], rel=1e-5)
    assert policy.settings["care"] == pytest.approx(best["care"], rel=1e-5)
    md = (search_dir / "report.md").read_text()
    assert "With 2 budget units per step, the most revenue on fresh seeds comes from" in md
    html = (search_dir / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 1 and "<script" not in html
    assert (search_dir / "validation" / "report.html").is_file()


def test_validation_uses_fresh_seeds_and_includes_the_current_policy(search_dir):
    from trustsim.sweep import load_summary

    search_seeds = set(load_summary(search_dir / "trials" / "batch-000")["seed"])
    validation = load_summary(search_dir / "validation" / "runs")
    assert not search_seeds & set(validation["seed"])
    assert (validation.groupby("replicate")["seed"].nunique() == 1).all()  # common within validation
    assert validation["point"].nunique() == 3  # two candidates + the current policy
    ranking = pd.read_csv(search_dir / "validation" / "ranking.csv")
    assert "Current (Steady)" in set(ranking["policy"])


def test_same_arguments_give_the_same_search(search_dir):
    """The sampler is seeded: a re-run asks for the same candidates, so every sweep resumes."""
    from trustsim.cli import main

    before = pd.read_csv(search_dir / "trials.csv")
    assert main([*ARGS, "--out", str(search_dir)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(search_dir / "trials.csv"), before)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--budget", "-1"], "between 0 and 20"),
        (["--budget", "2", "--objective", "profit_x"], "'profit_x' is not a measure of a run"),
        (["--budget", "2", "--objective", "@pd.io.common.os.system('true') == 0"], "'@' is not allowed"),
        (["--budget", "2", "--replicates", "1"], "--replicates must be >= 2"),
    ],
)
def test_bad_input_exits_2(tmp_path, capsys, extra, message):
    from trustsim.cli import main

    out = tmp_path / "out"
    try:
        status = main(["optimize", "--scenario", str(BASELINE), "--out", str(out), *extra])
    except SystemExit as e:  # argparse refuses the value
        status = e.code
    assert status == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_the_default_objective_is_discounted_profit(tmp_path):
    """Without --objective the search maximises the mean discounted profit; the report says so on fresh seeds."""
    from trustsim.cli import main

    out = tmp_path / "out"
    args = [a for a in ARGS if a not in ("--objective", "both")]
    args[args.index("--trials") + 1], args[args.index("--horizon") + 1] = "4", "10"
    assert main([*args, "--out", str(out)]) == 0
    trials = pd.read_csv(out / "trials.csv")
    np.testing.assert_allclose(trials["objective"], trials["discounted_profit"])
    best = trials.iloc[int(trials["objective"].to_numpy().argmax())]
    files = sorted((out / "policies").glob("*.toml"))
    policy = load_policy(next(f for f in files if "search_best_objective" in f.name))
    assert policy.settings["ad_budget"] == pytest.approx(best["ad_budget"], rel=1e-5)
    md = (out / "report.md").read_text()
    assert "the highest discounted profit on fresh seeds comes from" in md
    assert "objective: `discounted_profit`" in md


def test_an_objective_expression_is_maximised(tmp_path):
    from trustsim.cli import main

    out = tmp_path / "out"
    args = list(ARGS)
    args[args.index("both")] = "profit + 10 * nps"
    args[args.index("--trials") + 1], args[args.index("--horizon") + 1] = "3", "8"
    assert main([*args, "--out", str(out)]) == 0
    trials = pd.read_csv(out / "trials.csv")
    np.testing.assert_allclose(trials["objective"], trials["profit"] + 10 * trials["nps"], rtol=1e-9)
    assert "the highest value of 'profit + 10 * nps' on fresh seeds" in (out / "report.md").read_text()
