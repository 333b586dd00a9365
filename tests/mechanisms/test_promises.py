"""Promises, delivery, disconfirmation and capacity (MODEL_BRIEF §2.5-2.7; Oliver 1980)."""

import numpy as np

from trustsim.mechanisms import promises
from trustsim.mechanisms.trust import BROKEN, EXCEEDED, KEPT

N = 20_000


def shares(outcome):
    return {k: np.mean(outcome == v) for k, v in (("broken", BROKEN), ("kept", KEPT), ("exceeded", EXCEEDED))}


def run(rng, promise, able, over=0.0, reliability=1.0, noise=0.03):
    q, failed = promises.deliver(rng, np.full(N, promise), np.full(N, able), np.full(N, over),
                                 np.full(N, reliability), noise, 0.3)
    return promises.disconfirm(q, np.full(N, promise), 0.05), failed


def test_able_supplier_keeps_promises(rng):
    (outcome, _), _ = run(rng, 0.7, 0.9)
    s = shares(outcome)
    assert s["kept"] > 0.9  # noise 0.03 vs tolerance 0.05: P(|d| > tol) = 9.5%
    assert abs(s["broken"] - s["exceeded"]) < 0.02


def test_over_promising_breaks_promises(rng):
    (outcome, _), _ = run(rng, 0.9, 0.75)
    assert shares(outcome)["broken"] > 0.99


def test_over_delivery_exceeds_promises_with_positive_excess(rng):
    (outcome, excess), _ = run(rng, 0.6, 0.9, over=0.1)
    assert shares(outcome)["exceeded"] > 0.9
    assert abs(excess[outcome == EXCEEDED].mean() - 0.1) < 0.01


def test_erratic_failures_follow_unreliability(rng):
    (outcome, _), failed = run(rng, 0.7, 0.9, reliability=0.8, noise=0.0)
    se = np.sqrt(0.2 * 0.8 / N)
    assert abs(failed.mean() - 0.2) < 4 * se
    assert np.array_equal(outcome == BROKEN, failed)


def test_capacity_strain_lowers_quality_only_near_capacity():
    strain = promises.capacity_strain(np.array([50, 80, 90, 100]), np.array([100.0] * 4), 0.8, 0.5)
    assert strain[0] == strain[1] == 1.0
    assert strain[2] == 0.75 and strain[3] == 0.5
    assert (promises.capability(np.array([0.9]), np.array([1.0]), strain[3:]) < 0.9).all()
