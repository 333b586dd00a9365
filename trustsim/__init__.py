"""trustsim: an agent-based simulation of trust between suppliers and customers.

Public API (imported lazily, so the command line starts fast)::

    from trustsim import TrustMarket, load_scenario, run_one, load_experiment, run_sweep
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("trustsim")  # one source: the version in pyproject.toml
except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
    __version__ = "0+unknown"

_EXPORTS = {
    "TrustMarket": "trustsim.model",
    "Scenario": "trustsim.config",
    "load_scenario": "trustsim.config",
    "ConfigError": "trustsim.errors",
    "RunError": "trustsim.errors",
    "run_one": "trustsim.runner",
    "RunResult": "trustsim.runner",
    "write_run": "trustsim.runner",
    "run_sweep": "trustsim.sweep",
    "load_experiment": "trustsim.sweep",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'trustsim' has no attribute {name!r}")
