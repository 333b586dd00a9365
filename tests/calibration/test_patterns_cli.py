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
