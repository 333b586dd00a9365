"""The simulation runs the validation checks need, done once each, in parallel, reproducibly.

A :class:`Job` is plain data (a scenario as a dict of dotted keys over a base file, a seed, a
number of steps and optional interventions), so it pickles cheaply to worker processes. The
same jobs give bit-identical tables whatever the number of workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trustsim.errors import RunError, TrustsimError


@dataclass(frozen=True)
class Job:
    """One run: `base` scenario (path or None) with `overrides`, a seed, steps and interventions.

    Attributes:
        base: built-in scenario name or scenario file (e.g. ``"bass_limit"``), or None for the
            defaults.
        overrides: dotted keys, as a tuple of (key, value) pairs so the job is hashable.
        seed: the run's seed.
        steps: periods to run.
        events: (after_step, kind, supplier, amount) interventions, kind ``"broken_promises"``
            or ``"scandal"``, applied just before step ``after_step + 1``.
        suppliers: also keep the supplier table.
    """

    base: str | None
    overrides: tuple[tuple[str, Any], ...]
    seed: int
    steps: int
    events: tuple[tuple[int, str, Any, float], ...] = ()
    suppliers: bool = False

    @property
    def cost(self) -> float:
        """Rough work of the run (customer-steps), to start the longest runs first."""
        customers = dict(self.overrides).get("market.customers", 10_000)
        return float(customers) * (self.steps + 1)


def job(
    base: str | None,
    overrides: dict[str, Any],
    seed: int,
    steps: int,
    events: Iterable[tuple[int, str, Any, float]] = (),
    suppliers: bool = False,
) -> Job:
    """Build a :class:`Job` from a dict of overrides (lists become tuples for hashing)."""
    items = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()))
    return Job(base, items, int(seed), int(steps), tuple(events), suppliers)


@dataclass
class Tables:
    """The public tables of one run, as arrays by column name."""

    model: dict[str, np.ndarray]
    suppliers: dict[str, np.ndarray] = field(default_factory=dict)


def execute(j: Job) -> Tables:
    """Run one job and return its model table (and supplier table) as column arrays.

    Raises:
        RunError: naming the run, if the model fails.
    """
    try:
        return _execute(j)
    except TrustsimError:
        raise
    except Exception as e:
        overrides = ", ".join(f"{k}={v}" for k, v in j.overrides)
        raise RunError(
            f"validation run failed ({j.base or 'defaults'}, {overrides}, seed {j.seed}, {j.steps} steps): "
            f"{type(e).__name__}: {e}"
        ) from e


def _execute(j: Job) -> Tables:
    from trustsim.config import load_scenario
    from trustsim.model import TrustMarket

    overrides = {k: list(v) if isinstance(v, tuple) else v for k, v in j.overrides}
    scenario = load_scenario(j.base, overrides)
    model = TrustMarket(scenario, rng=j.seed)
    for t in range(j.steps):
        for after, kind, supplier, amount in j.events:
            if after != t:
                continue
            if kind == "broken_promises":
                model.trigger_broken_promises(int(supplier), amount)
            elif kind == "scandal":
                model.trigger_scandal(supplier, amount)
            else:
                raise ValueError(f"unknown intervention {kind!r}")
        model.step()
    frame = model.model_table()
    out = Tables({c: frame[c].to_numpy() for c in frame.columns})
    if j.suppliers:
        sup = model.supplier_table().drop(columns=["name"])
        out.suppliers = {c: sup[c].to_numpy() for c in sup.columns}
    return out


def run_jobs(
    jobs: Iterable[Job], workers: int = 1, progress: Callable[[int, int], None] | None = None
) -> dict[Job, Tables]:
    """Run each distinct job once; `workers` > 1 uses a process pool.

    Args:
        jobs: the runs wanted (duplicates are run once).
        workers: number of processes (1 = in this process).
        progress: called with (done, total) after each run.

    Returns:
        The tables of every job.
    """
    todo = sorted(set(jobs), key=lambda j: -j.cost)
    done: dict[Job, Tables] = {}
    if workers <= 1 or len(todo) <= 1:
        for j in todo:
            done[j] = execute(j)
            if progress:
                progress(len(done), len(todo))
        return done
    # spawn, like the sweep's local pool: workers inherit nothing (forking a threaded parent can
    # deadlock); a script calling this needs the usual `if __name__ == "__main__":` guard.
    ctx = multiprocessing.get_context("spawn")
    from trustsim.sweep.child import die_with_parent  # workers die with this process, even on kill -9

    with cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        futures = {pool.submit(execute, j): j for j in todo}
        for fut in cf.as_completed(futures):
            done[futures[fut]] = fut.result()
            if progress:
                progress(len(done), len(todo))
    return done
