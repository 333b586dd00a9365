"""Fixtures of the sweep tests."""

from __future__ import annotations

import pytest
from sweep_helpers import HERE, ROOT


@pytest.fixture
def fake_env(monkeypatch, tmp_path):
    """Make the fake run function importable in child processes and log every run it does."""
    log = tmp_path / "runs.log"
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", f"{HERE}:{ROOT}")
    return log
