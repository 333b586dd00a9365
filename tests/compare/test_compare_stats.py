"""Statistics: intervals cover at their level, paired tests see what common seeds make visible."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trustsim.compare.stats import holm, mean_ci, paired_difference, rank_policies, run_values


def test_mean_ci_covers_the_true_mean_about_95_percent():
    rng = np.random.default_rng(7)
    trials = 2000
    hits = 0
    for _ in range(trials):
        _, lo, hi = mean_ci(rng.normal(3.0, 2.0, size=6))
        hits += lo <= 3.0 <= hi
    # Binomial sd of the coverage is sqrt(.95*.05/2000) = 0.005; allow 4 sd.
    assert abs(hits / trials - 0.95) < 4 * np.sqrt(0.95 * 0.05 / trials)


def test_mean_ci_edge_cases():
    assert np.isnan(mean_ci(np.array([]))[0])
    mean, lo, hi = mean_ci(np.array([2.0, np.nan]))
    assert mean == 2.0 and np.isnan(lo) and np.isnan(hi)


def test_pairing_detects_a_small_effect_that_shared_noise_hides():
    """Common random numbers: replicate noise shared by both policies cancels in the pairs."""
    rng = np.random.default_rng(3)
    shared = rng.normal(0, 10, size=8)
    a = 100 + shared + 1.0 + rng.normal(0, 0.3, 8)
    b = 100 + shared + rng.normal(0, 0.3, 8)
    _, lo, _, p = paired_difference(a, b)
    assert p < 0.01 and lo > 0
    assert stats.ttest_ind(a, b).pvalue > 0.5  # unpaired, the same data show nothing


def test_identical_policies_have_zero_difference_and_are_not_significant():
    x = np.array([1.0, 5.0, 2.0])
    assert paired_difference(x, x) == (0.0, 0.0, 0.0, 1.0)
    table = pd.DataFrame({"A": x, "B": x.copy()})
    r = rank_policies(table)
    assert not r["significant"].any()


def test_holm_matches_the_step_down_definition():
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.005])
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone 0.06
    np.testing.assert_allclose(holm(p), [0.03, 0.06, 0.06, np.nan, 0.02])


def test_rank_policies_orders_and_flags_only_real_differences():
    rng = np.random.default_rng(11)
    shared = rng.normal(0, 20, size=10)
    best = 100 + shared + rng.normal(0, 1, 10)
    table = pd.DataFrame(
        {
            "worse": 100 + shared - 5 + rng.normal(0, 1, 10),
            "best": best,
            "tied": best + np.tile([0.5, -0.5], 5),  # differs per replicate, not on average
        }
    )
    r = rank_policies(table).set_index("policy")
    assert r.loc["worse", "rank"] == 3 and r.loc["worse", "significant"]
    assert r.loc["worse", "diff"] == pytest.approx((table["worse"] - table[r.index[0]]).mean())
    assert not r.loc[["best", "tied"], "significant"].any()
    assert r.loc["worse", "diff_lo"] < r.loc["worse", "diff"] < r.loc["worse", "diff_hi"] < 0


def test_run_values_takes_final_state_and_revenue_total():
    frame = pd.DataFrame(
        {
            "run": [0, 0, 0, 1, 1, 1],
            "step": [0, 1, 2, 0, 1, 2],
            "revenue": [5.0, 1.0, 2.0, 5.0, 3.0, 4.0],
            "customers": [5, 1, 2, 5, 3, 4],
            "nps": [0.0, 1.0, 2.0, 0.0, 3.0, np.nan],
            "ambassadors": [0, 0, 1, 0, 0, 2],
            "trust": [0.5, 0.6, 0.7, 0.5, 0.5, 0.4],
        }
    )
    v = run_values(frame)
    assert v["revenue"].tolist() == [3.0, 7.0]  # step 0 is the initial state, not earned
    assert v["customers"].tolist() == [2, 4]
    assert v.loc[0, "nps"] == 2.0 and np.isnan(v.loc[1, "nps"])
