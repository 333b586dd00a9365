"""The calibration run functions: pattern values of ordinary runs, and the paired runs of the elasticities."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from trustsim.calibration.observe import NUDGE, elasticities, run_held_out, run_patterns, tables_of
from trustsim.config import load_scenario
from trustsim.patterns import OBSERVED_COLUMNS, compute_patterns
from trustsim.runner import RunResult, run_one


def test_a_pattern_run_is_an_ordinary_run_reduced_to_its_patterns():
    sc = load_scenario("ten_ambassadors", {"market.customers": 300, "steps": 40})
    plain = run_one(sc, 5)
    assert set(OBSERVED_COLUMNS) <= set(plain.model.columns)
    row = run_patterns(sc, 5).model.iloc[0]
    expected = compute_patterns(tables_of(plain, sc))
    assert expected["wom_positive_to_negative"] > 0
    for key, value in expected.items():
        assert row[key] == pytest.approx(value, nan_ok=True), key


def test_held_out_run_adds_the_elasticities_to_the_patterns():
    sc = load_scenario("ten_ambassadors", {"market.customers": 300, "steps": 30})
    row = run_held_out(sc, 3).model.iloc[0]
    assert {"ad_elasticity", "wom_elasticity", "bass_q_over_p", "wom_positive_to_negative"} <= set(row.index)


def _result(adoptions: list[int], said: list[float]) -> RunResult:
    spells = pd.DataFrame(
        {"customer": range(len(adoptions)), "channel": "ad", "from_supplier": None, "start_step": adoptions}
    )
    model = pd.DataFrame({"step": range(len(said)), "wom_positive": said})
    return RunResult(model, pd.DataFrame(), 0, len(said) - 1, spells)


def test_elasticities_of_constructed_runs():
    base = _result([1, 2, 3, 4, 8, 9, 9, 9], [0, 10, 10, 10, 10, 10, 10, 10, 10, 10])
    # half of base's 8 adoptions are in by step 8 (the 5th is at step 8): window = steps 0..8
    ads = _result([1, 2, 3, 4, 5, 6, 7, 8, 9, 9], [0, 10, 10, 10, 10, 10, 10, 10, 10, 10])  # 8 in the window
    wom = _result([1, 2, 3, 4, 8, 8, 9, 9], [0, 20, 20, 20, 20, 20, 20, 20, 20, 20])  # 6 in, twice the WOM
    out = elasticities(base, ads, wom)
    assert out["ad_elasticity"] == pytest.approx(math.log(8 / 5) / math.log(NUDGE))
    assert out["wom_elasticity"] == pytest.approx(math.log(6 / 5) / math.log(2))
