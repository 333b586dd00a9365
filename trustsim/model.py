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
from typing import Any, cast

import mesa
import numpy as np
import pandas as pd

from trustsim.config import Scenario, load_scenario
from trustsim.mechanisms import channels, loyalty, money, shocks, trust
from trustsim.mechanisms.channels import CHANNELS
from trustsim.mechanisms.trust import COMPONENTS
from trustsim.metrics import MODEL_COLUMNS, SUPPLIER_COLUMNS, Flows, Survey, measure
from trustsim.network import build_network
from trustsim.phases import Rules, rank
from trustsim.phases.schedule import SCHEDULE, Step
from trustsim.population import check_memory, initial_population
from trustsim.records import CUSTOMER_COLUMNS, INITIAL, Ledger, Spells
from trustsim.suppliers import Supplier, SupplierState

SUPPLIER_PREFIX = "supplier."
"""Prefix of the supplier measures in Mesa's DataCollector (and so in ``mesa.batch_run``'s rows), so that a
supplier's `customers` never overwrites the market's `customers` of the same name."""


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
        self.supplier_state = SupplierState.from_scenario(sc)
        self.population = initial_population(sc, self.rng, self.supplier_state.capacity)
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
        self.suppliers_list = [Supplier(self, i) for i in range(len(self.supplier_state))]
        self.weights = trust.normalised_weights(sc.trust.weights)
        self.rules = Rules.from_scenario(sc)
        self.credibility = np.array([getattr(sc.credibility, c) for c in CHANNELS])
        self.reviews = channels.ReviewPool.empty(sc.market.suppliers)
        self.events: list[dict[str, Any]] = []
        # the NPS survey draws from a stream of its own (spawned, so the run's draws are untouched)
        seeds = cast(np.random.SeedSequence, self.rng.bit_generator.seed_seq)
        survey_rng = np.random.default_rng(seeds.spawn(1)[0])
        self.survey = Survey(sc.survey.nps_shift, sc.survey.nps_sd, survey_rng) if _surveyed(sc) else None
        self.experienced = rank(self.population, self.weights, self.rules.ladder)
        self.model_metrics: dict[str, float] = {}
        self.supplier_metrics: dict[str, np.ndarray] = {}
        self.measure(Flows.zeros(sc.market.suppliers))
        self.datacollector = mesa.DataCollector(
            model_reporters={c: _model_reporter(c) for c in MODEL_COLUMNS},
            agent_reporters={SUPPLIER_PREFIX + c: _supplier_reporter(c) for c in SUPPLIER_COLUMNS},
        )
        self.datacollector.collect(self)

    def _record_initial_customers(self) -> None:
        pop = self.population
        cust = np.flatnonzero(pop.supplier >= 0)
        none = np.full(len(cust), -1, np.int64)
        pop.spell[cust] = pop.last_spell[cust] = self.spells.start_spells(
            0,
            cust,
            pop.supplier[cust],
            np.full(len(cust), INITIAL, np.int8),
            np.full(len(cust), -1, np.int8),  # first heard of before the run: unknown
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
        """One period: the phases of :data:`~trustsim.phases.schedule.SCHEDULE` in order (module docstring)."""
        now = Step(Flows.zeros(self.config.market.suppliers))
        for phase in SCHEDULE:
            phase(self, now)

    def run(self, steps: int | None = None) -> TrustMarket:
        """Run `steps` periods (default: the scenario's `steps`); returns the model."""
        for _ in range(self.config.steps if steps is None else steps):
            self.step()
        return self

    # --- measures --------------------------------------------------------------------

    def _earn(self) -> np.ndarray:
        """Every current customer pays its supplier's price this week and costs it service; returns
        the cost of serving one customer, per supplier."""
        policy = self.supplier_state.policy
        price = policy["price"]
        cost = money.unit_cost(policy["over_delivery"], policy["care"], self.config.money)
        self.spells.ledger.add(self.steps, price, price - cost)
        return cost

    def measure(self, flows: Flows) -> None:
        """The measures of the period just completed (`flows`: its events) into `model_metrics` and
        `supplier_metrics`, the rows of the public tables."""
        pop = self.population
        flows.unit_cost = self._earn()
        self.spells.mark_ambassadors(pop.spell[pop.stage == loyalty.AMBASSADOR])
        state = self.supplier_state
        self.model_metrics, self.supplier_metrics = measure(
            self.steps, pop, self.experienced, self.weights, flows, state, self.config.money, self.survey
        )
        state.discounted_profit = self.supplier_metrics["discounted_profit"]
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
        self.supplier_state.failure_wave[int(supplier)] = float(np.clip(share, 0.0, 1.0))
        self.events.append({"step": self.steps, "event": "broken_promises", "supplier": supplier, "share": share})

    # --- outputs ---------------------------------------------------------------------

    def model_table(self) -> pd.DataFrame:
        """One row per step (step 0 = initial state): the public model measures."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        return frame[list(MODEL_COLUMNS)]

    def customer_table(self) -> pd.DataFrame:
        """One row per customer spell: the referral records (`customers.parquet`, docs/ODD.md)."""
        return self.spells.table(self.supplier_state.names)[list(CUSTOMER_COLUMNS)]

    def supplier_table(self) -> pd.DataFrame:
        """One row per step x supplier: the public supplier measures."""
        frame = self.datacollector.get_agent_vars_dataframe().reset_index(drop=True)
        frame = frame.rename(columns=lambda c: c.removeprefix(SUPPLIER_PREFIX))
        frame = frame[list(SUPPLIER_COLUMNS)].sort_values(["step", "supplier"], kind="stable")
        return frame.reset_index(drop=True)

    def check_invariants(self) -> None:
        """Raise AssertionError if the state breaks an invariant (see docs/ODD.md)."""
        from trustsim.invariants import check

        check(self)


def _surveyed(sc: Scenario) -> bool:
    """Whether NPS is measured by a survey answer rather than read from the behavioural score."""
    return sc.survey.nps_sd > 0 or sc.survey.nps_shift != 0


def _model_reporter(name: str) -> Any:
    return lambda m: m.model_metrics[name]


def _supplier_reporter(name: str) -> Any:
    """``Supplier.measure(name)``, as a Python scalar."""
    return lambda a: a.model._supplier_values[name][a.index]


__all__ = ["COMPONENTS", "TrustMarket"]
