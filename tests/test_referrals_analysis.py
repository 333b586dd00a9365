"""The referral-record measures (trustsim.analysis.referrals) on hand-made spells."""

import math

import numpy as np
import pandas as pd
import pytest

from trustsim.analysis.referrals import gini, referral_distribution, summarise_seeds, value_by_channel


def _spells(rows):
    frame = pd.DataFrame(
        rows, columns=["supplier", "channel", "start_step", "value", "end_reason", "referrals", "ambassador"]
    )
    frame["end_reason"] = pd.Categorical(frame["end_reason"], categories=["switch", "left"])
    return frame


def test_gini_is_zero_for_equals_and_near_one_for_one_holder():
    assert gini(np.ones(10)) == pytest.approx(0.0)
    assert gini(np.r_[np.zeros(99), 1.0]) == pytest.approx(0.99)
    assert math.isnan(gini(np.zeros(3)))


def test_referral_distribution_counts_ambassadors_only():
    refs = [0] * 6 + [1, 1, 2, 6] + [50]  # the last is not an ambassador
    spells = _spells([("A", "ad", 1, 1.0, None, r, i < 10) for i, r in enumerate(refs)])
    d = referral_distribution(spells)
    assert d["ambassadors"] == 10 and d["referrals_per_ambassador"] == pytest.approx(1.0)
    assert d["referrers_none_share"] == pytest.approx(0.6) and d["top10_referral_share"] == pytest.approx(0.6)


def test_value_by_channel_compares_within_supplier_and_quarter():
    rows = []
    # supplier A: word of mouth worth 2, ads worth 1; supplier B has only ads, worth 10 (not a channel effect)
    for q in range(3):
        rows += [("A", "recommendation", 1 + 13 * q, 2.0, None, 0, False)] * 5
        rows += [("A", "ad", 1 + 13 * q, 1.0, "switch" if q == 0 else None, 0, False)] * 5
        rows += [("B", "ad", 1 + 13 * q, 10.0, None, 0, False)] * 50
    out = value_by_channel(_spells(rows), horizon=52)
    assert out["wom_value"] == pytest.approx(2.0) and out["ad_value"] == pytest.approx(1.0)
    assert out["wom_to_ad_value"] == pytest.approx(2.0) and out["matched_strata"] == 3
    assert out["ad_churn"] == pytest.approx(1 / 3) and out["wom_churn"] == 0


def test_summaries_carry_their_n_and_a_t_interval():
    table = summarise_seeds([{"x": 1.0}, {"x": 2.0}, {"x": 3.0}, {"x": float("nan")}]).set_index("measure")
    assert table.loc["x", "n"] == 3 and table.loc["x", "mean"] == pytest.approx(2.0)
    assert table.loc["x", "ci_low"] == pytest.approx(2.0 - 4.303 * 1 / np.sqrt(3), abs=1e-3)
