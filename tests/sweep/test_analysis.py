"""Sweep analysis: confidence intervals, standard figures, Sobol and Morris indices."""

from __future__ import annotations

import math
import subprocess

import pandas as pd
import pytest
from sweep_helpers import PYTHON, ROOT, real_experiment

from trustsim.analysis.sensitivity import sensitivity
from trustsim.analysis.sweep_plots import mean_ci
from trustsim.errors import ConfigError
from trustsim.sweep import run_sweep

RANGES = {"wom.rate": {"low": 0.05, "high": 0.6}, "trust.loss_multiplier": {"low": 1.5, "high": 5}}


def test_mean_ci_uses_student_t_across_replicates():
    frame = pd.DataFrame({"point": [0, 0, 0, 1, 1], "x": [1.0, 2.0, 3.0, 5.0, 5.0]})
    table = mean_ci(frame, ["point"], ["x"]).set_index("point")
    half = 4.302652729911275 / math.sqrt(3)  # t(0.975, 2) * sd / sqrt(n), sd = 1
    assert table.loc[0, "mean"] == 2.0 and table.loc[0, "n"] == 3
    assert table.loc[0, "ci_low"] == pytest.approx(2 - half)
    assert table.loc[0, "ci_high"] == pytest.approx(2 + half)
    assert table.loc[1, "ci_low"] == table.loc[1, "ci_high"] == 5.0


def test_plot_draws_every_standard_figure_of_a_grid(tmp_path):
    experiment = real_experiment(
        steps=5,
        design={"kind": "grid", "parameters": {"wom.rate": [0.1, 0.5], "network.kind": ["small_world", "well_mixed"]}},
        plot={"measures": ["customer_share", "nps"], "heatmap": ["wom.rate", "network.kind"]},
    )
    assert run_sweep(experiment, tmp_path, workers=1, progress=False).ok
    proc = subprocess.run(
        [PYTHON, "-m", "trustsim.cli", "plot", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    names = {p.name for p in (tmp_path / "figures").iterdir()}
    for stem in ("timeseries_customer_share", "timeseries_nps", "final_nps", "heatmap_nps"):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    assert not any("mean_trust" in n for n in names)
    points = pd.read_csv(tmp_path / "points.csv")
    assert set(points["point"]) == {0, 1, 2, 3} and (points["n"] == 2).all()
    assert (points["ci_low"] <= points["mean"]).all() and (points["mean"] <= points["ci_high"]).all()


@pytest.mark.parametrize(
    ("kind", "samples", "indices"),
    [
        ("sobol", 4, {"S1", "ST"}),
        ("morris", 3, {"mu_star", "mu", "sigma"}),
    ],
)
def test_sensitivity_indices_of_sobol_and_morris_designs(tmp_path, kind, samples, indices):
    experiment = real_experiment(
        steps=5,
        replicates=1,
        design={"kind": kind, "samples": samples, "parameters": RANGES},
    )
    assert run_sweep(experiment, tmp_path, workers=1, progress=False).ok
    table = sensitivity(tmp_path, ["customer_share"], resamples=50)
    assert set(table["index"]) == indices
    assert set(table["parameter"]) == set(RANGES)
    assert table["value"].notna().all()
    assert (tmp_path / "sensitivity.csv").exists()
    assert (tmp_path / "figures/sensitivity_customer_share.svg").exists()


def test_sensitivity_of_a_grid_is_refused_clearly(tmp_path):
    assert run_sweep(real_experiment(steps=2, replicates=1), tmp_path, workers=1, progress=False).ok
    with pytest.raises(ConfigError, match="need a 'sobol' or 'morris' design"):
        sensitivity(tmp_path)
