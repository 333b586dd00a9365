"""Trust update: asymmetry, over-delivery, repair, care, weights (MODEL_BRIEF §1, §2.6-2.8)."""

import numpy as np
import pytest

from trustsim.mechanisms import trust
from trustsim.mechanisms.trust import BROKEN, CARE, COMPETENCE, EXCEEDED, KEPT, RELIABILITY, TRANSPARENCY

PARAMS = dict(
    gain=0.15,
    loss_multiplier=3.0,
    over_delivery_gain=2.0,
    repair_relief=0.6,
    care_rate=0.1,
    forgetting=0.0,
    anchoring_gain=0.5,
    gesture_gain=0.3,
)


def delta(outcome, excess=0.0, quality=0.7, admitted=False, care=0.5, **over):
    params = trust.TrustParams(**PARAMS | over)
    return np.array(trust.experience_delta(outcome, excess, quality, admitted, False, care, False, params))


@pytest.mark.parametrize("k", [1.5, 2.0, 3.0, 5.0])
def test_k_kept_promises_restore_one_broken_promise(k):
    start = trust.logit(np.array([0.7]))[0]
    logit = start + delta(BROKEN, loss_multiplier=k)[RELIABILITY]
    lost = trust.expit(np.float32(start)) - trust.expit(np.float32(logit))
    assert lost > 0
    kept = 0
    while logit < start - 1e-6:
        logit += delta(KEPT, loss_multiplier=k)[RELIABILITY]
        kept += 1
    assert kept == int(np.ceil(k - 1e-9))


def test_broken_promise_costs_more_than_kept_gains():
    assert -delta(BROKEN)[RELIABILITY] == pytest.approx(3.0 * delta(KEPT)[RELIABILITY])


def test_over_delivery_adds_trust_beyond_keeping():
    kept, exceeded = delta(KEPT), delta(EXCEEDED, excess=0.1)
    for comp in (RELIABILITY, COMPETENCE, CARE):
        assert exceeded[comp] > kept[comp]
    assert exceeded[RELIABILITY] - kept[RELIABILITY] == pytest.approx(0.15 * 2.0 * 0.1)


def test_admitted_failure_costs_less_and_raises_transparency():
    silent, admitted = delta(BROKEN), delta(BROKEN, admitted=True)
    assert admitted[RELIABILITY] == pytest.approx(silent[RELIABILITY] * (1 - 0.6))
    assert admitted[TRANSPARENCY] > 0 > silent[TRANSPARENCY]


def test_care_effort_moves_care_and_lack_of_care_weighs_more():
    assert delta(KEPT, care=0.5)[CARE] == 0
    up, down = delta(KEPT, care=0.8)[CARE], delta(KEPT, care=0.2)[CARE]
    assert up > 0 > down
    assert -down == pytest.approx(3.0 * up)


def test_quality_moves_competence_only_through_what_is_seen():
    assert delta(KEPT, quality=0.9)[COMPETENCE] > delta(KEPT, quality=0.6)[COMPETENCE] > 0
    assert delta(KEPT, quality=0.3)[COMPETENCE] < 0
    assert delta(KEPT)[TRANSPARENCY] == 0  # a plain delivery says nothing about openness


def test_default_weights_rise_so_care_moves_overall_trust_most():
    w = trust.normalised_weights([0.1, 0.2, 0.3, 0.4])
    base = np.full(4, 0.5, dtype=np.float32)
    gains = []
    for comp in range(4):
        improved = base.copy()
        improved[comp] += 0.1
        gains.append(trust.combine(improved, w) - trust.combine(base, w))
    assert trust.combine_rows(np.stack([base, base]), w).tolist() == [trust.combine(base, w)] * 2
    assert gains[CARE] > gains[COMPETENCE] > gains[TRANSPARENCY] > gains[RELIABILITY] > 0


def test_logits_are_clipped_so_trust_stays_in_the_open_unit_interval():
    up = trust.update_component(np.float32(7.9), np.float32(0.0), np.float32(5.0), 0.0)
    down = trust.update_component(np.float32(-7.9), np.float32(0.0), np.float32(-5.0), 0.0)
    assert up == trust.LOGIT_LIMIT and down == -trust.LOGIT_LIMIT
    p = trust.expit(np.array([up, down]))
    assert (p > 0).all() and (p < 1).all()


def test_forgetting_pulls_back_to_the_prior_before_the_experience():
    assert trust.update_component(np.float32(2.0), np.float32(0.0), np.float32(0.0), 0.25) == pytest.approx(1.5)
    assert trust.update_component(np.float32(2.0), np.float32(0.0), np.float32(0.1), 0.0) == pytest.approx(2.1)
