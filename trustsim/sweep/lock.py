"""One writer per results folder: an exclusive, non-blocking ``fcntl.flock`` on ``DIR/.lock``.

Used by sweeps and, through :func:`trustsim.io.output_folder`, by every command that writes
a results folder (run, compare, optimize, experiment).

The lock is released by the kernel when the process ends, however it ends (even ``kill -9``),
so a stale lock file never blocks a later sweep. While the lock is held, SIGTERM (``kill PID``,
``timeout``, a batch system's time limit) and SIGHUP (a closed terminal or SSH session) are
handled like Ctrl-C: the command stops through its ``finally`` blocks, so a staging folder is
removed, a folder it created is removed again, a sweep saves its finished runs and stops its
workers, and the exit status is 130.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trustsim.errors import RunError

LOCK_NAME = ".lock"


@contextlib.contextmanager
def folder_lock(folder: Path, what: str = "sweep") -> Iterator[None]:
    """Hold the results folder's lock for the duration of the block.

    Args:
        folder: the results folder (it must exist).
        what: the kind of command, for the message a second writer gets.

    Raises:
        RunError: if another process holds it, or the folder cannot be written.
    """
    path = folder / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise RunError(f"{folder}: cannot create the lock file ({e.strerror}).") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise RunError(
                f"{folder}: another trustsim {what} (pid {holder}) is writing to this folder; "
                f"wait for it to finish or stop it, or choose another --out."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        with stop_signals_as_interrupt():
            yield
    finally:
        os.close(fd)


def lock_holder(folder: Path) -> str | None:
    """The pid of the process writing to `folder` now (it holds the lock), or None if none does.

    A reader (``trustsim plot``) uses it to say that what it reads is still growing.
    """
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:  # no lock file: no writer has ever held it
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
    except OSError:
        return None
    finally:
        os.close(fd)  # closing releases a shared lock we got
    return None


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""Signals that ask a process to end and that Python would otherwise obey at once, skipping cleanup."""

_asked_to_stop: list[int] = []
"""The stop signals received while a lock is held (see :func:`stop_if_asked`)."""


@contextlib.contextmanager
def stop_signals_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise KeyboardInterrupt, as Ctrl-C does.

    Without this the process would die at once: a staging folder or a folder it created stays
    behind, and a sweep's worker processes are orphaned with no word on how to resume. (The
    handlers can only be set in the main thread; elsewhere the block runs as it is.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        _asked_to_stop.append(signum)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _asked_to_stop.clear()


def stop_if_asked() -> None:
    """Raise KeyboardInterrupt if a stop signal came while a lock is held; long loops call it.

    The signal handler raises at once, but an exception raised while C code calls back into
    Python (numba compiling a function, for one) is printed as "Exception ignored" and lost, so
    the work would go on; a loop that calls this every step stops at its next step instead.
    """
    if _asked_to_stop:
        raise KeyboardInterrupt
