"""Phase 6 of the schedule: prospects choose, recommendations move rivals' customers, the unhappy switch.

Every rule applied here is a function of :mod:`trustsim.mechanisms.choice` (and
:mod:`~trustsim.mechanisms.fit`); this module wires them in order and books each move in the
referral records (:meth:`join`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from trustsim.mechanisms import channels, choice, trust
from trustsim.mechanisms import fit as fit_rule
from trustsim.mechanisms.trust import expit
from trustsim.phases.passes import leaving_customers
from trustsim.records import LAPSED, SWITCH, SWITCHED

if TYPE_CHECKING:
    from trustsim.model import TrustMarket
    from trustsim.phases.schedule import Step


def choose(m: TrustMarket, now: Step) -> None:
    """Prospects adopt, recommendations move rivals' customers, unhappy customers switch (phase 6)."""
    sc, pop, rng = m.config, m.population, m.rng
    messages, delivery = now.messages, now.delivery
    assert messages is not None and delivery is not None
    room = m.supplier_state.capacity - delivery.customers
    prospect = (pop.supplier[messages.customer] < 0) & (pop.away_until[messages.customer] <= m.steps)
    idx = np.flatnonzero(prospect & (messages.valence > 0) & (room[messages.supplier] > 0))
    idx, level = convinced(m, messages, idx)
    picked = choice.logit_choice(rng, messages.customer[idx], messages.supplier[idx], sc.switching.sensitivity * level)
    chosen = messages.take(idx[np.sort(picked)])
    chosen = chosen.take(choice.within_capacity(rng, chosen.supplier, room))
    join(m, now, chosen.customer, chosen.supplier, chosen.channel, chosen.sender)
    room -= np.bincount(chosen.supplier, minlength=len(room))
    if sc.trust.gating:
        if sc.wom.reach_rivals:
            recommended_switch(m, now, room)
        switch(m, now, room)


def trust_total(m: TrustMarket, customers: np.ndarray, suppliers: np.ndarray) -> np.ndarray:
    """Overall trust of these customers in these suppliers."""
    return trust.combine_rows(expit(m.population.trust[customers, suppliers]), m.weights)


def followed(m: TrustMarket, messages: channels.Messages, idx: np.ndarray) -> np.ndarray:
    """Which of the messages at `idx` the hearer follows: a recommendation only if the recommender
    judged the supplier a good fit for the hearer; every other message (and all, when fit is off)."""
    pop, rng = m.population, m.rng
    ok = np.ones(len(idx), dtype=bool)
    if pop.fit.shape[1] == 0 or not m.config.trust.gating:  # the Bass limit: every message persuades
        return ok
    rec = np.flatnonzero(messages.channel[idx] == channels.RECOMMENDATION)
    noise = m.config.fit.signal_noise * rng.standard_normal(len(rec))
    fits = pop.fit[messages.customer[idx[rec]], messages.supplier[idx[rec]]]
    ok[rec] = fit_rule.recommender_says_it_fits(fits, noise)
    return ok


def convinced(m: TrustMarket, messages: channels.Messages, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The messages at `idx` that persuade their hearer (:func:`choice.persuaded`) and that it follows
    (:func:`followed`), with the hearer's trust in the supplier each is about."""
    level = trust_total(m, messages.customer[idx], messages.supplier[idx])
    yes = choice.persuaded(m.rng, m.credibility[messages.channel[idx]], level, m.config.trust.gating)
    idx, level = idx[yes], level[yes]
    fits = followed(m, messages, idx)
    return idx[fits], level[fits]


def recommended_switch(m: TrustMarket, now: Step, room: np.ndarray) -> None:
    """A credible recommendation moves a rival's customer, if it trusts the rival enough (lock-in)."""
    pop, rng, messages = m.population, m.rng, now.messages
    assert messages is not None
    own_sup = pop.supplier[messages.customer]
    rival = (own_sup >= 0) & (own_sup != messages.supplier) & (pop.tenure[messages.customer] > 0)
    idx = np.flatnonzero((messages.sender >= 0) & (messages.valence > 0) & rival & (room[messages.supplier] > 0))
    if len(idx) == 0:
        return
    idx, level = convinced(m, messages, idx)
    own = trust_total(m, messages.customer[idx], pop.supplier[messages.customer[idx]].astype(np.int64))
    idx = idx[choice.acceptable_alternatives(own, level, m.rules.switch)]
    first = np.unique(messages.customer[idx], return_index=True)[1]  # one move per customer: the first heard
    offers = messages.take(idx[np.sort(first)])
    offers = offers.take(choice.within_capacity(rng, offers.supplier, room))
    leaving = pop.supplier[offers.customer].astype(np.int64)
    now.flows.churned += np.bincount(leaving, minlength=len(room))
    join(m, now, offers.customer, offers.supplier, offers.channel, offers.sender)
    room -= np.bincount(offers.supplier, minlength=len(room))


def switch(m: TrustMarket, now: Step, room: np.ndarray) -> None:
    """Customers who wish to leave go to their best trusted alternative (lock-in: or stay)."""
    sc, pop, rng = m.config, m.population, m.rng
    assert now.messages is not None and now.delivery is not None
    hard = sc.switching.softness == 0
    cust, own_sup, own = leaving_customers(pop, m.weights, now.delivery.served, now.messages, m.rules.switch, rng)
    if len(cust) == 0:
        return
    target = choice.switch_targets(
        expit(pop.trust[cust]), m.weights, pop.heard, cust, own_sup, own, room, m.rules.switch
    )
    go = (target >= 0) & (rng.random(len(cust)) < sc.switching.rate) if hard else target >= 0
    cust, own_sup, target = cust[go], own_sup[go], target[go]
    ok = choice.within_capacity(rng, target, room)
    cust, own_sup, target = cust[ok], own_sup[ok], target[ok]
    now.flows.churned += np.bincount(own_sup, minlength=len(room))
    join(m, now, cust, target, np.full(len(cust), SWITCH, np.int8), np.full(len(cust), -1, np.int64))
    room -= np.bincount(target, minlength=len(room))


def join(
    m: TrustMarket, now: Step, customers: np.ndarray, suppliers: np.ndarray, channel: np.ndarray, referrer: np.ndarray
) -> None:
    """Customers start buying from suppliers: a new spell in the referral records for each.

    `channel` is what won each (a CHANNELS code, or SWITCH for the switching rule), `referrer`
    the recommender (-1 for none). The supplier table credits a switch to the channel through
    which the customer first heard of its new supplier (as in version 1); when that was word of
    mouth, the records name the person who introduced the supplier as the referrer (their spell
    then), so every acquisition the table credits to recommendations names its referrer.
    """
    pop = m.population
    heard_via = pop.heard[customers, suppliers]
    from_supplier = pop.supplier[customers].astype(np.int64)
    m.spells.end_spells(pop.spell[customers], m.steps, SWITCHED)
    referrer_spell = np.where(referrer >= 0, pop.spell[np.maximum(referrer, 0)], -1)
    introduced = (channel == SWITCH) & (heard_via == channels.RECOMMENDATION)
    if introduced.any():
        referrer_spell = referrer_spell.copy()
        referrer_spell[introduced] = pop.heard_from[customers[introduced], suppliers[introduced]]
        referrer = np.where(introduced, m.spells.customer_of(referrer_spell), referrer)
    pop.spell[customers] = pop.last_spell[customers] = m.spells.start_spells(
        m.steps, customers, suppliers, channel, heard_via, referrer, referrer_spell, from_supplier
    )
    pop.supplier[customers] = suppliers
    pop.last_supplier[customers] = suppliers
    pop.tenure[customers] = 0
    pop.supplier_trust[customers] = trust.logit(m.config.mutual.prior)
    now.flows.record_acquisitions(suppliers, np.where(channel == SWITCH, heard_via, channel))


def lapse(m: TrustMarket, now: Step) -> None:
    """Customers whose trust in their supplier fell low stop buying from anyone for a while (`[lapse]`).

    Only customers served before this step can lapse (not those who joined or switched this step);
    each lapsed customer's spell ends ("lapsed") and it buys from no one for :func:`choice.lapse_weeks`.
    No draws at all when ``lapse.rate`` is 0.
    """
    if m.rules.lapse.rate <= 0:
        return
    pop, rng = m.population, m.rng
    cust = np.flatnonzero((pop.supplier >= 0) & (pop.tenure > 0))
    if len(cust) == 0:
        return
    sup = pop.supplier[cust].astype(np.int64)
    go = choice.lapses(trust_total(m, cust, sup), rng.random(len(cust)), m.rules.lapse)
    who, sup = cust[go], sup[go]
    if len(who) == 0:
        return
    away = choice.lapse_weeks(rng, len(who), m.rules.lapse.weeks)
    now.flows.lapsed += np.bincount(sup, minlength=len(now.flows.lapsed))
    m.spells.end_spells(pop.spell[who], m.steps, LAPSED)
    pop.spell[who] = -1
    pop.supplier[who] = -1
    pop.tenure[who] = 0
    pop.away_until[who] = m.steps + away
    now.moved = np.concatenate([now.moved, who])
