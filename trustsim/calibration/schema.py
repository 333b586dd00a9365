"""The calibration file: base scenario, free parameters, target patterns, replicates, method.

A calibration is a TOML file (``trustsim/data/calibrations/*.toml``, addressable by name)::

    name = "new_category"
    scenario = "ten_ambassadors"           # base scenario: a path (relative to this file) or a built-in
    seed = 14
    steps = 520
    replicates = 2                         # runs per parameter set (evaluation)

    [overrides]                            # dotted scenario keys set on every run
    market.customers = 2000

    [method]
    kind = "rejection"                     # rejection ABC over a prior sample
    sample = "lhs"                         # lhs | sobol
    budget = 160                           # parameter sets drawn from the prior (--budget)

    [parameters]                           # free parameters: uniform priors on [low, high]
    advertising.reach = { low = 0.0002, high = 0.004 }

    [targets.bass_q_over_p]                # fitted: a pattern value of trustsim.patterns
    value = 12.7
    tolerance = 4.0
    source = "Sultan, Farley & Lehmann (1990), JMR 27(1)"

    [held_out.wom_to_ad_value]             # never fitted: checked on the calibrated scenario
    value = 1.6
    tolerance = 0.6
    source = "Villanueva, Yoo & Hanssens (2008); Schmitt, Skiera & Van den Bulte (2011)"

Files are data: read with :func:`trustsim.config.read_toml`, validated here and by building the
scenario of the prior's corners, never evaluated. Errors name the file, the key, the bad value
and what is allowed (exit status 2), before any output is written.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from trustsim.config import (
    apply_overrides,
    build_scenario,
    format_validation_error,
    read_toml,
    refuse_bool_as_number,
    unknown_key,
)
from trustsim.errors import ConfigError, did_you_mean
from trustsim.sweep.experiment import NAME_PATTERN, Experiment, Range, flatten_tables, is_range, load_experiment

ELASTICITY_VALUES = ("ad_elasticity", "wom_elasticity")
"""Pattern values measured by paired runs (:func:`trustsim.calibration.observe.run_held_out`):
allowed as held-out patterns only (three runs per evaluation would triple the cost of fitting)."""

PAIRED_VALUES = ("ad_elasticity_short", "ad_elasticity_long")
"""The advertising elasticity of sales measured on a copy of each run from a point in its middle
(:func:`trustsim.calibration.observe.run_patterns_paired`, about 1.2 runs per evaluation): fittable.
A calibration that names one runs every set that way."""


def pattern_values() -> tuple[str, ...]:
    """The names a target may use: every value of :data:`trustsim.patterns.PATTERNS`."""
    from trustsim.patterns import PATTERN_VALUES

    return PATTERN_VALUES


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    _no_bool_as_number = field_validator("*", mode="before")(refuse_bool_as_number)


class Target(_Section):
    """A pattern the model should show: its literature value, how close counts, and the source."""

    value: float = Field(..., allow_inf_nan=False, description="The value reported in the literature.")
    tolerance: float = Field(
        ..., gt=0, allow_inf_nan=False, description="A run set meets the target within value ± tolerance."
    )
    source: str = Field(..., min_length=3, max_length=500, description="Where the value comes from.")
    note: str = Field(default="", max_length=1000, description="How the literature value maps to the model's.")
    known_miss: str = Field(
        default="",
        max_length=1000,
        description=(
            "Why the calibrated model misses this target (docs/calibration.md); `trustsim validate` "
            "then reports the miss without failing."
        ),
    )

    @property
    def low(self) -> float:
        """Lowest value that meets the target."""
        return self.value - self.tolerance

    @property
    def high(self) -> float:
        """Highest value that meets the target."""
        return self.value + self.tolerance


class Method(_Section):
    """How the parameter sets are drawn and accepted."""

    kind: Literal["rejection", "smc"] = Field(
        default="rejection",
        description=(
            "rejection: approximate Bayesian computation by rejection over one prior sample; smc: "
            "sequential ABC (adaptive population Monte Carlo), generation by generation."
        ),
    )
    sample: Literal["lhs", "sobol"] = Field(
        default="lhs", description="The prior sample (smc: its first generation): Latin hypercube or Sobol."
    )
    budget: int = Field(default=100, ge=2, le=100_000, description="rejection: parameter sets drawn from the prior.")
    particles: int = Field(
        default=100, ge=2, le=100_000, description="smc: parameter sets kept in the posterior (its size)."
    )
    alpha: float = Field(
        default=0.5,
        gt=0.0,
        lt=1.0,
        allow_inf_nan=False,
        description=(
            "smc: share of each generation's sets kept; the tolerance is this quantile of the distances. "
            "A generation runs particles / alpha sets at first, then particles / alpha - particles new ones."
        ),
    )
    generations: int = Field(
        default=8, ge=1, le=1000, description="smc: most generations (the first samples the prior)."
    )
    min_acceptance: float = Field(
        default=0.05,
        ge=0.0,
        lt=1.0,
        allow_inf_nan=False,
        description=(
            "smc: stop when at most this share of a generation's new sets comes within the previous "
            "tolerance (the posterior no longer moves)."
        ),
    )
    min_accepted: int = Field(
        default=8,
        ge=1,
        le=10_000,
        description="If fewer sets meet every target, the this many nearest are kept (and the report says so).",
    )
    check_replicates: int = Field(
        default=10, ge=2, le=10_000, description="Fresh seeds on which the calibrated scenario is checked."
    )


NAME_MAX = 80
"""Most characters of a calibration's name (as of an experiment's)."""

REGIME_KEYS = {"maturity": "market.initial_customers"}
"""[regime] keys that set one scenario key (``ad_budget`` sets every supplier's, see :meth:`Regime.overrides`)."""


class Regime(_Section):
    """The regime the patterns are measured in: the scenario values the experiments run with.

    Every key is optional; what is not set comes from the base scenario and its overrides. The
    report records the values the runs used, set here or not.
    """

    ad_budget: float | list[float] | None = Field(
        default=None,
        description=(
            "Every supplier's ad budget (one number), or one per supplier (a list as long as "
            "market.suppliers), as the experiments spend."
        ),
    )
    maturity: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Market maturity: the share of people already buying at step 0 (market.initial_customers).",
    )

    def keys(self) -> dict[str, Any]:
        """The plain scenario keys this regime sets (not the ad budgets, which depend on the suppliers)."""
        return {REGIME_KEYS[k]: v for k in REGIME_KEYS if (v := getattr(self, k)) is not None}

    def overrides(self, suppliers: int, listed: int, label: str) -> dict[str, Any]:
        """Dotted scenario keys that set this regime, for a base with `suppliers` suppliers of which
        `listed` have their own [[suppliers]] table."""
        out = self.keys()
        budget = self.ad_budget
        if isinstance(budget, list):
            if len(budget) != suppliers:
                raise ConfigError(
                    f"{label}: regime.ad_budget = {budget!r} lists {len(budget)} budget(s), but the base scenario "
                    f"has market.suppliers = {suppliers}; give one number for all, or one per supplier."
                )
            out |= {f"suppliers.{i}.ad_budget": float(v) for i, v in enumerate(budget)}
        elif budget is not None:
            out["supplier_defaults.ad_budget"] = float(budget)
            out |= {f"suppliers.{i}.ad_budget": float(budget) for i in range(listed)}
        return out


class Calibration(_Section):
    """A whole calibration file."""

    name: str = Field(..., description="Name (at most 80 characters); default results folder calibrate-<name>.")
    description: str = Field(default="", max_length=2000, description="What is calibrated, and why.")
    scenario: str = Field(..., min_length=1, description="Base scenario: a path relative to this file, or a name.")
    seed: int = Field(default=0, ge=0, le=2**63 - 1, description="Seed of the prior sample and every run.")
    steps: int | None = Field(default=None, ge=1, le=100_000, description="Steps per run (default: the scenario's).")
    replicates: int = Field(default=2, ge=1, le=1000, description="Runs (seeds) per parameter set.")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted scenario keys set on every run.")
    regime: Regime = Field(default_factory=Regime)
    method: Method = Field(default_factory=Method)
    parameters: dict[str, Range] = Field(..., description="Free parameters: uniform prior on [low, high].")
    targets: dict[str, Target] = Field(..., description="Patterns fitted (calibration set).")
    held_out: dict[str, Target] = Field(default_factory=dict, description="Patterns never fitted (validation set).")
    base_dir: str = Field(default="", description="Folder of the calibration file (set by the loader).")

    @field_validator("name", mode="after")
    @classmethod
    def _name(cls, value: str) -> str:
        if len(value) > NAME_MAX:
            raise ValueError(f"a name has at most {NAME_MAX} characters; this one has {len(value)}")
        if not re.fullmatch(NAME_PATTERN, value):
            raise ValueError(
                f"a name is 1 to {NAME_MAX} letters, digits, '_', '.' or '-', starting with a letter or digit"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Calibration:
        if not self.parameters:
            raise ValueError("[parameters] needs at least one free parameter")
        if not self.targets:
            raise ValueError("[targets] needs at least one target pattern")
        if all(t.known_miss for t in self.targets.values()):
            raise ValueError("every target is a known miss: at least one target must be fitted")
        allowed = pattern_values()
        for where, table, extra in (
            ("targets", self.targets, PAIRED_VALUES),
            ("held_out", self.held_out, (*ELASTICITY_VALUES, *PAIRED_VALUES)),
        ):
            for key in table:
                if key not in allowed and key not in extra:
                    hint = " (measured by paired runs: allowed in [held_out] only)" if key in ELASTICITY_VALUES else ""
                    raise ValueError(
                        f"{where}.{key} is not a pattern{hint}.{did_you_mean(key, allowed)} "
                        f"Allowed: {', '.join((*allowed, *extra))}"
                    )
        both = sorted(set(self.targets) & set(self.held_out))
        if both:
            raise ValueError(f"{both[0]!r} is both fitted and held out; a held-out pattern is never fitted")
        for key, value in self.regime.keys().items():
            if key in self.overrides:
                raise ValueError(
                    f"{key} is set both by [regime] ({value!r}) and by [overrides] "
                    f"({self.overrides[key]!r}); set it in one place"
                )
        fixed = self.regime.keys()
        for key in self.parameters:
            if key in self.overrides:
                raise ValueError(
                    f"parameters.{key} is free, so the value [overrides] (or --set) gives it "
                    f"({self.overrides[key]!r}) would be ignored; remove one of them"
                )
            if key in fixed or (key.endswith(".ad_budget") and self.regime.ad_budget is not None):
                raise ValueError(f"parameters.{key} is fixed by [regime]; a free parameter cannot also be fixed")
        return self


_SECTIONS: dict[str, type[BaseModel]] = {"method": Method, "regime": Regime}


def _normalise(data: dict[str, Any], label: str) -> dict[str, Any]:
    for key in data:
        if key not in Calibration.model_fields or key == "base_dir":
            raise ConfigError(unknown_key(label, str(key), Calibration))
    for key, model in _SECTIONS.items():
        if isinstance(data.get(key), dict):
            for sub in data[key]:
                if sub not in model.model_fields:
                    raise ConfigError(unknown_key(label, f"{key}.{sub}", model, str(sub)))
    if isinstance(data.get("overrides"), dict):
        data["overrides"] = flatten_tables(data["overrides"])
    if isinstance(data.get("parameters"), dict):
        data["parameters"] = flatten_tables(data["parameters"], is_leaf=is_range)
    for key in ("targets", "held_out"):
        table = data.get(key)
        if isinstance(table, dict):
            for name, target in table.items():
                for sub in target if isinstance(target, dict) else ():
                    if sub not in Target.model_fields:
                        raise ConfigError(unknown_key(label, f"{key}.{name}.{sub}", Target, str(sub)))
    return data


def load_calibration(
    source: str | Path,
    budget: int | None = None,
    *,
    method: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    steps: int | None = None,
) -> tuple[Calibration, Experiment]:
    """Load and validate a calibration file, and the sweep of its first sample.

    Args:
        source: a calibration TOML file, or the name of a built-in calibration.
        budget: replaces ``method.budget`` (parameter sets drawn from the prior).
        method: replaces these keys of ``[method]`` (``kind``, ``particles``, ...), as options do.
        overrides: dotted scenario keys set on top of the file's ``[overrides]`` (``--set``).
        steps: replaces ``steps``.

    Returns:
        The calibration and the experiment that runs its first sample (rejection: the prior
        sample; smc: generation 0), a list design with ``replicates`` runs per parameter set,
        checked by building every point's scenario.

    Raises:
        ConfigError: naming the file, the key, the bad value and what is allowed.
    """
    from trustsim.builtin import resolve

    path = resolve("calibration", source)
    label = str(path)
    data = _normalise(read_toml(path, "calibration file"), label)
    changed = {**({"budget": budget} if budget is not None else {}), **(method or {})}
    if changed:
        data["method"] = {**(data.get("method") or {}), **changed}
    if overrides:
        data["overrides"] = {**(data.get("overrides") or {}), **flatten_tables(dict(overrides))}
    if steps is not None:
        data["steps"] = steps
    data["base_dir"] = str(path.resolve().parent)
    try:
        calibration = Calibration.model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, label, Calibration)) from None
    _check_bounds(calibration, prior_experiment(calibration, [{}], label), label)
    name, seed = first_sweep(calibration)
    experiment = prior_experiment(calibration, first_sample(calibration), label, name=name, seed=seed)
    _check_corners(calibration, experiment, label)
    return calibration, experiment


def first_sample(calibration: Calibration) -> list[dict[str, Any]]:
    """The parameter sets of the first sweep: the prior sample (rejection) or generation 0 (smc)."""
    if calibration.method.kind == "smc":
        from trustsim.calibration.smc import first_generation

        return first_generation(calibration).points
    from trustsim.calibration.abc import prior_sample

    return prior_sample(calibration)


def first_sweep(calibration: Calibration) -> tuple[str, int]:
    """The folder (and sweep name suffix) of the first sweep, and its seed."""
    if calibration.method.kind == "smc":
        from trustsim.calibration.smc import generation_folder, sweep_seed

        return generation_folder(0), sweep_seed(calibration, 0)
    return "prior", calibration.seed


def _check_bounds(calibration: Calibration, base: Experiment, label: str) -> None:
    """Each bound (or level) of each prior must be a valid value of its scenario key (named as written)."""
    data = base.base_data()
    for key, r in calibration.parameters.items():
        values = [(f"levels[{i}]", v) for i, v in enumerate(r.levels)] or [("low", r.low), ("high", r.high)]
        for side, value in values:
            try:
                build_scenario(apply_overrides(data, {key: value}, label), label)
            except ConfigError as e:
                reason = str(e).split(" is not allowed: ", 1)[-1].split("\n")[0]
                raise ConfigError(
                    f"{label}: parameters.{key}.{side} = {value!r} is not allowed as a value of the scenario "
                    f"key {key}: {reason}"
                ) from None


def prior_experiment(
    calibration: Calibration,
    points: list[dict[str, Any]],
    label: str,
    *,
    name: str = "prior",
    seed: int | None = None,
    replicates: int | None = None,
) -> Experiment:
    """The sweep of a list of parameter sets: ``replicates`` seeded runs each, every pattern kept.

    Every run has the file's ``[overrides]`` and its ``[regime]``.
    """
    data: dict[str, Any] = {
        # the sweep's name is the calibration's with a suffix, within the same length limit
        "name": f"{calibration.name[: NAME_MAX - len(name) - 1]}-{name}",
        "scenario": calibration.scenario,
        "seed": calibration.seed if seed is None else seed,
        "replicates": calibration.replicates if replicates is None else replicates,
        "steps": calibration.steps,
        "overrides": calibration.overrides,
        "design": {"kind": "list", "points": points},
        "base_dir": calibration.base_dir,
    }
    try:
        if calibration.regime != Regime():
            bare = Experiment.model_validate({**data, "design": {"kind": "list", "points": [{}]}}).base_data()
            suppliers = build_scenario(bare, f"{label} (base scenario with overrides)").market.suppliers
            listed = len(bare.get("suppliers") or [])
            data["overrides"] = {**calibration.overrides, **calibration.regime.overrides(suppliers, listed, label)}
        return load_experiment(Experiment.model_validate(data))
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, label)) from None
    except ConfigError as e:
        raise ConfigError(str(e).replace(f"experiment '{data['name']}'", label)) from None


def _check_corners(calibration: Calibration, experiment: Experiment, label: str) -> None:
    """The prior's corners must make valid scenarios too (a sample may not have hit a bad one)."""
    names = list(calibration.parameters)
    if len(names) > 10:
        return  # 2^d corners: the sample's own points were checked
    ends = [
        (r.levels[0], r.levels[-1]) if r.levels else (r.value(r.low), r.value(r.high))
        for r in calibration.parameters.values()
    ]
    corners = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*ends)]

    base = experiment.base_data()
    for corner in corners:
        where = f"{label}: [parameters] corner {corner}"
        build_scenario(apply_overrides(base, corner, where), where)
