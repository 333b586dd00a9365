"""Mutual trust: suppliers' trust in customers sets effort; distrust spirals (MODEL_BRIEF §1)."""

import numpy as np
import pytest

from trustsim.mechanisms import mutual

N = 40_000


def test_distrustful_customers_behave_worse(rng):
    u = rng.random(N)

    def share(trust_in_supplier):
        return np.mean([mutual.behaves_well(x, np.float32(0.9), np.float32(trust_in_supplier), 0.5) for x in u])

    se = np.sqrt(0.25 / N)
    assert abs(share(0.7) - 0.9) < 4 * se
    assert abs(share(0.1) - 0.9 * (1 - 0.5 * 0.8)) < 4 * se


def test_bad_behaviour_costs_supplier_trust_asymmetrically():
    p = mutual.MutualParams(reciprocity=0.5, gain=0.2, loss_multiplier=3.0)
    assert mutual.supplier_trust_change(True, p) == pytest.approx(0.2)
    assert mutual.supplier_trust_change(False, p) == pytest.approx(-0.6)


def test_supplier_that_distrusts_puts_in_less_effort_unless_it_extends_trust():
    assert mutual.effort(0.5, np.float32(0.05)) < mutual.effort(0.5, np.float32(0.95))
    assert mutual.effort(0.95, np.float32(0.05)) > 0.95  # extending trust keeps effort up
