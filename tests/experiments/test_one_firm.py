"""The flagship v3 (issue 26): one firm's extra money kept, on ads or on gestures, as a region.

Effects are asserted on small markets with fixed seeds and with a margin the seeds' spread allows:
the paired difference's 95% interval must lie on the claimed side.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsim.cli import main
from trustsim.config import load_scenario
from trustsim.experiments.common import follows_interval, mean_ci, verdict
from trustsim.experiments.decision import run_market_options, run_relationship_option
from trustsim.experiments.one_firm import CELL, prepare, share_ci
from trustsim.mechanisms import planning

MARKET = "calibrated/services_new"
SEEDS = (1, 2, 3, 4, 5)
WEEKS = 104


SMALL = {"market.customers": 400, "suppliers.0.ad_budget": 2.0, "suppliers.1.ad_budget": 2.0}
"""The calibrated market at a fifth of its size, the ad budgets (money) and the goodwill saturation with it."""


def _profits(overrides: dict, seeds=SEEDS, steps=WEEKS) -> pd.DataFrame:
    """Per seed, each option's discounted profit at the last week (keep/ads and gestures on the same seed)."""
    saturation = load_scenario(MARKET).advertising.saturation / 5
    sc = load_scenario(MARKET, SMALL | {"advertising.saturation": saturation} | overrides)
    rows = []
    for seed in seeds:
        market = run_market_options(sc, seed, steps).model.iloc[-1]
        gestures = run_relationship_option(sc, seed, steps).model.iloc[-1]
        rows.append(
            {o: float(t[f"profit_{o}"]) for o, t in (("keep", market), ("ads", market), ("gestures", gestures))}
        )
    return pd.DataFrame(rows)


def test_nearly_free_gestures_beat_keeping_the_money():
    p = _profits({"market.initial_customers": 0.8, "money.gesture_cost": 0.001})
    assert verdict(mean_ci(p["gestures"] - p["keep"]), 0.0)["answer"] == "yes", p


def test_far_reaching_advertising_beats_keeping_the_money():
    reach = planning.max_reach_at(load_scenario(MARKET).advertising.max_reach, 8.0)
    p = _profits({"advertising.max_reach": reach}, steps=156)
    assert verdict(mean_ci(p["ads"] - p["keep"]), 0.0)["answer"] == "yes", p


def test_the_options_start_from_the_same_market():
    sc = load_scenario(MARKET, {"market.customers": 200, "market.initial_customers": 0.8})
    market, gestures = run_market_options(sc, 9, 3).model, run_relationship_option(sc, 9, 3).model
    assert market["profit_keep"].iloc[0] == gestures["profit_gestures"].iloc[0]
    assert market["spend_keep"].iloc[0] == gestures["spend_gestures"].iloc[0]


def _design(tmp_path: Path, posterior: str, seed: int = 5, extra: str = "") -> Path:
    path = tmp_path / f"one_firm_{seed}.toml"
    path.write_text(
        f'name = "one_firm"\nscenario = "{MARKET}"\nseed = {seed}\nreplicates = 2\nsteps = 104\n'
        '[overrides]\n"market.customers" = 200\n'
        '[design]\nkind = "grid"\n[design.parameters]\n"market.initial_customers" = [0.0]\n'
        "[analysis]\nad_reach = [1.0]\nrelationship_cost_to_margin = [1.0]\nhorizons_years = [1, 2]\n"
        f'reference_ad_reach = 1.0\nreference_cost_to_margin = 1.0\nposterior = "{posterior}"\n'
        f"posterior_draws = 6\n{extra}"
    )
    return path


@pytest.fixture
def tiny_posterior(tmp_path):
    path = tmp_path / "post.csv"
    pd.DataFrame(
        {"wom.rate": [0.1, 0.2, 0.3], "advertising.max_reach": [0.001, 0.004, 0.009], "weight": [0.2, 0.3, 0.5]}
    ).to_csv(path, index=False)
    return path


def test_posterior_draws_are_reproducible_and_follow_the_seed(tmp_path, tiny_posterior):
    def points(seed: int) -> list[dict]:
        return prepare(_design(tmp_path, str(tiny_posterior), seed), "full").posterior.market.design.points

    first = points(5)
    assert first == points(5)
    assert first != points(6)
    assert len(first) == 6 and {p["wom.rate"] for p in first} <= {0.1, 0.2, 0.3}
    # the ad reach (x1 here) scales each draw's own max_reach
    assert {p["advertising.max_reach"] for p in first} <= {0.001, 0.004, 0.009}


@pytest.mark.parametrize(
    ("extra", "replace", "words"),
    [
        ("", ("ad_reach = [1.0]", "ad_reach = [-1.0]"), ["analysis.ad_reach", "-1.0", "> 0"]),
        ("", ("horizons_years = [1, 2]", "horizons_years = [1, 5]"), ["analysis.horizons_years", "at most 2 years"]),
        ("colour = 1\n", None, ["analysis.colour"]),
        ("", ("reference_ad_reach = 1.0", "reference_ad_reach = 3.0"), ["reference_ad_reach", "must be one of"]),
    ],
)
def test_bad_design_is_refused_with_exit_2_and_nothing_written(capsys, tmp_path, tiny_posterior, extra, replace, words):
    path = _design(tmp_path, str(tiny_posterior), extra=extra)
    if replace:
        path.write_text(path.read_text().replace(*replace))
    out = tmp_path / "out"
    assert main(["experiment", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and all(w in err for w in words), err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_posterior_is_refused_with_exit_2(capsys, tmp_path):
    path = _design(tmp_path, str(tmp_path / "nowhere.csv"))
    assert main(["experiment", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "analysis.posterior" in err and "nowhere.csv" in err and str(path) in err
    assert not (tmp_path / "out").exists()


CONTRACT = (
    "option_profit",
    "relationship_roi",
    "ads_roi",
    "ltv_to_cac",
    "relationship_cost_to_margin",
    "market_maturity",
    "win_share_posterior",
    "region",
    "customers_per_ambassador",
    "incremental_customers_per_ambassador",
)


def test_findings_keep_the_contract(tiny_reports):
    f = tiny_reports("one_firm").findings
    assert all(k in f for k in CONTRACT)
    row = f["region"][0]
    for key in ("ltv_to_cac", *CELL, "horizon_years", "best_option", "difference", "verdict", "n"):
        assert key in row
    assert "n" in row["win_share_posterior"] and row["n"] == f["replicates"]
    for label, by_h in f["option_profit"]["reference"].items():
        assert set(next(iter(by_h.values()))) == {"keep", "ads", "gestures"}, label
    assert f["manager_paragraph"] and "ten" in f["manager_paragraph"]


def test_every_cell_verdict_follows_its_interval(tiny_reports):
    f = tiny_reports("one_firm").findings
    for row in f["region"]:
        assert follows_interval(row["verdict"]), row
        assert (row["certainty"] == "sure") is (row["verdict"]["answer"] == "yes")
        d = row["difference"]
        assert d["mean"] is None or d["mean"] >= 0  # the best option leads the second by construction
    for v in f["verdicts"].values():
        assert follows_interval(v)


def test_share_interval_is_exact():
    s = share_ci([True] * 3 + [False])
    assert s["mean"] == 0.75 and s["n"] == 4 and 0.19 < s["ci_low"] < 0.2 and 0.99 < s["ci_high"] <= 1.0
    assert share_ci(np.array([], dtype=bool))["mean"] is None
