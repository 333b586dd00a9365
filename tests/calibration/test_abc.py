"""Rejection ABC on constructed summaries with known answers (trustsim.calibration.abc)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustsim.calibration.abc import check_table, rejection_abc
from trustsim.calibration.schema import Target

TARGETS = {"y": Target(value=1.0, tolerance=0.1, source="constructed")}


def _summary(xs: list[float], ys: list[list[float]]) -> pd.DataFrame:
    rows = [{"point": i, "x": x, "y": y} for i, (x, reps) in enumerate(zip(xs, ys, strict=True)) for y in reps]
    return pd.DataFrame(rows)


def test_accepts_exactly_the_sets_whose_replicate_mean_meets_every_target():
    s = _summary([0.1, 0.2, 0.3, 0.4], [[0.95, 1.05], [1.3, 1.3], [0.8, 1.18], [1.0, np.nan]])
    post = rejection_abc(s, ["x"], TARGETS, min_accepted=2)
    assert post.all_met and post.met == 3
    assert sorted(post.accepted["x"]) == [0.1, 0.3, 0.4]  # means 1.0, 0.99, 1.0 (NaN replicate dropped)
    assert post.best == {"x": pytest.approx(0.1)}  # nearest first; ties keep the sample order


def test_keeps_the_nearest_when_too_few_meet_the_targets_and_says_so():
    s = _summary([0.1, 0.2, 0.3], [[2.0], [1.5], [1.25]])
    post = rejection_abc(s, ["x"], TARGETS, min_accepted=2)
    assert not post.all_met and post.met == 0
    assert list(post.accepted["x"]) == [0.3, 0.2]
    ranges = post.ranges().iloc[0]
    assert ranges["best"] == 0.3 and ranges["prior_low"] == 0.1


def test_check_table_verdicts_follow_the_intervals():
    targets = {
        "a": Target(value=0.0, tolerance=1.0, source="paper a"),
        "b": Target(value=5.0, tolerance=1.0, source="paper b"),
    }
    held = {"c": Target(value=0.0, tolerance=0.01, source="paper c", known_miss="because")}
    s = pd.DataFrame({"a": [0.1, -0.1, 0.0, 0.05], "b": [0.0, 0.2, -0.1, 0.1], "c": [0.0, 1.0, -1.0, 0.5]})
    t = check_table(s, targets, held).set_index("pattern")
    assert t.loc["a", "verdict"] == "met" and t.loc["b", "verdict"] == "missed" and t.loc["c", "verdict"] == "unclear"
    assert t.loc["c", "role"] == "known miss" and (t["n"] == 4).all()
