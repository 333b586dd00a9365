"""`trustsim patterns RUN_DIR`: the patterns of a run folder, all from its tables."""

from __future__ import annotations

from trustsim.cli import main


def test_patterns_of_a_run_folder(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["run", "scandal_banks", "--out", str(out), "--steps", "60", "--set", "market.customers=300"]
    assert main(args) == 0
    capsys.readouterr()
    assert main(["patterns", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "annual_switching" in shown and "trusting_before" in shown and "column missing" not in shown


def test_patterns_of_a_folder_without_a_run_exits_2(tmp_path, capsys):
    assert main(["patterns", str(tmp_path)]) == 2
    assert "model.parquet" in capsys.readouterr().err


def test_patterns_measure_the_elasticity_from_chosen_weeks(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # one table row per line
    out = tmp_path / "run"
    args = ["run", "services", "--out", str(out), "--steps", "30", "--set", "market.customers=300"]
    assert main(args) == 0
    capsys.readouterr()
    assert main(["patterns", str(out), "--elasticity", "2", "--elasticity-from", "8,20"]) == 0
    shown = capsys.readouterr().out
    assert "ad_elasticity_short from week 8" in shown and "ad_elasticity_long from week 20" in shown
    assert "ad_elasticity_short_ceiling from week 8" in shown and "customers won and lost" in shown
    assert "n = 2" in shown


def test_patterns_refuse_a_bad_elasticity_week(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "services", "--out", str(out), "--steps", "5", "--set", "market.customers=100"]) == 0
    capsys.readouterr()
    assert main(["patterns", str(out), "--elasticity", "2", "--elasticity-from", "ten"]) == 2
    err = capsys.readouterr().err
    assert "--elasticity-from" in err and "'ten'" in err and "Traceback" not in err


def test_a_customer_back_from_a_lapse_is_no_new_adopter():
    # Bass's adopters and Kumar's conversion count people, not returns: with lapse on, each person
    # adopts at most once and conversion stays a share
    from trustsim.calibration.observe import run_patterns
    from trustsim.config import load_scenario
    from trustsim.patterns import first_adoptions

    sc = load_scenario(
        "services", {"market.customers": 600, "lapse.rate": 0.1, "lapse.threshold": 0.6, "lapse.weeks": 4}
    )
    result = run_patterns(sc, seed=3, steps=200)
    assert 0 < result.model["referral_conversion"].iloc[0] <= 1
    from trustsim.runner import run_one

    spells = run_one(sc, seed=3, steps=200).customers
    assert (spells["end_reason"].astype(str) == "lapsed").sum() > 20  # many lapsed and came back
    first = first_adoptions(spells)
    assert first["customer"].is_unique
