"""The run plan: every (design point, replicate) pair with its identity and its seed.

Seeds derive from the experiment's seed and the run's identity through numpy's
:class:`~numpy.random.SeedSequence`, never from the order in which runs are started or
finish, so a sweep's results are the same on any backend and any number of workers.

Runs are numbered replicate by replicate (all design points of replicate 0, then of
replicate 1, ...), so asking for more replicates only adds runs at the end: a finished sweep
is extended, its runs keep their numbers and are not done again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from trustsim.sweep.design import DesignPoints, design_points
from trustsim.sweep.experiment import Experiment

SEED_MAX = 2**63 - 1


def run_seed(experiment_seed: int, point: int, replicate: int, seeding: str = "independent") -> int:
    """The seed of one run, derived with ``SeedSequence(experiment_seed, spawn_key=...)``.

    Args:
        experiment_seed: the experiment's ``seed``.
        point: index of the design point.
        replicate: index of the replicate (0-based).
        seeding: "independent" (the key is (point, replicate)) or "common" (the key is
            (replicate,), so every design point sees the same random numbers).

    Returns:
        A seed in [0, 2**63 - 1].
    """
    key = (replicate,) if seeding == "common" else (point, replicate)
    ss = np.random.SeedSequence(experiment_seed, spawn_key=key)
    return int(ss.generate_state(1, dtype=np.uint64)[0]) & SEED_MAX


@dataclass(frozen=True)
class Run:
    """One run of the sweep: a design point, a replicate and its seed."""

    index: int
    point: int
    replicate: int
    seed: int
    params: dict[str, Any]

    @property
    def run_id(self) -> str:
        """A stable, readable identity, e.g. 'p0012-r003'."""
        return f"p{self.point:04d}-r{self.replicate:03d}"


@dataclass(frozen=True)
class Plan:
    """The resolved experiment: base scenario, design and the list of runs."""

    experiment: Experiment
    base: dict[str, Any]
    design: DesignPoints
    runs: list[Run]
    steps: int | None

    @property
    def replicates(self) -> int:
        """Runs per design point."""
        return self.experiment.replicates

    @property
    def fingerprint(self) -> str:
        """SHA-256 of everything that determines each run's results (not the name, the plots or
        the number of replicates: more replicates extend a sweep)."""
        payload = {
            "layout": "replicate-major",
            "base": {k: v for k, v in self.base.items() if k != "base_dir"},
            "design": {"kind": self.design.kind, "points": self.design.points},
            "seed": self.experiment.seed,
            "seeding": self.experiment.seeding,
            "steps": self.steps,
            "output": self.experiment.output.model_dump(exclude={"batch_runs"}),
        }
        text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def make_plan(experiment: Experiment) -> Plan:
    """Resolve an experiment into its runs, ordered by replicate then design point."""
    base = experiment.base_data()
    design = design_points(experiment)
    runs = []
    for r in range(experiment.replicates):
        for p, params in enumerate(design.points):
            seed = run_seed(experiment.seed, p, r, experiment.seeding)
            runs.append(Run(len(runs), p, r, seed, params))
    return Plan(experiment, base, design, runs, experiment.steps)
