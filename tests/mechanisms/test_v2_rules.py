"""Version-2 rules on their own: fit, anchoring, visible competence, churn as a hazard, money."""

import numpy as np
import pytest

from trustsim.config import Money
from trustsim.mechanisms import choice, fit, money, promises, trust
from trustsim.mechanisms.trust import BROKEN, COMPETENCE, KEPT, TRANSPARENCY

P = trust.TrustParams(
    gain=0.15,
    loss_multiplier=3.0,
    over_delivery_gain=2.0,
    repair_relief=0.6,
    care_rate=0.1,
    forgetting=0.0,
    anchoring_gain=0.5,
    gesture_gain=0.3,
)


def test_fit_shifts_the_quality_a_customer_experiences():
    p = promises.DeliveryParams(noise=0.0, failure_drop=0.3, tolerance=0.05, visibility=0.0)
    base = promises.delivered_quality(0.7, 0.9, 0.0, False, 0.0, 0.0, p)
    assert promises.delivered_quality(0.7, 0.9, 0.0, False, 0.0, 0.1, p) == pytest.approx(base + 0.1)
    poor = promises.delivered_quality(0.7, 0.9, 0.0, False, 0.0, -0.1, p)
    assert promises.disconfirm(poor, 0.7, 0.05) == BROKEN  # a poor fit feels like a broken promise


def test_recommenders_pass_on_what_they_judge_a_fit(rng):
    n = 50_000
    f = fit.draw_fit(rng, n, 1, 0.1)[:, 0]
    assert abs(f.std() - 0.1) < 0.002 and fit.draw_fit(rng, 5, 3, 0.0).shape == (5, 0)
    followed = fit.recommender_says_it_fits(f, 0.05 * rng.standard_normal(n))
    assert f[followed].mean() > 0.07 > 0 > f[~followed].mean()  # followed recommendations fit better
    assert abs(followed.mean() - 0.5) < 0.01


def test_anchoring_a_kept_promise_raises_transparency():
    plain = trust.experience_delta(KEPT, 0.0, 0.7, False, False, 0.5, False, P)
    anchored = trust.experience_delta(KEPT, 0.0, 0.7, False, True, 0.5, False, P)
    assert plain[TRANSPARENCY] == 0 and anchored[TRANSPARENCY] == pytest.approx(0.15 * 0.5)
    broken = trust.experience_delta(BROKEN, -0.2, 0.5, False, True, 0.5, False, P)
    assert broken[TRANSPARENCY] < 0  # anchoring cannot hide a broken promise


def test_ability_beyond_the_promise_shows_as_competence():
    seen_blind = promises.visible_competence(0.7, 0.95, 0.7, 0.0)
    seen = promises.visible_competence(0.7, 0.95, 0.7, 0.5)
    assert seen_blind == pytest.approx(0.7) and seen == pytest.approx(0.825)
    assert promises.visible_competence(0.7, 0.6, 0.7, 0.5) == pytest.approx(0.7)  # no hidden ability: nothing extra
    blind = trust.experience_delta(KEPT, 0.0, seen_blind, False, False, 0.5, False, P)
    visible = trust.experience_delta(KEPT, 0.0, seen, False, False, 0.5, False, P)
    assert visible[COMPETENCE] > blind[COMPETENCE]


def test_churn_is_a_hazard_that_rises_smoothly_as_trust_falls():
    p = choice.SwitchParams(threshold=0.4, margin=0.1, rate=0.25, softness=0.05)
    chance = np.array([choice.leave_chance(np.float32(t), p) for t in np.linspace(0.1, 0.9, 81)])
    assert (np.diff(chance) < 0).all() and chance[0] > 0.24 and chance[-1] < 1e-4
    assert choice.leave_chance(np.float32(0.4), p) == pytest.approx(0.125)
    assert choice.wishes_to_leave(np.float32(0.45), 0.01, p) and not choice.wishes_to_leave(np.float32(0.45), 0.2, p)
    hard = p._replace(softness=0.0)
    assert choice.wishes_to_leave(np.float32(0.39), 0.99, hard)
    assert not choice.wishes_to_leave(np.float32(0.41), 0.0, hard)


def test_lock_in_nobody_leaves_for_an_untrusted_alternative():
    p = choice.SwitchParams(threshold=0.4, margin=0.1, rate=0.25, softness=0.05)
    own = np.array([0.2, 0.2, 0.5, 0.5], np.float32)
    best = np.array([0.35, 0.45, 0.55, 0.7])
    assert choice.acceptable_alternatives(own, best, p).tolist() == [False, True, False, True]
    hard = p._replace(softness=0.0)
    assert choice.switches(np.float32(0.5), 0.7, p) and not choice.switches(np.float32(0.5), 0.7, hard)


def test_service_costs_money_and_future_profit_is_discounted():
    m = Money(service_cost=0.5, over_delivery_cost=2.0, care_cost=0.2, ad_cost=1.0, discount_rate=0.01)
    cost = money.unit_cost(np.array([0.0, 0.1]), np.array([0.5, 0.9]), m)
    assert np.allclose(cost, [0.6, 0.88])
    assert np.allclose(money.advertising_cost(np.array([10, 0]), m), [10.0, 0.0])
    assert money.discount_factor(0, 0.01) == 1 and money.discount_factor(52, 0.01) == pytest.approx(1.01**-52)
