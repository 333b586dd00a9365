"""Designs: turn an experiment's [design] into a list of parameter sets (design points).

Grids and explicit lists are enumerated; Latin hypercube, Sobol (Saltelli) and Morris samples
are drawn with SALib, seeded by the experiment's seed so the design is reproducible.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from trustsim.sweep.experiment import Experiment, Range


@dataclass(frozen=True)
class DesignPoints:
    """The resolved design.

    Attributes:
        kind: the design kind (grid, list, lhs, sobol, morris).
        names: the swept parameters (dotted scenario keys), in design order.
        points: one dict {parameter: value} per design point.
        problem: the SALib problem dict (lhs, sobol, morris), else None.
        samples: the unrounded SALib sample matrix (points x parameters), else None.
    """

    kind: str
    names: list[str]
    points: list[dict[str, Any]]
    problem: dict[str, Any] | None = None
    samples: np.ndarray | None = field(default=None, repr=False)


def design_points(experiment: Experiment) -> DesignPoints:
    """Enumerate or sample the design points of an experiment (no replicates, no seeds)."""
    design = experiment.design
    if design.kind == "grid":
        names = list(design.parameters)
        values = [design.parameters[n] for n in names]
        points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]
        return DesignPoints("grid", names, points)
    if design.kind == "list":
        names = list(dict.fromkeys(k for p in design.points for k in p))
        return DesignPoints("list", names, [dict(p) for p in design.points])
    ranges: dict[str, Range] = dict(design.parameters)  # type: ignore[arg-type]
    names = list(ranges)
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[ranges[n].low, ranges[n].high] for n in names],
    }
    seed = experiment.seed % (2**32)
    if design.kind == "lhs":
        from SALib.sample import latin

        matrix = latin.sample(problem, design.samples, seed=seed)
    elif design.kind == "sobol":
        from SALib.sample import sobol

        matrix = sobol.sample(problem, design.samples, calc_second_order=design.second_order, seed=seed)
    else:
        from SALib.sample import morris

        matrix = morris.sample(problem, design.samples, num_levels=design.levels, seed=seed)
    points = [{n: ranges[n].value(float(row[j])) for j, n in enumerate(names)} for row in matrix]
    return DesignPoints(design.kind, names, points, problem, np.asarray(matrix, dtype=float))
