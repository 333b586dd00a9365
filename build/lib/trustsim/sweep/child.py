"""Set-up of a local worker process, run before it imports numpy (keep this module import-light).

The pool already puts one process on every core, so each process gets one BLAS/OpenMP thread
(as Dask's nanny does for its workers): with the default, two processes on two cores ran
about a third slower. Ctrl-C is left to the parent, which stops the pool and saves results.
"""

from __future__ import annotations

import os
import signal

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def init_worker() -> None:
    """Process-pool initializer: one thread per numeric library, ignore SIGINT."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
