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

from trustsim import kernels
from trustsim.config import CHANNELS, COMPONENTS, Scenario, load_scenario
from trustsim.mechanisms import channels, choice, loyalty, mutual, promises, shocks, trust
from trustsim.mechanisms.trust import expit
from trustsim.metrics import MODEL_COLUMNS, SUPPLIER_COLUMNS, Flows, measure
from trustsim.network import build_network
from trustsim.population import capacities, check_memory, initial_population, renew
from trustsim.suppliers import Supplier, policy_arrays


class TrustMarket(mesa.Model):
    """A market of S suppliers and N customers on a social network, stepping in periods.

    Args:
        scenario: a :class:`Scenario`, a path to a TOML scenario, a dict, or None (defaults).
        rng: seed or generator for Mesa's ``model.rng`` (default: the scenario's ``seed``).
        seed: alias of ``rng`` for Mesa users used to it.
        check: verify the model's invariants after every step (slow; for debugging).
        compiled: run the hot loops as compiled kernels (:mod:`trustsim.kernels`, numba); False
            runs the numpy reference code of this module and the mechanisms. Both give
            bit-identical tables; the compiled path is several times faster.
        **overrides: dotted scenario keys, e.g. ``**{"market.customers": 1000}``, which is also
            how ``mesa.batch_run`` passes parameters.

    Example:
        >>> m = TrustMarket(None, rng=1, **{"market.customers": 500})
        >>> m.run(10).model_table()["step"].iloc[-1]
        10
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | Mapping[str, Any] | None = None,
        *,
        rng: Any = None,
        seed: int | None = None,
        check: bool = False,
        compiled: bool = True,
        **overrides: Any,
    ) -> None:
        if isinstance(scenario, Scenario) and not overrides:
            self.config = scenario
        else:
            self.config = load_scenario(scenario, overrides)
        if rng is None:
            rng = self.config.seed if seed is None else seed
        check_memory(self.config)
        super().__init__(rng=rng)
        sc = self.config
        self.check = check
        self.compiled = compiled
        # this step's served customers, their supplier and trust, kept by kernels.deliver
        self._delivered: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._served: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.network = build_network(
            sc.network.kind, sc.market.customers, sc.network.mean_degree, self.rng,
            rewire=sc.network.rewire,
            path=sc.resolve_path(sc.network.path) if sc.network.path else None,
        )
        self.population = initial_population(sc, self.rng)
        self.suppliers_list = [Supplier(self, i, p) for i, p in enumerate(sc.supplier_policies())]
        self.capacity = capacities(sc)
        self.weights = trust.normalised_weights(sc.trust.weights)
        self.credibility = np.array([getattr(sc.credibility, c) for c in CHANNELS])
        self.reviews = channels.ReviewPool.empty(sc.market.suppliers)
        self.flows = Flows.zeros(sc.market.suppliers)
        self.failure_wave = np.zeros(sc.market.suppliers)
        self.events: list[dict[str, Any]] = []
        self._update_loyalty()
        self.model_metrics: dict[str, float] = {}
        self.supplier_metrics: dict[str, np.ndarray] = {}
        self._measure()
        self.datacollector = mesa.DataCollector(
            model_reporters={c: _model_reporter(c) for c in MODEL_COLUMNS},
            agent_reporters={c: _supplier_reporter(c) for c in SUPPLIER_COLUMNS},
        )
        self.datacollector.collect(self)

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
        policy = policy_arrays(self.suppliers_list)
        self.flows = Flows.zeros(self.config.market.suppliers)
        self._turnover()
        self._scandals()
        self._deliver(policy)
        self._update_loyalty()
        self._post_reviews()
        messages = self._spread_word(policy)
        self._choose(messages)
        self._update_loyalty()
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
        _, former = renew(self.population, self.config, self.rng)
        self.flows.departed += np.bincount(former[former >= 0], minlength=len(self.flows.departed))

    def _scandals(self) -> None:
        for shock in self.config.shocks:
            if shock.step == self.steps:
                self.trigger_scandal(shock.supplier, shock.severity, shock.reach)

    def _deliver(self, policy: dict[str, np.ndarray]) -> None:
        """Promises, delivery, disconfirmation, trust update and mutual trust (phases 2-3)."""
        if self.compiled:
            kernels.deliver(self, policy)
            return
        sc, pop = self.config, self.population
        cust = np.flatnonzero(pop.supplier >= 0)
        if len(cust) == 0:
            return
        s_count = sc.market.suppliers
        sup = pop.supplier[cust].astype(np.int64)
        pop.tenure[cust] += 1
        served = np.bincount(sup, minlength=s_count)
        strain = promises.capacity_strain(
            served, self.capacity, sc.promises.strain_start, sc.promises.strain_loss
        )
        effort = mutual.effort(pop.supplier_trust[cust], policy["extend_trust"][sup])
        able = promises.capability(policy["competence"][sup], effort, strain[sup])
        promised = policy["promise"][sup]
        reliability = policy["reliability"][sup] * (1.0 - self.failure_wave[sup])
        quality, _ = promises.deliver(
            self.rng, promised, able, policy["over_delivery"][sup], reliability,
            sc.promises.noise, sc.promises.failure_drop,
        )
        self.failure_wave[:] = 0.0
        outcome, excess = promises.disconfirm(quality, promised, sc.promises.tolerance)
        broken = outcome == trust.BROKEN
        admitted = broken & (self.rng.random(len(cust)) < policy["transparency"][sup])
        delta = trust.experience_delta(
            outcome, excess, quality, admitted, policy["care"][sup],
            gain=sc.trust.gain, loss_multiplier=sc.trust.loss_multiplier,
            over_delivery_gain=sc.trust.over_delivery_gain,
            repair_relief=sc.trust.repair_relief, care_rate=sc.trust.care_rate,
        )
        flat = pop.trust.reshape(-1, 4)
        rows = cust * s_count + sup
        logits = flat[rows]
        trust.forget(logits, pop.prior_logits[cust], sc.trust.forgetting)
        flat[rows] = trust.apply_delta(logits, delta)
        own = trust.combine(expit(logits), self.weights)
        good = mutual.behaves_well(self.rng, pop.reliability[cust], own, sc.mutual.reciprocity)
        pop.supplier_trust[cust] = np.clip(
            pop.supplier_trust[cust]
            + mutual.supplier_trust_delta(good, sc.mutual.gain, sc.trust.loss_multiplier),
            -trust.LOGIT_LIMIT, trust.LOGIT_LIMIT,
        )
        self.flows.record_deliveries(sup, outcome, effort)

    def _update_loyalty(self) -> None:
        """Scores (0-10) towards the last supplier and the loyalty ladder (phase 4)."""
        if self.compiled:
            kernels.update_loyalty(self)
            return
        sc, pop = self.config, self.population
        experienced = np.flatnonzero(pop.last_supplier >= 0)
        last = pop.last_supplier[experienced].astype(np.int64)
        components = expit(pop.trust.reshape(-1, 4)[experienced * sc.market.suppliers + last])
        total = trust.combine(components, self.weights)
        pop.score[experienced] = loyalty.recommend_score(total)
        self._experienced = (experienced, last, components)
        # Detractors are disappointed: experience left their trust below their own benefit of
        # the doubt. Someone who just started buying has no experience to warn others about yet.
        disappointed = np.zeros(pop.n, dtype=bool)
        disappointed[experienced] = total < expit(pop.prior_logits[experienced])
        disappointed &= (pop.supplier < 0) | (pop.tenure > 0)
        pop.stage[:] = loyalty.ladder_stage(
            pop.supplier >= 0, disappointed, pop.tenure, pop.score,
            loyal_tenure=sc.loyalty.loyal_tenure, ambassador_tenure=sc.loyalty.ambassador_tenure,
            loyal_score=sc.loyalty.loyal_score, ambassador_score=sc.loyalty.ambassador_score,
            detractor_score=sc.loyalty.detractor_score,
            mutual_ok=pop.supplier_trust >= 0.0,
        )

    def _post_reviews(self) -> None:
        pop, rv = self.population, self.config.reviews
        if self.compiled and self._served is not None:
            cust, sup = self._served[:2]  # the customers served this step; nobody has joined since
        else:
            cust = np.flatnonzero(pop.supplier >= 0)
            sup = pop.supplier[cust].astype(np.int64)
        self.reviews.post(self.rng, sup, pop.score[cust].astype(np.float64), rv.post_rate, rv.memory)

    def _spread_word(self, policy: dict[str, np.ndarray]) -> channels.Messages:
        """Recommendations, warnings, reviews read and ads seen this period (phase 5)."""
        sc, pop, rng = self.config, self.population, self.rng
        if sc.trust.gating:
            senders = np.flatnonzero(pop.stage == loyalty.AMBASSADOR)
        else:
            senders = np.flatnonzero(pop.supplier >= 0)
        parts = [
            channels.word_of_mouth(
                rng, self.network, senders, pop.supplier[senders].astype(np.int64), sc.wom.rate, 1.0
            )
        ]
        if sc.trust.gating:
            warners = np.flatnonzero(pop.stage == loyalty.DETRACTOR)
            parts.append(
                channels.word_of_mouth(
                    rng, self.network, warners, pop.last_supplier[warners].astype(np.int64),
                    sc.wom.warn_rate, -1.0,
                )
            )
        prospects = np.flatnonzero(pop.supplier < 0)
        k = int(rng.binomial(len(prospects), sc.reviews.read_rate)) if len(prospects) else 0
        readers = rng.choice(prospects, size=k, replace=False) if k else prospects[:0]
        parts.append(channels.read_reviews(rng, readers, self.reviews))
        parts.append(
            channels.advertise(
                rng, pop.n, sc.advertising.reach, policy["ad_budget"], policy["banner_share"]
            )
        )
        messages = channels.Messages.concat(parts)
        (kernels.hear if self.compiled else channels.hear)(
            messages, pop.trust, pop.heard, pop.prior_logits, self.credibility,
            sc.wom.signal, sc.trust.loss_multiplier,
        )
        return messages

    def _trust_total(self, customers: np.ndarray, suppliers: np.ndarray) -> np.ndarray:
        return trust.combine(expit(self.population.trust[customers, suppliers]), self.weights)

    def _choose(self, messages: channels.Messages) -> None:
        """Prospects adopt, unhappy customers switch (phase 6)."""
        sc, pop, rng = self.config, self.population, self.rng
        s_count = sc.market.suppliers
        if self.compiled:
            room = self.capacity - kernels.customers_per_supplier(pop.supplier, s_count)
        else:
            room = self.capacity - np.bincount(pop.supplier[pop.supplier >= 0].astype(np.int64), minlength=s_count)
        offers = messages.take((pop.supplier[messages.customer] < 0) & (messages.valence > 0))
        offers = offers.take(room[offers.supplier] > 0)
        level = self._trust_total(offers.customer, offers.supplier)
        yes = choice.persuaded(rng, self.credibility[offers.channel], level, sc.trust.gating)
        offers, level = offers.take(yes), level[yes]
        picked = choice.logit_choice(rng, offers.customer, offers.supplier, sc.switching.sensitivity * level)
        mask = np.zeros(len(offers), dtype=bool)
        mask[picked] = True
        chosen = offers.take(mask)
        ok = choice.within_capacity(rng, chosen.supplier, room)
        chosen = chosen.take(ok)
        self._join(chosen.customer, chosen.supplier, chosen.channel)
        room -= np.bincount(chosen.supplier, minlength=s_count)
        if sc.trust.gating:
            self._switch(room, messages)

    def _switch(self, room: np.ndarray, messages: channels.Messages) -> None:
        sc, pop, rng = self.config, self.population, self.rng
        if self.compiled:
            cust, own_sup, own = kernels.unhappy_customers(self, sc.switching.threshold, messages)
        else:
            cust = np.flatnonzero(pop.supplier >= 0)
            own_sup = pop.supplier[cust].astype(np.int64)
            own = self._trust_total(cust, own_sup)
            unhappy = own < sc.switching.threshold
            cust, own_sup, own = cust[unhappy], own_sup[unhappy], own[unhappy]
        settled = pop.tenure[cust] > 0  # who joined this very step has had no delivery to judge yet
        cust, own_sup, own = cust[settled], own_sup[settled], own[settled]
        if len(cust) == 0:
            return
        if self.compiled:
            target = kernels.switch_targets(self, cust, own_sup, own, room, sc.switching.threshold,
                                            sc.switching.margin)
        else:
            alternatives = trust.combine(expit(pop.trust[cust]), self.weights).astype(np.float64)
            alternatives[pop.heard[cust] < 0] = -np.inf
            alternatives[np.arange(len(cust)), own_sup] = -np.inf
            alternatives[:, room <= 0] = -np.inf
            target = choice.switch_targets(
                own, alternatives, threshold=sc.switching.threshold, margin=sc.switching.margin
            )
        go = (target >= 0) & (rng.random(len(cust)) < sc.switching.rate)
        cust, own_sup, target = cust[go], own_sup[go], target[go]
        ok = choice.within_capacity(rng, target, room)
        cust, own_sup, target = cust[ok], own_sup[ok], target[ok]
        self.flows.churned += np.bincount(own_sup, minlength=len(room))
        self._join(cust, target, pop.heard[cust, target])

    def _join(self, customers: np.ndarray, suppliers: np.ndarray, channel: np.ndarray) -> None:
        pop = self.population
        pop.supplier[customers] = suppliers
        pop.last_supplier[customers] = suppliers
        pop.tenure[customers] = 0
        pop.supplier_trust[customers] = trust.logit(self.config.mutual.prior)
        self.flows.record_acquisitions(suppliers, channel)

    def _measure(self) -> None:
        counts = kernels.population_counts(self) if self.compiled else None
        self.model_metrics, self.supplier_metrics = measure(self, counts)
        # Python scalars for the DataCollector, which deep-copies every numpy scalar it stores
        self._supplier_values = {k: v.tolist() for k, v in self.supplier_metrics.items()}

    # --- interventions (the classroom's buttons) --------------------------------------

    def trigger_scandal(self, supplier: int | str = "all", severity: float = 1.0, reach: float = 1.0) -> None:
        """A scandal now: everyone who hears of it (share `reach`) loses `severity` log-odds of
        trust in the supplier hit, or in every supplier for ``"all"`` (MODEL_BRIEF §4)."""
        shocks.scandal(
            self.rng, self.population.trust, self.population.heard, self.population.prior_logits,
            supplier, severity, reach,
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
