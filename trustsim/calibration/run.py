"""``calibrate``: prior sweep -> rejection ABC (or generations of ABC-SMC) -> check on fresh
seeds -> report and calibrated scenario.

Every sweep runs through :func:`trustsim.sweep.run_sweep` (local pool or Dask, resumable after
any interruption, locked, the same results on any number of workers), in ``DIR/prior``
(rejection) or ``DIR/generation-00``, ``DIR/generation-01``, ... (smc), and
``DIR/check-<digest of the calibrated set>``; running the same command again resumes them and
redoes nothing. The report, tables, figures and the calibrated scenario are written last, each
atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim.calibration.abc import Posterior, check_table, rejection_abc
from trustsim.calibration.observe import HELD_OUT_FN, PAIRED_FN, PATTERNS_FN
from trustsim.calibration.schema import (
    ELASTICITY_VALUES,
    PAIRED_VALUES,
    Calibration,
    load_calibration,
    prior_experiment,
)
from trustsim.config import Scenario
from trustsim.errors import RunError


@dataclass
class CalibrationResult:
    """What a calibration found.

    Attributes:
        calibration: the validated calibration file.
        posterior: every parameter set run, with distances, and the accepted (weighted) sets.
        check: each pattern of the calibrated scenario on fresh seeds (:func:`check_table`).
        scenario: the calibrated scenario (the base with the best accepted set).
        folder: the results folder.
        runs: simulations run or resumed (prior and check; a check run is three simulations).
        seconds: wall time of this session.
    """

    calibration: Calibration
    posterior: Posterior
    check: pd.DataFrame
    scenario: Scenario
    folder: Path
    runs: int
    seconds: float


def calibrate(
    source: str | Path,
    out: str | Path,
    *,
    budget: int | None = None,
    method: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    steps: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    run_fn: str = PATTERNS_FN,
    check_fn: str = HELD_OUT_FN,
) -> CalibrationResult:
    """Calibrate a scenario to market-level patterns and check it on patterns held out.

    Args:
        source: a calibration file or the name of a built-in calibration.
        out: the results folder (the caller holds its lock).
        budget: rejection: parameter sets drawn from the prior (default: the file's ``method.budget``).
        method, overrides, steps: replace keys of the file's ``[method]``, add to its
            ``[overrides]``, replace its ``steps`` (:func:`load_calibration`).
        workers, scheduler, progress: as in :func:`trustsim.sweep.run_sweep`.
        run_fn, check_fn: the run functions of the fitting sweeps and of the check ('module:function',
            as in :func:`trustsim.sweep.run_sweep`; another model can be calibrated this way).

    Raises:
        ConfigError: a bad calibration file (nothing is written).
        RunError: runs failed (their errors are in the sweep folders' manifests).
    """
    import time

    from trustsim.sweep import load_summary, run_sweep
    from trustsim.sweep.experiment import scenario_for

    started = time.monotonic()
    calibration, experiment = load_calibration(source, budget, method=method, overrides=overrides, steps=steps)
    paired = set(PAIRED_VALUES) & (set(calibration.targets) | set(calibration.held_out))
    if run_fn == PATTERNS_FN and paired & set(calibration.targets):
        run_fn = PAIRED_FN  # the elasticities are fitted: each set's runs carry their paired copy
    if check_fn == HELD_OUT_FN and paired and not set(ELASTICITY_VALUES) & set(calibration.held_out):
        check_fn = PAIRED_FN  # the check measures the same paired elasticities
    folder = Path(out)
    backend: dict[str, Any] = {"workers": workers, "scheduler": scheduler, "progress": progress}
    m = calibration.method
    fitted = {k: t for k, t in calibration.targets.items() if not t.known_miss}  # a known miss is reported, not fitted
    label = str(source)
    if m.kind == "smc":
        from trustsim.calibration.smc import Proposal, generation_folder, run_smc, sweep_seed

        def evaluate(proposal: Proposal) -> tuple[pd.DataFrame, int]:
            name = generation_folder(proposal.number)
            exp = experiment  # generation 0, checked and built by load_calibration
            if proposal.number > 0:
                seed = sweep_seed(calibration, proposal.number)
                exp = prior_experiment(calibration, proposal.points, label, name=name, seed=seed)
            done = run_sweep(exp, folder / name, run_fn=run_fn, **backend)
            _refuse_failures(done.failures, folder / name)
            return load_summary(folder / name), done.total

        posterior, totals = run_smc(calibration, evaluate, fitted=fitted)
        runs = sum(totals)
    else:
        prior = run_sweep(experiment, folder / "prior", run_fn=run_fn, **backend)
        _refuse_failures(prior.failures, folder / "prior")
        posterior = rejection_abc(load_summary(folder / "prior"), list(calibration.parameters), fitted, m.min_accepted)
        runs = prior.total
    best = posterior.best
    check_exp = prior_experiment(
        calibration, [best], label, name="check", seed=(calibration.seed + 1) % 2**63, replicates=m.check_replicates
    )
    check_dir = folder / f"check-{_digest(best)}"  # a new accepted set (say a bigger budget) is checked anew
    check = run_sweep(check_exp, check_dir, run_fn=check_fn, **backend)
    _refuse_failures(check.failures, check_dir)
    table = check_table(load_summary(check_dir), calibration.targets, calibration.held_out)
    scenario = scenario_for(experiment.base_data(), best)
    runs += (3 if check_fn == HELD_OUT_FN else 1) * check.total
    return CalibrationResult(calibration, posterior, table, scenario, folder, runs, time.monotonic() - started)


def _digest(point: dict[str, float]) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(point, sort_keys=True).encode()).hexdigest()[:10]


def _refuse_failures(failures: dict[str, str], folder: Path) -> None:
    if failures:
        first, error = next(iter(failures.items()))
        raise RunError(
            f"{folder}: {len(failures)} run(s) failed, e.g. {first}: {error.splitlines()[0]}; "
            f"fix the cause and run the same command again (finished runs are kept)."
        )
