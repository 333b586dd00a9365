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
    assert "n = 2" in shown


def test_patterns_refuse_a_bad_elasticity_week(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "services", "--out", str(out), "--steps", "5", "--set", "market.customers=100"]) == 0
    capsys.readouterr()
    assert main(["patterns", str(out), "--elasticity", "2", "--elasticity-from", "ten"]) == 2
    err = capsys.readouterr().err
    assert "--elasticity-from" in err and "'ten'" in err and "Traceback" not in err
