"""Statistics and helpers shared by the experiments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from trustsim.experiments.common import (
    Size,
    bands,
    cell_of,
    cell_table,
    clean,
    crossover_step,
    first_step_at_or_above,
    interval_arrays,
    mean_ci,
)
from trustsim.sweep import load_experiment
from trustsim.sweep.plan import make_plan


def test_mean_ci_is_the_student_t_interval():
    ci = mean_ci([1.0, 2.0, 3.0, float("nan")])
    half = stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3)
    assert ci["n"] == 3
    assert ci["mean"] == pytest.approx(2.0)
    assert ci["ci_low"] == pytest.approx(2.0 - half)
    assert ci["ci_high"] == pytest.approx(2.0 + half)


def test_mean_ci_of_one_value_has_no_interval():
    assert mean_ci([4.0]) == {"mean": 4.0, "ci_low": None, "ci_high": None, "n": 1}
    assert mean_ci([])["mean"] is None


def test_crossover_is_the_step_from_which_the_leader_stays_ahead():
    steps = np.arange(6)
    assert crossover_step(steps, [0, 2, 0, 3, 4, 5], [1, 1, 1, 1, 1, 1]) == 3
    assert math.isnan(crossover_step(steps, [0, 2, 3, 4, 5, 0], [1] * 6))
    assert crossover_step(steps, [2] * 6, [1] * 6) == 0


def test_first_step_at_or_above():
    assert first_step_at_or_above(np.arange(4), [0.1, 0.5, 0.7, 0.9], 0.7) == 2
    assert math.isnan(first_step_at_or_above(np.arange(2), [0.1, 0.2], 0.7))


def test_bands_cover_the_mean_and_shrink_with_agreement():
    import pandas as pd

    frame = pd.DataFrame({"run": [0, 0, 1, 1], "step": [0, 1, 0, 1], "x": [1.0, 2.0, 1.0, 4.0]})
    b = bands(frame, [], "x")
    assert list(b["mean"]) == [1.0, 3.0]
    assert b["lo"].iloc[0] == b["hi"].iloc[0] == 1.0  # identical replicates: no width
    assert b["lo"].iloc[1] < 3.0 < b["hi"].iloc[1]


def test_clean_turns_nan_into_null_and_numpy_into_python():
    out = clean({"a": np.float64("nan"), "b": np.int64(3), "c": [np.float32(0.5)]})
    assert out == {"a": None, "b": 3, "c": [0.5]}


def test_size_shrinks_a_grid_and_a_list_design():
    grid = load_experiment("experiments/asymmetry.toml")
    small = Size(grid={"trust.loss_multiplier": [1.0, 5.0]}).shrink(grid)
    assert len(make_plan(small).runs) == 2 * 2 * grid.replicates
    listed = load_experiment("experiments/four_components.toml")
    assert len(Size(points=(0, 4)).shrink(listed).design.points) == 2
    assert Size().shrink(grid) is grid
    # a user's own values are kept where they match, else the design's first and last
    assert Size(grid={"trust.loss_multiplier": [3.0, 9.0]}).shrink(grid).design.parameters["trust.loss_multiplier"] == [
        3.0
    ]
    assert Size(grid={"trust.loss_multiplier": [9.0]}).shrink(grid).design.parameters["trust.loss_multiplier"] == [
        1.0,
        5.0,
    ]


def test_cell_table_summarises_each_cell_of_the_design_in_order():
    import pandas as pd

    runs = pd.DataFrame({"a.k": [2.0, 1.0, 1.0, 2.0], "b.k": ["x", "x", "x", "y"], "m": [5.0, 1.0, 3.0, 7.0]})
    cells = cell_table(runs, {"k": "a.k", "who": "b.k"}, ["m"], lambda f: {"runs": len(f)})
    assert [(c["k"], c["who"], c["runs"]) for c in cells] == [(1.0, "x", 2), (2.0, "x", 1), (2.0, "y", 1)]
    assert list(cells[0]) == ["k", "who", "m", "runs"]
    assert cells[0]["m"] == mean_ci([1.0, 3.0])
    assert cell_of(cells, k=2.0 + 1e-12, who="y") is cells[2]
    assert cell_of(cells, k=3.0, who="x") is None


def test_interval_arrays_turn_missing_bounds_into_nan():
    mean, lo, hi = interval_arrays([mean_ci([1.0, 3.0]), mean_ci([4.0]), mean_ci([])])
    assert mean[0] == 2.0 and lo[0] < 2.0 < hi[0]
    assert mean[1] == 4.0 and math.isnan(lo[1]) and math.isnan(hi[1])
    assert all(math.isnan(v[2]) for v in (mean, lo, hi))
