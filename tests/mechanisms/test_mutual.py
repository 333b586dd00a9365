"""Mutual trust: suppliers' trust in customers sets effort; distrust spirals (MODEL_BRIEF §1)."""

import numpy as np

from trustsim.mechanisms import mutual

N = 40_000


def test_distrustful_customers_behave_worse(rng):
    trusting = mutual.behaves_well(rng, np.full(N, 0.9), np.full(N, 0.7), 0.5).mean()
    distrust = mutual.behaves_well(rng, np.full(N, 0.9), np.full(N, 0.1), 0.5).mean()
    assert abs(trusting - 0.9) < 0.01
    assert abs(distrust - 0.9 * (1 - 0.5 * 0.8)) < 0.01


def test_bad_behaviour_costs_supplier_trust_asymmetrically():
    d = mutual.supplier_trust_delta(np.array([True, False]), 0.2, 3.0)
    assert np.allclose(d, [0.2, -0.6])


def test_supplier_that_distrusts_puts_in_less_effort_unless_it_extends_trust():
    low, high = np.array([-3.0], dtype=np.float32), np.array([3.0], dtype=np.float32)
    assert mutual.effort(low, np.array([0.5]))[0] < mutual.effort(high, np.array([0.5]))[0]
    assert mutual.effort(low, np.array([0.95]))[0] > 0.95  # extending trust keeps effort up
