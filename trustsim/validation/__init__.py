"""Validation suite: the model docks with the Bass diffusion model and behaves as theory says.

The library API (``trustsim validate`` and ``tests/validation`` are thin shells over it)::

    from trustsim.validation import run_checks, write_report

    results = run_checks(size="full", workers=2)   # list[CheckResult]
    write_report(results, "results/validation")    # report.md, bass_docking.png/.svg, results.json

See docs/validation.md for each check, its reference and how its tolerance is derived.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from trustsim.errors import ConfigError
from trustsim.validation import bass_checks, pattern_checks, trust_checks  # noqa: F401  (register the checks)
from trustsim.validation.core import CHECKS, SIZES, Check, CheckResult, Size
from trustsim.validation.report import write_report
from trustsim.validation.runs import Job, Tables, run_jobs


def check_names(size: str = "full") -> list[str]:
    """Names of the checks run at `size`, in report order."""
    return [c.name for c in CHECKS if size in c.sizes]


def select_checks(size: str, only: Iterable[str] | None = None) -> list[Check]:
    """The checks of `size` whose name contains one of `only` (all when `only` is empty)."""
    if size not in SIZES:
        raise ConfigError(f"validation size {size!r} is not allowed: use one of {', '.join(SIZES)}.")
    wanted = [w for w in (only or []) if w]
    chosen = [c for c in CHECKS if size in c.sizes and (not wanted or any(w in c.name for w in wanted))]
    if not chosen:
        raise ConfigError(
            f"--only {', '.join(wanted)}: no check matches; checks at size {size!r}: {', '.join(check_names(size))}."
        )
    return chosen


def run_checks(
    size: str = "full",
    workers: int = 1,
    only: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[CheckResult]:
    """Run the validation checks and return their verdicts.

    Args:
        size: ``"full"`` (what `trustsim validate` runs, a few minutes) or ``"ci"`` (the tests).
        workers: processes to run the simulations on; results do not depend on it.
        only: run just the checks whose name contains one of these strings.
        progress: called with (runs done, runs total).

    Returns:
        One :class:`CheckResult` per check, in report order.
    """
    chosen, spec, tables = collect_runs(size, workers, only, progress)
    return [judge(c, spec, tables) for c in chosen]


def judge(check: Check, size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """The check's verdict; a check that cannot even be computed (say a column is missing) fails."""
    try:
        return check.judge(size, tables)
    except Exception as e:  # a broken check must show up as a failure in the report, not stop it
        return CheckResult(check.name, check.name, "the check runs", f"error: {type(e).__name__}: {e}", "–", False, "–")


def collect_runs(
    size: str = "full",
    workers: int = 1,
    only: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Check], Size, dict[Job, Tables]]:
    """The chosen checks, their size and the tables of every run they need (each run done once)."""
    chosen = select_checks(size, only)
    if workers < 1:
        raise ConfigError(f"--workers {workers}: must be at least 1.")
    spec: Size = SIZES[size]
    tables = run_jobs([j for c in chosen for j in c.plan(spec)], workers=workers, progress=progress)
    return chosen, spec, tables


__all__ = [
    "CHECKS",
    "SIZES",
    "CheckResult",
    "check_names",
    "collect_runs",
    "judge",
    "run_checks",
    "select_checks",
    "write_report",
]
