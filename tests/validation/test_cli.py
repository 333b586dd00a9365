"""`trustsim validate`: table, report files, exit status; the runs do not depend on the worker count."""

from __future__ import annotations

import json

import numpy as np
import pytest

import trustsim.validation
from trustsim.cli import main
from trustsim.validation import CheckResult
from trustsim.validation.runs import job, run_jobs


@pytest.mark.slow
def test_validate_writes_report_and_figure(tmp_path, capsys):
    out = tmp_path / "validation"
    code = main(["validate", "--size", "ci", "--only", "bass_recursion", "--only", "asymmetry",
                 "--workers", "2", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "bass_recursion" in printed and "asymmetry" in printed and "pass" in printed
    report = (out / "report.md").read_text()
    assert "3 of 3 checks pass" in report and "![ABM against the Bass closed form](bass_docking.png)" in report
    assert (out / "bass_docking.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "bass_docking.svg").stat().st_size > 1000
    saved = json.loads((out / "results.json").read_text())
    assert [r["name"] for r in saved] == ["bass_recursion", "asymmetry", "asymmetry_relation"]
    assert all(r["passed"] for r in saved)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_validate_exits_non_zero_when_a_check_fails(tmp_path, monkeypatch, capsys):
    failing = CheckResult("bass_recursion", "Bass limit", "F = recursion", "worst 0.2", "0.025", False, "Bass (1969)")

    def fake(size, workers, only, progress):
        progress(1, 1)
        return [failing]

    monkeypatch.setattr(trustsim.validation, "run_checks", fake)
    code = main(["validate", "--out", str(tmp_path / "v")])
    assert code == 1
    assert "1 of 1 checks failed: bass_recursion" in capsys.readouterr().out
    assert "**FAIL**" in (tmp_path / "v" / "report.md").read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--only", "no_such_check"], "no check matches"),
        (["--workers", "0"], "must be at least 1"),
    ],
)
def test_bad_options_exit_2_without_output(tmp_path, capsys, argv, message):
    out = tmp_path / "v"
    assert main(["validate", "--out", str(out), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["validate", "--only", "asymmetry_relation", "--out", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err


def test_runs_are_identical_on_one_and_two_workers():
    jobs = [job("bass_limit.toml", {"market.customers": 800, "advertising.reach": 0.03, "wom.rate": 0.38}, s, 8)
            for s in (1, 2, 3)]
    one, two = run_jobs(jobs, workers=1), run_jobs(jobs, workers=2)
    for j in jobs:
        for col, values in one[j].model.items():
            assert np.array_equal(values, two[j].model[col], equal_nan=values.dtype.kind == "f"), col
