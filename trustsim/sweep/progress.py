"""Progress of a sweep: a rich progress bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from trustsim.errors import printable


class Progress:
    """Runs done/total, rate, ETA and failures.

    Args:
        total: runs in the sweep.
        done: runs already done before this session (resumed).
        enabled: False for silence.
        stream: where to write (default stderr); a rich bar only if it is a terminal.
        every: seconds between plain log lines.
    """

    def __init__(
        self,
        total: int,
        done: int = 0,
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        every: float = 5.0,
    ) -> None:
        self.total, self.done, self.failed = total, done, 0
        self.start_done = done
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.every = every
        self.started = time.monotonic()
        self.last_line = self.started
        self._bar = None
        self._task = None
        self._closed = False
        if enabled and self.stream.isatty():
            self._start_bar()

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[failed]}"),
            console=Console(file=self.stream),
            transient=False,
        )
        self._bar.start()
        self._task = self._bar.add_task("sweep", total=self.total, completed=self.done, rate="", failed="")

    def log(self, message: str) -> None:
        """A line of text above the bar (or on its own): plain text, never markup or terminal control."""
        if not self.enabled:
            return
        message = printable(message)
        if self._bar is not None:
            self._bar.console.print(message, highlight=False, markup=False)
        else:
            print(message, file=self.stream, flush=True)

    def rate(self) -> float:
        """Runs per second in this session."""
        elapsed = time.monotonic() - self.started
        return (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0

    def advance(self, ok: bool) -> None:
        """Count one finished run."""
        self.done += ok
        self.failed += not ok
        if not self.enabled:
            return
        if self._bar is not None:
            assert self._task is not None  # added together with the bar
            failed = f"[red]{self.failed} failed" if self.failed else ""
            self._bar.update(
                self._task,
                completed=self.done + self.failed,
                rate=f"{self.rate():.2f} runs/s",
                failed=failed,
            )
            return
        now = time.monotonic()
        if now - self.last_line >= self.every:
            self.last_line = now
            self._line()

    def _line(self) -> None:
        rate = self.rate()
        left = self.total - self.done - self.failed
        eta = f"{left / rate:.0f} s" if rate > 0 else "?"
        print(
            f"sweep: {self.done + self.failed}/{self.total} runs ({self.failed} failed), {rate:.2f} runs/s, ETA {eta}",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        """Stop the bar, or write a last log line (once)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif self.enabled and not self._closed:
            self._line()
        self._closed = True
