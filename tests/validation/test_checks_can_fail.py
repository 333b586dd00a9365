"""Each kind of check fails when the model's tables break the theory it checks (no check that cannot fail)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from trustsim.validation import CHECKS
from trustsim.validation.runs import Tables


def _judge(name, ci_runs, tamper):
    _, size, tables = ci_runs
    check = next(c for c in CHECKS if c.name == name)
    jobs = set(check.plan(size))
    doctored = {j: (tamper(j, copy.deepcopy(t)) if j in jobs else t) for j, t in tables.items()}
    return check.judge(size, doctored)


def _model(t: Tables, column: str, change) -> Tables:
    t.model[column] = change(t.model[column].astype(np.float64))
    return t


@pytest.mark.slow
def test_bass_recursion_fails_when_adoption_is_late_by_one_step(ci_runs):
    late = _judge("bass_recursion", ci_runs, lambda j, t: _model(t, "customer_share", lambda f: np.r_[0.0, f[:-1]]))
    assert not late.passed


@pytest.mark.slow
def test_bass_closed_form_fails_when_word_of_mouth_is_ten_percent_weaker(ci_runs):
    def weaker(j, t):
        q = dict(j.overrides)["wom.rate"]
        p = dict(j.overrides)["advertising.reach"]
        from trustsim.validation.bass import bass_recursion

        t.model["customer_share"] = bass_recursion(p, 0.9 * q, len(t.model["step"]) - 1)
        return t

    assert not _judge("bass_closed_form", ci_runs, weaker).passed


@pytest.mark.slow
def test_sparse_network_check_fails_if_networks_were_faster(ci_runs):
    def swap(j, t):
        kind = dict(j.overrides).get("network.kind", "well_mixed")
        if kind != "well_mixed":
            return _model(t, "customer_share", lambda f: np.minimum(1.0, f * 1.3))
        return t

    assert not _judge("bass_sparse_networks", ci_runs, swap).passed


@pytest.mark.slow
def test_spread_check_fails_if_spread_did_not_shrink(ci_runs):
    def constant_spread(j, t):
        # the same shift for a seed at every N: the spread across seeds no longer depends on N
        shift = np.random.default_rng(j.seed).normal(0.0, 0.02)
        return _model(t, "customer_share", lambda f: f + shift)

    assert not _judge("bass_spread", ci_runs, constant_spread).passed


@pytest.mark.slow
def test_asymmetry_fails_if_recovery_took_one_promise_more(ci_runs):
    def slower(j, t):
        rel = t.model["trust_reliability"].astype(np.float64)
        rel[6:] = np.r_[rel[6], rel[6:-1]]
        t.model["trust_reliability"] = rel
        return t

    assert not _judge("asymmetry", ci_runs, slower).passed


@pytest.mark.slow
def test_channel_check_fails_if_reviews_converted_like_recommendations(ci_runs):
    def boost(j, t):
        if dict(j.overrides).get("reviews.read_rate", 0.0) > 0:
            return _model(t, "acquired_reviews", lambda a: a * 1.35)
        return t

    assert not _judge("channel_credibility", ci_runs, boost).passed


@pytest.mark.slow
def test_lock_in_fails_if_low_trust_everywhere_still_churned(ci_runs):
    def churny(j, t):
        if j.events and j.events[0][2] == "all" and j.events[0][3] >= 2.0:
            return _model(t, "churned", lambda c: c + 30)
        return t

    assert not _judge("lock_in", ci_runs, churny).passed


@pytest.mark.slow
def test_component_weights_fail_if_overall_trust_ignored_care(ci_runs):
    def no_care(j, t):
        m = t.model
        m["mean_trust"] = 0.25 * (
            m["trust_reliability"] + m["trust_transparency"] + m["trust_competence"] + m["trust_care"]
        )
        return t

    assert not _judge("component_weights", ci_runs, no_care).passed
