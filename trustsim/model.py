"""TrustMarket: suppliers and customers on a social network building and losing trust.

The model owns the state (the customer arrays in :class:`~trustsim.population.Population`,
suppliers as Mesa agents) and wires the mechanisms of :mod:`trustsim.mechanisms` into a
``step()`` that reads as the ODD schedule (docs/ODD.md):

0. market turnover: some people leave, newcomers take their place (if `market.turnover` > 0);
1. scandals scheduled for this period hit;
2. suppliers deliver to their customers; each promise is kept, broken or exceeded;
3. customers update their trust (asymmetric), suppliers their trust in customers (mutual);
4. satisfaction: scores and the loyalty ladder; customers post reviews;
5. word of mouth and advertising: ambassadors recommend, detractors warn, ads and reviews
   reach people; they hear and update their trust;
6. prospects choose a supplier, unhappy customers switch to a trusted alternative;
7. measures are collected; suppliers may imitate a more successful rival.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from trustsim import phases
from trustsim.config import Scenario, load_scenario
from trustsim.mechanisms import channels, choice, loyalty, money, shocks, trust
from trustsim.mechanisms import fit as fit_rule
from trustsim.mechanisms.channels import CHANNELS
from trustsim.mechanisms.trust import COMPONENTS, expit
from trustsim.metrics import MODEL_COLUMNS, SUPPLIER_COLUMNS, Flows, measure
from trustsim.network import build_network
from trustsim.phases import Rules, Served
from trustsim.population import capacities, check_memory, initial_population, renew
from trustsim.records import CUSTOMER_COLUMNS, INITIAL, LEFT, SWITCH, SWITCHED, Ledger, Spells
from trustsim.suppliers import Supplier, policy_arrays


class TrustMarket(mesa.Model):
    """A market of S suppliers and N customers on a social network, stepping in periods.

    Args:
        scenario: a :class:`Scenario`, a path to a TOML scenario, a dict, or None (defaults).
        rng: seed or generator for Mesa's ``model.rng`` (default: the scenario's ``seed``).
        check: verify the model's invariants after every step (slow; for debugging).
        **overrides: dotted scenario keys, e.g. ``**{"market.customers": 1000}``, which is also
            how ``mesa.batch_run`` passes parameters.

    The rules are compiled with numba; ``NUMBA_DISABLE_JIT=1`` runs the very same code as
    plain Python (slow, identical results) so that a rule can be stepped through in a debugger.

    Example:
        >>> m = TrustMarket(None, rng=1, **{"market.customers": 500})
        >>> int(m.run(10).model_table()["step"].iloc[-1])
        10
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | Mapping[str, Any] | None = None,
        *,
        rng: Any = None,
        check: bool = False,
        **overrides: Any,
    ) -> None:
        if isinstance(scenario, Scenario) and not overrides:
            self.config = scenario
        else:
            self.config = load_scenario(scenario, overrides)
        if rng is None:
            rng = self.config.seed
        check_memory(self.config)
        super().__init__(rng=rng)
        sc = self.config
        self.check = check
        self.network = build_network(
            sc.network.kind,
            sc.market.customers,
            sc.network.mean_degree,
            self.rng,
            rewire=sc.network.rewire,
            path=sc.resolve_path(sc.network.path) if sc.network.path else None,
        )
        self.population = initial_population(sc, self.rng)
        self.hub = channels.hub_factor(self.network.degree, sc.wom.hub_exponent).astype(np.float32)
        wom = channels.WomParams(
            float(sc.wom.rate),
            float(sc.wom.warn_rate),
            float(sc.wom.recommend_midpoint),
            float(sc.wom.warn_midpoint),
            float(sc.wom.spread),
        )
        names = [p.name for p in sc.supplier_policies()]
        self.silent = np.array([names.index(name) for name in sc.wom.silent_suppliers], dtype=np.int64)
        self.recommend_by_score = channels.by_score(channels.recommend_chance, wom)
        self.warn_by_score = channels.by_score(channels.warn_chance, wom)
        self.spells = Spells(Ledger(sc.money.discount_rate, sc.market.suppliers))
        self._record_initial_customers()
        self.discounted_profit = np.zeros(sc.market.suppliers)
        self.suppliers_list = [Supplier(self, i, p) for i, p in enumerate(sc.supplier_policies())]
        self.capacity = capacities(sc)
        self.weights = trust.normalised_weights(sc.trust.weights)
        self.rules = Rules.from_scenario(sc)
        self.credibility = np.array([getattr(sc.credibility, c) for c in CHANNELS])
        self.reviews = channels.ReviewPool.empty(sc.market.suppliers)
        self.flows = Flows.zeros(sc.market.suppliers)
        self.failure_wave = np.zeros(sc.market.suppliers)
        self.events: list[dict[str, Any]] = []
        self.experienced = phases.rank(self.population, self.weights, self.rules.ladder)
        self.model_metrics: dict[str, float] = {}
        self.supplier_metrics: dict[str, np.ndarray] = {}
        self._measure()
        self.datacollector = mesa.DataCollector(
            model_reporters={c: _model_reporter(c) for c in MODEL_COLUMNS},
            agent_reporters={c: _supplier_reporter(c) for c in SUPPLIER_COLUMNS},
        )
        self.datacollector.collect(self)

    def _record_initial_customers(self) -> None:
        pop = self.population
        cust = np.flatnonzero(pop.supplier >= 0)
        none = np.full(len(cust), -1, np.int64)
        pop.spell[cust] = self.spells.start_spells(
            0,
            cust,
            pop.supplier[cust],
            np.full(len(cust), INITIAL, np.int8),
            pop.heard[cust, pop.supplier[cust]],
            none,
            none,
            none,
        )

    @classmethod
    def from_config(
        cls,
        source: Scenario | str | Path | Mapping[str, Any] | None,
        seed: int | None = None,
        overrides: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> TrustMarket:
        """Build a model from a scenario file, dict or Scenario, with overrides and a seed."""
        scenario = load_scenario(source, overrides)
        return cls(scenario, rng=scenario.seed if seed is None else seed, **kwargs)

    # --- the schedule ----------------------------------------------------------------

    def step(self) -> None:
        """One period, in the order of the ODD schedule (see the module docstring)."""
        sc, pop, rng = self.config, self.population, self.rng
        policy = policy_arrays(self.suppliers_list)
        self.flows = Flows.zeros(sc.market.suppliers)
        self._turnover()
        self._scandals()
        delivery = phases.deliver(pop, policy, self.capacity, self.failure_wave, self.rules, self.weights, rng)
        self.flows.record_delivery(delivery)
        ranked = phases.rank(pop, self.weights, self.rules.ladder, known=delivery.served)
        served = delivery.served
        self.reviews.post(rng, served.supplier, pop.score[served.customer], sc.reviews.post_rate, sc.reviews.memory)
        messages = self._spread_word(policy, ranked)
        self._choose(messages, delivery)
        self.experienced = phases.rerank(pop, self.weights, self.rules.ladder, ranked, messages)
        self._measure()
        self.agents.shuffle_do("imitate")
        self.datacollector.collect(self)
        if self.check:
            self.check_invariants()

    def run(self, steps: int | None = None) -> TrustMarket:
        """Run `steps` periods (default: the scenario's `steps`); returns the model."""
        for _ in range(self.config.steps if steps is None else steps):
            self.step()
        return self

    # --- phases ----------------------------------------------------------------------

    def _turnover(self) -> None:
        """People leave the market and newcomers take their place (phase 0, `market.turnover`)."""
        pop = self.population
        who, former = renew(pop, self.config, self.rng)
        self.flows.departed += np.bincount(former[former >= 0], minlength=len(self.flows.departed))
        self.spells.end_spells(pop.spell[who], self.steps, LEFT)
        pop.spell[who] = -1

    def _scandals(self) -> None:
        for shock in self.config.shocks:
            if shock.step == self.steps:
                self.trigger_scandal(shock.supplier, shock.severity, shock.reach)

    def _spread_word(self, policy: dict[str, np.ndarray], ranked: Served) -> channels.Messages:
        """Recommendations, warnings, reviews read and ads seen this period (phase 5)."""
        sc, pop, rng = self.config, self.population, self.rng
        parts = self._word_of_mouth(ranked)
        self._count_word_of_mouth(parts)
        prospects = np.flatnonzero(pop.supplier < 0)
        k = int(rng.binomial(len(prospects), sc.reviews.read_rate)) if len(prospects) else 0
        readers = rng.choice(prospects, size=k, replace=False) if k else prospects[:0]
        parts.append(channels.read_reviews(rng, readers, self.reviews))
        ads = channels.advertise(rng, pop.n, sc.advertising.reach, policy["ad_budget"], policy["banner_share"])
        self.flows.reached += np.bincount(ads.supplier, minlength=len(self.flows.reached))
        parts.append(ads)
        messages = channels.Messages.concat(parts)
        channels.hear(messages, pop.trust, pop.heard, pop.prior_logits, self.credibility, self.rules.hear)
        return messages

    def _word_of_mouth(self, ranked: Served) -> list[channels.Messages]:
        """Who recommends and who warns (MODEL_BRIEF §2.11, §4): smoothly by score, or the version-1 gate."""
        sc, pop, rng = self.config, self.population, self.rng
        if not sc.trust.gating:  # the Bass limit: every customer talks at the Bass q
            senders = np.flatnonzero(pop.supplier >= 0)
            said = channels.word_of_mouth(
                rng, self.network, senders, pop.supplier[senders].astype(np.int64), sc.wom.rate, 1.0
            )
            return [self._unsilenced(said)]
        smooth = sc.wom.mode != "gate"
        if smooth:  # rates per person, as running totals
            recommend, warn = phases.talkers(pop, self.hub, self.recommend_by_score, self.warn_by_score, ranked)
        else:
            senders = np.flatnonzero(pop.stage == loyalty.AMBASSADOR)
            warners = np.flatnonzero(pop.stage == loyalty.DETRACTOR)
            recommend = (senders, pop.supplier[senders].astype(np.int64), sc.wom.rate)
            warn = (warners, pop.last_supplier[warners].astype(np.int64), sc.wom.warn_rate)
        return [
            self._unsilenced(channels.word_of_mouth(rng, self.network, *recommend, 1.0, cumulative=smooth)),
            channels.word_of_mouth(rng, self.network, *warn, -1.0, cumulative=smooth),
        ]

    def _count_word_of_mouth(self, said: list[channels.Messages]) -> None:
        """Recommendations and warnings said per supplier, and the prospects a recommendation
        reached for the first time (the patterns of East et al. 2007 and Kumar et al. 2007)."""
        pop, flows = self.population, self.flows
        s = len(flows.wom_positive)
        before = int(np.count_nonzero(pop.referred))
        for part in said:
            positive = part.valence > 0
            flows.wom_positive += np.bincount(part.supplier[positive], minlength=s)
            flows.wom_negative += np.bincount(part.supplier[~positive], minlength=s)
            pop.referred[part.customer[positive & (pop.supplier[part.customer] < 0)]] = True
        flows.prospects_referred += int(np.count_nonzero(pop.referred)) - before

    def _unsilenced(self, recommendations: channels.Messages) -> channels.Messages:
        """Drop the recommendations about `wom.silent_suppliers` after they are drawn, so every other
        draw of the period stays where it was (common random numbers for the counterfactual)."""
        if len(self.silent) == 0:
            return recommendations
        return recommendations.take(~np.isin(recommendations.supplier, self.silent))

    def _trust_total(self, customers: np.ndarray, suppliers: np.ndarray) -> np.ndarray:
        return trust.combine_rows(expit(self.population.trust[customers, suppliers]), self.weights)

    def _followed(self, messages: channels.Messages, idx: np.ndarray) -> np.ndarray:
        """Which of the messages at `idx` the hearer follows: a recommendation only if the recommender
        judged the supplier a good fit for the hearer; every other message (and all, when fit is off)."""
        pop, rng = self.population, self.rng
        ok = np.ones(len(idx), dtype=bool)
        if pop.fit.shape[1] == 0 or not self.config.trust.gating:  # the Bass limit: every message persuades
            return ok
        rec = np.flatnonzero(messages.channel[idx] == channels.RECOMMENDATION)
        noise = self.config.fit.signal_noise * rng.standard_normal(len(rec))
        fits = pop.fit[messages.customer[idx[rec]], messages.supplier[idx[rec]]]
        ok[rec] = fit_rule.recommender_says_it_fits(fits, noise)
        return ok

    def _convinced(self, messages: channels.Messages, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The messages at `idx` that persuade their hearer (:func:`choice.persuaded`) and that it follows
        (:meth:`_followed`), with the hearer's trust in the supplier each is about."""
        level = self._trust_total(messages.customer[idx], messages.supplier[idx])
        yes = choice.persuaded(self.rng, self.credibility[messages.channel[idx]], level, self.config.trust.gating)
        idx, level = idx[yes], level[yes]
        fits = self._followed(messages, idx)
        return idx[fits], level[fits]

    def _choose(self, messages: channels.Messages, delivery: phases.Delivery) -> None:
        """Prospects adopt, recommendations move rivals' customers, unhappy customers switch (phase 6)."""
        sc, pop, rng = self.config, self.population, self.rng
        s_count = sc.market.suppliers
        room = self.capacity - delivery.customers
        prospect = pop.supplier[messages.customer] < 0
        idx = np.flatnonzero(prospect & (messages.valence > 0) & (room[messages.supplier] > 0))
        idx, level = self._convinced(messages, idx)
        picked = choice.logit_choice(
            rng, messages.customer[idx], messages.supplier[idx], sc.switching.sensitivity * level
        )
        chosen = messages.take(idx[np.sort(picked)])
        chosen = chosen.take(choice.within_capacity(rng, chosen.supplier, room))
        self._join(chosen.customer, chosen.supplier, chosen.channel, chosen.sender)
        room -= np.bincount(chosen.supplier, minlength=s_count)
        if sc.trust.gating:
            if sc.wom.reach_rivals:
                self._recommended_switch(room, messages)
            self._switch(room, messages, delivery.served)

    def _recommended_switch(self, room: np.ndarray, messages: channels.Messages) -> None:
        """A credible recommendation moves a rival's customer, if it trusts the rival enough (lock-in)."""
        pop, rng = self.population, self.rng
        own_sup = pop.supplier[messages.customer]
        rival = (own_sup >= 0) & (own_sup != messages.supplier) & (pop.tenure[messages.customer] > 0)
        idx = np.flatnonzero((messages.sender >= 0) & (messages.valence > 0) & rival & (room[messages.supplier] > 0))
        if len(idx) == 0:
            return
        idx, level = self._convinced(messages, idx)
        own = self._trust_total(messages.customer[idx], pop.supplier[messages.customer[idx]].astype(np.int64))
        idx = idx[choice.acceptable_alternatives(own, level, self.rules.switch)]
        first = np.unique(messages.customer[idx], return_index=True)[1]  # one move per customer: the first heard
        offers = messages.take(idx[np.sort(first)])
        offers = offers.take(choice.within_capacity(rng, offers.supplier, room))
        leaving = pop.supplier[offers.customer].astype(np.int64)
        self.flows.churned += np.bincount(leaving, minlength=len(room))
        self._join(offers.customer, offers.supplier, offers.channel, offers.sender)
        room -= np.bincount(offers.supplier, minlength=len(room))

    def _switch(self, room: np.ndarray, messages: channels.Messages, served: Served) -> None:
        """Customers who wish to leave go to their best trusted alternative (lock-in: or stay)."""
        sc, pop, rng = self.config, self.population, self.rng
        hard = sc.switching.softness == 0
        cust, own_sup, own = phases.leaving_customers(pop, self.weights, served, messages, self.rules.switch, rng)
        if len(cust) == 0:
            return
        target = choice.switch_targets(
            expit(pop.trust[cust]), self.weights, pop.heard, cust, own_sup, own, room, self.rules.switch
        )
        go = (target >= 0) & (rng.random(len(cust)) < sc.switching.rate) if hard else target >= 0
        cust, own_sup, target = cust[go], own_sup[go], target[go]
        ok = choice.within_capacity(rng, target, room)
        cust, own_sup, target = cust[ok], own_sup[ok], target[ok]
        self.flows.churned += np.bincount(own_sup, minlength=len(room))
        self._join(cust, target, np.full(len(cust), SWITCH, np.int8), np.full(len(cust), -1, np.int64))
        room -= np.bincount(target, minlength=len(room))

    def _join(self, customers: np.ndarray, suppliers: np.ndarray, channel: np.ndarray, referrer: np.ndarray) -> None:
        """Customers start buying from suppliers: a new spell in the referral records for each.

        `channel` is what won each (a CHANNELS code, or SWITCH for the switching rule), `referrer`
        the recommender (-1 for none). The supplier table credits a switch to the channel through
        which the customer first heard of its new supplier (as in version 1).
        """
        pop = self.population
        heard_via = pop.heard[customers, suppliers]
        from_supplier = pop.supplier[customers].astype(np.int64)
        self.spells.end_spells(pop.spell[customers], self.steps, SWITCHED)
        referrer_spell = np.where(referrer >= 0, pop.spell[np.maximum(referrer, 0)], -1)
        pop.spell[customers] = self.spells.start_spells(
            self.steps, customers, suppliers, channel, heard_via, referrer, referrer_spell, from_supplier
        )
        pop.supplier[customers] = suppliers
        pop.last_supplier[customers] = suppliers
        pop.tenure[customers] = 0
        pop.supplier_trust[customers] = trust.logit(self.config.mutual.prior)
        self.flows.record_acquisitions(suppliers, np.where(channel == SWITCH, heard_via, channel))

    def _earn(self, policies: list[dict[str, float]]) -> None:
        """Every current customer pays its supplier's price this week and costs it service."""
        price = np.array([p["price"] for p in policies])
        cost = money.unit_cost(
            np.array([p["over_delivery"] for p in policies]), np.array([p["care"] for p in policies]), self.config.money
        )
        self.spells.ledger.add(self.steps, price, price - cost)
        self.flows.unit_cost = cost

    def _measure(self) -> None:
        pop = self.population
        policies = [a.policy() for a in self.suppliers_list]
        self._earn(policies)
        self.spells.mark_ambassadors(pop.spell[pop.stage == loyalty.AMBASSADOR])
        self.model_metrics, self.supplier_metrics = measure(
            self.steps,
            self.population,
            self.experienced,
            self.weights,
            self.flows,
            [a.name for a in self.suppliers_list],
            policies,
            self.config.money,
            self.discounted_profit,
        )
        self.discounted_profit = self.supplier_metrics["discounted_profit"]
        # Python scalars for the DataCollector, which deep-copies every numpy scalar it stores
        self._supplier_values = {k: v.tolist() for k, v in self.supplier_metrics.items()}

    # --- interventions (the classroom's buttons) --------------------------------------

    def trigger_scandal(self, supplier: int | str = "all", severity: float = 1.0, reach: float = 1.0) -> None:
        """A scandal now: everyone who hears of it (share `reach`) loses `severity` log-odds of
        trust in the supplier hit, or in every supplier for ``"all"`` (MODEL_BRIEF §4)."""
        shocks.scandal(
            self.rng,
            self.population.trust,
            self.population.heard,
            self.population.prior_logits,
            supplier,
            severity,
            reach,
        )
        self.events.append({"step": self.steps, "event": "scandal", "supplier": supplier, "severity": severity})

    def trigger_broken_promises(self, supplier: int, share: float = 0.5) -> None:
        """A broken-promise wave: in the next period a `share` of this supplier's deliveries fail."""
        self.failure_wave[int(supplier)] = float(np.clip(share, 0.0, 1.0))
        self.events.append({"step": self.steps, "event": "broken_promises", "supplier": supplier, "share": share})

    # --- outputs ---------------------------------------------------------------------

    def model_table(self) -> pd.DataFrame:
        """One row per step (step 0 = initial state): the public model measures."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        return frame[list(MODEL_COLUMNS)]

    def customer_table(self) -> pd.DataFrame:
        """One row per customer spell: the referral records (`customers.parquet`, docs/ODD.md)."""
        return self.spells.table([a.name for a in self.suppliers_list])[list(CUSTOMER_COLUMNS)]

    def supplier_table(self) -> pd.DataFrame:
        """One row per step x supplier: the public supplier measures."""
        frame = self.datacollector.get_agent_vars_dataframe().reset_index(drop=True)
        frame = frame[list(SUPPLIER_COLUMNS)].sort_values(["step", "supplier"], kind="stable")
        return frame.reset_index(drop=True)

    def check_invariants(self) -> None:
        """Raise AssertionError if the state breaks an invariant (see docs/ODD.md)."""
        from trustsim.invariants import check

        check(self)


def _model_reporter(name: str) -> Any:
    return lambda m: m.model_metrics[name]


def _supplier_reporter(name: str) -> Any:
    """``Supplier.measure(name)``, as a Python scalar."""
    return lambda a: a.model._supplier_values[name][a.index]


__all__ = ["COMPONENTS", "TrustMarket"]
