"""run_sweep: plan the runs, skip the finished ones, execute the rest, persist as they arrive."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trustsim.errors import ConfigError, RunError, printable
from trustsim.sweep.backends import connect_dask, dask_outcomes, local_outcomes, usable_workers
from trustsim.sweep.experiment import Experiment, load_experiment
from trustsim.sweep.lock import folder_lock, stop_if_asked
from trustsim.sweep.plan import Plan, make_plan
from trustsim.sweep.progress import Progress
from trustsim.sweep.store import Store, load_summary
from trustsim.sweep.worker import DEFAULT_RUN_FN, Outcome, Task

FLUSH_SECONDS = 15.0
"""Finished runs are written at least this often, whatever the batch size."""

MIN_FLUSH_SECONDS = 2.0
"""With the automatic batch size, batches are written at most this often (fast runs make
bigger files rather than many small ones)..."""

MAX_BATCH = 1000
"""... up to this many runs per file."""


@dataclass
class SweepResult:
    """What a sweep did.

    Attributes:
        folder: the results folder.
        total: runs in the sweep.
        done: runs finished (now and in earlier sessions).
        resumed: runs already done when this session started.
        executed: runs this session computed (finished or failed).
        failures: run id -> error of every run that failed.
        seconds: wall time of this session.
    """

    folder: Path
    total: int
    done: int
    resumed: int
    executed: int
    failures: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True if every run finished."""
        return self.done == self.total

    def summary(self) -> Any:
        """The summary table (pandas DataFrame), one row per finished run."""
        return load_summary(self.folder)


def default_out_dir(experiment: Experiment) -> Path:
    """``results/<experiment name>``."""
    return Path("results") / experiment.name


def batch_size(experiment: Experiment, total: int) -> int:
    """Runs per result file: the experiment's ``output.batch_runs``, or about 200 files a sweep."""
    if experiment.output.batch_runs:
        return experiment.output.batch_runs
    return min(MAX_BATCH, max(8, math.ceil(total / 200)))


def should_flush(buffered: int, seconds: float, size: int, exact: bool) -> bool:
    """Whether to write the buffered runs now.

    Always after :data:`FLUSH_SECONDS` (bounding what a crash can lose). With an exact
    ``output.batch_runs``: at that many runs. Otherwise at ``size`` runs if the last write is
    at least :data:`MIN_FLUSH_SECONDS` old, or at :data:`MAX_BATCH` runs.
    """
    if seconds >= FLUSH_SECONDS:
        return True
    if exact:
        return buffered >= size
    return (buffered >= size and seconds >= MIN_FLUSH_SECONDS) or buffered >= MAX_BATCH


def run_sweep(
    experiment: Experiment | str | Path | Mapping[str, Any],
    out_dir: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    run_fn: str = DEFAULT_RUN_FN,
) -> SweepResult:
    """Run (or resume) a sweep and write its results folder.

    Args:
        experiment: an :class:`Experiment`, or a path/dict for :func:`load_experiment`.
        out_dir: results folder (default ``results/<experiment name>``).
        workers: local processes (default: the cores available); ignored with ``scheduler``.
        scheduler: address of a Dask distributed scheduler (``tcp://host:port``).
        progress: show a progress bar (terminal) or log lines (otherwise) on stderr.
        run_fn: 'module:function' with the signature of ``trustsim.runner.run_one``
            (for tests and alternative models).

    Returns:
        A :class:`SweepResult`; failed runs are listed in it, not raised.

    Raises:
        ConfigError: bad experiment, or ``out_dir`` holds another experiment's results.
        RunError: the folder is locked by another sweep, cannot be written, or the
            scheduler does not answer.
        KeyboardInterrupt: after saving every finished run (re-run to resume).
    """
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    plan = make_plan(experiment)
    folder = Path(out_dir) if out_dir is not None else default_out_dir(experiment)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out {folder}: exists and is a file, not a folder.")
    client = connect_dask(scheduler) if scheduler is not None else None
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RunError(f"{folder}: cannot create the results folder ({e.strerror}).") from None
        with folder_lock(folder):  # SIGTERM and SIGHUP act as Ctrl-C while it is held
            return _sweep(plan, folder, workers, client, progress, run_fn)
    finally:
        if client is not None:
            client.close(timeout=5)


def _sweep(plan: Plan, folder: Path, workers: int | None, client: Any, progress: bool, run_fn: str) -> SweepResult:
    started = time.monotonic()
    store = Store(folder, plan)
    store.open()
    total, resumed = len(plan.runs), len(store.done)
    bar = Progress(total, resumed, enabled=progress)
    for warning in store.warnings:
        bar.log(f"warning: {warning}")
    if resumed:
        bar.log(f"resuming: {resumed} of {total} runs already done")
    tasks = [_task(plan, run.index, run_fn) for run in plan.runs if run.index not in store.done]
    if client is not None:
        outcomes = dask_outcomes(tasks, client)
    else:
        count, note = usable_workers(workers, len(tasks))
        if note:
            bar.log(f"note: {note}")
        outcomes = local_outcomes(tasks, count)
    size = batch_size(plan.experiment, total)
    exact = bool(plan.experiment.output.batch_runs)
    buffer: list[Outcome] = []
    last_flush = time.monotonic()
    executed = 0
    try:
        for outcome in outcomes:
            stop_if_asked()  # a SIGTERM whose exception was lost in a C callback
            executed += 1
            buffer.append(outcome)
            bar.advance(outcome.ok)
            if should_flush(len(buffer), time.monotonic() - last_flush, size, exact):
                store.add_batch(buffer)
                buffer, last_flush = [], time.monotonic()
    except (KeyboardInterrupt, RunError) as stop:  # Ctrl-C, SIGTERM, a cluster gone: keep every finished run
        outcomes.close()
        bar.close()
        store.add_batch(buffer)
        store.write_summary()
        store.write_manifest("interrupted")
        saved = f"{len(store.done)} of {total} runs saved in {printable(str(folder))}"
        if isinstance(stop, RunError):
            raise RunError(f"{stop} ({saved}.)") from None
        # printed even without progress output (--quiet): the user must learn how to resume
        print(f"interrupted: {saved}; run the same command again to resume.", file=sys.stderr, flush=True)
        raise
    finally:
        outcomes.close()
        bar.close()
    store.add_batch(buffer)
    store.write_summary()
    store.write_manifest("failed" if store.failures else "complete")
    from trustsim.sweep.tidy import write_tidy

    write_tidy(folder)  # long-format copies with the design parameters (docs/outputs.md)
    failures = {plan.runs[i].run_id: err for i, err in sorted(store.failures.items())}
    return SweepResult(folder, total, len(store.done), resumed, executed, failures, time.monotonic() - started)


def _task(plan: Plan, index: int, run_fn: str) -> Task:
    run = plan.runs[index]
    out = plan.experiment.output
    return Task(
        index=index,
        seed=run.seed,
        params=run.params,
        base=plan.base,
        steps=plan.steps,
        measures=tuple(out.measures),
        supplier_measures=tuple(out.supplier_measures),
        summary=out.summary,
        tail=out.tail,
        run_fn=run_fn,
    )
