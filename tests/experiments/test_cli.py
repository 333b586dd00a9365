"""`trustsim experiment`: bad input gives one clear message and exit status 2, no output."""

from __future__ import annotations

from trustsim.cli import main


def test_unknown_name_is_refused(capsys, tmp_path):
    assert main(["experiment", "eleven_ambassadors", "--out", str(tmp_path / "x")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "Did you mean 'ten_ambassadors'?" in err and "Built-in experiments: one_firm, ten_ambassadors" in err
    assert not (tmp_path / "x").exists()


def test_file_without_analysis_is_refused(capsys, tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\n[design]\nkind = "grid"\n[design.parameters]\n"wom.rate" = [0.1]\n')
    assert main(["experiment", str(path), "--out", str(tmp_path / "y")]) == 2
    err = capsys.readouterr().err
    assert "has no analysis" in err and "trustsim sweep" in err
    assert not (tmp_path / "y").exists()


def test_bad_size_is_refused(capsys):
    try:
        main(["experiment", "asymmetry", "--size", "huge"])
    except SystemExit as e:
        assert e.code == 2
    assert "invalid choice: 'huge'" in capsys.readouterr().err
