"""The schedule of one step (docs/ODD.md), as a list of named phases with one signature.

``TrustMarket.step()`` runs :data:`SCHEDULE` in order: each phase is ``phase(model, now)``, reads the
model's state and what earlier phases of this step left in `now` (a :class:`Step`), and writes its
own part. A new mechanism is a new phase (or a rule inside one) in this list, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from trustsim.mechanisms import channels
from trustsim.metrics import Flows
from trustsim.phases.choosing import choose, lapse
from trustsim.phases.passes import Delivery, Served, deliver, rank, rerank
from trustsim.phases.word import spread_word
from trustsim.population import renew
from trustsim.records import LEFT

if TYPE_CHECKING:
    from trustsim.model import TrustMarket


@dataclass
class Step:
    """What the phases of one step hand on to the later ones."""

    flows: Flows
    delivery: Delivery | None = None
    ranked: Served | None = None
    messages: channels.Messages | None = None
    moved: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # stopped buying this step


Phase = Callable[["TrustMarket", Step], None]


def turnover(m: TrustMarket, now: Step) -> None:
    """Phase 0: people leave the market and newcomers take their place (`market.turnover`)."""
    pop = m.population
    who, former = renew(pop, m.config, m.rng)
    now.flows.departed += np.bincount(former[former >= 0], minlength=len(now.flows.departed))
    m.spells.end_spells(pop.spell[who], m.steps, LEFT)
    pop.spell[who] = -1


def scandals(m: TrustMarket, now: Step) -> None:
    """Phase 1: the scandals scheduled for this period hit (`[[shocks]]`)."""
    for shock in m.config.shocks:
        if shock.step == m.steps:
            m.trigger_scandal(shock.supplier, shock.severity, shock.reach)


def delivery(m: TrustMarket, now: Step) -> None:
    """Phases 2-3: suppliers deliver; promises kept, broken or exceeded; trust updated (:func:`deliver`)."""
    state = m.supplier_state
    now.delivery = deliver(m.population, state.policy, state.capacity, state.failure_wave, m.rules, m.weights, m.rng)
    now.flows.record_delivery(now.delivery)


def satisfaction(m: TrustMarket, now: Step) -> None:
    """Phase 4: scores and the loyalty ladder (:func:`rank`); customers served post reviews."""
    assert now.delivery is not None
    pop, served = m.population, now.delivery.served
    now.ranked = rank(pop, m.weights, m.rules.ladder, known=served)
    sc = m.config.reviews
    m.reviews.post(m.rng, served.supplier, pop.score[served.customer], sc.post_rate, sc.memory)


def re_rank(m: TrustMarket, now: Step) -> None:
    """Phase 4 again for those whose standing moved after choice (:func:`rerank`)."""
    assert now.ranked is not None and now.messages is not None
    m.experienced = rerank(m.population, m.weights, m.rules.ladder, now.ranked, now.messages, now.moved)


def measure(m: TrustMarket, now: Step) -> None:
    """Phase 7: the period's measures (:meth:`TrustMarket.measure`)."""
    m.measure(now.flows)


def imitation(m: TrustMarket, now: Step) -> None:
    """Phase 7: suppliers may imitate a more successful rival (in random order, Mesa's shuffle_do)."""
    m.agents.shuffle_do("imitate")


def collect(m: TrustMarket, now: Step) -> None:
    """The measures into Mesa's DataCollector; the invariants checked if asked for."""
    m.datacollector.collect(m)
    if m.check:
        m.check_invariants()


SCHEDULE: tuple[Phase, ...] = (
    turnover,
    scandals,
    delivery,
    satisfaction,
    spread_word,
    choose,
    lapse,
    re_rank,
    measure,
    imitation,
    collect,
)
"""The phases of one step, in order (docs/ODD.md, 'Process overview and scheduling')."""
