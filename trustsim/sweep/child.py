"""Set-up of a local worker process, run before it imports numpy (keep this module import-light).

The pool already puts one process on every core, so each process gets one BLAS/OpenMP thread
(as Dask's nanny does for its workers): with the default, two processes on two cores ran
about a third slower. Ctrl-C is left to the parent, which stops the pool and saves results.

A worker dies with its parent, however the parent ends (even ``kill -9``, which leaves it no
chance to stop the pool): on Linux the kernel sends the worker SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``); everywhere, a watchdog thread notices that the parent is gone
(the worker was re-parented) within a second and ends the process.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
WATCH_SECONDS = 1.0
"""How often the watchdog looks whether the parent is still there."""

_PR_SET_PDEATHSIG = 1


def init_worker(parent: int | None = None) -> None:
    """Process-pool initializer: one thread per numeric library, ignore SIGINT, die with ``parent``.

    Args:
        parent: the pid of the process that started the pool (None: no parent-death guard).
    """
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends: the kernel's parent-death signal and a watchdog."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the watchdog remains
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    watchdog = threading.Thread(target=_watch, args=(parent,), name="trustsim-parent-watchdog", daemon=True)
    watchdog.start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)
