"""Experiments: each claim of the source texts as a sweep, with figures and findings.json.

One command runs one experiment (``trustsim experiment ten_ambassadors``): its built-in design
``<name>.toml`` (shipped in the package; ``experiments/`` in a source checkout) runs through
:func:`trustsim.sweep.run_sweep` and the analysis module of the same name in this package writes
its figures (PNG) and ``findings.json`` (headline numbers with 95% confidence intervals over
replicates) to ``results/<name>/``.

Library use::

    from trustsim.experiments import run_experiment
    report = run_experiment("asymmetry", "results/asymmetry", size="tiny")
    report.findings["recovery_steps"]
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from trustsim import builtin
from trustsim.errors import ConfigError
from trustsim.experiments.common import SIZES, Size, SweepData, run_design, write_findings

EXPERIMENTS: tuple[str, ...] = (
    "one_firm",
    "ten_ambassadors",
    "asymmetry",
    "over_delivery",
    "channels",
    "four_components",
    "scandal_lockin",
    "mutual_trust",
    "networks",
)
"""The experiments, flagship first; each has a built-in design <name>.toml and a module here."""


@dataclass
class Context:
    """What an analysis module gets: where its design is, where to write, at which size."""

    name: str
    path: Path
    out: Path
    size: str
    workers: int | None = None
    scheduler: str | None = None
    progress: bool = True
    seconds: dict[str, float] = field(default_factory=dict)

    def sweep(self, path: Path, sizes: dict[str, Size], run_fn: str | None = None) -> SweepData:
        """Run (or resume) one design at this context's size; its store goes to out/sweeps/."""
        size = sizes.get(self.size, Size())
        folder = self.out / "sweeps" / f"{path.stem}-{self.size}"
        data = run_design(
            path,
            folder,
            size,
            workers=self.workers,
            scheduler=self.scheduler,
            progress=self.progress,
            run_fn=run_fn,
        )
        self.seconds[path.stem] = round(data.seconds, 2)
        return data

    def sibling(self, stem: str) -> Path | None:
        """A companion design next to the main one (e.g. ten_ambassadors_exchange.toml)."""
        path = self.path.parent / f"{stem}.toml"
        return path if path.is_file() else None


@dataclass
class Report:
    """The outcome of one experiment: its findings (as written) and the files it wrote."""

    name: str
    out: Path
    findings: dict[str, Any]
    figures: list[Path]


def experiment_path(name_or_file: str | Path) -> tuple[str, Path]:
    """Resolve an experiment TOML path or built-in name to (experiment name, design file).

    A built-in name is one of :data:`EXPERIMENTS` or a built-in variant of one
    (``ten_ambassadors_open``).

    Raises:
        ConfigError: unknown name, missing file, or a file whose `name` has no analysis.
    """
    text = str(name_or_file)
    if builtin.is_name(text) and not Path(text).is_file() and text not in builtin.names("experiment"):
        variants = [n for n in builtin.names("experiment") if n not in EXPERIMENTS]
        raise ConfigError(
            f"experiment {text!r}: not a built-in experiment and not a file."
            f"{builtin.did_you_mean(text, builtin.names('experiment'))} Built-in experiments: "
            f"{', '.join(EXPERIMENTS)}; other built-in designs (variants, or sweeps for `trustsim sweep`): "
            f"{', '.join(variants)}; or give the path of an experiment TOML file (see `trustsim list`)."
        )
    path = builtin.resolve("experiment", text)
    from trustsim.config import read_toml

    data = read_toml(path)
    name = data.get("name", path.stem)
    if name not in EXPERIMENTS:
        raise ConfigError(
            f"{path}: name = {name!r} has no analysis; an experiment file given to "
            f"`trustsim experiment` must be a variant of one of {', '.join(EXPERIMENTS)} (keep its "
            f"name and change its design or overrides), or run it with `trustsim sweep`."
        )
    return str(name), path


def analysis_module(name: str) -> ModuleType:
    """The analysis module of a built-in experiment (one of :data:`EXPERIMENTS`).

    Raises:
        ConfigError: `name` is not one of them.
    """
    if name not in EXPERIMENTS:
        raise ConfigError(f"experiment {name!r} has no analysis; the experiments are: {', '.join(EXPERIMENTS)}.")
    return importlib.import_module(f"trustsim.experiments.{name}")


def run_experiment(
    name_or_file: str | Path,
    out_dir: str | Path | None = None,
    *,
    size: str = "full",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> Report:
    """Run one experiment at a size and write its figures and findings.json.

    Args:
        name_or_file: an experiment name (see :data:`EXPERIMENTS`) or its TOML file.
        out_dir: results folder (default ``results/<name>``); sweeps are kept in ``sweeps/``
            below it, so running again resumes and re-analyses.
        size: "tiny" (CI smoke test), "laptop" (minutes) or "full" (the TOML as written).
        workers, scheduler: as for :func:`trustsim.sweep.run_sweep`.
        progress: show sweep progress on stderr.

    Returns:
        The :class:`Report` (findings as written to findings.json).
    """
    if size not in SIZES:
        raise ConfigError(f"--size {size!r} is not allowed; choose one of {', '.join(SIZES)}.")
    name, path = experiment_path(name_or_file)
    out = Path(out_dir) if out_dir is not None else Path("results") / name
    module = analysis_module(name)
    ctx = Context(name, path, out, size, workers, scheduler, progress)
    started = time.monotonic()
    findings, figures = module.analyse(ctx)
    header = {
        "experiment": name,
        "design_file": str(path),
        "size": size,
        "claim": module.CLAIM,
        "falsified_if": module.FALSIFIED_IF,
        "runtime_seconds": round(time.monotonic() - started, 1),
        "sweep_seconds": ctx.seconds,
    }
    findings = header | findings
    write_findings(out, findings)
    from trustsim.experiments.common import clean

    return Report(name, out, clean(findings), figures)


__all__ = ["EXPERIMENTS", "Context", "Report", "analysis_module", "experiment_path", "run_experiment"]
