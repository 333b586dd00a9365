"""Promises, delivery, disconfirmation and capacity (MODEL_BRIEF §2.5-2.7; Oliver 1980)."""

import numpy as np
import pytest

from trustsim.mechanisms import promises
from trustsim.mechanisms.trust import BROKEN, EXCEEDED, KEPT

N = 20_000


def shares(outcome):
    return {k: np.mean(outcome == v) for k, v in (("broken", BROKEN), ("kept", KEPT), ("exceeded", EXCEEDED))}


def run(rng, promise, able, over=0.0, reliability=1.0, noise=0.03):
    """N deliveries of one supplier; ((outcome, excess), failed) per delivery."""
    p = promises.DeliveryParams(noise=noise, failure_drop=0.3, tolerance=0.05, visibility=0.0)
    failed = rng.random(N) >= reliability
    z = rng.standard_normal(N)
    q = np.array(
        [promises.delivered_quality(promise, able, over, f, zi, 0.0, p) for f, zi in zip(failed, z, strict=True)]
    )
    outcome = np.array([promises.disconfirm(qi, promise, p.tolerance) for qi in q])
    return (outcome, np.where(outcome == EXCEEDED, q - promise, 0.0)), failed


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
    assert promises.capability(0.9, 1.0, strain[3]) < 0.9 == promises.capability(0.9, 1.0, strain[0])


def test_a_supplier_delivers_what_it_promised_unless_it_cannot():
    p = promises.DeliveryParams(noise=0.0, failure_drop=0.3, tolerance=0.05, visibility=0.0)
    assert promises.delivered_quality(0.7, 0.9, 0.0, False, 0.0, 0.0, p) == 0.7  # do what you say
    assert promises.delivered_quality(0.9, 0.75, 0.0, False, 0.0, 0.0, p) == 0.75  # cannot do more than it can
    assert promises.delivered_quality(0.7, 0.9, 0.0, True, 0.0, 0.0, p) == pytest.approx(0.4)  # an erratic failure
