"""Bass maths: recursion, closed form, ads-only limit and the linear-noise spread of one run."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import chi2

from trustsim.validation import bass


def test_recursion_starts_with_ads_and_saturates():
    f = bass.bass_recursion(0.03, 0.38, 60)
    assert f[0] == 0.0 and f[1] == pytest.approx(0.03)
    assert np.all(np.diff(f) > 0) and f[-1] > 0.999


def test_recursion_with_q_zero_is_ads_only_exactly():
    t = np.arange(51)
    assert np.allclose(bass.bass_recursion(0.02, 0.0, 50), bass.ads_only(0.02, t), atol=1e-12)


@pytest.mark.parametrize(("p", "q"), [(0.03, 0.38), (0.01, 0.05)])
def test_recursion_tends_to_closed_form_as_steps_shrink(p, q):
    """With m sub-steps of p/m, q/m per unit of time the gap to the closed form shrinks like 1/m."""
    gaps = []
    for m in (1, 4, 16):
        steps = int(40 / (p + q)) * m
        f = bass.bass_recursion(p / m, q / m, steps)
        t = np.arange(steps + 1) / m
        gaps.append(float(np.abs(f - bass.bass_closed_form(p, q, t)).max()))
    assert gaps[1] < gaps[0] / 2.5 and gaps[2] < gaps[1] / 2.5
    assert gaps[2] < 0.01


def test_closed_form_peak_is_at_bass_t_star():
    p, q = 0.03, 0.38
    t = np.linspace(0, 40, 40001)
    rate = np.gradient(bass.bass_closed_form(p, q, t), t)
    assert t[rate.argmax()] == pytest.approx(bass.bass_peak_step(p, q), abs=1e-2)


def test_steps_to_reach():
    f = bass.bass_recursion(0.01, 0.2, 200)
    t = bass.steps_to_reach(0.01, 0.2, 0.99)
    assert f[t] >= 0.99 > f[t - 1]


def test_linear_noise_variance_matches_the_exact_markov_chain():
    """An independent simulation of the chain the model reduces to: Binomial(N(1-F), h(F)) adopters a step."""
    p, q, n, steps, chains = 0.03, 0.38, 4000, 20, 4000
    rng = np.random.default_rng(3)
    customers = np.zeros(chains, dtype=np.int64)
    sd = []
    for _ in range(steps):
        h = bass.adoption_hazard(customers / n, p, q)
        customers = customers + rng.binomial(n - customers, h)
        sd.append(customers.std(ddof=1) / n)
    predicted = np.sqrt(bass.run_variance(p, q, steps, n)[1:])
    t = int(np.argmax(predicted))
    lo, hi = chi2.ppf([1e-4, 1 - 1e-4], chains - 1) / (chains - 1)
    # the linear-noise approximation is accurate to O(1/N): allow 3% beyond the sampling interval
    assert predicted[t] * math.sqrt(lo) * 0.97 <= sd[t] <= predicted[t] * math.sqrt(hi) * 1.03


def test_variance_scales_as_one_over_n():
    v1, v4 = bass.run_variance(0.02, 0.3, 30, 1000), bass.run_variance(0.02, 0.3, 30, 4000)
    assert np.allclose(v1[1:], 4 * v4[1:])


def test_band_narrows_with_more_runs_and_widens_with_more_comparisons():
    a = bass.mean_band(0.02, 0.3, 30, 5000, 4, 30)
    assert np.all(bass.mean_band(0.02, 0.3, 30, 5000, 16, 30)[1:] < a[1:])
    assert np.all(bass.mean_band(0.02, 0.3, 30, 5000, 4, 3000)[1:] > a[1:])
    assert bass.family_z(1) == pytest.approx(3.29, abs=0.01)


def test_closed_form_needs_positive_p():
    with pytest.raises(ValueError, match="p > 0"):
        bass.bass_closed_form(0.0, 0.3, 1.0)
