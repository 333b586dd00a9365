"""What a worker does with one run: build its scenario, run the model, keep the chosen measures.

This module is imported by process-pool and Dask workers, so it stays small and imports the
model lazily. :func:`execute` never raises for a failing run: the error is returned as data,
so the sweep records it and goes on.
"""

from __future__ import annotations

import importlib
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

DEFAULT_RUN_FN = "trustsim.runner:run_one"


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to do one run (plain data, cheap to pickle)."""

    index: int
    seed: int
    params: dict[str, Any]
    base: dict[str, Any]
    steps: int | None
    measures: tuple[str, ...] = ()
    supplier_measures: tuple[str, ...] = ()
    summary: str = "final"
    tail: int = 10
    run_fn: str = DEFAULT_RUN_FN


@dataclass
class Outcome:
    """The result of one run: its summary values and time series, or its error."""

    index: int
    ok: bool
    error: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    series: pd.DataFrame | None = None
    suppliers: pd.DataFrame | None = None
    seconds: float = 0.0


_RUN_FNS: dict[str, Callable[..., Any]] = {}


def resolve_run_fn(spec: str) -> Callable[..., Any]:
    """Import 'package.module:function' (cached per process)."""
    fn = _RUN_FNS.get(spec)
    if fn is None:
        module, _, attr = spec.partition(":")
        fn = getattr(importlib.import_module(module), attr)
        _RUN_FNS[spec] = fn
    return fn


def execute(task: Task) -> Outcome:
    """Do one run; a failing run returns ``Outcome(ok=False, error=...)`` instead of raising."""
    start = time.perf_counter()
    try:
        from trustsim.sweep.experiment import scenario_for

        scenario = scenario_for(task.base, task.params)
        result = resolve_run_fn(task.run_fn)(scenario, task.seed, task.steps)
        series = _keep(result.model, ["step"], task.measures, "measure", numeric_default=True)
        suppliers = None
        if task.supplier_measures:
            suppliers = _keep(
                result.suppliers,
                ["step", "supplier", "name"],
                task.supplier_measures,
                "supplier measure",
                numeric_default=False,
            )
        summary = summarise(series, suppliers, task.summary, task.tail)
    except Exception as e:  # a failing run is data, not a crash of the sweep
        tb = traceback.format_exception(e, limit=-3)
        return Outcome(
            task.index,
            False,
            error=f"{type(e).__name__}: {e}\n{''.join(tb[-2:]).strip()}",
            seconds=time.perf_counter() - start,
        )
    return Outcome(
        task.index, True, summary=summary, series=series, suppliers=suppliers, seconds=time.perf_counter() - start
    )


def _keep(
    frame: pd.DataFrame,
    keys: list[str],
    measures: tuple[str, ...],
    what: str,
    *,
    numeric_default: bool,
) -> pd.DataFrame:
    if measures:
        missing = [m for m in measures if m not in frame.columns]
        if missing:
            raise KeyError(
                f"unknown {what} {missing[0]!r} in [output]; available: "
                f"{', '.join(c for c in frame.columns if c not in keys)}"
            )
        cols = list(measures)
    elif numeric_default:
        cols = [
            c
            for c in frame.columns
            if c not in keys and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        ]
    else:
        cols = []
    keys = [k for k in keys if k in frame.columns]
    return frame[keys + cols].reset_index(drop=True)


def summarise(series: pd.DataFrame, suppliers: pd.DataFrame | None, how: str, tail: int) -> dict[str, Any]:
    """One number per kept measure: its final value, its mean, or its mean over the tail."""
    out: dict[str, Any] = {}
    for col in series.columns:
        if col != "step":
            out[col] = _reduce(series[col], how, tail)
    if suppliers is not None:
        label = "name" if "name" in suppliers.columns else "supplier"
        for name, group in suppliers.groupby(label, sort=False):
            for col in group.columns:
                if col not in ("step", "supplier", "name"):
                    out[f"{col}[{name}]"] = _reduce(group[col], how, tail)
    return out


def _reduce(values: pd.Series, how: str, tail: int) -> Any:
    value: Any  # a numpy scalar, or a plain Python value in an object column
    if how == "final":
        value = values.iloc[-1]
    elif how == "mean":
        value = values.mean()
    else:
        value = values.iloc[-tail:].mean()
    return value.item() if hasattr(value, "item") else value


def ping() -> bool:
    """A task that does nothing: proves a new worker process starts (see ``local_outcomes``)."""
    return True
