"""`trustsim calibrate`: bad files refused (exit 2, no output), a tiny run end to end, resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from trustsim.cli import main

TINY = """
name = "tiny"
scenario = "ten_ambassadors"
seed = 3
steps = 40
replicates = 1

[overrides]
market.customers = 200

[method]
budget = 6
min_accepted = 2
check_replicates = 2

[parameters]
advertising.reach = { low = 0.001, high = 0.02 }
wom.rate = { low = 0.05, high = 0.5 }

[targets.promoters_never_refer]
value = 0.67
tolerance = 0.17
source = "Kumar, Petersen & Leone (2007)"

[targets.annual_switching]
value = 0.03
tolerance = 0.5
source = "UK CMA (2016)"

[held_out.early_external_share]
value = 0.75
tolerance = 0.25
source = "Goldenberg, Libai & Muller (2001)"
"""


def write(tmp_path: Path, text: str, name: str = "cal.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


BAD = [
    ("budget = 6", "budget = 1", ["method.budget", "1"]),
    ("[method]", "[method]\nsamples = 3", ["method.samples", "unknown key", "Allowed keys"]),
    ("wom.rate = { low = 0.05, high = 0.5 }", "wom.rate = { low = 0.5, high = 0.05 }", ["low = 0.5", "high = 0.05"]),
    ("wom.rate = { low", "wom.rat = { low", ["wom.rat", "did you mean"]),
    ("wom.rate = { low = 0.05, high = 0.5 }", "wom.rate = { low = 0.05, high = 500 }", ["wom.rate", "500"]),
    ("[targets.annual_switching]", "[targets.annual_swiching]", ["targets.annual_swiching", "annual_switching"]),
    ("[held_out.early_external_share]", "[held_out.annual_switching]", ["both fitted and held out"]),
    (
        "[held_out.early_external_share]",
        "[targets.ad_elasticity]\nvalue=1\ntolerance=1\nsource='x y z'\n[held_out.x]",
        ["held_out] only"],
    ),
    ("tolerance = 0.5", "tolerance = -0.5", ["tolerance", "-0.5", "greater than 0"]),
    ('scenario = "ten_ambassadors"', 'scenario = "no_such_market"', ["no_such_market", "no such file"]),
    ('source = "UK CMA (2016)"', "", ["source", "missing"]),
]


@pytest.mark.parametrize(("old", "new", "words"), BAD)
def test_bad_calibration_file_exits_2_naming_file_key_and_value(tmp_path, capsys, old, new, words):
    assert old in TINY
    path = write(tmp_path, TINY.replace(old, new, 1))
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert str(path) in err
    for word in words:
        assert word.lower() in err.lower(), (word, err)
    assert "Traceback" not in err
    assert not out.exists()  # no partial output


def test_bad_budget_option_exits_2(tmp_path, capsys):
    path = write(tmp_path, TINY)
    with pytest.raises(SystemExit) as e:
        main(["calibrate", str(path), "--budget", "1", "--out", str(tmp_path / "o")])
    assert e.value.code == 2
    assert "--budget" in capsys.readouterr().err


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The tiny calibration, run once in this process: (file, results folder)."""
    root = tmp_path_factory.mktemp("tiny")
    path = write(root, TINY.replace("budget = 6", "budget = 12"))
    out = root / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    return path, out


def test_tiny_calibration_end_to_end(tiny_run):
    _, out = tiny_run
    for name in ("report.md", "calibrated.toml", "accepted.csv", "check.csv", "figures/targets.png"):
        assert (out / name).is_file(), name
    check = pd.read_csv(out / "check.csv")
    assert list(check["pattern"]) == ["promoters_never_refer", "annual_switching", "early_external_share"]
    assert set(check["role"]) == {"fitted", "held out"}
    assert (check["n"] == 2).all()
    accepted = pd.read_csv(out / "accepted.csv")
    assert 2 <= len(accepted) <= 12
    met = accepted["met"].all()
    assert met or len(accepted) == 2  # either every kept set met every target, or the 2 nearest are kept
    # the calibrated scenario is the base with the nearest accepted set, and loads back as a scenario
    from trustsim.config import load_scenario

    sc = load_scenario(out / "calibrated.toml")
    best = accepted.sort_values("distance").iloc[0]
    assert sc.wom.rate == pytest.approx(best["wom.rate"])
    assert sc.advertising.reach == pytest.approx(best["advertising.reach"])
    assert sc.market.customers == 200
    report = (out / "report.md").read_text()
    assert "model mean (95% CI)" in report and "early_external_share" in report


def test_same_command_again_resumes_without_running_anything(tiny_run, capsys):
    path, out = tiny_run
    before = pd.read_csv(out / "check.csv")
    capsys.readouterr()
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert "resuming: 12 of 12 runs already done" in err
    assert "resuming: 2 of 2 runs already done" in err
    pd.testing.assert_frame_equal(pd.read_csv(out / "check.csv"), before)


def test_calibration_killed_mid_way_resumes_to_the_same_result(tiny_run, tmp_path):
    path, whole = tiny_run
    cut = tmp_path / "cut"
    cmd = [sys.executable, "-m", "trustsim.cli", "calibrate", str(path), "--workers", "1", "--quiet"]
    proc = subprocess.Popen([*cmd, "--out", str(cut)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not list((cut / "prior" / "runs").glob("*.parquet")):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # kill -9 once the first batch of runs is saved
    proc.wait()
    assert not (cut / "report.md").exists()
    assert main(["calibrate", str(path), "--out", str(cut), "--workers", "2", "--quiet"]) == 0  # any worker count
    for name in ("accepted.csv", "check.csv", "calibrated.toml"):
        assert (cut / name).read_text() == (whole / name).read_text(), name
