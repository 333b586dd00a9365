"""Channels through which people hear of suppliers: recommendations, reviews, ads, banners.

Models: word of mouth versus advertising, each channel with its own credibility (MODEL_BRIEF
§4; Nielsen 2009: acquaintances 90%, online reviews 70%, billboard/TV 55%, banners 33%);
ambassadors recommend and detractors warn along network ties (§2.9-2.11); online reviews
as a public pool; advertising reaching random people (Bass p). Advertising matters early,
word of mouth later (Goldenberg, Libai & Muller 2001).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trustsim.mechanisms.trust import COMPETENCE, LOGIT_LIMIT, RELIABILITY
from trustsim.network import Network

RECOMMENDATION, REVIEW, AD, BANNER = 0, 1, 2, 3


@dataclass
class Messages:
    """One row per message heard this step: who hears, about which supplier, how, and its tone.

    `valence` is +1 for a recommendation, -1 for a warning, 2 * rating - 1 for reviews and
    +0.5 for advertising claims (Veronderstelling: "we can solve your problem").
    """

    customer: np.ndarray
    supplier: np.ndarray
    channel: np.ndarray
    valence: np.ndarray

    @classmethod
    def empty(cls) -> Messages:
        """No messages."""
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), z.astype(np.int8), z.astype(np.float32))

    @classmethod
    def concat(cls, parts: list[Messages]) -> Messages:
        """All messages of several channels together, in the given order."""
        parts = [p for p in parts if len(p)] or [cls.empty()]
        return cls(
            np.concatenate([p.customer for p in parts]),
            np.concatenate([p.supplier for p in parts]),
            np.concatenate([p.channel for p in parts]).astype(np.int8),
            np.concatenate([p.valence for p in parts]).astype(np.float32),
        )

    def __len__(self) -> int:
        return len(self.customer)

    def take(self, mask: np.ndarray) -> Messages:
        """The messages where `mask` is true."""
        return Messages(self.customer[mask], self.supplier[mask], self.channel[mask], self.valence[mask])


def advertise(
    rng: np.random.Generator,
    n: int,
    reach: float,
    ad_budget: np.ndarray,
    banner_share: np.ndarray,
) -> Messages:
    """Each supplier's ads reach a uniformly random `reach * ad_budget` share of the population.

    Every person is reached independently with that probability (a binomial number of
    distinct people), so with one supplier and budget 1 this is exactly Bass's innovation p.
    A `banner_share` of the reached hear it through online banners instead of mass media.
    """
    parts = []
    for s, budget in enumerate(ad_budget):
        p = min(1.0, reach * float(budget))
        k = int(rng.binomial(n, p)) if p > 0 else 0
        if k == 0:
            continue
        who = rng.choice(n, size=k, replace=False)
        banner = rng.random(k) < banner_share[s]
        parts.append(
            Messages(
                who.astype(np.int64),
                np.full(k, s, dtype=np.int64),
                np.where(banner, BANNER, AD).astype(np.int8),
                np.full(k, 0.5, dtype=np.float32),
            )
        )
    return Messages.concat(parts)


def word_of_mouth(
    rng: np.random.Generator,
    network: Network,
    senders: np.ndarray,
    about: np.ndarray,
    rate: float,
    valence: float,
) -> Messages:
    """Each sender tells Poisson(`rate`) random contacts about supplier `about[i]`.

    Models: ambassadors recommend (valence +1) and detractors warn (valence -1) their ties;
    on a well-mixed population contacts are uniformly random members (Bass q).
    """
    if len(senders) == 0 or rate <= 0:
        return Messages.empty()
    counts = rng.poisson(rate, size=len(senders))
    who = np.repeat(senders, counts)
    sup = np.repeat(about, counts)
    to = network.random_contacts(who, rng)
    ok = to >= 0
    k = int(ok.sum())
    return Messages(
        to[ok], sup[ok].astype(np.int64), np.full(k, RECOMMENDATION, dtype=np.int8),
        np.full(k, valence, dtype=np.float32),
    )


@dataclass
class ReviewPool:
    """Public online reviews per supplier: a decaying sum and count of 0-10 scores."""

    total: np.ndarray
    count: np.ndarray

    @classmethod
    def empty(cls, suppliers: int) -> ReviewPool:
        """No reviews yet."""
        return cls(np.zeros(suppliers), np.zeros(suppliers))

    @property
    def rating(self) -> np.ndarray:
        """Mean review score per supplier in [0, 1] (0.5 where there are none)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 0, self.total / np.maximum(self.count, 1e-12) / 10.0, 0.5)

    def post(self, rng: np.random.Generator, supplier: np.ndarray, score: np.ndarray,
             post_rate: float, memory: float) -> None:
        """Old reviews fade by `memory`; each customer posts its score with chance `post_rate`."""
        self.total *= memory
        self.count *= memory
        if post_rate <= 0 or len(supplier) == 0:
            return
        posts = rng.random(len(supplier)) < post_rate
        s = supplier[posts]
        self.total += np.bincount(s, weights=score[posts], minlength=len(self.total))
        self.count += np.bincount(s, minlength=len(self.count))


def read_reviews(
    rng: np.random.Generator, readers: np.ndarray, pool: ReviewPool
) -> Messages:
    """Each reader reads the reviews of one supplier, picked in proportion to its review count.

    The message's valence is 2 * rating - 1: good reviews attract, bad ones repel.
    """
    if len(readers) == 0 or pool.count.sum() <= 0:
        return Messages.empty()
    p = pool.count / pool.count.sum()
    sup = rng.choice(len(p), size=len(readers), p=p)
    return Messages(
        readers.astype(np.int64), sup.astype(np.int64),
        np.full(len(readers), REVIEW, dtype=np.int8),
        (2.0 * pool.rating[sup] - 1.0).astype(np.float32),
    )


def hear(
    messages: Messages,
    trust_logits: np.ndarray,
    heard: np.ndarray,
    prior_logits: np.ndarray,
    credibility: np.ndarray,
    signal: float,
    loss_multiplier: float,
) -> np.ndarray:
    """People take in what they heard: first contact, then a nudge to their trust.

    Models: benefit of the doubt at first contact (MODEL_BRIEF §2.2): a supplier someone
    hears of for the first time starts at that person's propensity to trust in every
    component; Verwachting (§2.4): what others say moves the expectation of reliability and
    competence by ``credibility * signal * valence`` log-odds (warnings weigh k times).

    Args:
        messages: this step's messages.
        trust_logits: (N, S, 4) log-odds, updated in place.
        heard: (N, S) channel of first contact, -1 where unknown; updated in place.
        prior_logits: (N,) each person's initial trust (benefit of the doubt), in log-odds.
        credibility: (4,) credibility per channel.
        signal, loss_multiplier: see ``[wom]`` and ``[trust]``.

    Returns:
        Boolean mask of the messages that were a first contact.
    """
    c, s = messages.customer, messages.supplier
    first = heard[c, s] < 0
    if first.any():
        fc, fs = c[first], s[first]
        trust_logits[fc, fs, :] = prior_logits[fc][:, None]
        heard[fc, fs] = messages.channel[first]
    nudge = credibility[messages.channel] * signal * messages.valence
    nudge = np.where(nudge < 0, nudge * loss_multiplier, nudge).astype(np.float32)
    for comp in (RELIABILITY, COMPETENCE):
        np.add.at(trust_logits[..., comp], (c, s), nudge)
    trust_logits[c, s, :] = np.clip(trust_logits[c, s, :], -LOGIT_LIMIT, LOGIT_LIMIT)
    return first
