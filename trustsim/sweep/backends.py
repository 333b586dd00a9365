"""Where runs execute: a local process pool, or an existing Dask distributed cluster.

Both backends are generators of :class:`Outcome` in completion order, keeping only a small
window of runs in flight, so memory stays flat at 100,000 runs and Ctrl-C stops quickly.
Closing the generator (``gen.close()``) cancels what is still queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import re
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from trustsim.errors import ConfigError, RunError, excerpt
from trustsim.sweep.child import init_worker
from trustsim.sweep.worker import Outcome, Task, execute, ping

MAX_CRASHES = 3
"""A run in flight when its worker process died this many times is recorded as failed."""

WORKER_MEMORY = 300 * 2**20
"""Memory a local worker process needs at least (a model run of a small market: ~275 MB)."""

WORKERS_CANNOT_START = (
    "the local worker processes cannot start: the first one died before running anything (its "
    "error is printed above). Usual causes: a script that starts a sweep without the "
    "`if __name__ == '__main__':` guard, or a main module that a new process cannot import "
    "again (a deleted file, an interactive session). Put the call under that guard, or run "
    "`trustsim sweep` from the command line."
)


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def usable_workers(requested: int | None, runs: int) -> tuple[int, str]:
    """How many local processes to start, and a note when fewer than requested.

    Never more than the runs to do, the cores available (more processes only compete for
    them) or what the free memory holds (:data:`WORKER_MEMORY` each).

    Returns:
        (workers, note); the note is "" unless a request was cut.
    """
    import psutil

    cores = default_workers()
    memory = max(1, int(psutil.virtual_memory().available // WORKER_MEMORY))
    limit = max(1, min(cores, memory))
    wanted = requested or cores
    workers = max(1, min(wanted, limit, max(runs, 1)))
    note = ""
    if requested and requested > limit:
        why = f"{cores} cores" if limit == cores else f"free memory for {memory} worker processes"
        note = f"--workers {requested}: using {workers} ({why} on this machine; more processes would only compete)"
    return workers, note


def local_outcomes(tasks: Iterable[Task], workers: int) -> Generator[Outcome, None, None]:
    """Run tasks on a local process pool, started with "spawn" whatever the global start method.

    Spawned workers are fresh interpreters: they see the current environment and code, and
    nothing of the parent's state (a forkserver would keep the environment of its first use).

    A worker process that dies (out of memory, a crash in native code) breaks the pool and
    every run in flight with it. The pool is started again and those runs are retried one at
    a time, so that a crash is blamed on the run that caused it: that run is recorded as
    failed after :data:`MAX_CRASHES` crashes, the others finish normally. A worker that cannot
    start at all (it dies before its first run) stops the sweep at once with one message
    (:data:`WORKERS_CANNOT_START`) instead of failing every run. Workers die with this process,
    however it ends (:mod:`trustsim.sweep.child`).
    """
    context = multiprocessing.get_context("spawn")
    queue: deque[Task] = deque(tasks)
    suspects: deque[Task] = deque()  # in flight during a crash: retried one at a time
    crashes: Counter[int] = Counter()
    first = True
    while queue or suspects:
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=init_worker, initargs=(os.getpid(),))
        pending: dict[Future[Outcome], Task] = {}
        try:
            if first:
                first = False
                try:
                    pool.submit(ping).result()
                except BrokenProcessPool:
                    raise RunError(WORKERS_CANNOT_START) from None
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


_ADDRESS = re.compile(
    r"^(?:(?P<scheme>tcp|tls|ws|wss)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)"
    r":(?P<port>\d{1,5})$"
)


def check_scheduler_address(address: str) -> str:
    """A Dask scheduler address as ``tcp://host:port`` (tcp, tls, ws or wss; port 1-65535).

    Raises:
        ConfigError: naming the option and the form expected.
    """
    text = address.strip()
    match = _ADDRESS.match(text)
    if match is None or not 0 < int(match["port"]) < 65536:
        raise ConfigError(
            f"--scheduler {excerpt(address)}: not a Dask scheduler address; expected "
            f"tcp://HOST:PORT (or tls://, ws://, wss://), e.g. tcp://127.0.0.1:8786. Omit "
            f"--scheduler to use the local process pool."
        )
    return text if match["scheme"] else f"tcp://{text}"


def _probe_scheduler(address: str, timeout: float) -> None:
    """Ask the scheduler who it is, with a hard time limit on the connection and the reply.

    ``Client`` alone can wait forever on a peer that accepts the connection and never answers,
    and dies with a MemoryError on one that answers garbage.
    """

    from distributed.comm.core import connect

    async def identity() -> Any:
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
        try:
            await asyncio.wait_for(comm.write({"op": "identity", "reply": True}), timeout)
            return await asyncio.wait_for(comm.read(), timeout)
        finally:
            comm.abort()

    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["reply"] = asyncio.run(identity())
        except BaseException as e:  # reported below, whatever went wrong on the wire
            outcome["error"] = e

    thread = threading.Thread(target=run, name="trustsim-scheduler-probe", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    reply, error = outcome.get("reply"), outcome.get("error")
    # distributed reports its own connect timeout as an OSError ("Timed out trying to connect"),
    # racing the wait_for above: both mean that nothing answered in time
    timed_out = isinstance(error, (TimeoutError, asyncio.TimeoutError)) or (
        isinstance(error, OSError) and "timed out" in str(error).lower()
    )
    if thread.is_alive() or timed_out:
        raise RunError(
            f"--scheduler {address}: no Dask scheduler answered within {timeout:g} s. Start one with "
            f"`dask scheduler`, or omit --scheduler to use the local process pool."
        )
    if error is not None and isinstance(error, OSError):
        raise RunError(
            f"--scheduler {address}: cannot connect ({excerpt(str(error), 120)}). Start a scheduler "
            f"with `dask scheduler`, or omit --scheduler to use the local process pool."
        )
    if error is not None or not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise RunError(
            f"--scheduler {address}: something answers there, but not a Dask scheduler (it does not "
            f"speak Dask's protocol)."
        )


def connect_dask(address: str, *, timeout: float = 3.0, worker_timeout: float = 30.0) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address`` (tcp://host:port), with a worker.

    Raises:
        ConfigError: if ``address`` is not a scheduler address.
        RunError: if the scheduler does not answer within ``timeout`` seconds, answers
            something else than Dask, or no worker joins within ``worker_timeout`` seconds.
    """
    from trustsim.extras import require

    require("cluster", f"--scheduler {address}")
    address = check_scheduler_address(address)
    _probe_scheduler(address, timeout)
    from distributed import Client

    # A scheduler that goes away is reported as one RunError (see dask_outcomes); distributed's
    # own reconnection tracebacks would only bury it.
    for name in ("distributed.client", "distributed.comm", "distributed.core"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except Exception as e:  # it answered the probe a moment ago: say what changed
        raise RunError(
            f"--scheduler {address}: the Dask scheduler did not accept a client within {timeout:g} s "
            f"({type(e).__name__}: {excerpt(str(e), 120)})."
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


SILENCE_PROBE = 30.0
"""Seconds without a finished run after which the scheduler is asked, with a time limit, if it is alive."""

CLUSTER_TIMEOUT = 60.0
"""Most seconds any single request to the cluster (its workers, a run's result) may take."""


def dask_outcomes(
    tasks: Iterable[Task], client: Any, *, probe_every: float = SILENCE_PROBE, timeout: float = CLUSTER_TIMEOUT
) -> Generator[Outcome, None, None]:
    """Run tasks on a Dask distributed cluster through ``client``.

    Results are drained as they complete and handed on as soon as they arrive, so a
    worker that dies afterwards cannot lose them. A task that was running on workers that
    died more often than the scheduler's ``allowed-failures`` ends as ``KilledWorker``: it
    is submitted again (it may have been a bystander) and after :data:`MAX_CRASHES` such
    ends it is recorded as that run's failure.

    Every wait on the cluster has a time limit: a request (the workers' threads, a run's
    result) `timeout` seconds; and while no run finishes, the scheduler is asked every
    `probe_every` seconds whether it still answers (a run may rightly take hours; a
    scheduler that died or froze may not).

    Raises:
        RunError: the scheduler went away or stopped answering (the client closed, or a
            probe or a request timed out).
    """
    from distributed import as_completed

    address = str(client.scheduler.address)
    prefix = f"trustsim-run-{uuid.uuid4().hex[:8]}"
    futures: dict[str, tuple[Any, Task]] = {}
    try:
        threads = sum(_on_cluster(lambda: client.nthreads(callback_timeout=timeout), address, timeout).values()) or 1
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
        while futures:
            for future in _finished(completed, client, address, probe_every):
                _, task = futures.pop(future.key)
                try:
                    outcome = _on_cluster(lambda f=future: f.result(timeout=timeout), address, timeout)
                except RunError:
                    raise
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
        if futures and client.status == "running":
            with contextlib.suppress(Exception):  # the scheduler may be gone: nothing left to cancel
                client.cancel([f for f, _ in futures.values()], force=True)


def _finished(completed: Any, client: Any, address: str, probe_every: float) -> list[Any]:
    """The next futures to finish; asks the scheduler if it is alive while none does."""
    quiet_since = time.monotonic()
    while True:
        ready = completed.next_batch(block=False)
        if ready:
            return ready
        if client.status not in ("running", "connecting"):
            raise RunError(_lost(address, "the connection to it closed"))
        if time.monotonic() - quiet_since >= probe_every:
            try:
                _probe_scheduler(address, min(probe_every, 10.0))
            except RunError:
                raise RunError(_lost(address, f"it did not answer within {min(probe_every, 10.0):g} s")) from None
            quiet_since = time.monotonic()
        time.sleep(0.05)


def _on_cluster(call: Callable[[], Any], address: str, timeout: float) -> Any:
    """`call()` (a request to the cluster), its time-out or a closed client reported as a lost scheduler."""
    try:
        return call()
    except TimeoutError:
        raise RunError(_lost(address, f"a request got no reply within {timeout:g} s")) from None
    except Exception as e:
        if type(e).__name__ in ("ClosedClientError", "CommClosedError", "CancelledError", "FutureCancelledError"):
            raise RunError(_lost(address, f"{type(e).__name__}: {excerpt(str(e), 120)}")) from None
        raise


def _lost(address: str, why: str) -> str:
    return (
        f"--scheduler {address}: the Dask scheduler went away or stopped answering during the sweep ({why}). "
        f"Restart it (and its workers), then run the same command again to resume."
    )
