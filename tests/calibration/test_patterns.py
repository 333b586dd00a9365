"""Each pattern function on constructed tables with known answers (trustsim.patterns)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from trustsim.patterns import (
    RunTables,
    adopter_sources,
    bass_curve,
    channel_value,
    fit_bass,
    scandal_trust,
    supplier_nps,
    switching,
    wom_balance,
)

P, Q = 0.03, 0.38  # per year (Sultan, Farley & Lehmann 1990)
WEEKS = 520


def simulate_adoption(n: int, p_week: float, q_week: float, rng: np.random.Generator) -> np.ndarray:
    """Agents adopting with the discrete weekly hazard p + q F (Bass at weekly steps); F per week."""
    adopted, curve = 0, [0.0]
    for _ in range(WEEKS):
        f = adopted / n
        hazard = min(1.0, p_week + q_week * f)
        adopted += rng.binomial(n - adopted, hazard)
        curve.append(adopted / n)
    return np.array(curve)


def discrete_curve(p_week: float, q_week: float) -> np.ndarray:
    """The same recursion without noise (its fit measures the bias of weekly steps)."""
    f, curve = 0.0, [0.0]
    for _ in range(WEEKS):
        f += (1 - f) * (p_week + q_week * f)
        curve.append(f)
    return np.array(curve)


def test_fit_recovers_a_noise_free_bass_curve():
    t = np.arange(WEEKS + 1)
    fit = fit_bass(bass_curve(t, P / 52, Q / 52, 0.8))
    assert fit["bass_p"] == pytest.approx(P, rel=1e-3)
    assert fit["bass_q"] == pytest.approx(Q, rel=1e-3)
    assert fit["bass_m"] == pytest.approx(0.8, rel=1e-3)


def test_fit_recovers_p_and_q_of_simulated_adopters_within_their_sampling_error():
    rng = np.random.default_rng(2024)
    fits = pd.DataFrame([fit_bass(simulate_adoption(20_000, P / 52, Q / 52, rng)) for _ in range(10)])
    bias = fit_bass(discrete_curve(P / 52, Q / 52))  # weekly steps against the continuous formula
    for key in ("bass_p", "bass_q", "bass_q_over_p"):
        se = fits[key].std(ddof=1) / math.sqrt(len(fits))
        assert abs(fits[key].mean() - bias[key]) < 4 * se, key  # the fit is unbiased given the steps
    assert bias["bass_p"] == pytest.approx(P, rel=0.05)  # and the steps bias it little
    assert bias["bass_q"] == pytest.approx(Q, rel=0.05)
    assert fits["bass_q_over_p"].between(10, 15).all()


def test_fit_refuses_a_market_that_starts_full():
    assert math.isnan(fit_bass(np.full(100, 0.9))["bass_p"])


def _model(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"step": np.arange(n), **columns})


def _tables(model: pd.DataFrame, suppliers: pd.DataFrame | None = None, customers=None, shock=None) -> RunTables:
    return RunTables(model, suppliers if suppliers is not None else pd.DataFrame(), customers, 100, shock)


def test_wom_balance_is_recommendations_per_warning():
    m = _model(wom_positive=[0.0, 3, 6, 3], wom_negative=[0.0, 1, 2, 1])
    assert wom_balance(_tables(m))["wom_positive_to_negative"] == pytest.approx(3.0)
    assert math.isnan(wom_balance(_tables(_model(customers=[1, 2])))["wom_positive_to_negative"])


def test_switching_is_the_weekly_churn_share_times_52():
    customers = np.full(53, 1000)
    churned = np.r_[0, np.full(52, 1)]  # one in a thousand a week
    m = _model(customers=customers, churned=churned)
    assert switching(_tables(m))["annual_switching"] == pytest.approx(0.052)


def test_scandal_trust_averages_the_quarters_around_the_scandal():
    trusting = np.r_[np.full(40, 0.5), np.full(20, 0.44), np.full(20, 0.40)]
    m = _model(trusting_share=trusting, customers=np.full(80, 100), churned=np.zeros(80))
    out = scandal_trust(_tables(m, shock=60))
    assert out["trusting_before"] == pytest.approx(0.44)
    assert out["trusting_after"] == pytest.approx(0.40)
    assert out["switching_after"] == 0
    assert math.isnan(scandal_trust(_tables(m))["trusting_before"])  # no scandal, no pattern


def test_supplier_nps_is_over_the_last_quarter():
    steps = np.repeat(np.arange(30), 2)
    nps = np.where(steps > 16, np.tile([10.0, -30.0], 30), 99.0)
    s = pd.DataFrame({"step": steps, "supplier": np.tile([0, 1], 30), "nps": nps})
    out = supplier_nps(_tables(_model(customers=np.ones(30)), s))
    assert (out["nps_low"], out["nps_mean"], out["nps_high"]) == (-30.0, -10.0, 10.0)


def test_adopter_sources_splits_the_first_16_percent():
    channels = ["ad"] * 16 + ["recommendation"] * 4 + ["ad"] * 8 + ["recommendation"] * 72
    spells = pd.DataFrame(
        {
            "customer": np.arange(100),
            "channel": channels,
            "from_supplier": [None] * 100,
            "start_step": np.arange(100),
        }
    )
    out = adopter_sources(_tables(_model(customers=np.ones(101)), customers=spells))
    assert out["early_external_share"] == pytest.approx(1.0)
    assert out["late_external_share"] == pytest.approx(8 / 84)


def test_channel_value_is_nan_when_no_customer_was_won_by_word_of_mouth():
    spells = pd.DataFrame(
        {
            "supplier": ["A"] * 4,
            "channel": ["ad"] * 4,
            "start_step": [1, 2, 3, 4],
            "end_reason": [None, "switch", None, None],
            "value": [1.0, 2.0, 3.0, 4.0],
        }
    )
    out = channel_value(_tables(_model(customers=np.ones(10)), customers=spells))
    assert math.isnan(out["wom_to_ad_value"]) and math.isnan(out["wom_to_ad_churn"])
