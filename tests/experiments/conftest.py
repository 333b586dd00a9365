"""Run each experiment once at the tiny size (per test session) and share its report."""

from __future__ import annotations

import pytest

from trustsim.experiments import run_experiment


@pytest.fixture(scope="session")
def tiny_reports(tmp_path_factory):
    """name -> Report of the experiment run at --size tiny (computed on first use)."""
    cache: dict = {}
    root = tmp_path_factory.mktemp("experiments")

    def get(name: str):
        if name not in cache:
            cache[name] = run_experiment(name, root / name, size="tiny", workers=1, progress=False)
        return cache[name]

    return get
