"""The experiment schema: what to sweep, how often, for how long, and what to keep.

An experiment is a TOML file (see ``experiments/demo_grid.toml``)::

    name = "demo_grid"
    scenario = "../configs/baseline.toml"   # relative to this file; omitted = defaults
    seed = 42
    replicates = 5
    steps = 52

    [overrides]                              # dotted scenario keys, applied to every run
    market.customers = 500

    [design]
    kind = "grid"                            # grid | list | lhs | sobol | morris
    [design.parameters]
    wom.rate = [0.1, 0.3, 0.5]
    trust.loss_multiplier = [1.5, 3.0, 5.0]

    [output]
    measures = ["customer_share", "nps", "mean_trust"]

Experiments are data: they are read with :func:`trustsim.config.read_toml`, validated by
the pydantic models below and by building the scenario of every design point, and never
evaluated. Errors name the file, the key, the bad value and what is allowed, like scenario
errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from trustsim.config import (
    Scenario,
    apply_overrides,
    build_scenario,
    check_horizon,
    flatten_sections,
    format_validation_error,
    read_scenario_toml,
    read_toml,
    refuse_bool_as_number,
    unknown_key,
)
from trustsim.errors import ConfigError, did_you_mean

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    _no_bool_as_number = field_validator("*", mode="before")(refuse_bool_as_number)


class Range(_Section):
    """A continuous (or integer) range of one parameter, for lhs, sobol and morris designs; or a
    set of `levels` (e.g. network kinds), sampled uniformly as the integer part of [0, len(levels))."""

    low: float = Field(default=0.0, allow_inf_nan=False, description="Lowest value.")
    high: float = Field(default=0.0, allow_inf_nan=False, description="Highest value.")
    integer: bool = Field(default=False, description="Round sampled values to whole numbers.")
    levels: list[str | float] = Field(
        default_factory=list, description="Instead of low and high: the values to choose among, with equal chance."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.levels:
            # a stored design (the manifest) holds the implied range 0..len(levels); anything else is a mistake
            if (self.low, self.high) not in ((0.0, 0.0), (0.0, float(len(self.levels)))):
                raise ValueError("give either levels or low and high, not both")
            object.__setattr__(self, "high", float(len(self.levels)))
            return self
        if self.low > self.high:
            raise ValueError(f"low = {self.low} must not exceed high = {self.high}")
        if self.low == self.high:
            raise ValueError(f"low = high = {self.low}: a range must have some width")
        return self

    def value(self, x: float) -> Any:
        """The parameter value at sample `x`: a level, a whole number or `x` itself."""
        if self.levels:
            return self.levels[min(int(x), len(self.levels) - 1)]
        return round(x) if self.integer else x


class Design(_Section):
    """Which parameter sets to run."""

    kind: Literal["grid", "list", "lhs", "sobol", "morris"] = Field(
        ...,
        description=(
            "grid: every combination of the listed values; list: the explicit [[design.points]]; "
            "lhs: Latin hypercube of `samples` points; sobol: Saltelli/Sobol sample with base "
            "size `samples`; morris: `samples` Morris trajectories."
        ),
    )
    parameters: dict[str, list[Any] | Range] = Field(
        default_factory=dict,
        description="grid: lists of values; lhs/sobol/morris: {low, high, integer} ranges.",
    )
    points: list[dict[str, Any]] = Field(
        default_factory=list, description="list: one table of dotted keys per parameter set."
    )
    samples: int = Field(default=0, ge=0, le=1_000_000, description="lhs/sobol: N samples; morris: trajectories.")
    levels: int = Field(default=4, ge=2, le=100, description="morris: number of grid levels.")
    second_order: bool = Field(default=False, description="sobol: also sample second-order indices.")

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        kind = self.kind
        if kind == "list":
            if not self.points:
                raise ValueError("kind = 'list' needs at least one [[design.points]] table")
            if self.parameters:
                raise ValueError("kind = 'list' takes [[design.points]], not [design.parameters]")
            return self
        if self.points:
            raise ValueError(f"kind = {kind!r} takes [design.parameters], not [[design.points]]")
        if not self.parameters:
            raise ValueError(f"kind = {kind!r} needs at least one parameter in [design.parameters]")
        for key, spec in self.parameters.items():
            if kind == "grid":
                if not isinstance(spec, list):
                    raise ValueError(f"parameters.{key}: a grid takes a list of values, e.g. [0.1, 0.2], not a range")
                if not spec:
                    raise ValueError(f"parameters.{key}: the list of values is empty")
            elif not isinstance(spec, Range):
                raise ValueError(f"parameters.{key}: kind = {kind!r} takes a range {{low = .., high = ..}}, not a list")
        if kind in ("lhs", "sobol", "morris") and self.samples < 1:
            what = "trajectories" if kind == "morris" else "samples"
            raise ValueError(f"kind = {kind!r} needs samples >= 1 (number of {what})")
        if kind == "sobol" and self.samples & (self.samples - 1):
            below = 1 << (self.samples.bit_length() - 1)
            raise ValueError(
                f"samples = {self.samples}: a Sobol design needs a power of 2 (e.g. {below} or {2 * below})"
            )
        if kind in ("sobol", "morris") and len(self.parameters) < 2:
            raise ValueError(f"kind = {kind!r} needs at least two parameters to compare")
        return self


def _no_repeats(values: list[Any]) -> list[Any]:
    """A list of names in which each appears once (a repeated column would break every run)."""
    repeated = [v for i, v in enumerate(values) if v in values[:i]]
    if repeated:
        raise ValueError(f"{repeated[0]!r} is listed twice; name each once")
    return values


class Output(_Section):
    """What each run keeps."""

    measures: list[str] = Field(
        default_factory=list,
        description="Columns of the model table kept per step (empty: every numeric column).",
    )
    supplier_measures: list[str] = Field(
        default_factory=list,
        description="Columns of the supplier table kept per step and supplier (empty: none).",
    )
    summary: Literal["final", "mean", "tail_mean"] = Field(
        default="final",
        description=(
            "How a run's time series becomes one number per measure: final step, mean over all "
            "steps, or mean over the last `tail` steps."
        ),
    )
    tail: int = Field(default=10, ge=1, le=100_000, description="tail_mean: number of last steps.")
    batch_runs: int = Field(
        default=0, ge=0, le=100_000, description="Runs per result file (0: chosen from the sweep size)."
    )

    _unique = field_validator("measures", "supplier_measures")(_no_repeats)


class Plot(_Section):
    """How `trustsim plot` draws the sweep."""

    measures: list[str] = Field(default_factory=list, description="Measures to plot (empty: all kept).")
    heatmap: list[str] = Field(
        default_factory=list,
        description="Two swept parameters for heatmaps (empty: the first two of a grid).",
    )
    formats: list[Literal["png", "svg"]] = Field(default=["png", "svg"], description="Figure formats.")

    _unique = field_validator("measures", "heatmap", "formats")(_no_repeats)


class Experiment(_Section):
    """A whole experiment: base scenario, overrides, design, replicates, steps, output, plots."""

    name: str = Field(..., pattern=NAME_PATTERN, description="Name; default results folder.")
    description: str = Field(default="", max_length=2000, description="What the experiment asks.")
    scenario: str = Field(
        default="", description="Base scenario TOML, relative to the experiment file, or a built-in scenario name."
    )
    seed: int = Field(default=0, ge=0, le=2**63 - 1, description="Seed every run's seed derives from.")
    seeding: Literal["independent", "common"] = Field(
        default="independent",
        description=(
            "independent: a seed per (design point, replicate); common: replicate r uses the same "
            "seed at every design point (common random numbers)."
        ),
    )
    replicates: int = Field(default=1, ge=1, le=100_000, description="Runs per design point.")
    steps: int | None = Field(default=None, ge=0, le=100_000, description="Steps per run (default: the scenario's).")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Dotted scenario keys.")
    design: Design
    output: Output = Field(default_factory=Output)
    plot: Plot = Field(default_factory=Plot)
    analysis: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Settings of a built-in experiment's analysis (`trustsim experiment`), checked by its module "
            "(e.g. one_firm's axes and posterior); a sweep ignores them."
        ),
    )
    base_dir: str = Field(default="", description="Folder of the experiment file (set by the loader).")

    def base_data(self) -> dict[str, Any]:
        """The raw scenario dict every run starts from: base file (or defaults) plus overrides."""
        if self.scenario:
            path = self.resolve_path(self.scenario)
            data = read_scenario_toml(path)
        else:
            data = {}
        if self.overrides:
            data = apply_overrides(data, self.overrides, f"{self.source} [overrides]")
        if self.steps is not None:  # every run's scenario says how long it runs (shocks are checked against it)
            data["steps"] = self.steps
        return data

    def resolve_path(self, path: str) -> Path:
        """A path from the experiment, relative to the experiment file's folder, or a built-in name."""
        from trustsim.builtin import beside

        return beside("scenario", path, Path(self.base_dir))

    @property
    def source(self) -> str:
        """A label for messages: the experiment's name."""
        return f"experiment {self.name!r}"


# --- loading ----------------------------------------------------------------------------

_TOP_KEYS = {"design": Design, "output": Output, "plot": Plot}


def flatten_tables(table: Mapping[str, Any], prefix: str = "", *, is_leaf: Any = None) -> dict[str, Any]:
    """Turn TOML's nested tables from unquoted dotted keys back into 'a.b.c' keys."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and not (is_leaf and is_leaf(value)):
            out.update(flatten_tables(value, dotted, is_leaf=is_leaf))
        else:
            out[dotted] = value
    return out


def is_range(value: Mapping[str, Any]) -> bool:
    """Whether a TOML table is a range ({low, high} or {levels}, a leaf), not a section of dotted keys."""
    return bool(set(value) & {"low", "high", "levels"})


def _check_keys(data: Mapping[str, Any], model: type[BaseModel], source: str, where: str) -> None:
    """Refuse unknown keys with a 'did you mean' hint, before pydantic sees them."""
    for key in data:
        if key not in model.model_fields or key == "base_dir":
            raise ConfigError(unknown_key(source, f"{where}.{key}" if where else str(key), model, str(key)))


def _normalise(raw: Mapping[str, Any], source: str) -> dict[str, Any]:
    data = dict(raw)
    _check_keys(data, Experiment, source, "")
    for key, model in _TOP_KEYS.items():
        if key in data and isinstance(data[key], dict):
            _check_keys(data[key], model, source, key)
    if isinstance(data.get("overrides"), dict):
        data["overrides"] = flatten_tables(data["overrides"])
    design = data.get("design")
    if isinstance(design, dict):
        design = dict(design)
        if isinstance(design.get("parameters"), dict):
            params = flatten_tables(design["parameters"], is_leaf=is_range)
            for key, spec in params.items():
                if isinstance(spec, dict):
                    _check_keys(spec, Range, source, f"design.parameters.{key}")
            design["parameters"] = params
        if isinstance(design.get("points"), list):
            design["points"] = [flatten_tables(p) if isinstance(p, dict) else p for p in design["points"]]
        data["design"] = design
    return data


def load_experiment(
    source: str | Path | Mapping[str, Any] | Experiment,
    overrides: Mapping[str, Any] | None = None,
    *,
    replicates: int | None = None,
    steps: int | None = None,
) -> Experiment:
    """Load and validate an experiment from a TOML path, a dict or an Experiment.

    Every design point is checked by building its scenario, so a bad value anywhere in the
    design is reported now, before any output is written.

    Args:
        source: path to an experiment TOML file, a dict with the same shape, or an Experiment.
        overrides: dotted scenario keys set on every run (like ``--set``), on top of the
            experiment's own ``[overrides]``.
        replicates: replaces the experiment's number of replicates.
        steps: replaces the experiment's number of steps.

    Returns:
        The validated experiment.

    Raises:
        ConfigError: naming the file, the key, the bad value and what is allowed.
    """
    base_dir = None
    if isinstance(source, Experiment):
        data = source.model_dump(exclude={"base_dir"})
        base_dir = source.base_dir
        label = source.source
    elif isinstance(source, (str, Path)):
        from trustsim.builtin import resolve  # a path, or the name of a built-in design

        source = resolve("experiment", source)
        label = str(source)
        data = read_toml(source)
        data.setdefault("name", _default_name(Path(source)))
        base_dir = str(Path(source).resolve().parent)
    elif isinstance(source, Mapping):
        label = "<experiment>"
        data = dict(source)
    else:
        raise ConfigError(f"cannot load an experiment from a {type(source).__name__}")
    data = _normalise(data, label)
    if base_dir is not None:
        data["base_dir"] = base_dir
    if overrides:
        _refuse_swept(flatten_sections(overrides), data.get("design"), "--set")
        data["overrides"] = {**data.get("overrides", {}), **dict(overrides)}
    if replicates is not None:
        data["replicates"] = replicates
    if steps is not None:
        data["steps"] = steps
    try:
        experiment = Experiment.model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, label)) from None
    _check_design(experiment, label)
    return experiment


def _refuse_swept(overrides: Mapping[str, Any], design: Any, where: str) -> None:
    """An override of a swept parameter would be silently replaced by the design's values."""
    if not isinstance(design, Mapping):
        return
    swept = set(design.get("parameters") or {}) if isinstance(design.get("parameters"), Mapping) else set()
    for point in design.get("points") or []:
        if isinstance(point, Mapping):
            swept.update(point)
    for key in overrides:
        clash = next((p for p in swept if p == key or p.startswith(f"{key}.") or key.startswith(f"{p}.")), None)
        if clash is not None:
            raise ConfigError(
                f"{where} {key}: the design sweeps {clash}, so this value would be ignored; change "
                f"the design's values instead, or remove the override."
            )


def _default_name(path: Path) -> str:
    return safe_name(path.stem, "experiment")


def safe_name(text: str, fallback: str) -> str:
    """A file-name-safe name made of ``text`` (letters, digits, '_', '-', '.'; not starting with a dot).

    Default results folders are ``results/<name>``: a config named ``..toml`` or ``...toml``
    must not lead to ``results/..`` (the folder above).
    """
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", text).lstrip(".-")[:80]
    return name or fallback


def _check_design(experiment: Experiment, label: str) -> None:
    """Build the scenario of every design point: unknown keys and bad values fail here."""
    from trustsim.builtin import names as builtin_names
    from trustsim.sweep.design import design_points

    if experiment.scenario and not experiment.resolve_path(experiment.scenario).is_file():
        raise ConfigError(
            f"{label}: scenario = {experiment.scenario!r}: no such file "
            f"(looked for {experiment.resolve_path(experiment.scenario)}; paths are relative "
            f"to the experiment file) and no built-in scenario of that name "
            f"({', '.join(builtin_names('scenario'))})."
        )
    _check_output(experiment, label)
    _check_size(experiment, label)
    base = experiment.base_data()
    build_scenario(base, f"{label} (base scenario with overrides)")
    design = design_points(experiment)
    points = design.points
    heat = experiment.plot.heatmap
    if heat and (len(heat) != 2 or any(p not in design.names for p in heat)):
        raise ConfigError(
            f"{label}: plot.heatmap = {heat!r} is not allowed: name two swept parameters "
            f"(of: {', '.join(design.names)})."
        )
    seen: set[str] = set()
    for i, point in enumerate(points):
        where = f"{label}: design point {i} {_short(point)}"
        for key in point:
            if key in seen:
                continue
            if key in ("seed", "steps", "base_dir"):
                raise ConfigError(
                    f"{label}: design parameter '{key}' cannot be swept; seeds come from the "
                    f"experiment's seed and replicates, steps from `steps`."
                )
            seen.add(key)
        data = apply_overrides(base, point, where)
        scenario = build_scenario(data, where)
        check_horizon(scenario, scenario.steps, where)


MAX_POINTS = 1_000_000
"""Most design points of a sweep (the design is held in memory, with its SALib sample)."""

MAX_RUNS = 10_000_000
"""Most runs of a sweep (design points x replicates): the plan and manifest list every run."""


def design_size(design: Design) -> int:
    """How many design points a design makes, computed before making them."""
    d = len(design.parameters)
    if design.kind == "grid":
        return math.prod(len(v) for v in design.parameters.values())  # type: ignore[arg-type]
    if design.kind == "list":
        return len(design.points)
    if design.kind == "sobol":
        return design.samples * (2 * d + 2 if design.second_order else d + 2)
    if design.kind == "morris":
        return design.samples * (d + 1)
    return design.samples


def _check_size(experiment: Experiment, label: str) -> None:
    """Refuse a sweep the machine cannot even list, before sampling it."""
    points = design_size(experiment.design)
    if points > MAX_POINTS:
        raise ConfigError(
            f"{label}: the design makes {points:,} design points; at most {MAX_POINTS:,} are "
            f"allowed (use fewer values or samples)."
        )
    if points * experiment.replicates > MAX_RUNS:
        raise ConfigError(
            f"{label}: {points:,} design points x {experiment.replicates:,} replicates = "
            f"{points * experiment.replicates:,} runs; at most {MAX_RUNS:,} are allowed."
        )


def _check_output(experiment: Experiment, label: str) -> None:
    """Measures to keep must be columns of the model's tables (trustsim.metrics)."""
    from trustsim.metrics import MODEL_COLUMNS, SUPPLIER_COLUMNS

    for key, names, columns, keys in (
        ("output.measures", experiment.output.measures, MODEL_COLUMNS, ("step",)),
        (
            "output.supplier_measures",
            experiment.output.supplier_measures,
            SUPPLIER_COLUMNS,
            ("step", "supplier", "name"),
        ),
    ):
        allowed = [c for c in columns if c not in keys]
        for name in names:
            if name not in allowed:
                raise ConfigError(
                    f"{label}: {key} = {name!r} is not a measure.{did_you_mean(name, allowed)} "
                    f"Allowed: {', '.join(allowed)}."
                )


def _short(point: Mapping[str, Any]) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in point.items())
    return f"({text[:120]}...)" if len(text) > 120 else f"({text})"


def scenario_for(base: Mapping[str, Any], point: Mapping[str, Any]) -> Scenario:
    """The validated scenario of one design point."""
    return build_scenario(apply_overrides(dict(base), point, "design point"), "design point")
