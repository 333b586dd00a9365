"""Channels through which people hear of suppliers: recommendations, reviews, ads, banners.

Models: word of mouth versus advertising, each channel with its own credibility (MODEL_BRIEF
§4; Nielsen 2009: acquaintances 90%, online reviews 70%, billboard/TV 55%, banners 33%);
ambassadors recommend and detractors warn along network ties (§2.9-2.11); online reviews
as a public pool; advertising reaching random people (Bass p). Advertising matters early,
word of mouth later (Goldenberg, Libai & Muller 2001).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from trustsim.config.schema import CHANNELS, Advertising
from trustsim.jit import AHEAD, loop, prefetch, rule
from trustsim.mechanisms.trust import COMPETENCE, RELIABILITY, clip_logit
from trustsim.network import Network

RECOMMENDATION, REVIEW, AD, BANNER = (CHANNELS.index(c) for c in ("recommendation", "review", "ad", "banner"))
"""Code of each channel (the order of :data:`trustsim.config.CHANNELS`)."""


@dataclass
class Messages:
    """One row per message heard this step: who hears, about which supplier, how, its tone, from whom.

    `valence` is +1 for a recommendation, -1 for a warning, 2 * rating - 1 for reviews and
    +0.5 for advertising claims (Veronderstelling: "we can solve your problem"); `sender` is the
    person who said it (-1 for reviews and advertising).
    """

    customer: np.ndarray
    supplier: np.ndarray
    channel: np.ndarray
    valence: np.ndarray
    sender: np.ndarray

    @classmethod
    def empty(cls) -> Messages:
        """No messages.

        Example:
            >>> len(Messages.empty())
            0
        """
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), z.astype(np.int8), z.astype(np.float32), z.copy())

    @classmethod
    def concat(cls, parts: list[Messages]) -> Messages:
        """All messages of several channels together, in the given order.

        Example:
            >>> ad = Messages(np.array([4]), np.array([1]), np.array([AD]), np.array([0.5]), np.array([-1]))
            >>> both = Messages.concat([ad, Messages.empty(), ad])
            >>> len(both), both.customer.tolist(), both.channel.dtype.name
            (2, [4, 4], 'int8')
        """
        parts = [p for p in parts if len(p)] or [cls.empty()]
        return cls(
            np.concatenate([p.customer for p in parts]),
            np.concatenate([p.supplier for p in parts]),
            np.concatenate([p.channel for p in parts]).astype(np.int8),
            np.concatenate([p.valence for p in parts]).astype(np.float32),
            np.concatenate([p.sender for p in parts]),
        )

    def __len__(self) -> int:
        return len(self.customer)

    def take(self, mask: np.ndarray) -> Messages:
        """The messages where `mask` is true (or at these indices).

        Example:
            >>> tone = np.array([0.6, -0.2, 1.0])
            >>> m = Messages(np.arange(3), np.zeros(3, int), np.full(3, REVIEW), tone, np.full(3, -1))
            >>> m.take(m.valence > 0).customer.tolist()
            [0, 2]
        """
        return Messages(
            self.customer[mask], self.supplier[mask], self.channel[mask], self.valence[mask], self.sender[mask]
        )


def reach_share(reach: float, ad_budget: np.ndarray | float) -> np.ndarray:
    """Share of the population an ad budget reaches in one period: ``min(1, reach * ad_budget)``.

    Models: advertising reaching random people at Bass's innovation rate p (Bass 1969); with one
    supplier and budget 1 the share is exactly ``advertising.reach``.

    Example:
        >>> reach_share(0.01, np.array([0.0, 2.0, 500.0])).tolist()
        [0.0, 0.02, 1.0]
    """
    return np.minimum(1.0, reach * np.asarray(ad_budget, dtype=np.float64))


def goodwill_after(goodwill: np.ndarray, spend: np.ndarray, carryover: float) -> np.ndarray:
    """Goodwill after this week's ad spend: what is left of last week's, plus the spend.

    Models: advertising builds a stock of goodwill that decays (Nerlove & Arrow 1962); a weekly
    `carryover` of 0.93 leaves 10% of an ad's effect after 32 weeks (Leone 1995: 90% of the effect
    within 6-9 months). Sustained spend b leads to a stock of b / (1 - carryover).

    Example:
        >>> goodwill_after(np.array([100.0, 0.0]), np.array([10.0, 10.0]), 0.9).tolist()
        [100.0, 10.0]
    """
    return carryover * goodwill + spend


def goodwill_reach_share(goodwill: np.ndarray, max_reach: float, saturation: float) -> np.ndarray:
    """Share of the population a supplier's goodwill reaches this week: concave, saturating.

    Models: diminishing returns to advertising (Little 1970, ADBUDG; Vidale & Wolfe 1957):
    ``max_reach * G / (G + saturation)``, so the elasticity of reach to goodwill is
    ``saturation / (G + saturation)``, falling as spend rises (Sethuraman, Tellis & Briesch 2011:
    mean elasticities 0.12 short-run, 0.24 long-run).

    Example:
        >>> goodwill_reach_share(np.array([0.0, 100.0, 900.0]), 0.02, 100.0).tolist()
        [0.0, 0.01, 0.018]
    """
    return max_reach * goodwill / (goodwill + saturation)


def ad_reach_shares(advertising: Advertising, ad_budget: np.ndarray, goodwill: np.ndarray) -> np.ndarray:
    """Share of the population each supplier's advertising reaches this week, by `advertising.response`:
    linear in this week's budget (:func:`reach_share`) or saturating in goodwill (:func:`goodwill_reach_share`).

    Example:
        >>> from trustsim.config.schema import Advertising
        >>> ad_reach_shares(Advertising(reach=0.01), np.array([2.0]), np.array([0.0])).tolist()
        [0.02]
        >>> ad = Advertising(response="goodwill", max_reach=0.02, saturation=100.0)
        >>> ad_reach_shares(ad, np.array([2.0]), np.array([100.0])).tolist()
        [0.01]
    """
    if advertising.response == "goodwill":
        return goodwill_reach_share(goodwill, advertising.max_reach, advertising.saturation)
    return reach_share(advertising.reach, ad_budget)


def advertise(
    rng: np.random.Generator,
    n: int,
    share: np.ndarray,
    banner_share: np.ndarray,
) -> Messages:
    """Each supplier's ads reach a uniformly random `share` of the population (:func:`ad_reach_shares`).

    Every person is reached independently with that probability (a binomial number of
    distinct people), so with one supplier and a 'linear' budget of 1 this is exactly Bass's innovation p.
    A `banner_share` of the reached hear it through online banners instead of mass media.

    Example:
        Half the population hears of supplier 1 (share 0.5), all through banners; a share of 0, no ads:

        >>> m = advertise(np.random.default_rng(0), 1000, np.array([0.0, 0.5]), np.array([0.0, 1.0]))
        >>> set(m.supplier.tolist()), set(m.channel.tolist()) == {BANNER}, 400 < len(m) < 600
        ({1}, True, True)
        >>> len(set(m.customer.tolist())) == len(m)
        True
    """
    who, banner, about = [], [], []
    for s in range(len(share)):
        p = float(share[s])
        k = int(rng.binomial(n, p)) if p > 0 else 0
        if k == 0:
            continue
        who.append(rng.choice(n, size=k, replace=False))
        banner.append(rng.random(k) < banner_share[s])
        about.append(np.full(k, s, dtype=np.int64))
    if not who:
        return Messages.empty()
    k = sum(len(w) for w in who)
    return Messages(
        np.concatenate(who).astype(np.int64),
        np.concatenate(about),
        np.where(np.concatenate(banner), BANNER, AD).astype(np.int8),
        np.full(k, 0.5, dtype=np.float32),
        np.full(k, -1, dtype=np.int64),
    )


class WomParams(NamedTuple):
    """Who talks how much (``[wom]``; see docs/config.md)."""

    rate: float
    warn_rate: float
    recommend_midpoint: float
    warn_midpoint: float
    spread: float


def talkativeness_draws(rng: np.random.Generator, n: int, sd: float) -> np.ndarray:
    """How much each person talks, relative to the average: Gamma with mean 1 and this sd.

    Models: many who would recommend never do, a few talk a lot (Kumar, Petersen & Leone 2007);
    with ``sd = 1`` talkativeness is exponential. No draws when ``sd = 0`` (everyone talks alike).

    Example:
        >>> t = talkativeness_draws(np.random.default_rng(0), 10_000, 1.0)
        >>> 0.95 < float(t.mean()) < 1.05, float(t.max()) > 5.0
        (True, True)
        >>> talkativeness_draws(np.random.default_rng(0), 3, 0.0).tolist()
        [1.0, 1.0, 1.0]
    """
    if sd <= 0:
        return np.ones(n, np.float32)
    shape = 1.0 / sd**2
    return rng.gamma(shape, 1.0 / shape, size=n).astype(np.float32)


def hub_factor(degree: np.ndarray, exponent: float) -> np.ndarray:
    """Talkativeness of opinion leaders: ``(degree / mean degree) ** exponent`` (Goldenberg et al. 2009).

    Example:
        >>> hub_factor(np.array([1, 3, 8]), 1.0).tolist()
        [0.25, 0.75, 2.0]
        >>> hub_factor(np.array([1, 3, 8]), 0.0).tolist()
        [1.0, 1.0, 1.0]
    """
    if exponent == 0 or len(degree) == 0:
        return np.ones(len(degree))
    mean = max(float(degree.mean()), 1e-12)
    return (degree / mean) ** exponent


@rule
def recommend_chance(score: float, p: WomParams) -> float:
    """Recommendations per week of an average talker with this 0-10 score: ``rate`` times a chance
    rising smoothly with the score, one half at `recommend_midpoint` (promoters most, passives
    less; Reichheld 2003). A person's own rate is this times its talkativeness.

    Example:
        >>> p = WomParams(rate=0.2, warn_rate=0.1, recommend_midpoint=8.0, warn_midpoint=4.0, spread=1.0)
        >>> round(recommend_chance(8.0, p), 3)
        0.1
        >>> recommend_chance(10.0, p) > recommend_chance(8.0, p) > recommend_chance(5.0, p)
        True
    """
    return p.rate / (1.0 + math.exp(-(score - p.recommend_midpoint) / p.spread))


@rule
def warn_chance(score: float, p: WomParams) -> float:
    """Warnings per week of an average talker who is disappointed and scores this: ``warn_rate``
    times a chance falling smoothly with the score, one half at `warn_midpoint` (East, Hammond &
    Wright 2007: positive word of mouth is the more common). Times talkativeness, as above.

    Example:
        >>> p = WomParams(rate=0.2, warn_rate=0.1, recommend_midpoint=8.0, warn_midpoint=4.0, spread=1.0)
        >>> chances = [warn_chance(score, p) for score in (0.0, 4.0, 9.0)]
        >>> round(chances[1], 3), chances[0] > chances[1] > chances[2]
        (0.05, True)
    """
    return p.warn_rate / (1.0 + math.exp((score - p.warn_midpoint) / p.spread))


def by_score(chance: Callable[[float, WomParams], float], p: WomParams) -> np.ndarray:
    """A chance of :func:`recommend_chance` or :func:`warn_chance` for each score 0..10.

    Example:
        >>> p = WomParams(rate=0.2, warn_rate=0.1, recommend_midpoint=8.0, warn_midpoint=4.0, spread=1.0)
        >>> r, w = by_score(recommend_chance, p), by_score(warn_chance, p)
        >>> r.shape, round(float(r[8]), 3), bool((np.diff(r) > 0).all()), bool((np.diff(w) < 0).all())
        ((11,), 0.1, True, True)
    """
    return np.array([chance(float(score), p) for score in range(11)])


def word_of_mouth(
    rng: np.random.Generator,
    network: Network,
    senders: np.ndarray,
    about: np.ndarray,
    rate: float | np.ndarray,
    valence: float,
    *,
    cumulative: bool = False,
) -> Messages:
    """Each sender tells Poisson(`rate`) random contacts about supplier `about[i]`.

    Models: satisfied customers recommend (valence +1) and disappointed ones warn (valence -1)
    their ties; on a well-mixed population contacts are uniformly random members (Bass q).
    `rate` is one number for all senders or one per sender; with one per sender the independent
    Poisson counts are drawn as a Poisson total shared out in proportion to the rates (the same
    distribution; cheaper when most senders rarely talk). With `cumulative` the per-sender rates
    are given as their running total (``np.cumsum(rates)``; :func:`trustsim.phases.talkers`).

    Example:
        Two senders on a well-mixed population of 100; only the second talks, and it warns:

        >>> net = Network(n=100, indptr=None, indices=None)
        >>> senders, about, rates = np.array([3, 7]), np.array([0, 1]), np.array([0.0, 5.0])
        >>> m = word_of_mouth(np.random.default_rng(0), net, senders, about, rates, -1.0)
        >>> len(m) > 0, set(m.sender.tolist()), set(m.supplier.tolist()), set(m.valence.tolist())
        (True, {7}, {1}, {-1.0})
    """
    if len(senders) == 0:
        return Messages.empty()
    if np.ndim(rate) == 0:
        if rate <= 0:
            return Messages.empty()
        counts = rng.poisson(rate, size=len(senders))
        who, sup = np.repeat(senders, counts), np.repeat(about, counts)
    else:
        total = np.asarray(rate, dtype=np.float64) if cumulative else np.cumsum(rate, dtype=np.float64)
        if total[-1] <= 0:  # rates are never negative: nobody talks
            return Messages.empty()
        k = int(rng.poisson(total[-1]))
        pick = np.searchsorted(total, rng.random(k) * total[-1], side="right")
        pick = np.minimum(pick, len(senders) - 1)
        who, sup = senders[pick], about[pick]
    to = network.random_contacts(who, rng)
    ok = to >= 0
    k = int(ok.sum())
    return Messages(
        to[ok],
        sup[ok].astype(np.int64),
        np.full(k, RECOMMENDATION, dtype=np.int8),
        np.full(k, valence, dtype=np.float32),
        who[ok].astype(np.int64),
    )


@dataclass
class ReviewPool:
    """Public online reviews per supplier: a decaying sum and count of 0-10 scores."""

    total: np.ndarray
    count: np.ndarray

    @classmethod
    def empty(cls, suppliers: int) -> ReviewPool:
        """No reviews yet.

        Example:
            >>> pool = ReviewPool.empty(2)
            >>> pool.count.tolist(), pool.rating.tolist()
            ([0.0, 0.0], [0.5, 0.5])
        """
        return cls(np.zeros(suppliers), np.zeros(suppliers))

    @property
    def rating(self) -> np.ndarray:
        """Mean review score per supplier in [0, 1] (0.5 where there are none)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 0, self.total / np.maximum(self.count, 1e-12) / 10.0, 0.5)

    def post(
        self, rng: np.random.Generator, supplier: np.ndarray, score: np.ndarray, post_rate: float, memory: float
    ) -> None:
        """Old reviews fade by `memory`; each customer posts its score with chance `post_rate`.

        Example:
            Everyone posts (`post_rate` 1); then old reviews fade to half, the ratings stay:

            >>> pool = ReviewPool.empty(2)
            >>> pool.post(np.random.default_rng(0), np.array([0, 0, 1]), np.array([10.0, 6.0, 2.0]), 1.0, 0.5)
            >>> pool.count.tolist(), pool.rating.tolist()
            ([2.0, 1.0], [0.8, 0.2])
            >>> pool.post(np.random.default_rng(0), np.array([], int), np.array([]), 1.0, 0.5)
            >>> pool.count.tolist(), pool.rating.tolist()
            ([1.0, 0.5], [0.8, 0.2])
        """
        self.total *= memory
        self.count *= memory
        if post_rate <= 0 or len(supplier) == 0:
            return
        posts = rng.random(len(supplier)) < post_rate
        s = supplier[posts]
        self.total += np.bincount(s, weights=score[posts], minlength=len(self.total))
        self.count += np.bincount(s, minlength=len(self.count))


def read_reviews(rng: np.random.Generator, readers: np.ndarray, pool: ReviewPool) -> Messages:
    """Each reader reads the reviews of one supplier, picked in proportion to its review count.

    The message's valence is 2 * rating - 1: good reviews attract, bad ones repel.

    Example:
        Only supplier 1 has reviews, and they are bad (rating 0.2), so every reader is repelled:

        >>> pool = ReviewPool(total=np.array([0.0, 4.0]), count=np.array([0.0, 2.0]))
        >>> m = read_reviews(np.random.default_rng(0), np.array([5, 6, 7]), pool)
        >>> m.supplier.tolist(), [round(float(v), 2) for v in m.valence]
        ([1, 1, 1], [-0.6, -0.6, -0.6])
    """
    if len(readers) == 0 or pool.count.sum() <= 0:
        return Messages.empty()
    p = pool.count / pool.count.sum()
    sup = rng.choice(len(p), size=len(readers), p=p)
    return Messages(
        readers.astype(np.int64),
        sup.astype(np.int64),
        np.full(len(readers), REVIEW, dtype=np.int8),
        (2.0 * pool.rating[sup] - 1.0).astype(np.float32),
        np.full(len(readers), -1, dtype=np.int64),
    )


class HearParams(NamedTuple):
    """What moves trust when people hear of a supplier (``[wom]``; see docs/config.md)."""

    signal: float
    negative_weight: float
    transfer: float


@rule
def nudge(credibility: float, valence: np.float32, p: HearParams) -> np.float32:
    """Log-odds a message moves the expected reliability and competence of its supplier.

    Models: Verwachting (MODEL_BRIEF §2.4): what others say moves the expectation by
    ``credibility * signal * valence``; negative messages weigh `negative_weight` times (East,
    Hammond & Lomax 2008; in the version-1 gate this is the loss multiplier, Slovic 1993).

    Example:
        A warning weighs `negative_weight` times a recommendation:

        >>> p = HearParams(signal=1.0, negative_weight=2.0, transfer=0.0)
        >>> float(nudge(0.5, np.float32(1.0), p)), float(nudge(0.5, np.float32(-1.0), p))
        (0.5, -1.0)
    """
    x = credibility * p.signal * np.float64(valence)
    return np.float32(x * p.negative_weight if x < 0 else x)


@rule
def transferred(hearer: np.float32, recommender: np.float32, credibility: float, transfer: float) -> np.float32:
    """Log-odds of one component after a recommendation: a share ``transfer * credibility`` of the
    way towards the recommender's own trust (trust transfer from a trusted source).

    Example:
        A hearer at 0 moves a quarter of the way towards a recommender at 2 (transfer 0.5 x credibility 0.5):

        >>> float(transferred(np.float32(0.0), np.float32(2.0), 0.5, 0.5))
        0.5
    """
    return hearer + np.float32(transfer * credibility) * (recommender - hearer)


@loop
def _hear(
    customer, supplier, channel, valence, sender, trust, heard, heard_from, last_spell, prior, credibility, p, first
):
    m = customer.shape[0]
    for i in range(m):
        if i + AHEAD < m:
            prefetch(heard, customer[i + AHEAD], supplier[i + AHEAD])
            prefetch(trust, customer[i + AHEAD], supplier[i + AHEAD])
        first[i] = heard[customer[i], supplier[i]] < 0
    for i in range(m):
        c, s, r = customer[i], supplier[i], sender[i]
        if first[i]:
            if heard[c, s] < 0:  # the pair's first message this step starts it at the prior
                for k in range(4):
                    trust[c, s, k] = prior[c]
            heard[c, s] = channel[i]  # the channel of first contact: the last of this step's first messages
            heard_from[c, s] = last_spell[r] if r >= 0 else -1
        step = nudge(credibility[channel[i]], valence[i], p)
        trust[c, s, RELIABILITY] += step
        trust[c, s, COMPETENCE] += step
        if p.transfer > 0 and r >= 0 and valence[i] > 0:
            for k in range(4):
                trust[c, s, k] = transferred(trust[c, s, k], trust[r, s, k], credibility[channel[i]], p.transfer)
    for i in range(m):
        for k in range(4):
            trust[customer[i], supplier[i], k] = clip_logit(trust[customer[i], supplier[i], k])


def hear(
    messages: Messages,
    trust_logits: np.ndarray,
    heard: np.ndarray,
    heard_from: np.ndarray,
    last_spell: np.ndarray,
    prior_logits: np.ndarray,
    credibility: np.ndarray,
    params: HearParams,
) -> np.ndarray:
    """People take in what they heard: first contact, then a nudge to their trust.

    Models: benefit of the doubt at first contact (MODEL_BRIEF §2.2): a supplier someone
    hears of for the first time starts at that person's propensity to trust in every
    component; then every message moves trust by :func:`nudge`, and a recommendation carries part
    of the recommender's own trust (:func:`transferred`).

    Args:
        messages: this step's messages.
        trust_logits: (N, S, 4) log-odds, updated in place.
        heard: (N, S) channel of first contact, -1 where unknown; updated in place.
        heard_from: (N, S) the referral-record spell of the person whose word was the first contact
            (their latest spell: with that supplier, since one recommends one's supplier and warns
            about one's last), -1 for reviews and ads; updated in place with `heard`.
        last_spell: (N,) each person's latest spell in the referral records (-1 for none).
        prior_logits: (N,) each person's initial trust (benefit of the doubt), in log-odds.
        credibility: (4,) credibility per channel.
        params: the signal and the loss multiplier.

    Returns:
        Boolean mask of the messages that were a first contact.

    Example:
        Customer 0 sees an ad (credibility 0.5) for supplier 0: first contact at its prior 1.0, then a nudge
        of 0.25 to reliability and competence; customer 1 heard nothing:

        >>> trust, heard, source = np.zeros((2, 1, 4), np.float32), np.full((2, 1), -1, np.int8), np.full((2, 1), -1)
        >>> prior, credibility, zero = np.ones(2, np.float32), np.array([0.9, 0.7, 0.5, 0.3]), np.array([0])
        >>> ad = Messages(zero, zero, np.array([AD], np.int8), np.array([0.5], np.float32), zero - 1)
        >>> p = HearParams(signal=1.0, negative_weight=2.0, transfer=0.0)
        >>> first = hear(ad, trust, heard, source, np.full(2, -1), prior, credibility, p)
        >>> first.tolist(), heard[:, 0].tolist(), trust[0, 0].tolist(), trust[1, 0].tolist()
        ([True], [2, -1], [1.25, 1.0, 1.25, 1.0], [0.0, 0.0, 0.0, 0.0])
    """
    first = np.empty(len(messages), np.bool_)
    _hear(
        messages.customer,
        messages.supplier,
        messages.channel,
        messages.valence,
        messages.sender,
        trust_logits,
        heard,
        heard_from,
        last_spell,
        prior_logits,
        credibility.astype(np.float64),
        params,
        first,
    )
    return first
