"""Advertising, word of mouth, reviews and hearing (MODEL_BRIEF §4; Nielsen 2009)."""

import numpy as np

from trustsim.mechanisms import channels
from trustsim.mechanisms.trust import logit
from trustsim.network import build_network


def test_ads_reach_a_binomial_share_of_distinct_people(rng):
    n, reach = 50_000, 0.02
    m = channels.advertise(rng, n, channels.reach_share(reach, np.array([1.0, 2.0])), np.array([0.0, 0.5]))
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
    m = channels.Messages(
        np.array([0, 1, 2, 3]),
        np.array([0, 0, 0, 1]),
        np.array([channels.AD, channels.RECOMMENDATION, channels.BANNER, channels.RECOMMENDATION], dtype=np.int8),
        np.array([0.0, 1.0, 1.0, -1.0], dtype=np.float32),
        np.full(4, -1),
    )
    heard_from, last_spell = np.full((n, s), -1, np.int64), np.full(n, -1, np.int64)
    params = channels.HearParams(signal=0.5, negative_weight=3.0, transfer=0.0)
    first = channels.hear(m, logits, heard, heard_from, last_spell, prior, cred, params)
    assert first.all()
    assert np.allclose(logits[0, 0], prior[0])  # valence 0: just the prior
    assert np.isclose(logits[1, 0, 0] - prior[1], 0.9 * 0.5)  # recommendation: credible
    assert np.isclose(logits[2, 0, 0] - prior[2], 0.33 * 0.5)  # banner: hardly believed
    assert np.isclose(logits[3, 1, 0] - prior[3], -0.9 * 0.5 * 3)  # a warning weighs k times
    assert logits[1, 0, 1] == prior[1]  # transparency untouched
    assert heard[1, 0] == channels.RECOMMENDATION and heard[0, 1] == -1


def test_reviews_pool_tracks_scores_and_readers_see_the_rating(rng):
    pool = channels.ReviewPool.empty(2)
    sup = np.array([0] * 1000 + [1] * 1000)
    score = np.array([9.0] * 1000 + [2.0] * 1000)
    pool.post(rng, sup, score, 1.0, 0.9)
    assert np.allclose(pool.rating, [0.9, 0.2])
    m = channels.read_reviews(rng, np.arange(2000), pool)
    assert np.allclose(m.valence[m.supplier == 0], 0.8) and np.allclose(m.valence[m.supplier == 1], -0.6)


def test_word_of_mouth_records_who_said_it(rng):
    net = build_network("erdos_renyi", 2000, 8, rng)
    senders = np.array([5, 17, 99])
    m = channels.word_of_mouth(rng, net, senders, np.array([0, 1, 2]), np.array([3.0, 3.0, 3.0]), 1.0)
    assert set(np.unique(m.sender)) <= set(senders.tolist()) and len(m) > 0
    for who, sup in ((5, 0), (17, 1), (99, 2)):
        assert (m.supplier[m.sender == who] == sup).all()
    assert (channels.advertise(rng, 100, np.array([0.5]), np.array([0.0])).sender == -1).all()


def test_promoters_recommend_most_passives_less_and_the_disappointed_warn():
    p = channels.WomParams(rate=0.3, warn_rate=0.5, recommend_midpoint=8.5, warn_midpoint=3.5, spread=0.5)
    rec = channels.by_score(channels.recommend_chance, p)
    warn = channels.by_score(channels.warn_chance, p)
    assert (np.diff(rec) > 0).all() and (np.diff(warn) < 0).all()  # smooth and monotone in the score
    assert rec[10] > 0.9 * 0.3 and rec[9] > 2.5 * rec[8] and rec[8] > 5 * rec[7]  # promoters most, passives less
    assert rec[6] < 0.01 * 0.3 and warn[2] > 0.8 * 0.5 and warn[8] < 1e-3
    assert channels.recommend_chance(9.0, p) == rec[9] and channels.warn_chance(2.0, p) == warn[2]


def test_talkativeness_varies_between_people_and_grows_with_degree(rng):
    talk = channels.talkativeness_draws(rng, 100_000, 1.0)
    assert abs(talk.mean() - 1.0) < 0.02 and abs(talk.std() - 1.0) < 0.03
    assert (channels.talkativeness_draws(rng, 10, 0.0) == 1).all()
    hub = channels.hub_factor(np.array([2, 4, 8, 16]), 1.0)
    assert np.allclose(hub, np.array([2, 4, 8, 16]) / 7.5) and (channels.hub_factor(np.array([3, 9]), 0.0) == 1).all()


def test_a_recommendation_carries_part_of_the_recommenders_trust():
    n, s = 3, 1
    logits = np.zeros((n, s, 4), dtype=np.float32)
    logits[2, 0] = 4.0  # the recommender trusts the supplier a lot
    heard = np.array([[0], [0], [0]], dtype=np.int8)
    prior = np.zeros(n, np.float32)
    cred = np.array([0.9, 0.7, 0.55, 0.33])
    m = channels.Messages(
        np.array([0, 1]),
        np.array([0, 0]),
        np.array([0, 0], np.int8),
        np.array([1.0, 1.0], np.float32),
        np.array([2, -1]),
    )
    heard_from, last_spell = np.full((n, s), -1, np.int64), np.full(n, -1, np.int64)
    params = channels.HearParams(signal=0.5, negative_weight=1.0, transfer=0.5)
    channels.hear(m, logits, heard, heard_from, last_spell, prior, cred, params)
    told, plain = logits[0, 0], logits[1, 0]
    assert np.isclose(plain[0], 0.45) and plain[3] == 0  # no sender: the nudge only
    assert np.isclose(told[3], 0.5 * 0.9 * 4.0)  # care: a share of the recommender's view
    assert np.isclose(told[0], 0.45 + 0.5 * 0.9 * (4.0 - 0.45))  # after the nudge, towards the recommender


def test_word_of_mouth_with_a_rate_per_sender_gives_each_its_poisson_share(rng):
    net = build_network("well_mixed", 5000, 0, rng)
    senders = np.arange(4)
    rates = np.array([0.0, 0.5, 1.0, 2.0])
    counts = np.zeros(4)
    runs = 4000
    for _ in range(runs):
        m = channels.word_of_mouth(rng, net, senders, senders, rates, 1.0)
        counts += np.bincount(m.sender, minlength=4)
    mean = counts / runs
    assert mean[0] == 0
    assert np.all(np.abs(mean[1:] - rates[1:]) < 4 * np.sqrt(rates[1:] / runs))  # Poisson: variance = mean


def test_first_contact_by_word_of_mouth_remembers_the_speakers_spell():
    """A supplier first heard of from a person keeps that person's spell, so a later switch to it names
    its referrer (issue 25, item 7); reviews and ads name nobody, and a later message changes nothing."""
    n, s = 3, 2
    logits, heard = np.zeros((n, s, 4), np.float32), np.full((n, s), -1, np.int8)
    heard_from, last_spell = np.full((n, s), -1, np.int64), np.array([-1, -1, 17])
    m = channels.Messages(
        np.array([0, 1]),
        np.array([1, 1]),
        np.array([channels.RECOMMENDATION, channels.AD], np.int8),
        np.array([1.0, 0.5], np.float32),
        np.array([2, -1]),
    )
    params = channels.HearParams(signal=0.5, negative_weight=1.0, transfer=0.0)
    prior, cred = np.zeros(n, np.float32), np.ones(4)
    channels.hear(m, logits, heard, heard_from, last_spell, prior, cred, params)
    assert heard_from[0, 1] == 17 and heard_from[1, 1] == -1 and (heard_from[:, 0] == -1).all()
    later = channels.Messages(
        np.array([0]), np.array([1]), np.array([0], np.int8), np.ones(1, np.float32), np.array([1])
    )
    channels.hear(later, logits, heard, heard_from, last_spell, prior, cred, params)
    assert heard_from[0, 1] == 17  # the first contact is remembered
