"""ABC-SMC (trustsim.calibration.smc) on a toy model with a known answer, through the real machinery.

The toy (tests/calibration/toy_model.py) runs in the sweep engine's worker processes like the
market model: ``bass_q`` = 2 x wom.rate + noise identifies wom.rate (true value 0.3); ``bass_p``
is 0.01 (+ noise) in a well-mixed network and 0.05 in any other, so it identifies the level of
network.kind; wom.warn_midpoint has no effect, so the data cannot identify it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from toy_model import TOY_FN, TRUE_RATE

from trustsim.calibration.report import write_calibration
from trustsim.calibration.run import calibrate
from trustsim.calibration.schema import load_calibration
from trustsim.calibration.smc import Population, first_generation, propose
from trustsim.cli import main
from trustsim.sweep import load_summary
from trustsim.sweep.lock import folder_lock

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

TOY = """
name = "toy"
scenario = "ten_ambassadors"
seed = 5
steps = 10
replicates = 1

[overrides]
market.customers = 100

[regime]
maturity = 0.2
ad_budget = [1.5, 0.5]

[method]
kind = "smc"
particles = 100
generations = 7
min_acceptance = 0.0
check_replicates = 2

[parameters]
wom.rate = { low = 0.0, high = 1.0 }
wom.warn_midpoint = { low = 0.0, high = 10.0 }
network.kind = { levels = ["small_world", "well_mixed", "erdos_renyi"] }

[targets.bass_q]
value = 0.6
tolerance = 0.1
source = "constructed: 2 x 0.3"

[targets.bass_p]
value = 0.01
tolerance = 0.01
source = "constructed: a well-mixed network"
"""

SCRIPT = """
import sys
from pathlib import Path
from trustsim.calibration.run import calibrate
from trustsim.sweep.lock import folder_lock
with folder_lock(Path(sys.argv[2])):
    calibrate(sys.argv[1], sys.argv[2], workers=1, progress=False, run_fn=sys.argv[3], check_fn=sys.argv[3])
"""


@pytest.fixture
def toy_env(monkeypatch):
    """Make the toy importable in the sweep's worker processes."""
    monkeypatch.setenv("PYTHONPATH", f"{HERE}{os.pathsep}{ROOT}")
    monkeypatch.delenv("TOY_SLEEP", raising=False)


def run_toy(path: Path, out: Path, workers: int = 1) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with folder_lock(out):
        result = calibrate(path, out, workers=workers, progress=False, run_fn=TOY_FN, check_fn=TOY_FN)
        write_calibration(result, "test", "")


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    """The toy calibration, run once on one worker: (file, results folder)."""
    root = tmp_path_factory.mktemp("toy")
    path = root / "toy.toml"
    path.write_text(TOY)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", f"{HERE}{os.pathsep}{ROOT}")
        mp.delenv("TOY_SLEEP", raising=False)
        run_toy(path, root / "out")
    return path, root / "out"


def test_the_posterior_concentrates_on_the_true_value_of_an_identified_parameter(toy_run):
    _, out = toy_run
    post = pd.read_parquet(out / "posterior.parquet")
    assert len(post) == 100 and post["weight"].sum() == pytest.approx(1.0)
    w = post["weight"].to_numpy()
    mean = float(np.sum(w * post["wom.rate"]))
    assert mean == pytest.approx(TRUE_RATE, abs=0.03)
    ident = pd.read_csv(out / "identifiability.csv").set_index("parameter")
    assert ident.loc["wom.rate", "verdict"] == "identified"
    assert ident.loc["wom.rate", "sd_ratio"] < 0.2 and ident.loc["wom.rate", "width_ratio"] < 0.25
    # a levels prior: discrete uniform over its levels; the data pick the well-mixed network
    assert set(post["network.kind"]) <= {"small_world", "well_mixed", "erdos_renyi"}
    assert float(w[(post["network.kind"] == "well_mixed").to_numpy()].sum()) > 0.9
    assert ident.loc["network.kind", "verdict"] == "identified"
    assert "well_mixed: " in ident.loc["network.kind", "shares"]


def test_an_unidentifiable_parameter_keeps_its_prior(toy_run):
    _, out = toy_run
    ident = pd.read_csv(out / "identifiability.csv").set_index("parameter")
    row = ident.loc["wom.warn_midpoint"]
    assert row["verdict"] == "not identified"
    assert row["sd_ratio"] > 0.8 and row["width_ratio"] > 0.8
    assert 3.5 < row["posterior_mean"] < 6.5  # the prior's mean is 5
    report = (out / "report.md").read_text()
    assert "| wom.warn_midpoint | 0–10 (sd 2.89) |" in report and "not identified" in report


def test_tolerances_decrease_over_the_generations(toy_run):
    _, out = toy_run
    gens = pd.read_csv(out / "generations.csv")
    assert list(gens["generation"]) == list(range(7))
    assert list(gens["parameter_sets"]) == [200] + [100] * 6
    tol = gens["tolerance"].to_numpy()
    assert (np.diff(tol) < 0).all(), tol
    assert tol[-1] < tol[0] / 3
    # the generations' sweeps are in the folder, each with its own seed
    seeds = {int(load_summary(out / f"generation-{g:02d}")["seed"].iloc[0]) for g in range(7)}
    assert len(seeds) == 7


def test_the_regime_is_applied_and_recorded(toy_run):
    import json

    from trustsim.config import load_scenario

    _, out = toy_run
    summary = json.loads((out / "posterior.json").read_text())
    assert summary["method"] == "smc" and summary["posterior_size"] == 100
    assert summary["regime_file"] == {"maturity": 0.2, "ad_budget": [1.5, 0.5]}
    assert summary["regime"]["market.initial_customers"].startswith("0.2 ")
    assert summary["regime"]["suppliers.0.ad_budget (Acquisition)"] == "1.5"
    sc = load_scenario(out / "calibrated.toml")
    assert sc.market.initial_customers == 0.2
    assert [p.ad_budget for p in sc.supplier_policies()] == [1.5, 0.5]
    assert "| suppliers.1.ad_budget (Ambassador) | 0.5 | [regime] ad_budget |" in (out / "report.md").read_text()


def _saved(folder: Path) -> int:
    """Runs a sweep folder's manifest calls done (0 while there is none)."""
    from trustsim.sweep import read_manifest

    try:
        return int(read_manifest(folder)["counts"]["done"])
    except Exception:  # not there yet, or being replaced
        return 0


def test_killed_mid_way_the_calibration_resumes_to_a_byte_identical_posterior(tmp_path, toy_env):
    path = tmp_path / "small.toml"  # a smaller toy: 80 sets, then 40 a generation
    path.write_text(TOY.replace("particles = 100", "particles = 40").replace("generations = 7", "generations = 3"))
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    run_toy(path, whole)
    cut.mkdir()
    env = {**os.environ, "TOY_SLEEP": "0.1"}  # 4 s a generation: caught in the middle
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(path), str(cut), TOY_FN],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not _saved(cut / "generation-01"):
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
    os.kill(proc.pid, signal.SIGKILL)  # kill -9 in generation 1, once some of its runs are saved
    proc.communicate()
    assert not (cut / "posterior.parquet").exists()
    saved = load_summary(cut / "generation-01")
    assert 0 < len(saved) < 40  # caught mid-generation
    run_toy(path, cut, workers=2)  # any number of workers
    for name in ("posterior.parquet", "posterior.json", "generations.csv", "accepted.csv", "calibrated.toml"):
        assert (cut / name).read_bytes() == (whole / name).read_bytes(), name
    again = load_summary(cut / "generation-01")
    assert len(again) == 40 and again["run"].is_unique
    done = again.set_index("run").loc[saved["run"]]  # the runs saved before the kill were kept, not redone
    pd.testing.assert_frame_equal(done.reset_index(), saved.reset_index(drop=True), check_like=True)


def test_each_generation_draws_from_its_own_seeded_generator(tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text(TOY)
    calibration, experiment = load_calibration(path)
    first = first_generation(calibration)
    assert experiment.design.points == first.points  # the generation-0 sweep runs exactly generation 0
    kept = Population(first.z[:100], first.log_weight[:100], np.arange(100.0), pd.DataFrame(index=range(100)))
    a, b = propose(calibration, 1, kept), propose(calibration, 1, kept)
    c = propose(calibration, 2, kept)
    np.testing.assert_array_equal(a.z, b.z)
    assert not np.array_equal(a.z, c.z)
    np.random.seed(1)  # the global generator plays no part
    np.testing.assert_array_equal(propose(calibration, 1, kept).z, a.z)
    assert all(p["network.kind"] in ("small_world", "well_mixed", "erdos_renyi") for p in a.points)
    assert all(0 <= p["wom.rate"] <= 1 and 0 <= p["wom.warn_midpoint"] <= 10 for p in a.points)


def test_the_kernel_density_is_the_weighted_gaussian_mixture():
    from scipy.stats import multivariate_normal

    from trustsim.calibration.smc import log_mixture_density

    rng = np.random.default_rng(0)
    centres, x = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    w = rng.random(5)
    w /= w.sum()
    a = rng.normal(size=(3, 3))
    cov = a @ a.T + np.eye(3)
    expected = np.log(
        [sum(wj * multivariate_normal(c, cov).pdf(xi) for wj, c in zip(w, centres, strict=True)) for xi in x]
    )
    np.testing.assert_allclose(log_mixture_density(x, centres, w, np.linalg.cholesky(cov)), expected, rtol=1e-10)


TINY_SIZE = ["--method", "smc", "--particles", "4", "--generations", "2", "--check-replicates", "2"]


@pytest.mark.parametrize("name", ["new_category", "retail_bank"])
def test_the_shipped_calibrations_run_at_a_tiny_size(name, tmp_path, capsys):
    out = tmp_path / name
    argv = ["calibrate", name, *TINY_SIZE, "--set", "market.customers=60", "--steps", "60", "--out", str(out)]
    assert main([*argv, "--workers", "1", "--quiet"]) == 0
    post = pd.read_parquet(out / "posterior.parquet")
    assert len(post) == 4 and post["weight"].sum() == pytest.approx(1.0)
    assert len(pd.read_csv(out / "generations.csv")) == 2
    printed = capsys.readouterr().out
    assert ": not judged (effective size" in printed  # 4 sets are too few to judge by


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("ad_budget = [1.5, 0.5]", "ad_budget = [1.5]", ["regime.ad_budget", "1 budget(s)", "market.suppliers = 2"]),
        ("[overrides]", "[overrides]\nmarket.initial_customers = 0.1", ["market.initial_customers", "[regime]"]),
        ("[parameters]", "[parameters]\nmarket.initial_customers = { low = 0.1, high = 0.3 }", ["fixed by [regime]"]),
        ("[parameters]", "[parameters]\nsuppliers.0.ad_budget = { low = 0.1, high = 3 }", ["fixed by [regime]"]),
        ("maturity = 0.2", "maturity = 1.5", ["regime.maturity", "1.5"]),
        ("[overrides]", "[overrides]\nwom.rate = 0.2", ["parameters.wom.rate is free", "ignored"]),
        ("maturity = 0.2", "maturty = 0.2", ["regime.maturty", "maturity"]),
        ("particles = 100", "particles = 1", ["method.particles", "1"]),
        ("particles = 100", "alpha = 1.0", ["method.alpha", "1.0"]),
    ],
)
def test_bad_regime_or_smc_options_exit_2_naming_file_key_and_value(tmp_path, capsys, old, new, words):
    assert old in TOY
    path = tmp_path / "toy.toml"
    path.write_text(TOY.replace(old, new, 1))
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert str(path) in err and "Traceback" not in err
    for word in words:
        assert word.lower() in err.lower(), (word, err)
    assert not out.exists()
