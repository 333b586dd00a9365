"""trustsim as an EMA Workbench model: exploratory modelling, PRIM and feature scoring on the model.

`EMA Workbench <https://emaworkbench.readthedocs.io>`_ (Kwakkel 2017) is the standard toolkit
for exploratory modelling and analysis: sample uncertainties and levers, run the model, then
find the scenarios where an outcome holds (PRIM, Friedman & Fisher 1999; Bryant & Lempert 2010)
and which inputs matter (extra-trees feature scoring). :func:`ema_model` wraps trustsim so all
of that works on it::

    from ema_workbench import perform_experiments
    from trustsim.ema import ema_model

    model = ema_model("configs/baseline.toml", overrides={"market.customers": 2000, "steps": 52})
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=4)

Uncertainties are dotted scenario keys (the market), levers are our supplier's policy settings
(``suppliers.<as_index>.<field>``). An uncertainty ranges from half to twice the scenario's value
(within the schema's bounds); a lever over the schema's range where it is finite (a probability
spans 0-1), else half to twice the scenario's value. Outcomes
come from the public tables (see docs/outputs.md): the market's final customer share, NPS, mean
trust and ambassador share, our supplier's final customers and NPS and total revenue (and total
profit and cumulative discounted profit when the model has costs), and the customer share over
time. Every experiment runs on the scenario's seed (common random numbers across experiments),
so differences between experiments are the inputs', not luck.

Needs the optional extra: ``pip install 'trustsim[ema]'``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from trustsim.errors import ConfigError

DEFAULT_UNCERTAINTIES: tuple[str, ...] = (
    "trust.loss_multiplier",
    "wom.rate",
    "advertising.reach",
    "switching.threshold",
    "network.mean_degree",
)
"""The market's uncertain parameters by default: asymmetry, word of mouth (Bass q), ads (Bass p),
the trust below which customers look elsewhere, and how connected people are."""

DEFAULT_LEVERS: tuple[str, ...] = ("promise", "over_delivery", "care", "transparency", "ad_budget")
"""Our supplier's policy settings the decision maker controls, by default."""

MODEL_OUTCOMES: tuple[str, ...] = ("customer_share", "nps", "mean_trust", "ambassador_share")
"""Columns of the model table whose final value is an outcome (``final_<column>``)."""


def require_ema() -> Any:
    """Import ``ema_workbench`` (quietly: it warns about optional parallel back-ends it lacks).

    Raises:
        ConfigError: EMA Workbench is not installed (the message names the extra to install).
    """
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import ema_workbench
    except ImportError:
        raise ConfigError("this needs EMA Workbench: pip install 'trustsim[ema]'.") from None
    return ema_workbench


def field_bounds(key: str) -> tuple[float, float]:
    """The schema's range of a dotted scenario key (``suppliers.N.field`` for a policy setting).

    Returns:
        (low, high); ``-inf``/``inf`` where the schema sets no bound.

    Raises:
        ConfigError: the key is not a numeric scenario setting.
    """
    from trustsim.config import Scenario, SupplierPolicy

    parts = key.split(".")
    if parts[0] == "suppliers" and len(parts) == 3 and parts[1].isdigit():
        model, parts = SupplierPolicy, parts[2:]
    else:
        model = Scenario
    info = None
    for k, part in enumerate(parts):
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            raise ConfigError(f"trustsim.ema: {key!r} is not a scenario setting (see docs/config.md).")
        info = fields[part]
        if k < len(parts) - 1:
            model = info.annotation
    assert info is not None
    if info.annotation not in (float, int):
        raise ConfigError(f"trustsim.ema: {key!r} is not a number; only numeric settings can be sampled.")
    lo, hi = -math.inf, math.inf
    for meta in info.metadata:  # annotated_types Ge / Gt / Le / Lt
        for attr, low in (("ge", True), ("gt", True), ("le", False), ("lt", False)):
            bound = getattr(meta, attr, None)
            if bound is not None:
                lo, hi = (max(lo, float(bound)), hi) if low else (lo, min(hi, float(bound)))
    return lo, hi


def default_range(key: str, value: float, full: bool = False) -> tuple[float, float]:
    """A sampling range: with `full` (levers) the schema's bounds if both are finite (a probability
    spans 0-1); otherwise half to twice the scenario's value, cut to the schema's bounds."""
    lo, hi = field_bounds(key)
    if full and math.isfinite(lo) and math.isfinite(hi):
        return lo, hi
    if value <= 0:
        return max(lo, 0.0), min(hi, 1.0)
    return max(lo, value * 0.5), min(hi, value * 2.0)


def _value(scenario: Any, key: str) -> float:
    node: Any = scenario
    for part in key.split("."):
        node = node[int(part)] if part.isdigit() else getattr(node, part)
    return float(node)


def ema_model(
    scenario: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    uncertainties: Sequence[str] | Mapping[str, tuple[float, float]] | None = None,
    levers: Sequence[str] | Mapping[str, tuple[float, float]] | None = None,
    as_index: int = 0,
    name: str = "trustsim",
) -> Any:
    """The scenario as an ``ema_workbench.Model`` with uncertainties, levers and outcomes.

    Args:
        scenario: scenario TOML (None: the defaults).
        overrides: dotted keys fixed for every experiment (``{"market.customers": 2000, "steps": 52}``).
        uncertainties: market keys to sample, as names (ranges from :func:`default_range`) or
            ``{key: (low, high)}``; default :data:`DEFAULT_UNCERTAINTIES`.
        levers: our supplier's settings, as field names or ``{field: (low, high)}``; default
            :data:`DEFAULT_LEVERS`.
        as_index: which supplier is ours.
        name: the model's name in EMA's results.

    Returns:
        An ``ema_workbench.Model`` ready for ``perform_experiments``.

    Raises:
        ConfigError: EMA Workbench is missing, or a key or range is bad.
    """
    ema = require_ema()
    from trustsim.config import load_scenario

    path = Path(scenario) if scenario is not None else None
    fixed = dict(overrides or {})
    base = load_scenario(path, fixed)
    if not 0 <= as_index < base.market.suppliers:
        raise ConfigError(f"as_index {as_index}: the scenario has {base.market.suppliers} supplier(s).")
    policy = base.supplier_policies()[as_index]

    def ranges(given: Any, defaults: Sequence[str], prefix: str, source: Any) -> dict[str, tuple[float, float]]:
        items = given if given is not None else defaults
        if isinstance(items, Mapping):
            out = {f"{prefix}{k}": (float(v[0]), float(v[1])) for k, v in items.items()}
        else:
            out = {f"{prefix}{k}": default_range(f"{prefix}{k}", _value(source, k), full=bool(prefix)) for k in items}
        for key, (lo, hi) in out.items():
            s_lo, s_hi = field_bounds(key)
            if not (s_lo <= lo < hi <= s_hi):
                raise ConfigError(
                    f"trustsim.ema: range of {key} is ({lo:g}, {hi:g}); it must be increasing "
                    f"and within the schema's [{s_lo:g}, {s_hi:g}]."
                )
        return out

    unc = ranges(uncertainties, DEFAULT_UNCERTAINTIES, "", base)
    lev = ranges(levers, DEFAULT_LEVERS, f"suppliers.{as_index}.", policy)
    money = _has_money()

    def run(**params: Any) -> dict[str, Any]:
        from trustsim.runner import run_one

        sc = load_scenario(path, {**fixed, **params})
        result = run_one(sc, sc.seed, sc.steps)
        return outcomes_of(result.model, result.suppliers, as_index, money)

    model = ema.Model(name, function=run)
    model.uncertainties = [ema.RealParameter(k, lo, hi) for k, (lo, hi) in unc.items()]
    model.levers = [ema.RealParameter(k, lo, hi) for k, (lo, hi) in lev.items()]
    model.outcomes = [ema.ScalarOutcome(n) for n in outcome_names(money)] + [ema.TimeSeriesOutcome("customer_share")]
    return model


def _has_money() -> bool:
    from trustsim.compare.stats import MONEY_COLUMNS
    from trustsim.metrics import SUPPLIER_COLUMNS

    return all(c in SUPPLIER_COLUMNS for c in MONEY_COLUMNS)


def outcome_names(money: bool) -> list[str]:
    """The scalar outcomes, named for what they are (final, total)."""
    names = [f"final_{c}" for c in MODEL_OUTCOMES] + ["ours_final_customers", "ours_final_nps", "ours_total_revenue"]
    if money:
        names += ["ours_total_profit", "ours_final_discounted_profit"]
    return names


def outcomes_of(model: Any, suppliers: Any, as_index: int, money: bool) -> dict[str, Any]:
    """The outcomes of one run from its public tables."""
    last = model.iloc[-1]
    ours = suppliers[suppliers["supplier"] == as_index].sort_values("step")
    later = ours[ours["step"] > 0]
    out: dict[str, Any] = {f"final_{c}": float(last[c]) for c in MODEL_OUTCOMES}
    out["ours_final_customers"] = float(ours["customers"].iloc[-1])
    out["ours_final_nps"] = float(ours["nps"].iloc[-1])
    out["ours_total_revenue"] = float(later["revenue"].sum())
    if money:
        out["ours_total_profit"] = float(later["profit"].sum())
        out["ours_final_discounted_profit"] = float(ours["discounted_profit"].iloc[-1])
    out["customer_share"] = model["customer_share"].to_numpy(dtype=float)
    return out


def experiments_frame(experiments: Any, outcomes: Mapping[str, np.ndarray]) -> Any:
    """EMA's (experiments, outcomes) as one pandas table: inputs and scalar outcomes per experiment."""
    import pandas as pd

    frame = pd.DataFrame(experiments).reset_index(drop=True)
    for k, v in outcomes.items():
        arr = np.asarray(v)
        if arr.ndim == 1:
            frame[k] = arr
    return frame
