"""Rejection ABC on constructed summaries with known answers (trustsim.calibration.abc)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustsim.calibration.abc import Posterior, check_table, rejection_abc
from trustsim.calibration.schema import Target
from trustsim.sweep.experiment import Range

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


def _posterior(frame: pd.DataFrame, weights: np.ndarray) -> Posterior:
    points = frame.assign(distance=0.0, met=True, accepted=True, weight=weights / weights.sum())
    return Posterior(points, list(frame.columns), True, len(frame))


def test_identifiability_compares_the_weighted_posterior_with_the_prior():
    rng = np.random.default_rng(3)
    n = 400
    frame = pd.DataFrame(
        {
            "narrow": rng.normal(0.3, 0.02, n),  # prior sd 1/sqrt(12) = 0.289: ratio about 0.07
            "wide": rng.uniform(0, 10, n),  # the prior itself: ratio about 1
            "kind": rng.choice(["a", "b", "c"], n, p=[0.96, 0.02, 0.02]),
        }
    )
    priors = {"narrow": Range(low=0, high=1), "wide": Range(low=0, high=10), "kind": Range(levels=["a", "b", "c"])}
    t = _posterior(frame, np.ones(n)).identifiability(priors).set_index("parameter")
    assert t.loc["narrow", "verdict"] == "identified" and t.loc["narrow", "sd_ratio"] == pytest.approx(0.07, abs=0.01)
    assert t.loc["wide", "verdict"] == "not identified" and t.loc["wide", "sd_ratio"] == pytest.approx(1, abs=0.08)
    assert t.loc["wide", "width_ratio"] == pytest.approx(1, abs=0.05)
    assert t.loc["kind", "verdict"] == "identified" and t.loc["kind", "shares"].startswith("a: 0.9")
    # weights count: all the weight on the sets near 0.3 of a wide sample identifies it
    x = rng.uniform(0, 1, n)
    w = np.exp(-0.5 * ((x - 0.3) / 0.02) ** 2)
    t = _posterior(pd.DataFrame({"narrow": x}), w).identifiability({"narrow": Range(low=0, high=1)})
    assert t.loc[0, "posterior_mean"] == pytest.approx(0.3, abs=0.01) and t.loc[0, "verdict"] == "identified"
    # too few sets: no verdict
    t = _posterior(frame.iloc[:10], np.ones(10)).identifiability(priors)
    assert t["verdict"].str.startswith("not judged (effective size 10 < 20)").all()
