"""Play policies as "our" supplier in a scenario, on the sweep engine, with common random numbers.

Design: every policy is one design point of a ``list`` design whose overrides set every field
of supplier ``as_index`` (``suppliers.<i>.<field>``); the experiment uses
``seeding = "common"``, so replicate r of every policy runs on the same seed and differences
between policies are the policies', not noise. The robustness sweep is a second experiment:
every policy in every cell of a small grid over the scenario's uncertain parameters, again on
common seeds. Both run through :func:`trustsim.sweep.run_sweep` (local process pool or Dask,
resumable) with :func:`trustsim.compare.flows.run_with_flows` as the run function.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim import builtin
from trustsim.compare.flows import RUN_FN, switch_columns
from trustsim.compare.stats import (
    COST_COLUMNS,
    MEASURES,
    MONEY_COLUMNS,
    Measure,
    measures_for,
    rank_policies,
    run_values,
)
from trustsim.config import Scenario, load_scenario
from trustsim.errors import ConfigError, RunError
from trustsim.policies import Policy, load_policies


def _supplier_measures() -> tuple[str, ...]:
    from trustsim.metrics import SUPPLIER_COLUMNS

    money = tuple(c for c in (*MONEY_COLUMNS, *COST_COLUMNS) if c in SUPPLIER_COLUMNS)
    return (
        "customers",
        "revenue",
        "nps",
        "ambassadors",
        "detractors",
        "trust",
        "acquired_ads",
        "acquired_reviews",
        "acquired_recommendations",
        "churned",
        *money,
    )


SUPPLIER_MEASURES: tuple[str, ...] = _supplier_measures()
"""Per-step supplier columns every comparison run keeps (plus ``switched_to_<j>``); the model's
money columns (``costs``, ``profit``, ``discounted_profit``, ``service_costs``, ``ad_costs``) are
kept whenever the model has them."""

MONEY_VARY_KEYS = ("money.service_cost", "money.over_delivery_cost", "money.care_cost", "money.ad_cost")
"""The money assumptions the robustness sweep varies one at a time, each from half to twice the
scenario's value (their documented range, docs/compare.md). ``money.fixed_cost`` is the same for
every policy and ``money.discount_rate`` does not enter total profit, so neither can change which
policy makes the most profit."""

DEFAULT_VARY_KEYS = ("trust.loss_multiplier", "wom.rate")
"""The uncertain parameters swept by default: the trust asymmetry (Slovic 1993: no single
ratio is established, the brief asks to sweep 1.5-5) and the word-of-mouth rate (Bass q)."""


@dataclass
class Comparison:
    """Everything a comparison produced, ready for the report.

    Attributes:
        scenario: the resolved scenario (with overrides and horizon).
        scenario_label: what the report calls the scenario (its file).
        policies: the policies compared, in the order given.
        as_index: index of "our" supplier.
        replicates: replicates per policy.
        seed: the experiment seed all run seeds derive from.
        series: our supplier's per-step measures: policy, replicate, step, measures.
        suppliers: every supplier's per-step measures (for flows between suppliers).
        values: one row per (policy, replicate) with the ranked measures.
        rankings: measure key -> ranking table (see :func:`rank_policies`).
        measures: the ranked measures, the headline first (money when the runs have it).
        robustness: one row per (cell, policy, replicate) with the varied parameters and values;
            ``kind`` is "grid" (a cell of the grid over `vary`) or "money" (one money assumption moved).
        vary: the varied parameters and their values (a full grid).
        money_vary: money assumptions moved one at a time (others at the scenario's values).
        reference: the policy extra spend is measured against (the first given, or ``--reference``).
        seconds: wall time of the runs.
        out_dir: where the sweeps and the report live.
    """

    scenario: Scenario
    scenario_label: str
    policies: list[Policy]
    as_index: int
    replicates: int
    seed: int
    series: pd.DataFrame
    suppliers: pd.DataFrame
    values: pd.DataFrame
    rankings: dict[str, pd.DataFrame]
    robustness: pd.DataFrame | None = None
    vary: dict[str, list[Any]] = field(default_factory=dict)
    money_vary: dict[str, list[Any]] = field(default_factory=dict)
    reference: str = ""
    robust_replicates: int = 0
    seconds: float = 0.0
    out_dir: Path | None = None
    measures: tuple[Measure, ...] = MEASURES

    def __post_init__(self) -> None:
        if not self.reference and self.policies:
            self.reference = self.policies[0].name

    @property
    def headline(self) -> Measure:
        """The measure the report leads with: profit when the model has money, else revenue."""
        return self.measures[0]

    @property
    def has_money(self) -> bool:
        """Whether the runs carry the model's costs and profit."""
        return self.measures[0].key == "profit"

    @property
    def steps(self) -> int:
        """The horizon T."""
        return self.scenario.steps

    @property
    def supplier_names(self) -> list[str]:
        """Names of the scenario's suppliers (ours included)."""
        return [p.name for p in self.scenario.supplier_policies()]

    def label(self, name: str) -> str:
        """A policy as we play it: '<name> (us)' when a competitor has the same name."""
        rivals = {n.casefold() for j, n in enumerate(self.supplier_names) if j != self.as_index}
        return f"{name} (us)" if name.casefold() in rivals else name

    def table(self, measure: str) -> pd.DataFrame:
        """Replicates x policies for one measure (the input of :func:`rank_policies`)."""
        return _wide(self.values, measure, [p.name for p in self.policies])

    def grid(self) -> pd.DataFrame | None:
        """The robustness rows of the grid over `vary` (without the money cells)."""
        if self.robustness is None:
            return None
        if "kind" not in self.robustness:
            return self.robustness
        return self.robustness[self.robustness["kind"] == "grid"]


def default_money_vary(scenario: Scenario) -> dict[str, list[float]]:
    """Each money assumption of :data:`MONEY_VARY_KEYS` at half and twice the scenario's value (zeros skipped)."""
    out = {}
    for key in MONEY_VARY_KEYS:
        value = float(getattr(scenario.money, key.split(".")[1]))
        if value > 0:
            out[key] = [round(value * 0.5, 6), round(value * 2.0, 6)]
    return out


def default_vary(scenario: Scenario) -> dict[str, list[float]]:
    """Low, scenario and high values of the default uncertain parameters."""
    loss = scenario.trust.loss_multiplier
    rate = scenario.wom.rate
    return {
        "trust.loss_multiplier": sorted({1.5, round(loss, 6), 5.0}),
        "wom.rate": [round(rate * 0.5, 6), round(rate, 6), round(rate * 1.5, 6)],
    }


def parse_vary(pairs: list[str], source: str = "--vary") -> dict[str, list[Any]]:
    """Turn ['wom.rate=0.1,0.3', ...] into {'wom.rate': [0.1, 0.3], ...}."""
    from trustsim.config import parse_value

    out: dict[str, list[Any]] = {}
    for pair in pairs:
        key, sep, values = pair.partition("=")
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not key.strip() or not items:
            raise ConfigError(
                f"{source} {pair!r}: expected KEY=V1,V2,..., e.g. {source} trust.loss_multiplier=1.5,3,5."
            )
        out[key.strip()] = [parse_value(v) for v in items]
    return out


def experiment_dict(
    name: str,
    scenario_path: Path | None,
    overrides: Mapping[str, Any],
    points: list[dict[str, Any]],
    seed: int,
    replicates: int,
    steps: int,
    suppliers: int,
) -> dict[str, Any]:
    """An experiment (as the sweep engine's dict) playing each point on common seeds with our flows."""
    return {
        "name": name,
        "description": "trustsim compare: policies played as one supplier on common random numbers",
        "scenario": str(scenario_path.resolve()) if scenario_path else "",
        "seed": seed,
        "seeding": "common",
        "replicates": replicates,
        "steps": steps,
        "overrides": dict(overrides),
        "design": {"kind": "list", "points": points},
        "output": {
            "measures": ["customers"],
            "supplier_measures": [*SUPPLIER_MEASURES, *switch_columns(suppliers)],
            "summary": "final",
        },
    }


def validated_experiment(experiment: dict[str, Any]) -> Any:
    """Validate with the sweep engine's loader, then add the ``switched_to_<j>`` columns.

    Adapter: ``load_experiment`` accepts only the public supplier columns as measures, while
    :func:`run_with_flows` adds ``switched_to_<j>``; they are added after validation (the
    fingerprint covers them, so resuming still works).
    """
    from trustsim.sweep import load_experiment

    output = experiment["output"]
    public = [m for m in output["supplier_measures"] if not m.startswith("switched_to_")]
    loaded = load_experiment({**experiment, "output": {**output, "supplier_measures": public}})
    full = loaded.output.model_copy(update={"supplier_measures": list(output["supplier_measures"])})
    return loaded.model_copy(update={"output": full})


def sweep_supplier_series(
    experiment: Any, folder: Path, workers: int | None, scheduler: str | None, progress: bool
) -> tuple[pd.DataFrame, float]:
    """Run (or resume) a sweep with :func:`run_with_flows`; its supplier series and wall time.

    Raises:
        RunError: if any run failed (re-running retries them).
    """
    from trustsim.sweep import load_timeseries, run_sweep

    result = run_sweep(experiment, folder, workers=workers, scheduler=scheduler, progress=progress, run_fn=RUN_FN)
    if result.failures:
        run_id, error = next(iter(result.failures.items()))
        raise RunError(
            f"{len(result.failures)} of {result.total} runs failed in {folder} (first: {run_id}: "
            f"{error.splitlines()[0]}); re-run the same command to retry them."
        )
    return load_timeseries(folder, "suppliers"), result.seconds


def compare_policies(
    scenario: str | Path | None,
    policies: Sequence[str | Path | Policy],
    out_dir: str | Path,
    *,
    as_index: int = 0,
    replicates: int = 10,
    steps: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    vary: Mapping[str, list[Any]] | None = None,
    robust_replicates: int | None = None,
    money_vary: Mapping[str, list[Any]] | None = None,
    reference: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> Comparison:
    """Play each policy as supplier `as_index` of the scenario and rank them.

    Args:
        scenario: scenario TOML file (None: the defaults).
        policies: policy files, bare names from ``configs/policies/``, or :class:`Policy`.
        out_dir: folder for the sweeps (``runs/``, ``robustness/``) and the report.
        as_index: which supplier of the scenario is "ours" (0-based; default the first).
        replicates: replicates per policy (at least 2, for confidence intervals).
        steps: horizon T (default: the scenario's ``steps``).
        seed: the seed every run's seed derives from (default: the scenario's ``seed``).
        overrides: dotted scenario keys set on every run (like ``--set``).
        vary: uncertain parameters and values for the robustness sweep (None: the defaults
            of :func:`default_vary`; empty: no robustness sweep).
        robust_replicates: replicates per policy and cell (default: half of `replicates`, >= 2).
        money_vary: money assumptions moved one at a time in the robustness sweep (None: each of
            :data:`MONEY_VARY_KEYS` at half and twice its value when the model has money and `vary`
            does not set it; empty: none).
        reference: the policy whose spend the others' extra spend is measured against (default: the first).
        workers: local processes; scheduler: a Dask scheduler address (see run_sweep).
        progress: show progress on stderr.

    Returns:
        The :class:`Comparison`; re-running with the same arguments resumes finished runs.

    Raises:
        ConfigError: bad scenario, policy, `as_index`, `replicates` or `vary`.
        RunError: runs failed, or the results folder cannot be written.
    """
    if replicates < 2:
        raise ConfigError(f"--replicates {replicates}: at least 2 replicates are needed for confidence intervals.")
    overrides = dict(overrides or {})
    if steps is not None:
        overrides["steps"] = steps
    path = builtin.resolve("scenario", scenario) if scenario is not None else None
    base = load_scenario(path, overrides)
    n_sup = base.market.suppliers
    if not 0 <= as_index < n_sup:
        raise ConfigError(
            f"--as {as_index}: the scenario has {n_sup} supplier(s), numbered 0..{n_sup - 1}; "
            f"choose which one plays the policies."
        )
    loaded = load_policies(list(policies))
    if not loaded:
        raise ConfigError("compare: give at least one policy (a file or a name from configs/policies/).")
    seed = base.seed if seed is None else seed
    sweep_overrides = {k: v for k, v in overrides.items() if k != "steps"}
    points = [p.overrides(base, as_index) for p in loaded]
    out = Path(out_dir)
    # Both experiments are validated (every design point's scenario built) before anything runs.
    main = validated_experiment(
        experiment_dict("compare", path, sweep_overrides, points, seed, replicates, base.steps, n_sup)
    )
    names = [p.name for p in loaded]
    if reference is not None and reference not in names:
        raise ConfigError(f"--reference {reference!r}: not one of the policies compared ({', '.join(names)}).")
    no_grid = vary is not None and not vary
    vary = default_vary(base) if vary is None else dict(vary)
    if money_vary is None:
        money_vary = {} if no_grid else {k: v for k, v in default_money_vary(base).items() if k not in vary}
    money_vary = dict(money_vary)
    r_rep = (robust_replicates or max(2, replicates // 2)) if (vary or money_vary) else 0
    if (vary or money_vary) and r_rep < 2:
        raise ConfigError(f"--robust-replicates {r_rep}: at least 2 are needed to tell winners apart.")
    robust = (
        _robustness_experiment(path, sweep_overrides, base, loaded, as_index, vary, seed, r_rep, money_vary)
        if (vary or money_vary)
        else None
    )
    suppliers, seconds = sweep_supplier_series(main, out / "runs", workers, scheduler, progress)
    suppliers.insert(1, "policy", [names[i] for i in suppliers["point"]])
    series = suppliers[suppliers["supplier"] == as_index].reset_index(drop=True)
    measures = measures_for(series.columns)
    values = _values(series, measures)
    rankings = {m.key: rank_policies(_wide(values, m.key, names), bounds=m.bounds) for m in measures}

    robustness = None
    if robust is not None:
        robust_suppliers, more = sweep_supplier_series(robust, out / "robustness", workers, scheduler, progress)
        robustness = _robustness_values(
            robust_suppliers,
            loaded,
            as_index,
            [*vary, *money_vary],
            robust.design.points,
            measures,
            _cell_kinds(vary, money_vary),
        )
        seconds += more
    return Comparison(
        scenario=base,
        scenario_label=str(scenario) if path else "<default scenario>",
        policies=loaded,
        as_index=as_index,
        replicates=replicates,
        seed=seed,
        series=series,
        suppliers=suppliers,
        values=values,
        rankings=rankings,
        robustness=robustness,
        vary=vary,
        money_vary=money_vary,
        reference=reference or names[0],
        robust_replicates=r_rep,
        seconds=seconds,
        out_dir=out,
        measures=measures,
    )


def _values(series: pd.DataFrame, measures: tuple[Measure, ...] = MEASURES) -> pd.DataFrame:
    keys = series.groupby("run", sort=True)[["policy", "replicate"]].first()
    return keys.join(run_values(series, measures)).reset_index()


def _wide(values: pd.DataFrame, measure: str, names: list[str]) -> pd.DataFrame:
    return values.pivot(index="replicate", columns="policy", values=measure)[names]


def _robustness_experiment(
    path: Path | None,
    overrides: dict[str, Any],
    base: Scenario,
    policies: list[Policy],
    as_index: int,
    vary: Mapping[str, list[Any]],
    seed: int,
    replicates: int,
    money_vary: Mapping[str, list[Any]] | None = None,
) -> Any:
    """Every policy in every cell of the grid over the varied parameters (cell-major order), then in
    every money cell (one money assumption moved, the grid's parameters at the scenario's values)."""
    keys = list(vary)
    money_vary = dict(money_vary or {})
    for key in [*keys, *money_vary]:
        if key.startswith(f"suppliers.{as_index}.") or key in ("seed", "steps"):
            raise ConfigError(
                f"--vary {key}: cannot be varied here (it is set by the policies, the seeds or --horizon)."
            )
        values = vary[key] if key in vary else money_vary[key]
        if not isinstance(values, list) or not values:
            raise ConfigError(f"--vary {key}: give at least one value, e.g. --vary {key}=1,2,3.")
    cells = _cells(base, vary, money_vary)
    points = []
    for cell in cells:
        try:
            scenario = load_scenario(path, {**overrides, **cell})
        except ConfigError as e:
            raise ConfigError(f"--vary {', '.join(f'{k}={v!r}' for k, v in cell.items())}: {e}") from None
        points += [{**cell, **p.overrides(scenario, as_index)} for p in policies]
    experiment = experiment_dict(
        "compare_robustness", path, overrides, points, seed, replicates, base.steps, base.market.suppliers
    )
    return validated_experiment(experiment)


def scenario_value(scenario: Any, key: str) -> Any:
    """The value of a dotted key (``wom.rate``, ``suppliers.0.promise``) in a scenario or one of its sections."""
    node: Any = scenario
    for part in key.split("."):
        node = node[int(part)] if part.isdigit() else getattr(node, part)
    return node


def _cells(base: Scenario, vary: Mapping[str, list[Any]], money_vary: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """The grid's cells (every key of both, money at the scenario's values), then one cell per money value."""
    keys = list(vary)
    at_base = {k: scenario_value(base, k) for k in money_vary}
    cells = (
        [dict(zip(keys, combo, strict=True)) | at_base for combo in itertools.product(*(vary[k] for k in keys))]
        if keys
        else []
    )
    grid_base = {k: scenario_value(base, k) for k in keys}
    for key, values in money_vary.items():
        cells += [grid_base | at_base | {key: v} for v in values]
    return cells


def _cell_kinds(vary: Mapping[str, list[Any]], money_vary: Mapping[str, list[Any]]) -> list[str]:
    grid = math.prod(len(v) for v in vary.values()) if vary else 0
    return ["grid"] * grid + ["money"] * sum(len(v) for v in money_vary.values())


def _robustness_values(
    suppliers: pd.DataFrame,
    policies: list[Policy],
    as_index: int,
    vary: Sequence[str],
    points: list[dict[str, Any]],
    measures: tuple[Measure, ...] = MEASURES,
    kinds: Sequence[str] | None = None,
) -> pd.DataFrame:
    ours = suppliers[suppliers["supplier"] == as_index].copy()
    n = len(policies)
    ours.insert(1, "policy", [policies[p % n].name for p in ours["point"]])
    values = _values(ours, measures)
    point_of_run = ours.groupby("run", sort=True)["point"].first().to_numpy()
    values.insert(1, "cell", point_of_run // n)
    if kinds is not None:
        values.insert(2, "kind", [kinds[c] for c in point_of_run // n])
    for key in vary:
        values[key] = [points[p][key] for p in point_of_run]
    return values
