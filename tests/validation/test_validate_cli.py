"""`trustsim validate`: table, report files, exit status; the runs do not depend on the worker count."""

from __future__ import annotations

import json

import numpy as np
import pytest

import trustsim.validation
from trustsim.cli import main
from trustsim.validation import CheckResult, write_report
from trustsim.validation.runs import job, run_jobs


def test_report_of_the_ci_suite_has_table_figure_and_numbers(ci_results, tmp_path):
    results = list(ci_results.values())
    paths = write_report(results, tmp_path, {"size": "ci", "runs": 1, "seconds": 1.0})
    report = paths["report"].read_text()
    assert f"{len(results)} of {len(results)} checks pass" in report
    assert "![ABM against the Bass closed form](bass_docking.png)" in report
    for r in results:
        assert f"## {r.name}: " in report
    assert paths["png"].read_bytes()[:4] == b"\x89PNG"
    assert paths["svg"].stat().st_size > 1000
    saved = json.loads(paths["json"].read_text())
    assert [r["name"] for r in saved] == list(ci_results)
    assert all(r["passed"] is True for r in saved)


def test_validate_prints_the_table_and_writes_the_report(tmp_path, capsys):
    out = tmp_path / "validation"
    code = main(["validate", "--size", "ci", "--only", "asymmetry_relation", "--workers", "1", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "asymmetry_relation" in printed and "pass" in printed and "all 1 checks pass" in printed
    assert "1 of 1 checks pass" in (out / "report.md").read_text()
    assert json.loads((out / "results.json").read_text())[0]["passed"] is True
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
    try:
        code = main(["validate", "--out", str(out), *argv])
    except SystemExit as e:  # an option's type is checked by argparse, which exits itself
        code = e.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["validate", "--only", "asymmetry_relation", "--out", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err


def test_runs_are_identical_on_one_and_two_workers():
    jobs = [
        job("bass_limit", {"market.customers": 800, "advertising.reach": 0.03, "wom.rate": 0.38}, s, 8)
        for s in (1, 2, 3)
    ]
    one, two = run_jobs(jobs, workers=1), run_jobs(jobs, workers=2)
    for j in jobs:
        for col, values in one[j].model.items():
            assert np.array_equal(values, two[j].model[col], equal_nan=values.dtype.kind == "f"), col


def test_a_check_that_cannot_be_computed_fails_instead_of_stopping_the_suite(ci_runs):
    from trustsim.validation import CHECKS, judge

    _, size, tables = ci_runs
    check = next(c for c in CHECKS if c.name == "asymmetry")
    broken = {j: type(t)({k: v for k, v in t.model.items() if k != "trust_reliability"}) for j, t in tables.items()}
    result = judge(check, size, broken)
    assert not result.passed and "KeyError" in result.measured


def test_a_failing_run_names_the_run():
    from trustsim.errors import RunError

    bad = job("bass_limit", {"market.customers": 100}, 1, 3, events=[(1, "flood", 0, 1.0)])
    with pytest.raises(RunError, match=r"seed 1, 3 steps\): ValueError: unknown intervention 'flood'"):
        run_jobs([bad])
