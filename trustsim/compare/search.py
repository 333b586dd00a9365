"""Policy search: the best way to spend a budget on ads, over-delivery and care, with evidence.

A candidate policy splits a budget of B units per step across advertising, over-delivery and
care at the exchange rate of configs/ten_ambassadors.toml (one unit = ad budget 1 = 0.1 of
over-delivery = 0.2 of care above 0.6; see :func:`trustsim.policies.budget_cost`), and also
chooses its promise level and the banner share of its ads (free: the model has no costs
for them). Optuna's TPE sampler proposes candidates in batches; every batch is one sweep on
the sweep engine (so ``--workers`` and ``--scheduler`` work) in which every candidate is
played as our supplier on the *same* replicate seeds (common random numbers), so the search
compares policies, not luck.

The best candidates of a search are flattered by selection (the winner's curse), so they are
validated afterwards: the trade-off front between revenue and NPS (and the scenario's own
policy of our supplier, for reference) is played again on fresh seeds with more replicates
through :func:`trustsim.compare.compare_policies`, and only those confidence intervals are
reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from trustsim import builtin
from trustsim.compare.run import (
    Comparison,
    compare_policies,
    experiment_dict,
    sweep_supplier_series,
    validated_experiment,
)
from trustsim.compare.stats import measures_for, run_values
from trustsim.config import Scenario, load_scenario
from trustsim.errors import ConfigError
from trustsim.policies import BUDGET_RATE, CARE_BASE, Policy, budget_cost
from trustsim.reporting import fixed

OBJECTIVES = ("both",)
"""Objectives that are not an expression: "both" searches the revenue-NPS trade-off front."""

DEFAULT_OBJECTIVE = "discounted_profit"
"""What the search maximises by default: our cumulative discounted profit at the horizon."""
VALIDATION_SEED_OFFSET = 1_000_003
"""Validation seeds derive from the search seed plus this, so they are fresh."""


@dataclass
class Search:
    """The outcome of a policy search.

    Attributes:
        trials: one row per candidate: its parameters, settings, cost and mean revenue/NPS.
        front: the candidates on the revenue-NPS trade-off front (no other is better on both).
        validation: the comparison of the chosen candidates on fresh seeds.
        chosen: the validated policies (best on revenue, best on NPS, the front, the current).
        budget: B; objective: what was optimised.
    """

    trials: pd.DataFrame
    front: pd.DataFrame
    validation: Comparison
    chosen: list[Policy]
    budget: float
    objective: str
    replicates: int
    scenario: Scenario
    seconds: float = 0.0


def candidate(budget: float, shares: Mapping[str, float], promise: float, banner_share: float) -> dict[str, float]:
    """The supplier settings that spend `budget` in the given shares (normalised to sum 1).

    Care is capped at 1 and over-delivery at 1 - promise (quality cannot exceed 1); budget a
    cap leaves unspent is simply not spent, and :func:`budget_cost` reports what is.
    """
    total = sum(shares.values())
    w = {k: (v / total if total > 0 else 1 / 3) for k, v in shares.items()}
    return {
        "ad_budget": budget * w["ads"] * BUDGET_RATE["ad_budget"],
        "over_delivery": min(budget * w["over_delivery"] * BUDGET_RATE["over_delivery"], 1.0 - promise),
        "care": min(CARE_BASE + budget * w["care"] * BUDGET_RATE["care"], 1.0),
        "promise": promise,
        "banner_share": banner_share,
    }


def _suggest(trial: Any, budget: float) -> dict[str, float]:
    shares = {k: trial.suggest_float(f"weight_{k}", 0.0, 1.0) for k in ("ads", "over_delivery", "care")}
    promise = trial.suggest_float("promise", 0.5, 0.95)
    banner = trial.suggest_float("banner_share", 0.0, 1.0)
    return candidate(budget, shares, promise, banner)


def pareto_front(frame: pd.DataFrame, a: str = "revenue", b: str = "nps") -> pd.Series:
    """Mask of rows no other row beats on both `a` and `b` (higher is better on both)."""
    x, y = frame[a].to_numpy(float), frame[b].to_numpy(float)
    on = np.ones(len(frame), dtype=bool)
    for i in range(len(frame)):
        dominated = (x >= x[i]) & (y >= y[i]) & ((x > x[i]) | (y > y[i]))
        on[i] = not dominated.any()
    return pd.Series(on, index=frame.index)


def optimize_policy(
    scenario: str | Path | None,
    out_dir: str | Path,
    *,
    budget: float,
    objective: str = DEFAULT_OBJECTIVE,
    trials: int = 40,
    batch: int = 8,
    replicates: int = 4,
    validate: int = 5,
    validate_replicates: int | None = None,
    as_index: int = 0,
    steps: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> Search:
    """Search the budget split (and promise, banner share) for the best revenue and/or NPS.

    Args:
        scenario: scenario TOML file (None: the defaults).
        out_dir: folder for the trial sweeps (``trials/``), the validation and the report.
        budget: B, budget units per step (see :func:`trustsim.policies.budget_cost`).
        objective: an expression over a run's measures (:func:`objective_names`), maximised as
            its mean over the replicates, e.g. "discounted_profit" (the default), "revenue",
            "profit + 50 * nps"; or "both" (multi-objective: the revenue-NPS trade-off front).
        trials: candidates to evaluate; batch: candidates per sweep (run in parallel).
        replicates: common-seed replicates per candidate during the search (>= 2).
        validate: at most this many front candidates to validate on fresh seeds.
        validate_replicates: replicates of the validation (default 2 x `replicates`).
        as_index: which supplier of the scenario is ours.
        steps, seed, overrides: horizon, seed and ``--set`` overrides as in compare.
        workers, scheduler, progress: as in :func:`trustsim.sweep.run_sweep`.

    Returns:
        The :class:`Search`; the same arguments give the same search (seeded sampler), and a
        re-run resumes its finished sweeps.
    """
    from trustsim.extras import require

    require("optimize", "the policy search")
    import optuna
    from optuna.trial import TrialState

    parsed = check_objective(objective)
    if not (math.isfinite(budget) and 0 <= budget <= 20):
        raise ConfigError(f"--budget {budget}: give budget units per step between 0 and 20 (see docs/compare.md).")
    if replicates < 2 or trials < 1 or batch < 1 or validate < 1:
        raise ConfigError("--replicates must be >= 2 and --trials, --batch, --validate >= 1.")
    overrides = dict(overrides or {})
    if steps is not None:
        overrides["steps"] = steps
    path = builtin.resolve("scenario", scenario) if scenario is not None else None
    base = load_scenario(path, overrides)
    if not 0 <= as_index < base.market.suppliers:
        raise ConfigError(
            f"--as {as_index}: the scenario has {base.market.suppliers} supplier(s), "
            f"numbered 0..{base.market.suppliers - 1}."
        )
    seed = base.seed if seed is None else seed
    sweep_overrides = {k: v for k, v in overrides.items() if k != "steps"}
    out = Path(out_dir)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed % 2**32, n_startup_trials=min(10, max(1, trials // 3)))
    directions: list[Literal["maximize"]] = ["maximize", "maximize"] if objective == "both" else ["maximize"]
    study = optuna.create_study(directions=directions, sampler=sampler)
    rows: list[dict[str, Any]] = []
    seconds = 0.0
    for number in range(math.ceil(trials / batch)):
        asked = [study.ask() for _ in range(min(batch, trials - number * batch))]
        settings = [_suggest(t, budget) for t in asked]
        points = [
            Policy(f"trial {t.number}", settings=s).overrides(base, as_index)
            for t, s in zip(asked, settings, strict=True)
        ]
        experiment = validated_experiment(
            experiment_dict(
                f"optimize_batch_{number:03d}",
                path,
                sweep_overrides,
                points,
                seed,
                replicates,
                base.steps,
                base.market.suppliers,
            )
        )
        folder = out / "trials" / f"batch-{number:03d}"
        suppliers, took = sweep_supplier_series(experiment, folder, workers, scheduler, progress)
        seconds += took
        ours = suppliers[suppliers["supplier"] == as_index]
        values = run_values(ours, measures_for(ours.columns))
        if parsed is not None:
            values["objective"] = objective_values(values, parsed)
        means = values.join(ours.groupby("run")["point"].first()).groupby("point").mean(numeric_only=True)
        for k, (t, s) in enumerate(zip(asked, settings, strict=True)):
            revenue = float(means["revenue"].loc[k])
            nps = float(means["nps"].loc[k]) if np.isfinite(means["nps"].loc[k]) else -100.0
            row = {
                "trial": t.number,
                **{k2: round(v, 6) for k2, v in s.items()},
                "cost": budget_cost(Policy("x", settings=s).resolved(base)),
                "revenue": revenue,
                "nps": nps,
                "customers": float(means["customers"].loc[k]),
                **{m: float(means[m].loc[k]) for m in ("profit", "discounted_profit") if m in means},
            }
            if parsed is None:
                study.tell(t, [revenue, nps])
            else:
                row["objective"] = float(means["objective"].loc[k])
                # a candidate whose objective is undefined (e.g. NPS with no customers left) cannot be ranked
                finite = math.isfinite(row["objective"])
                study.tell(t, row["objective"] if finite else None, state=None if finite else TrialState.FAIL)
            rows.append(row)
    table = pd.DataFrame(rows)
    table["front"] = pareto_front(table)
    chosen = _chosen(table, objective, validate, base, as_index)
    v_rep = validate_replicates or 2 * replicates
    validation = compare_policies(
        path,
        chosen,
        out / "validation",
        as_index=as_index,
        replicates=v_rep,
        steps=base.steps,
        seed=seed + VALIDATION_SEED_OFFSET,
        overrides=sweep_overrides,
        vary={},
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
    return Search(
        table,
        table[table["front"]].sort_values("revenue", ascending=False),
        validation,
        chosen,
        budget,
        objective,
        replicates,
        base,
        seconds + validation.seconds,
    )


def objective_names() -> tuple[str, ...]:
    """The per-run measures an objective expression may use."""
    from trustsim.compare.stats import MEASURE_BY_KEY

    return tuple(MEASURE_BY_KEY)


def check_objective(objective: str) -> Any:
    """The parsed objective expression (None for "both"), checked before anything runs.

    Raises:
        ConfigError: not in the expression language (:mod:`trustsim.expressions`), or a name
            that is not a measure of a run.
    """
    from trustsim import expressions

    if objective in OBJECTIVES:
        return None
    parsed = expressions.parse(objective, "--objective")
    if not parsed.names:
        raise ConfigError(f"--objective {objective!r}: reads no measure; e.g. --objective discounted_profit.")
    known = objective_names()
    for name in parsed.names:
        if name not in known:
            raise ConfigError(
                f"--objective {objective!r}: {name!r} is not a measure of a run; use "
                f"{', '.join(known)} (or 'both' for the revenue-NPS trade-off front)."
            )
    return parsed


def objective_values(values: pd.DataFrame, parsed: Any) -> np.ndarray:
    """The objective expression per run (a condition counts 1 or 0)."""
    from trustsim import expressions

    return expressions.formula(values, parsed, "--objective")


def _best(column: pd.Series) -> int:
    """The row number (the table's default index) of the column's largest value."""
    return int(cast(int, column.idxmax()))


def _chosen(table: pd.DataFrame, objective: str, limit: int, base: Scenario, as_index: int) -> list[Policy]:
    """Best on the objective first, then the next best on it (an expression) or the front by revenue
    ("both"), at most `limit`; then the current policy."""
    if objective in OBJECTIVES:
        order = [_best(table["revenue"]), _best(table["nps"])]
        order += list(table[table["front"]].sort_values("revenue", ascending=False).index)
    else:
        order = list(table["objective"].dropna().sort_values(ascending=False, kind="stable").index)
    picked: list[int] = []
    for i in order:
        if i not in picked and len(picked) < limit:
            picked.append(i)
    fields = ("ad_budget", "over_delivery", "care", "promise", "banner_share")
    policies = []
    for i in picked:
        row = cast(pd.Series, table.loc[i])  # the index is the trial's row number, unique
        label = []
        if objective not in OBJECTIVES:
            if i == order[0]:
                label.append("search best objective")
        else:
            if i == table["revenue"].idxmax():
                label.append("search best revenue")
            if i == table["nps"].idxmax():
                label.append("search best NPS")
        rest = " (on the front)" if objective in OBJECTIVES else " (runner-up)"
        name = f"Trial {int(row['trial'])}" + (f" ({', '.join(label)})" if label else rest)
        settings = {f: float(row[f]) for f in fields}
        description = (
            f"Found by trustsim optimize: ads {fixed(settings['ad_budget'], 2)}, over-delivery "
            f"{fixed(settings['over_delivery'], 3)}, care {fixed(settings['care'], 2)}, promise "
            f"{fixed(settings['promise'], 2)}, banner share {fixed(settings['banner_share'], 2)}."
        )
        policies.append(Policy(name, description, settings))
    current = base.supplier_policies()[as_index].model_dump()
    name = current.pop("name")
    policies.append(Policy(f"Current ({name})", "The scenario's own policy of our supplier, for reference.", current))
    return policies
