"""Where runs execute: a local process pool, or an existing Dask distributed cluster.

Both backends are generators of :class:`Outcome` in completion order, keeping only a small
window of runs in flight, so memory stays flat at 100,000 runs and Ctrl-C stops quickly.
Closing the generator (``gen.close()``) cancels what is still queued.
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from trustsim.errors import RunError
from trustsim.sweep.child import init_worker
from trustsim.sweep.worker import Outcome, Task, execute

MAX_CRASHES = 3
"""A run in flight when its worker process died this many times is recorded as failed."""


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def local_outcomes(tasks: Iterable[Task], workers: int) -> Iterator[Outcome]:
    """Run tasks on a local process pool, started with "spawn" whatever the global start method.

    Spawned workers are fresh interpreters: they see the current environment and code, and
    nothing of the parent's state (a forkserver would keep the environment of its first use).

    A worker process that dies (out of memory, a crash in native code) breaks the pool and
    every run in flight with it. The pool is started again and those runs are retried one at
    a time, so that a crash is blamed on the run that caused it: that run is recorded as
    failed after :data:`MAX_CRASHES` crashes, the others finish normally.
    """
    context = multiprocessing.get_context("spawn")
    queue: deque[Task] = deque(tasks)
    suspects: deque[Task] = deque()  # in flight during a crash: retried one at a time
    crashes: Counter[int] = Counter()
    while queue or suspects:
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=init_worker)
        pending: dict[Future[Outcome], Task] = {}
        try:
            while queue or suspects or pending:
                if not suspects:
                    while queue and len(pending) < 2 * workers:
                        task = queue.popleft()
                        pending[pool.submit(execute, task)] = task
                elif not pending:
                    task = suspects.popleft()
                    pending[pool.submit(execute, task)] = task
                done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                alone = len(pending) == 1
                crashed = False
                for future in done:
                    task = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        crashed = True
                        crashes[task.index] += alone
                        if crashes[task.index] >= MAX_CRASHES:
                            yield Outcome(task.index, False, error="a worker process died during this run")
                        else:
                            suspects.append(task)
                        continue
                    yield outcome
                if crashed:
                    suspects.extend(pending.values())
                    break
        finally:
            _stop_pool(pool)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:  # do not wait for long runs when interrupted
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def connect_dask(address: str, *, timeout: float = 3.0, worker_timeout: float = 30.0) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address`` (tcp://host:port), with a worker.

    Raises:
        RunError: if the scheduler does not answer within ``timeout`` seconds, or no worker
            joins within ``worker_timeout`` seconds.
    """
    from trustsim.extras import require

    require("cluster", f"--scheduler {address}")
    from distributed import Client

    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as e:
        raise RunError(
            f"--scheduler {address}: no Dask scheduler answered within {timeout:g} s "
            f"({type(e).__name__}: {e}). Start one with `dask scheduler`, or omit --scheduler "
            f"to use the local process pool."
        ) from None
    try:
        client.wait_for_workers(1, timeout=worker_timeout)
    except TimeoutError:
        client.close()
        raise RunError(
            f"--scheduler {address}: the scheduler answers but no worker joined within "
            f"{worker_timeout:g} s; start workers with `dask worker {address}`."
        ) from None
    return client


def dask_outcomes(tasks: Iterable[Task], client: Any) -> Iterator[Outcome]:
    """Run tasks on a Dask distributed cluster through ``client``.

    Results are drained with ``as_completed`` and handed on as soon as they arrive, so a
    worker that dies afterwards cannot lose them. A task that was running on workers that
    died more often than the scheduler's ``allowed-failures`` ends as ``KilledWorker``: it
    is submitted again (it may have been a bystander) and after :data:`MAX_CRASHES` such
    ends it is recorded as that run's failure.
    """
    from distributed import as_completed

    prefix = f"trustsim-run-{uuid.uuid4().hex[:8]}"
    futures: dict[str, tuple[Any, Task]] = {}
    try:
        threads = sum(client.nthreads().values()) or 1
        window = 4 * threads + 8
        queue = iter(tasks)
        completed = as_completed(loop=client.loop)

        crashes: Counter[int] = Counter()

        def submit(task: Task) -> None:
            key = f"{prefix}-{task.index}-{crashes[task.index]}"
            future = client.submit(execute, task, key=key, pure=False)
            futures[future.key] = (future, task)
            completed.add(future)

        def top_up() -> None:
            while len(futures) < window:
                task = next(queue, None)
                if task is None:
                    return
                submit(task)

        top_up()
        for future in completed:
            _, task = futures.pop(future.key)
            try:
                outcome = future.result()
            except Exception as e:  # KilledWorker, lost data...: a failed run
                future.release()
                if type(e).__name__ == "KilledWorker":
                    crashes[task.index] += 1
                    if crashes[task.index] < MAX_CRASHES:
                        submit(task)
                        continue
                outcome = Outcome(task.index, False, error=f"{type(e).__name__}: {e}")
            future.release()
            yield outcome
            top_up()
    finally:
        if futures:
            client.cancel([f for f, _ in futures.values()], force=True)
