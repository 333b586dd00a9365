"""`trustsim validate`'s pattern checks: the shipped calibrated scenarios against their targets."""

from __future__ import annotations

import pytest

from trustsim.config import load_scenario
from trustsim.validation import SIZES, check_names
from trustsim.validation.pattern_checks import calibrated_names, judge_patterns

SHIPPED = ["new_category", "retail_bank", "retail_bank_nps", "services_established", "services_new"]


def test_every_builtin_calibration_ships_its_calibrated_scenario_and_is_checked():
    from trustsim import builtin

    assert calibrated_names() == builtin.names("calibration") == SHIPPED
    assert {f"patterns_{n}" for n in calibrated_names()} <= set(check_names("ci"))


@pytest.mark.parametrize("name", SHIPPED)
def test_calibrated_scenario_meets_its_targets(name):
    r = judge_patterns(name, SIZES["ci"])
    assert r.passed, f"{r.measured}\n" + "\n".join(str(d) for d in r.details)


def test_the_check_fails_on_the_uncalibrated_market():
    # the flagship market as it was (q/p near 2, positive WOM 100x negative) must not pass
    base = load_scenario("ten_ambassadors", {"market.customers": 2000, "steps": 520})
    r = judge_patterns("new_category", SIZES["ci"], base)
    assert not r.passed
    assert "MISSED" in r.measured and "bass_q_over_p" in r.measured


def test_calibrated_scenarios_are_addressable_by_name_from_any_folder(tmp_path, monkeypatch):
    from trustsim import builtin

    monkeypatch.chdir(tmp_path)
    path = builtin.resolve("scenario", "calibrated/retail_bank")
    assert path == builtin.folder("scenario") / "calibrated" / "retail_bank.toml"
    assert load_scenario("calibrated/retail_bank").market.suppliers == 4


@pytest.mark.parametrize("name", ["retail_bank_nps", "services_established", "services_new"])
def test_every_model_v3_calibration_ships_its_posterior(name):
    # the posterior predictive of the flagship v3 draws from it (the version-2 calibrations predate it)
    from trustsim.calibration.posterior import load_posterior

    post = load_posterior(f"calibrated/{name}")
    assert len(post) >= 6 and abs(post["weight"].sum() - 1) < 1e-9
    assert all("." in c for c in post.columns if c != "weight")
