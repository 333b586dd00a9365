"""Advertising, word of mouth, reviews and hearing (MODEL_BRIEF §4; Nielsen 2009)."""

import numpy as np

from trustsim.mechanisms import channels
from trustsim.mechanisms.trust import logit
from trustsim.network import build_network


def test_ads_reach_a_binomial_share_of_distinct_people(rng):
    n, reach = 50_000, 0.02
    m = channels.advertise(rng, n, reach, np.array([1.0, 2.0]), np.array([0.0, 0.5]))
    for s, budget in ((0, 1), (1, 2)):
        who = m.customer[m.supplier == s]
        assert len(np.unique(who)) == len(who)
        expected = n * reach * budget
        assert abs(len(who) - expected) < 4 * np.sqrt(expected)
    banners = m.channel[m.supplier == 1] == channels.BANNER
    assert abs(banners.mean() - 0.5) < 0.05 and not (m.channel[m.supplier == 0] == channels.BANNER).any()


def test_word_of_mouth_is_poisson_and_travels_along_ties(rng):
    net = build_network("small_world", 10_000, 6, rng, rewire=0.0)
    senders = np.arange(0, 10_000, 10)
    m = channels.word_of_mouth(rng, net, senders, np.zeros(len(senders), dtype=np.int64), 0.5, 1.0)
    assert abs(len(m) / len(senders) - 0.5) < 4 * np.sqrt(0.5 / len(senders))
    # on a ring without rewiring every recipient is within 3 places of a sender
    dist = np.min(np.abs(m.customer[:, None] - senders[None, :]) % 9997, axis=1)
    assert (dist <= 3).all()
    assert (m.valence == 1).all() and (m.channel == channels.RECOMMENDATION).all()


def test_first_contact_starts_at_the_benefit_of_the_doubt_and_credibility_scales_the_nudge():
    n, s = 4, 2
    logits = np.zeros((n, s, 4), dtype=np.float32)
    heard = np.full((n, s), -1, dtype=np.int8)
    prior = logit(np.array([0.3, 0.5, 0.7, 0.5]))
    cred = np.array([0.9, 0.7, 0.55, 0.33])
    m = channels.Messages(np.array([0, 1, 2, 3]), np.array([0, 0, 0, 1]),
                          np.array([channels.AD, channels.RECOMMENDATION, channels.BANNER, channels.RECOMMENDATION],
                                   dtype=np.int8),
                          np.array([0.0, 1.0, 1.0, -1.0], dtype=np.float32))
    first = channels.hear(m, logits, heard, prior, cred, channels.HearParams(signal=0.5, loss_multiplier=3.0))
    assert first.all()
    assert np.allclose(logits[0, 0], prior[0])                      # valence 0: just the prior
    assert np.isclose(logits[1, 0, 0] - prior[1], 0.9 * 0.5)        # recommendation: credible
    assert np.isclose(logits[2, 0, 0] - prior[2], 0.33 * 0.5)       # banner: hardly believed
    assert np.isclose(logits[3, 1, 0] - prior[3], -0.9 * 0.5 * 3)   # a warning weighs k times
    assert logits[1, 0, 1] == prior[1]                              # transparency untouched
    assert heard[1, 0] == channels.RECOMMENDATION and heard[0, 1] == -1


def test_reviews_pool_tracks_scores_and_readers_see_the_rating(rng):
    pool = channels.ReviewPool.empty(2)
    sup = np.array([0] * 1000 + [1] * 1000)
    score = np.array([9.0] * 1000 + [2.0] * 1000)
    pool.post(rng, sup, score, 1.0, 0.9)
    assert np.allclose(pool.rating, [0.9, 0.2])
    m = channels.read_reviews(rng, np.arange(2000), pool)
    assert np.allclose(m.valence[m.supplier == 0], 0.8) and np.allclose(m.valence[m.supplier == 1], -0.6)
