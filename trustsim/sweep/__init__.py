"""Parameter sweeps: experiments, designs, seeding, local and Dask runners, resumable results.

The library API (the `trustsim sweep` command is a thin shell over it)::

    from trustsim.sweep import load_experiment, run_sweep, load_summary, load_timeseries

    experiment = load_experiment("experiments/demo_grid.toml", {"market.customers": 300})
    result = run_sweep(experiment, "results/demo", workers=2)
    summary = load_summary(result.folder)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trustsim.sweep.design import DesignPoints, design_points
    from trustsim.sweep.engine import SweepResult, default_out_dir, run_sweep
    from trustsim.sweep.experiment import Experiment, load_experiment
    from trustsim.sweep.plan import Plan, Run, make_plan, run_seed
    from trustsim.sweep.store import load_summary, load_timeseries, read_manifest

# Imported on first use, so that a local worker process can set itself up (trustsim.sweep.child)
# before numpy is loaded.
_HOMES = {
    "DesignPoints": "design",
    "design_points": "design",
    "SweepResult": "engine",
    "default_out_dir": "engine",
    "run_sweep": "engine",
    "Experiment": "experiment",
    "load_experiment": "experiment",
    "Plan": "plan",
    "Run": "plan",
    "make_plan": "plan",
    "run_seed": "plan",
    "load_summary": "store",
    "load_timeseries": "store",
    "read_manifest": "store",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'trustsim.sweep' has no attribute {name!r}")
    return getattr(importlib.import_module(f"trustsim.sweep.{home}"), name)


__all__ = [
    "DesignPoints",
    "Experiment",
    "Plan",
    "Run",
    "SweepResult",
    "default_out_dir",
    "design_points",
    "load_experiment",
    "load_summary",
    "load_timeseries",
    "make_plan",
    "read_manifest",
    "run_seed",
    "run_sweep",
]
