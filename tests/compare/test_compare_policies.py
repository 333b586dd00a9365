"""Policy files: the shipped ones load and differ; bad files fail naming file, key, value, allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustsim.config import load_scenario
from trustsim.errors import ConfigError
from trustsim.model import TrustMarket
from trustsim.policies import (
    SETTINGS,
    available_policies,
    budget_cost,
    load_policies,
    load_policy,
)

REPO = Path(__file__).resolve().parents[2]
CLASSIC = [
    "over_promiser",
    "under_promise_over_deliver",
    "big_advertiser",
    "listener",
    "transparent_repairer",
    "cost_cutter",
]
COVEY = [
    "covey_right_wrongs",
    "covey_get_better",
    "covey_confront_reality",
    "covey_keep_commitments",
    "covey_extend_trust",
]


def test_shipped_policies_load_with_distinct_names_and_settings():
    names = available_policies()
    assert set(CLASSIC + COVEY) <= set(names)
    policies = load_policies(names)
    assert len({p.name for p in policies}) == len(policies)
    settings = {tuple(sorted(p.settings.items())) for p in policies}
    assert len(settings) == len(policies), "two shipped policies have the same settings"
    assert all(p.description for p in policies)


def test_covey_policies_set_what_their_behaviour_names():
    assert load_policy("covey_right_wrongs").settings["transparency"] >= 0.9
    assert load_policy("covey_get_better").settings["competence"] > 0.85
    assert load_policy("covey_keep_commitments").settings["reliability"] > 0.95
    assert load_policy("covey_extend_trust").settings["extend_trust"] > 0.5
    over = load_policy("over_promiser").settings
    assert over["promise"] > 0.85  # promises more than the default competence delivers


def test_policy_applies_to_one_supplier_and_fills_from_supplier_defaults():
    scenario = load_scenario(REPO / "configs" / "baseline.toml")
    policy = load_policy("big_advertiser")
    model_scenario = load_scenario(REPO / "configs" / "baseline.toml", policy.overrides(scenario, 1))
    before, after = scenario.supplier_policies(), model_scenario.supplier_policies()
    assert after[1].ad_budget == 2.0 and after[1].banner_share == 0.5
    # Overdeliverer's own quirks are replaced by the market's defaults, not kept.
    assert before[1].over_delivery == 0.08 and after[1].over_delivery == 0.0
    assert after[1].name == before[1].name
    for i in (0, 2, 3):
        assert after[i] == before[i]
    market = TrustMarket(model_scenario, rng=1, **{"market.customers": 200})
    assert market.suppliers_list[1].ad_budget == 2.0


def test_budget_cost_matches_ten_ambassadors_same_budget():
    """configs/ten_ambassadors.toml: both suppliers spend 2 units per period."""
    scenario = load_scenario(REPO / "configs" / "ten_ambassadors.toml")
    costs = [budget_cost(p.model_dump()) for p in scenario.supplier_policies()]
    assert costs == pytest.approx([2.0, 2.0])
    assert load_policy("under_promise_over_deliver").cost(scenario) == pytest.approx(2.0)
    assert budget_cost({"ad_budget": 0.0, "over_delivery": 0.0, "care": 0.3}) == 0.0  # care below 0.6 is free


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(text)
    return path


def test_unknown_key_names_file_key_value_and_allowed(tmp_path):
    path = _write(tmp_path, 'name = "x"\npromis = 0.5\n')
    with pytest.raises(ConfigError) as err:
        load_policy(path)
    msg = str(err.value)
    assert str(path) in msg and "'promis'" in msg and "0.5" in msg and "Did you mean 'promise'" in msg
    assert all(field in msg for field in SETTINGS)


@pytest.mark.parametrize(
    ("line", "key", "allowed"),
    [
        ("promise = 1.5", "promise", "0.0 to 1.0"),
        ("ad_budget = -2", "ad_budget", "0.0 to 1000.0"),
        ('care = "lots"', "care", "0.0 to 1.0"),
    ],
)
def test_bad_value_names_file_key_value_and_allowed(tmp_path, line, key, allowed):
    path = _write(tmp_path, f'name = "x"\n{line}\n')
    with pytest.raises(ConfigError) as err:
        load_policy(path)
    msg = str(err.value)
    value = line.split("= ")[1]
    assert str(path) in msg and f"{key} = " in msg and value.strip('"') in msg and allowed in msg


def test_bad_files_and_names(tmp_path):
    with pytest.raises(ConfigError, match="Did you mean 'listener'"):
        load_policy("listner")
    with pytest.raises(ConfigError, match="malformed TOML"):
        load_policy(_write(tmp_path, "name = \n"))
    with pytest.raises(ConfigError, match="needs a name"):
        load_policy(_write(tmp_path, 'name = ""\npromise = 0.5\n'))
    twin = _write(tmp_path, 'name = "Listener"\ncare = 0.2\n')
    with pytest.raises(ConfigError, match="already used"):
        load_policies(["listener", twin])


def test_name_defaults_to_the_file_name(tmp_path):
    path = tmp_path / "quiet_helper.toml"
    path.write_text("care = 0.7\n")
    assert load_policy(path).name == "quiet helper"
