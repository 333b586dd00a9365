"""Parameter sweeps: experiments, designs, seeding, local and Dask runners, resumable results.

The library API (the `trustsim sweep` command is a thin shell over it)::

    from trustsim.sweep import load_experiment, run_sweep, load_summary, load_timeseries

    experiment = load_experiment("experiments/demo_grid.toml", {"market.customers": 300})
    result = run_sweep(experiment, "results/demo", workers=2)
    summary = load_summary(result.folder)
"""

from trustsim.sweep.design import DesignPoints, design_points
from trustsim.sweep.engine import SweepResult, default_out_dir, run_sweep
from trustsim.sweep.experiment import Experiment, load_experiment
from trustsim.sweep.plan import Plan, Run, make_plan, run_seed
from trustsim.sweep.store import load_summary, load_timeseries, read_manifest

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
