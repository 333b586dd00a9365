"""Built-in scenarios, policies and experiment designs: by name from any folder, paths still work."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from trustsim import builtin
from trustsim.cli import main
from trustsim.config import load_scenario
from trustsim.errors import ConfigError
from trustsim.policies import load_policy
from trustsim.sweep import load_experiment

REPO = Path(__file__).resolve().parents[1]


def test_every_builtin_is_a_file_in_the_package_and_the_checkout_links_to_it():
    assert builtin.names("scenario") == sorted(p.stem for p in (REPO / "configs").glob("*.toml"))
    assert builtin.names("policy") == sorted(p.stem for p in (REPO / "configs" / "policies").glob("*.toml"))
    assert builtin.names("experiment") == sorted(p.stem for p in (REPO / "experiments").glob("*.toml"))
    assert builtin.data_dir() == REPO / "trustsim" / "data"
    assert (REPO / "configs").resolve() == builtin.folder("scenario")
    assert (REPO / "experiments").resolve() == builtin.folder("experiment")


def test_names_work_from_any_folder(tmp_path, monkeypatch):
    by_path = load_scenario(REPO / "configs" / "baseline.toml")
    monkeypatch.chdir(tmp_path)
    assert load_scenario("baseline") == by_path
    assert load_policy("listener").settings == load_policy(REPO / "configs/policies/listener.toml").settings
    experiment = load_experiment("ten_ambassadors")
    assert experiment.name == "ten_ambassadors" and experiment.base_data()["market"]


def test_an_existing_file_wins_over_the_builtin_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("baseline").write_text("[market]\ncustomers = 123\n")
    assert load_scenario("baseline").market.customers == 123


def test_an_experiment_may_name_a_builtin_scenario(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('scenario = "bass_limit"\n[design]\nkind = "grid"\n[design.parameters]\n"wom.rate" = [0.1, 0.2]\n')
    base = load_experiment(path).base_data()
    bass = tomllib.loads((REPO / "configs" / "bass_limit.toml").read_text())
    assert base["market"] == bass["market"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "baselin"], "Did you mean 'baseline'?"),
        (["compare", "listenr", "big_advertiser", "--scenario", "baseline"], "Did you mean 'listener'?"),
        (["compare", "listener", "big_advertiser", "--scenario", "trustlab"], "Did you mean 'trust_lab'?"),
        (["sweep", "demo_grd"], "Did you mean 'demo_grid'?"),
        (["experiment", "asymetry"], "Did you mean 'asymmetry'?"),
    ],
)
def test_a_bad_name_exits_2_listing_the_builtins(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and "trustsim list" in err
    assert list(tmp_path.iterdir()) == []


def test_a_missing_toml_named_like_a_builtin_says_to_use_the_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"baseline.toml: no such file. The built-in scenario 'baseline'"):
        load_scenario("baseline.toml")


def test_list_shows_every_builtin_with_a_description(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for kind, entries in builtin.catalogue().items():
        for name, description in entries:
            assert description, f"{kind} {name} has no description"
            assert name in out
    assert "trustsim sweep NAME" in out and "demo_grid" in out


def test_describe_takes_the_description_key_or_the_first_sentence_of_the_opening_comment(tmp_path):
    keyed = tmp_path / "a.toml"
    keyed.write_text('# Opening.\ndescription = "What it is."\n')
    commented = tmp_path / "b.toml"
    commented.write_text("# First sentence: over two\n# lines. Second sentence.\n[market]\n")
    assert builtin.describe(keyed) == "What it is."
    assert builtin.describe(commented) == "First sentence: over two lines."
