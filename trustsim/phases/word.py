"""Phase 5 of the schedule: word of mouth, reviews and advertising reach people, who hear them.

Who recommends and who warns (MODEL_BRIEF §2.11, §4): smoothly by score, or the version-1 gate;
the recommendations about `wom.silent_suppliers` are dropped after they are drawn (the
counterfactual of silent ambassadors keeps every other draw where it was).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from trustsim.mechanisms import channels, loyalty, money
from trustsim.phases.passes import Served, talkers

if TYPE_CHECKING:
    from trustsim.model import TrustMarket
    from trustsim.phases.schedule import Step


def spread_word(m: TrustMarket, now: Step) -> None:
    """Recommendations, warnings, reviews read and ads seen this period; everyone hears what reached it."""
    sc, pop, rng = m.config, m.population, m.rng
    assert now.ranked is not None
    parts = word_of_mouth(m, now.ranked)
    count_word_of_mouth(m, now, parts)
    prospects = np.flatnonzero(pop.supplier < 0)
    k = int(rng.binomial(len(prospects), sc.reviews.read_rate)) if len(prospects) else 0
    readers = rng.choice(prospects, size=k, replace=False) if k else prospects[:0]
    parts.append(channels.read_reviews(rng, readers, m.reviews))
    parts.append(advertise(m, now))
    messages = channels.Messages.concat(parts)
    channels.hear(
        messages, pop.trust, pop.heard, pop.heard_from, pop.last_spell, pop.prior_logits, m.credibility, m.rules.hear
    )
    now.messages = messages


def advertise(m: TrustMarket, now: Step) -> channels.Messages:
    """This week's ads: goodwill built by the spend (with 'goodwill' response), people reached, the bill."""
    sc, state = m.config, m.supplier_state
    budget = state.policy["ad_budget"]
    if sc.advertising.response == "goodwill":
        state.goodwill = channels.goodwill_after(state.goodwill, budget, sc.advertising.carryover)
    share = channels.ad_reach_shares(sc.advertising, budget, state.goodwill)
    ads = channels.advertise(m.rng, m.population.n, share, state.policy["banner_share"])
    now.flows.reached += np.bincount(ads.supplier, minlength=len(now.flows.reached))
    now.flows.ad_spend = money.advertising_spend(sc.advertising.response, now.flows.reached, budget, sc.money)
    return ads


def word_of_mouth(m: TrustMarket, ranked: Served) -> list[channels.Messages]:
    """What the talkers say this period: [recommendations, warnings] (one part in the Bass limit)."""
    sc, pop, rng = m.config, m.population, m.rng
    if not sc.trust.gating:  # the Bass limit: every customer talks at the Bass q
        senders = np.flatnonzero(pop.supplier >= 0)
        said = channels.word_of_mouth(rng, m.network, senders, pop.supplier[senders].astype(np.int64), sc.wom.rate, 1.0)
        return [unsilenced(m, said)]
    smooth = sc.wom.mode != "gate"
    if smooth:  # rates per person, as running totals
        recommend, warn = talkers(pop, m.hub, m.recommend_by_score, m.warn_by_score, ranked)
    else:
        senders = np.flatnonzero(pop.stage == loyalty.AMBASSADOR)
        warners = np.flatnonzero(pop.stage == loyalty.DETRACTOR)
        recommend = (senders, pop.supplier[senders].astype(np.int64), sc.wom.rate)
        warn = (warners, pop.last_supplier[warners].astype(np.int64), sc.wom.warn_rate)
    return [
        unsilenced(m, channels.word_of_mouth(rng, m.network, *recommend, 1.0, cumulative=smooth)),
        channels.word_of_mouth(rng, m.network, *warn, -1.0, cumulative=smooth),
    ]


def count_word_of_mouth(m: TrustMarket, now: Step, said: list[channels.Messages]) -> None:
    """Recommendations and warnings said per supplier, and the prospects a recommendation reached for
    the first time (the patterns of East et al. 2007 and Kumar et al. 2007)."""
    pop, flows = m.population, now.flows
    s = len(flows.wom_positive)
    before = int(np.count_nonzero(pop.referred))
    for part in said:
        positive = part.valence > 0
        flows.wom_positive += np.bincount(part.supplier[positive], minlength=s)
        flows.wom_negative += np.bincount(part.supplier[~positive], minlength=s)
        pop.referred[part.customer[positive & (pop.supplier[part.customer] < 0)]] = True
    flows.prospects_referred += int(np.count_nonzero(pop.referred)) - before


def unsilenced(m: TrustMarket, recommendations: channels.Messages) -> channels.Messages:
    """Drop the recommendations about `wom.silent_suppliers` after they are drawn, so every other draw
    of the period stays where it was (common random numbers for the counterfactual)."""
    if len(m.silent) == 0:
        return recommendations
    return recommendations.take(~np.isin(recommendations.supplier, m.silent))
