"""Scenario schema: defaults, overrides and clear error messages."""

import pytest

from trustsim.config import load_scenario, parse_set_args
from trustsim.errors import ConfigError


def test_baseline_loads_and_keeps_public_keys():
    sc = load_scenario("configs/baseline.toml")
    assert sc.market.customers == 10_000 and sc.network.kind == "small_world"
    market = load_scenario("calibrated/new_category")  # the baseline stands on the calibrated market
    assert sc.advertising.reach == market.advertising.reach and sc.wom.rate == market.wom.rate
    assert sc.trust.loss_multiplier == 3.0 and sc.trust.weights == [0.1, 0.2, 0.3, 0.4]
    old = load_scenario("baseline_v1")  # the uncalibrated baseline, kept for earlier results
    assert old.advertising.reach == 0.01 and old.wom.rate == 0.3 and old.market.customers == 10_000


def test_overrides_set_nested_and_list_keys():
    sc = load_scenario(
        "configs/baseline.toml", {"market.customers": 500, "suppliers.1.promise": 0.5, "supplier_defaults.care": 0.7}
    )
    policies = sc.supplier_policies()
    assert sc.market.customers == 500 and policies[1].promise == 0.5
    assert policies[0].care == 0.7 and policies[1].care == 0.8  # explicit value wins over defaults


@pytest.mark.parametrize(
    "overrides, needles",
    [
        ({"market.customrs": 5}, ["market.customrs", "did you mean 'customers'"]),
        ({"market.customers": -5}, ["market.customers", "-5", "greater than or equal to 2"]),
        ({"advertising.reach": 1.5}, ["advertising.reach", "1.5", "less than or equal to 1"]),
        ({"wom.rate": "lots"}, ["wom.rate", "lots"]),
        ({"trust.loss_multiplier": float("nan")}, ["trust.loss_multiplier", "finite"]),
        ({"network.mean_degree": 50, "market.customers": 20}, ["mean_degree", "must be < market.customers"]),
        ({"market.suppliers": 30, "market.customers": 20}, ["market.suppliers = 30", "must not exceed"]),
        ({"network.kind": "ring"}, ["network.kind", "'ring'", "well_mixed"]),
    ],
)
def test_bad_values_name_the_key_value_and_what_is_allowed(overrides, needles):
    with pytest.raises(ConfigError) as err:
        load_scenario("configs/baseline.toml", overrides)
    for needle in needles:
        assert needle.lower() in str(err.value).lower()
    assert "configs/baseline.toml" in str(err.value)


@pytest.mark.parametrize(
    "content, needle",
    [
        (b"[market\ncustomers = 5", "malformed TOML"),
        (b"", "empty"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"[market]\ncustomers = 100\n[marker]\nx = 1\n", "unknown key 'marker'"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path, content, needle):
    p = tmp_path / "s.toml"
    p.write_bytes(content)
    with pytest.raises(ConfigError, match=needle) as err:
        load_scenario(p)
    assert str(p) in str(err.value)


def test_missing_file():
    with pytest.raises(ConfigError, match="no such file"):
        load_scenario("configs/nope.toml")


def test_set_arguments_parse_toml_values():
    assert parse_set_args(
        ["market.customers=1000", "trust.weights=[1,1,1,1]", "network.kind=scale_free", "trust.gating=false"]
    ) == {"market.customers": 1000, "trust.weights": [1, 1, 1, 1], "network.kind": "scale_free", "trust.gating": False}
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_set_args(["market.customers"])
    with pytest.raises(ConfigError, match="cannot parse"):
        parse_set_args(["wom.rate=1 2"])
