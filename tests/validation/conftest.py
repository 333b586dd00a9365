"""The validation suite at CI size, run once per test session and shared by the tests."""

from __future__ import annotations

import pytest

from trustsim.validation import collect_runs, judge


@pytest.fixture(scope="session")
def ci_runs():
    """(checks, size, tables) of every check at size "ci": the same runs `trustsim validate` does, smaller."""
    return collect_runs("ci", workers=2)


@pytest.fixture(scope="session")
def ci_results(ci_runs):
    """Each check's verdict at CI size, by name."""
    checks, size, tables = ci_runs
    return {c.name: judge(c, size, tables) for c in checks}
