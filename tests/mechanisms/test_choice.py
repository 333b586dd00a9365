"""Persuasion, logit choice, capacity and switching (MODEL_BRIEF §2.10, §4)."""

import numpy as np

from trustsim.mechanisms import choice

N = 40_000


def test_credibility_and_trust_set_the_chance_of_persuasion(rng):
    rates = []
    for cred in (0.9, 0.7, 0.55, 0.33):
        rates.append(choice.persuaded(rng, np.full(N, cred), np.full(N, 0.6), True).mean())
        assert abs(rates[-1] - cred * 0.6) < 4 * np.sqrt(0.25 / N)
    assert rates == sorted(rates, reverse=True)
    assert choice.persuaded(rng, np.full(10, 0.1), np.full(10, 0.0), False).all()  # Bass limit


def test_logit_choice_favours_the_more_trusted_supplier(rng):
    chooser = np.repeat(np.arange(N), 2)
    option = np.tile([0, 1], N)
    utility = np.tile([8 * 0.7, 8 * 0.5], N)
    pick = choice.logit_choice(rng, chooser, option, utility)
    assert len(pick) == N and np.array_equal(chooser[pick], np.arange(N))
    share = (option[pick] == 0).mean()
    expected = 1 / (1 + np.exp(-8 * 0.2))
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / N)


def test_capacity_is_never_exceeded(rng):
    sup = rng.integers(0, 3, 1000)
    ok = choice.within_capacity(rng, sup, np.array([10, 0, 5000]))
    assert (ok[sup == 0]).sum() == 10 and not ok[sup == 1].any() and ok[sup == 2].all()


def test_customers_switch_only_to_a_trusted_alternative():
    own = np.array([0.3, 0.3, 0.3, 0.6], dtype=np.float32)
    alts = np.array([[0.0, 0.55, 0.2], [0.0, 0.35, 0.38], [0.0, 0.45, 0.9], [0.0, 0.9, 0.2]], dtype=np.float32)
    components = np.repeat(alts[:, :, None], 4, axis=2)  # every component equal: overall trust = alts
    heard = np.array([[0, 0, 0], [0, 0, 0], [0, 0, -1], [0, 0, 0]], dtype=np.int8)
    weights = np.full(4, 0.25, dtype=np.float32)
    p = choice.SwitchParams(threshold=0.4, margin=0.1, rate=0.25, softness=0.0)
    target = choice.switch_targets(
        components, weights, heard, np.arange(4), np.zeros(4, np.int64), own, np.array([9, 9, 9]), p
    )
    # 0: trusted alternative -> switches; 1: nobody trusted -> stays (lock-in);
    # 2: the best alternative is unknown, the known one is trusted enough; 3: happy customer stays
    assert target.tolist() == [1, -1, 1, -1]
    full = choice.switch_targets(
        components, weights, heard, np.arange(4), np.zeros(4, np.int64), own, np.array([9, 0, 9]), p
    )
    assert full.tolist() == [-1, -1, -1, -1]  # no room at 1: no alternative left that is trusted enough
