"""Scenarios that stand on another (``base = ...``): tables merge, values and lists replace.

The baseline stands on the calibrated new category, so what the calibration fitted reaches it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trustsim.config import load_scenario, read_scenario_toml
from trustsim.errors import ConfigError
from trustsim.model import TrustMarket
from trustsim.sweep import load_experiment

ROOT = Path(__file__).resolve().parents[1]
FITTED = ("advertising.reach", "reviews.read_rate", "wom.rate", "wom.warn_rate", "wom.warn_midpoint")


def value(scenario, dotted: str):
    node = scenario
    for part in dotted.split("."):
        node = getattr(node, part)
    return node


def test_tables_merge_key_by_key_and_lists_replace(tmp_path):
    (tmp_path / "market.toml").write_text(
        "steps = 30\n[market]\ncustomers = 500\nsuppliers = 2\n[wom]\nrate = 0.2\nwarn_rate = 0.7\n"
        '[[suppliers]]\nname = "A"\n[[suppliers]]\nname = "B"\n'
    )
    (tmp_path / "variant.toml").write_text(
        'base = "market.toml"\n[market]\nsuppliers = 1\n[wom]\nrate = 0.05\n[[suppliers]]\nname = "Only"\n'
    )
    sc = load_scenario(tmp_path / "variant.toml")
    assert sc.steps == 30 and sc.market.customers == 500  # from the base
    assert sc.market.suppliers == 1 and sc.wom.rate == 0.05  # this file's
    assert sc.wom.warn_rate == 0.7  # the rest of the table stays the base's
    assert [p.name for p in sc.supplier_policies()] == ["Only"]  # a list replaces the base's whole
    assert "base" not in read_scenario_toml(tmp_path / "variant.toml")


def test_a_base_edge_list_is_read_from_the_base_folder(tmp_path):
    market = tmp_path / "markets"
    market.mkdir()
    (market / "edges.txt").write_text("0 1\n1 2\n2 3\n3 0\n")
    (market / "m.toml").write_text('[market]\ncustomers = 4\n[network]\nkind = "edge_list"\npath = "edges.txt"\n')
    (tmp_path / "v.toml").write_text('base = "markets/m.toml"\nsteps = 3\n')
    model = TrustMarket(load_scenario(tmp_path / "v.toml"), rng=1)
    model.run(3)
    assert model.network.degree.sum() == 8


def test_the_baseline_stands_on_the_calibrated_market():
    baseline, calibrated = load_scenario("baseline"), load_scenario("calibrated/new_category")
    for key in FITTED:
        assert value(baseline, key) == value(calibrated, key), key
    assert [p.name for p in baseline.supplier_policies()] == ["Steady", "Overdeliverer", "Advertiser", "Listener"]
    assert baseline.market.customers == 10_000 and baseline.market.initial_customers == 0.2


def test_a_recalibration_reaches_the_scenarios_that_stand_on_it(tmp_path):
    calibrated = (ROOT / "configs" / "calibrated" / "new_category.toml").read_text()
    (tmp_path / "market.toml").write_text(calibrated.replace("[wom]\nrate = ", "[wom]\nrate = 0.25 #", 1))
    baseline = (ROOT / "configs" / "baseline.toml").read_text()
    (tmp_path / "baseline.toml").write_text(
        baseline.replace('base = "calibrated/new_category"', 'base = "market.toml"')
    )
    assert load_scenario(tmp_path / "baseline.toml").wom.rate == 0.25


def test_experiments_read_a_scenario_through_its_base(tmp_path):
    (tmp_path / "v.toml").write_text('base = "calibrated/new_category"\n[market]\ncustomers = 300\n')
    (tmp_path / "e.toml").write_text(
        'name = "e"\nscenario = "v.toml"\nsteps = 5\n'
        '[design]\nkind = "grid"\n[design.parameters]\nwom.rate = [0.1, 0.2]\n'
    )
    base = load_experiment(tmp_path / "e.toml").base_data()
    assert base["market"]["customers"] == 300
    assert base["advertising"]["reach"] == load_scenario("calibrated/new_category").advertising.reach


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('base = ""\n', "expected the path or built-in name"),
        ('base = "nowhere/market"\n', "no such scenario file"),
    ],
)
def test_a_bad_base_names_the_file_the_key_and_the_value(tmp_path, text, message):
    (tmp_path / "v.toml").write_text(text + "steps = 3\n")
    with pytest.raises(ConfigError, match=message) as info:
        load_scenario(tmp_path / "v.toml")
    assert str(tmp_path / "v.toml") in str(info.value) and "base" in str(info.value)
