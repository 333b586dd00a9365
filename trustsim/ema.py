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
(``suppliers.<as_index>.<field>``). Every number ranges from half to twice the scenario's value
(cut to the schema's bounds; a lever that is a share or probability spans 0-1); whole numbers
(``market.customers``) are EMA ``IntegerParameter``, choices (``network.kind``) are
``CategoricalParameter`` over the options that make a valid scenario, switches are
``BooleanParameter``. Outcomes come from the public tables (see docs/outputs.md): the market's
final customer share, NPS, mean trust and ambassador share, our supplier's final customers and
NPS, total revenue, total profit and cumulative discounted profit, and the customer share over
time. Each experiment is run ``replications`` times (EMA's ``ReplicatorModel``; 5 by default)
on seeds derived from the scenario's seed, the same seeds for every experiment (common random
numbers): an outcome is the mean over the replications and ``<outcome>_replications`` holds
each. :func:`load_sweep` turns any sweep folder into the same ``(experiments, outcomes)``.

Needs the optional extra: ``pip install 'trustsim[ema]'``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import ema_workbench
    except ImportError:
        raise ConfigError("this needs EMA Workbench: pip install 'trustsim[ema]'.") from None
    return ema_workbench


@dataclass(frozen=True)
class Field:
    """What a dotted scenario key holds, for sampling it.

    Attributes:
        key: the dotted key (``suppliers.N.field`` for a policy setting).
        kind: "real", "integer", "categorical" or "boolean".
        low, high: the schema's bounds of a number (``-inf``/``inf`` where it sets none).
        options: the allowed values of a categorical key.
    """

    key: str
    kind: str
    low: float = -math.inf
    high: float = math.inf
    options: tuple[Any, ...] = ()


def field_info(key: str) -> Field:
    """The kind and schema range of a dotted scenario key.

    Raises:
        ConfigError: the key is not a scenario setting, or not one that can be sampled (a list,
            a table, a file path).
    """
    from trustsim.config import Scenario, SupplierPolicy

    if not isinstance(key, str) or not key:
        raise ConfigError(f"trustsim.ema: {key!r} is not a scenario key (a dotted name such as 'wom.rate').")
    parts = key.split(".")
    if parts[0] == "suppliers" and len(parts) == 3 and parts[1].isdigit():
        model, parts = SupplierPolicy, parts[2:]
    else:
        model = Scenario
    info = None
    for k, part in enumerate(parts):
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            known = ", ".join(sorted(fields)) if fields else "none"
            raise ConfigError(
                f"trustsim.ema: {key!r} is not a scenario setting ({part!r} is not one of: {known}; "
                "see docs/config.md)."
            )
        info = fields[part]
        if k < len(parts) - 1:
            model = info.annotation
    assert info is not None
    annotation = info.annotation
    if get_origin(annotation) is Literal:
        return Field(key, "categorical", options=tuple(get_args(annotation)))
    if annotation is bool:
        return Field(key, "boolean", options=(False, True))
    if annotation not in (float, int):
        raise ConfigError(
            f"trustsim.ema: {key!r} is not a number, a choice or a switch; only those can be sampled "
            "(see docs/config.md)."
        )
    lo, hi = -math.inf, math.inf
    for meta in info.metadata:  # annotated_types Ge / Gt / Le / Lt
        for attr, low in (("ge", True), ("gt", True), ("le", False), ("lt", False)):
            bound = getattr(meta, attr, None)
            if bound is not None:
                lo, hi = (max(lo, float(bound)), hi) if low else (lo, min(hi, float(bound)))
    return Field(key, "integer" if annotation is int else "real", lo, hi)


def field_bounds(key: str) -> tuple[float, float]:
    """The schema's range of a numeric dotted scenario key (``suppliers.N.field`` for a policy setting).

    Returns:
        (low, high); ``-inf``/``inf`` where the schema sets no bound.

    Raises:
        ConfigError: the key is not a numeric scenario setting.
    """
    info = field_info(key)
    if info.kind not in ("real", "integer"):
        raise ConfigError(f"trustsim.ema: {key!r} is not a number; only numeric settings have a range.")
    return info.low, info.high


def default_range(key: str, value: float, full: bool = False) -> tuple[float, float]:
    """The documented sampling range: half to twice the scenario's value, cut to the schema's bounds.

    With `full` (levers) a share or probability (schema range within 0-1) spans its whole range;
    every other lever, like every uncertainty, goes from half to twice the scenario's value (an
    ad budget of 1 is sampled 0.5-2, not over the schema's 0-1000). A value of 0 spans 0-1.
    Integers (``market.customers``) are rounded inwards.
    """
    lo, hi = field_bounds(key)
    if full and math.isfinite(lo) and math.isfinite(hi) and lo >= 0 and hi <= 1:
        return lo, hi
    if value <= 0:
        low, high = max(lo, 0.0), min(hi, 1.0)
    else:
        low, high = max(lo, value * 0.5), min(hi, value * 2.0)
    if field_info(key).kind == "integer":
        low, high = float(math.ceil(low)), float(math.floor(high))
    return low, high


def _parameter(ema: Any, info: Field, given: Any, value: Any, full: bool, loads: Any) -> Any:
    """The EMA parameter of a key: Real, Integer, Categorical or Boolean, over its range or options.

    ``loads(key, option)`` tells whether an option makes a valid scenario (a network read from
    a file needs one): by default only such options are sampled; an option given that does not
    is refused.
    """
    key = info.key
    if info.kind in ("categorical", "boolean"):
        options = list(info.options) if given is None else given
        if not isinstance(options, (list, tuple)) or len(options) < 2:
            raise ConfigError(
                f"trustsim.ema: {key} is a choice; give at least two of {list(info.options)} as a list, not {given!r}."
            )
        bad = [o for o in options if o not in info.options]
        if bad:
            raise ConfigError(f"trustsim.ema: {key} cannot be {bad[0]!r}; allowed: {list(info.options)}.")
        if info.kind == "boolean":
            return ema.BooleanParameter(key)
        kept = []
        for option in options:
            problem = loads(key, option)
            if problem and given is not None:
                raise ConfigError(f"trustsim.ema: {key} = {option!r} does not make a valid scenario: {problem}")
            if not problem:
                kept.append(option)
        if len(kept) < 2:
            raise ConfigError(f"trustsim.ema: {key}: fewer than two of its options make a valid scenario ({kept}).")
        return ema.CategoricalParameter(key, kept)
    if given is None:
        lo, hi = default_range(key, float(value), full)
    else:
        try:
            lo, hi = (float(given[0]), float(given[1]))
            if len(given) != 2:
                raise ValueError
        except (TypeError, ValueError, IndexError):
            raise ConfigError(f"trustsim.ema: the range of {key} must be (low, high) numbers, not {given!r}.") from None
    if not (info.low <= lo < hi <= info.high) or not (math.isfinite(lo) and math.isfinite(hi)):
        raise ConfigError(
            f"trustsim.ema: range of {key} is ({lo:g}, {hi:g}); it must be increasing "
            f"and within the schema's [{info.low:g}, {info.high:g}]."
        )
    if info.kind == "integer":
        if lo != int(lo) or hi != int(hi):
            raise ConfigError(f"trustsim.ema: {key} is a whole number; give a range of whole numbers, not {given!r}.")
        return ema.IntegerParameter(key, int(lo), int(hi))
    return ema.RealParameter(key, lo, hi)


def replication_seeds(seed: int, replications: int) -> list[int]:
    """The seeds of the replications: replicate r of every experiment runs on the same seed, derived from
    the scenario's seed as a sweep with ``seeding = "common"`` derives it (:func:`trustsim.sweep.run_seed`)."""
    from trustsim.sweep import run_seed

    return [run_seed(seed, 0, r, "common") for r in range(replications)]


def ema_model(
    scenario: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    uncertainties: Sequence[str] | Mapping[str, Any] | None = None,
    levers: Sequence[str] | Mapping[str, Any] | None = None,
    as_index: int = 0,
    replications: int = 5,
    name: str = "trustsim",
) -> Any:
    """The scenario as an EMA Workbench model with uncertainties, levers, outcomes and replications.

    Args:
        scenario: scenario TOML (None: the defaults).
        overrides: dotted keys fixed for every experiment (``{"market.customers": 2000, "steps": 52}``).
        uncertainties: market keys to sample, as names (ranges from :func:`default_range`, every
            option of a choice) or ``{key: (low, high)}`` / ``{key: [option, ...]}``; default
            :data:`DEFAULT_UNCERTAINTIES`.
        levers: our supplier's settings, as field names or ``{field: (low, high)}``; default
            :data:`DEFAULT_LEVERS`.
        as_index: which supplier is ours.
        replications: runs of every experiment on different seeds (the same seeds for every
            experiment: common random numbers). With more than one the model is EMA's
            ``ReplicatorModel`` and every scalar outcome has shape (experiments, replications); with
            one, a plain ``Model`` on the scenario's seed.
        name: the model's name in EMA's results.

    Returns:
        An ``ema_workbench`` model ready for ``perform_experiments``.

    Raises:
        ConfigError: EMA Workbench is missing, or a key, range, option or count is bad.
    """
    ema = require_ema()
    from trustsim.compare.run import scenario_value
    from trustsim.config import load_scenario

    path = Path(scenario) if scenario is not None else None
    fixed = dict(overrides or {})
    base = load_scenario(path, fixed)
    if not isinstance(as_index, int) or not 0 <= as_index < base.market.suppliers:
        raise ConfigError(f"as_index {as_index!r}: the scenario has {base.market.suppliers} supplier(s).")
    if not isinstance(replications, int) or isinstance(replications, bool) or not 1 <= replications <= 10_000:
        raise ConfigError(f"trustsim.ema: replications {replications!r}: give a whole number from 1 to 10,000.")

    def loads(key: str, option: Any) -> str:
        try:
            load_scenario(path, {**fixed, key: option})
        except ConfigError as e:
            return str(e)
        return ""

    policy = base.supplier_policies()[as_index]

    def parameters(given: Any, defaults: Sequence[str], prefix: str) -> list[Any]:
        items = given if given is not None else defaults
        if isinstance(items, str) or not isinstance(items, (Mapping, Sequence)):
            raise ConfigError(f"trustsim.ema: give keys as a list or a {{key: range}} mapping, not {items!r}.")
        pairs = items.items() if isinstance(items, Mapping) else [(k, None) for k in items]
        out = []
        for k, rng in pairs:
            info = field_info(f"{prefix}{k}")
            # a lever's value is our supplier's as the scenario resolves it (defaults filled in)
            value = scenario_value(policy, str(k)) if prefix else scenario_value(base, info.key)
            out.append(_parameter(ema, info, rng, value, bool(prefix), loads))
        return out

    unc = parameters(uncertainties, DEFAULT_UNCERTAINTIES, "")
    lev = parameters(levers, DEFAULT_LEVERS, f"suppliers.{as_index}.")
    money = _has_money()

    def run(seed: int | None = None, **params: Any) -> dict[str, Any]:
        from trustsim.runner import run_one

        sc = load_scenario(path, {**fixed, **params})
        result = run_one(sc, sc.seed if seed is None else seed, sc.steps)
        return outcomes_of(result.model, result.suppliers, as_index, money)

    if replications == 1:
        model = ema.Model(name, function=run)
        model.outcomes = [ema.ScalarOutcome(n) for n in outcome_names(money)] + [
            ema.TimeSeriesOutcome("customer_share")
        ]
    else:
        model = ema.ReplicatorModel(name, function=run)
        model.replications = [{"seed": s} for s in replication_seeds(base.seed, replications)]
        scalars = outcome_names(money)
        model.outcomes = (
            [ema.ScalarOutcome(n, function=_mean) for n in scalars]
            + [ema.TimeSeriesOutcome("customer_share", function=_mean_series)]
            + [
                ema.ArrayOutcome(f"{n}{EACH}", variable_name=n, function=np.asarray)
                for n in [*scalars, "customer_share"]
            ]
        )
    model.uncertainties = unc
    model.levers = lev
    return model


EACH = "_replications"
"""Suffix of the outcome holding every replication (``ours_total_revenue_replications``: experiments x replications)."""


def _mean(values: Sequence[float]) -> float:
    """The mean over replications (a module function: EMA's process pool pickles it)."""
    return float(np.mean(values))


def _mean_series(values: Sequence[np.ndarray]) -> np.ndarray:
    """The mean time series over replications."""
    return np.mean(np.asarray(values, dtype=float), axis=0)


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
    """EMA's (experiments, outcomes) as one pandas table: inputs and scalar outcomes.

    One row per experiment; when the outcomes hold every replication (``<name>_replications``,
    experiments x replications: :func:`ema_model` with replications, :func:`load_sweep` of a
    sweep with replicates) one row per experiment and replication, with a ``replication`` column
    and each outcome's value in that replication. Time series are left out.
    """
    import pandas as pd

    frame = pd.DataFrame(experiments).reset_index(drop=True)
    arrays = {k: np.asarray(v) for k, v in outcomes.items()}
    each = {k[: -len(EACH)]: a for k, a in arrays.items() if k.endswith(EACH) and a.ndim == 2}
    if not each:
        for k, arr in arrays.items():
            if arr.ndim == 1:
                frame[k] = arr
        return frame
    reps = next(iter(each.values())).shape[1]
    long = frame.loc[frame.index.repeat(reps)].reset_index(drop=True)
    long["replication"] = np.tile(np.arange(reps), len(frame))
    for k, arr in each.items():
        long[k] = arr.reshape(-1)
    return long


def load_sweep(folder: str | Path) -> tuple[Any, dict[str, np.ndarray]]:
    """A finished sweep folder as EMA's ``(experiments, outcomes)``, for EMA's analyses (PRIM, CART,
    feature scoring, dimensional stacking) on any trustsim sweep.

    ``experiments`` has one row per design point: the swept parameters, then EMA's ``scenario``
    (the point's index), ``policy`` and ``model`` (the experiment's name) columns. ``outcomes``
    holds every summary measure of the sweep (docs/sweeps.md) as :func:`ema_model` names them:
    ``<measure>`` of shape (points,) (the mean over the replicates), and with more than one
    replicate ``<measure>_replications`` of shape (points, replicates). A run that has not
    finished is NaN.

    Raises:
        ConfigError: not a sweep folder. RunError: its files are damaged.
    """
    import pandas as pd

    from trustsim.sweep import load_summary, read_manifest

    folder = Path(folder)
    manifest = read_manifest(folder)
    names = list(manifest["design"]["names"])
    points = manifest["design"]["points"]
    replicates = int(manifest["experiment"]["replicates"])
    summary = load_summary(folder)
    experiments = pd.DataFrame([{k: point[k] for k in names} for point in points], columns=names)
    experiments["scenario"] = np.arange(len(points))
    experiments["policy"] = "none"
    experiments["model"] = str(manifest.get("experiment", {}).get("name", folder.name))
    skip = {"run", "run_id", "point", "replicate", "seed", *names}
    measures = [c for c in summary.columns if c not in skip and pd.api.types.is_numeric_dtype(summary[c])]
    outcomes: dict[str, np.ndarray] = {}
    point = summary["point"].to_numpy(int)
    rep = summary["replicate"].to_numpy(int)
    for m in measures:
        arr = np.full((len(points), replicates), np.nan)
        arr[point, rep] = summary[m].to_numpy(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a point with no finished run is NaN
            outcomes[m] = np.nanmean(arr, axis=1) if replicates > 1 else arr[:, 0]
        if replicates > 1:
            outcomes[f"{m}{EACH}"] = arr
    return experiments, outcomes
