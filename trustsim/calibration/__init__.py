"""Calibration to market-level patterns, and validation on patterns held out (docs/calibration.md).

- :mod:`trustsim.calibration.schema`: the calibration file (base scenario, regime, free
  parameters, target and held-out patterns, replicates, method), validated with clear errors;
- :mod:`trustsim.calibration.observe`: run functions that record what the patterns need;
- :mod:`trustsim.calibration.abc`: rejection approximate Bayesian computation, the weighted
  posterior and which parameters the data identify;
- :mod:`trustsim.calibration.smc`: sequential ABC (adaptive population Monte Carlo), one sweep
  per generation;
- :mod:`trustsim.calibration.run`: :func:`calibrate`, the whole calibration through the sweep engine;
- :mod:`trustsim.calibration.report`: ``report.md``, figures and the calibrated scenario.

The patterns themselves are functions of a run's public tables: :mod:`trustsim.patterns`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trustsim.calibration.run import CalibrationResult, calibrate
    from trustsim.calibration.schema import Calibration, load_calibration


def __getattr__(name: str) -> Any:
    import importlib

    homes = {
        "CalibrationResult": "run",
        "calibrate": "run",
        "Calibration": "schema",
        "load_calibration": "schema",
    }
    if name not in homes:
        raise AttributeError(f"module 'trustsim.calibration' has no attribute {name!r}")
    return getattr(importlib.import_module(f"trustsim.calibration.{homes[name]}"), name)


__all__ = ["Calibration", "CalibrationResult", "calibrate", "load_calibration"]
