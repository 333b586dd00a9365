"""Scenario discovery on a finished sweep: where in the parameter space does an outcome hold?

PRIM (the Patient Rule Induction Method; Friedman & Fisher 1999, as used for scenario
discovery by Bryant & Lempert 2010) peels the sweep's parameter space down to a box of
parameter ranges in which the outcome holds in most runs. Two numbers say how good a box is:
**coverage**, the share of all runs where the outcome holds that fall in the box, and
**density**, the share of runs in the box where it holds. Extra-trees feature scores (Geurts et
al. 2006) rank every swept parameter by how much it tells about the outcome, for any design.
Both come from EMA Workbench (``ema_workbench.analysis``; ``pip install 'trustsim[ema]'``).

The outcome is a condition on each run's summary row (``summary.parquet``), written as a pandas
expression: ``"nps > 30"``, ``"`customers[Listener]` > `customers[Advertiser]`"`` (backticks
around names with brackets). On the folder of a ``trustsim compare`` it reads the robustness
grid instead, one row per (cell, replicate), so it can answer "where does the listener win on
revenue?": ``"winner_revenue == 'Listener'"`` or ``"`revenue[Listener]` > `revenue[Big advertiser]`"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from trustsim.errors import ConfigError, RunError

THRESHOLD = 0.8
"""Default least density of the box reported."""

MIN_PEEL = 0.01
"""Smallest share PRIM may peel per step (below it a peel removes no run and PRIM cannot move)."""

SIGNIFICANCE = 0.05
"""A restriction of the box is kept only if EMA's quasi-p value (Bryant & Lempert 2010) is below this."""


@dataclass
class Discovery:
    """What scenario discovery found.

    Attributes:
        outcome: the condition.
        runs: runs analysed; holds: runs where the outcome holds.
        limits: the box, one row per restricted parameter: min and max (values of runs inside the box),
            or the categories kept in ``min``; ``p``, EMA's quasi-p value of the restriction.
        coverage, density, mass: of the box (mass = share of all runs inside it).
        trajectory: PRIM's peeling trajectory (coverage, density, mass, res_dim per box).
        scores: extra-trees feature score per swept parameter (sum 1), highest first.
        dropped: the restrictions (with their quasi-p >= 0.05) that PRIM's box chosen without the test
            had and the reported box does not.
        threshold: the least density asked for; met: whether the box reaches it.
    """

    outcome: str
    runs: int
    holds: int
    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame
    scores: pd.Series
    threshold: float
    met: bool
    parameters: list[str] = field(default_factory=list)
    unit: str = "runs"
    dropped: list[tuple[str, float]] = field(default_factory=list)

    def text(self) -> str:
        """The finding in plain words."""
        share = self.holds / self.runs
        box = "; ".join(self._limit_text(str(name), row) for name, row in self.limits.iterrows()) or "the whole space"
        quality = (
            "" if self.met else (f" (no box reaches density {self.threshold:.0%}; this is the densest PRIM found)")
        )
        top = ", ".join(f"{k} {v:.2f}" for k, v in self.scores.items())
        u = self.unit
        dropped = (
            " PRIM also restricted "
            + "; ".join(f"{name} (quasi-p {p:.2g})" for name, p in self.dropped)
            + ", which is not significant (could be chance), so it is not part of the box."
            if self.dropped
            else ""
        )
        return (
            f"`{self.outcome}` holds in {self.holds} of {self.runs} {u} ({share:.0%}). It holds in "
            f"{self.density:.0%} (density) of the {u} with {box}, and that box holds {self.coverage:.0%} of the "
            f"{u} where it holds (coverage; {self.mass:.0%} of all {u}){quality}.{dropped} Feature scores (extra "
            f"trees, sum 1): {top}."
        )

    @staticmethod
    def _limit_text(name: str, row: pd.Series) -> str:
        lo, hi = row["min"], row["max"]
        p = row.get("p", np.nan)
        sig = f" (quasi-p {p:.2g})" if p is not None and np.isfinite(p) else ""
        if isinstance(lo, (set, frozenset)):
            return f"{name} in {{{', '.join(map(str, sorted(lo)))}}}{sig}"
        if float(lo) == float(hi):
            return f"{name} = {float(lo):.3g}{sig}"
        return f"{name} {float(lo):.3g} to {float(hi):.3g}{sig}"


def evaluate_outcome(summary: pd.DataFrame, expr: str, source: str = "--outcome") -> np.ndarray:
    """The condition per run, as booleans, read with the safe expression language.

    Raises:
        ConfigError: the expression is not in the language (:mod:`trustsim.expressions`: no
            attribute, call, subscript or ``@``), names an unknown column, is not a condition, or
            reads no column (``1 == 1``).
    """
    from trustsim.expressions import condition

    return condition(summary, expr, source)


def compare_cells(robustness: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A comparison's robustness grid as one row per (cell, replicate), for "where does X win?".

    Columns: the varied parameters, ``<measure>[<policy>]`` for every measure and policy, and
    ``winner_<measure>``, the policy with the highest value in that replicate of that cell.
    """
    if "kind" in robustness.columns:  # the cells that move one cost assumption are not part of the grid
        robustness = robustness[robustness["kind"] == "grid"]
    vary = [k for k in str(robustness["vary"].iloc[0]).split(",") if k]
    measures = [
        c
        for c in robustness.columns
        if c not in ("cell", "policy", "replicate", "run", "vary", *vary)
        and "." not in c  # a scenario key held fixed in the grid (money.*), not a measure
        and pd.api.types.is_numeric_dtype(robustness[c])
    ]
    wide = robustness.pivot_table(index=["cell", "replicate"], columns="policy", values=measures, sort=False)
    frame = robustness.groupby(["cell", "replicate"], sort=True)[vary].first()
    for m in measures:
        part = cast(pd.DataFrame, wide[m])  # one column per policy
        for policy in part.columns:
            frame[f"{m}[{policy}]"] = part[policy]
        frame[f"winner_{m}"] = part.idxmax(axis=1)
    return frame.reset_index(), vary


def _runs(folder: Path) -> tuple[pd.DataFrame, list[str]]:
    """The runs to analyse and the parameters to explain them by: a sweep's summary, or a
    comparison's robustness cells (``trustsim compare`` folder)."""
    from trustsim.sweep import load_summary, read_manifest

    if not (folder / "manifest.json").is_file() and (folder / "robustness.parquet").is_file():
        return compare_cells(pd.read_parquet(folder / "robustness.parquet"))
    manifest = read_manifest(folder)
    return load_summary(folder), list(manifest["design"]["names"])


def discover(
    folder: str | Path, outcome: str, *, threshold: float = THRESHOLD, peel_alpha: float = 0.05, seed: int = 0
) -> Discovery:
    """PRIM scenario discovery and feature scores of a condition over a sweep's runs.

    Args:
        folder: a sweep results folder.
        outcome: the condition per run (see the module docstring).
        threshold: least density of the box reported (the box of highest coverage that reaches it).
        peel_alpha: share of the runs PRIM peels off per step.
        seed: seed of the extra-trees feature scores.

    Returns:
        The :class:`Discovery`.

    Raises:
        ConfigError: not a sweep folder, no swept parameters, a bad outcome, or one that holds
            in every run or none; EMA Workbench missing.
        RunError: the folder's files are damaged.
    """
    if not 0 < threshold <= 1:
        raise ConfigError(f"--threshold {threshold}: give a density between 0 (exclusive) and 1.")
    if not MIN_PEEL <= peel_alpha < 0.5:
        raise ConfigError(
            f"--peel-alpha {peel_alpha}: give a share between {MIN_PEEL} and 0.5 (PRIM peels this share of the "
            "runs off per step; 0.05 to 0.1 is usual)."
        )
    folder = Path(folder)
    summary, names = _runs(folder)
    unit = "cell replicates" if "winner_" in " ".join(summary.columns) and "cell" in summary else "runs"
    if summary.empty:
        raise RunError(f"{folder}: no finished runs yet.")
    if not names:
        raise ConfigError(f"{folder}: the sweep varies no parameter; scenario discovery needs a design that does.")
    y = evaluate_outcome(summary, outcome)
    holds = int(y.sum())
    if holds in (0, len(y)):
        which = "none" if holds == 0 else "every one"
        raise ConfigError(
            f"--outcome {outcome!r} holds in {which} of the {len(y)} runs: there is nothing to "
            "separate; choose a condition that holds in some runs and not in others."
        )
    from trustsim.ema import require_ema

    require_ema()
    from ema_workbench.analysis import feature_scoring, prim

    x = summary[names].copy()
    for name in names:
        if not pd.api.types.is_numeric_dtype(x[name]) or pd.api.types.is_bool_dtype(x[name]):
            x[name] = x[name].astype(str).astype("category")
    box = prim.Prim(x, y, peel_alpha=peel_alpha).find_box()
    if box is None:  # only when no data remain; the first box starts from all of it
        raise RunError(f"{folder}: PRIM found no box for {outcome!r}.")
    trajectory = box.peeling_trajectory.copy()
    pick, dropped = significant_box(box, trajectory, threshold)
    stats, limits = _inspect(box, pick)
    limits = _on_runs(limits, x, names)
    met = bool(float(stats["density"]) >= threshold)  # pyright: ignore[reportArgumentType]
    coded = x.apply(lambda c: c.cat.codes if isinstance(c.dtype, pd.CategoricalDtype) else c)
    scores, _ = feature_scoring.get_ex_feature_scores(
        coded,
        y,
        mode=feature_scoring.RuleInductionType.CLASSIFICATION,
        random_state=seed,
        # EMA's default, a third of the parameters rounded, is 0 for one parameter (scikit-learn refuses it)
        max_features=max(1, round(len(names) / 3)),
    )
    scores = scores.iloc[:, 0].sort_values(ascending=False)
    return Discovery(
        outcome,
        len(y),
        holds,
        limits,
        float(stats["coverage"]),
        float(stats["density"]),
        float(stats["mass"]),
        trajectory,
        scores,
        threshold,
        met,
        names,
        unit,
        dropped,
    )


def _inspect(box: Any, i: int) -> tuple[pd.Series, pd.DataFrame]:
    """Box i's statistics and its limits: min, max and ``p`` (EMA's quasi-p value) per restriction."""
    # style="data" gives (stats, limits) per box; ema_workbench leaves the return type unannotated
    stats, limits = cast("tuple[pd.Series, pd.DataFrame]", box.inspect(i, style="data")[0])
    flat = limits.droplevel(0, axis=1) if isinstance(limits.columns, pd.MultiIndex) else limits
    qp = flat.iloc[:, 2:].astype(float)
    out = flat.iloc[:, :2].copy()
    out.columns = ["min", "max"]
    # a restriction on one side has one quasi-p (the other side is NaN); on both, the weaker one counts
    out["p"] = qp.max(axis=1, skipna=True)
    return stats, out


def significant_box(box: Any, trajectory: pd.DataFrame, threshold: float) -> tuple[int, list[tuple[str, float]]]:
    """The box to report: PRIM's trajectory with every box's chance restrictions dropped, then the box
    of highest coverage with density >= `threshold` (else the densest).

    A restriction whose quasi-p value (EMA's one-sided binomial test of the box's density with
    and without it; Bryant & Lempert 2010) is not below :data:`SIGNIFICANCE` could be chance. Each
    box of the trajectory loses such restrictions one at a time, weakest first, with EMA's
    ``drop_restriction`` (which re-tests the rest), so only boxes whose every restriction is
    significant can be chosen. The first box (no restriction) always qualifies.

    Returns:
        The box's index on the (extended) trajectory, and the restrictions with their quasi-p
        values that the box chosen without the test had and the reported one does not.
    """
    original = [int(i) for i in trajectory["id"]]
    sound: dict[int, int] = {}
    for i in original:
        j = i
        while True:
            limits = _inspect(box, j)[1]
            weak = limits[limits["p"] >= SIGNIFICANCE]  # NaN (no test possible) is shown as n/a, not dropped
            if weak.empty:
                break
            box.drop_restriction(str(weak["p"].idxmax()), i=j)
            j = len(box.box_lims) - 1
        sound[i] = j

    def choose(ids: list[int]) -> int:
        frame = box.peeling_trajectory.iloc[ids]
        ok = frame[frame["density"] >= threshold]
        order = (
            ok.sort_values(["coverage", "density"], ascending=False)
            if not ok.empty
            else frame.sort_values(["density", "coverage"], ascending=False)
        )
        return int(order.index[0])

    pick, naive = choose(sorted(set(sound.values()))), choose(original)
    kept = set(_inspect(box, pick)[1].index)
    before = _inspect(box, naive)[1]
    weak = before[(before["p"] >= SIGNIFICANCE) & ~before.index.isin(kept)]
    return pick, [(str(n), float(p)) for n, p in weak["p"].items()]


def _on_runs(limits: pd.DataFrame, x: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The box's numeric limits moved in to the values of runs inside it.

    PRIM cuts between data points (at quantiles), so its limits can be values no run had, e.g.
    the midpoint between two grid levels; the runs inside are the same with limits on the
    smallest and largest value inside, which are values that were run.
    """
    inside = np.ones(len(x), dtype=bool)
    for name, row in limits.iterrows():
        column = x[str(name)]
        if isinstance(row["min"], (set, frozenset)):
            inside &= column.astype(str).isin({str(v) for v in row["min"]}).to_numpy()
        else:
            inside &= ((column >= row["min"]) & (column <= row["max"])).to_numpy()
    out = limits.copy().astype(object)
    for name, row in limits.iterrows():
        if not isinstance(row["min"], (set, frozenset)) and inside.any():
            values = x[str(name)].to_numpy()[inside]
            out.loc[name, "min"], out.loc[name, "max"] = float(values.min()), float(values.max())
    out["p"] = limits["p"].astype(float)
    return out


def write_discovery(d: Discovery, out_dir: str | Path) -> dict[str, Path]:
    """Write ``discover.md`` and ``discover.json`` (atomically) to `out_dir`; returns the paths."""
    from trustsim.io import atomic_write_json, atomic_write_text
    from trustsim.reporting import md_table

    out = Path(out_dir)
    rows = [
        [
            name,
            *(
                str(sorted(r["min"])) if isinstance(r["min"], (set, frozenset)) else f"{float(r['min']):.4g}",
                "" if isinstance(r["min"], (set, frozenset)) else f"{float(r['max']):.4g}",
            ),
            f"{r['p']:.3g}" if np.isfinite(r["p"]) else "n/a",
        ]
        for name, r in d.limits.iterrows()
    ]
    rows += [[name, "(dropped: not significant)", "", f"{p:.3g}"] for name, p in d.dropped]
    traj = [
        [int(r["id"]), f"{r['coverage']:.3f}", f"{r['density']:.3f}", f"{r['mass']:.3f}", int(r["res_dim"])]
        for _, r in d.trajectory.iterrows()
    ]
    md = "\n".join(
        [
            f"# Scenario discovery: `{d.outcome}`",
            "",
            d.text(),
            "",
            "## The box",
            "",
            "Limits are values of runs inside the box; quasi-p is EMA's one-sided binomial test of the "
            f"restriction (Bryant & Lempert 2010); restrictions with quasi-p {SIGNIFICANCE} or more are dropped "
            "(EMA's drop_restriction) before a box is chosen.",
            "",
            md_table(["parameter", "min", "max", "quasi-p"], rows),
            "",
            "## Feature scores",
            "",
            md_table(["parameter", "score"], [[k, f"{v:.3f}"] for k, v in d.scores.items()]),
            "",
            "## Peeling trajectory",
            "",
            md_table(["box", "coverage", "density", "mass", "restricted"], traj),
            "",
        ]
    )
    paths = {"md": out / "discover.md", "json": out / "discover.json"}
    atomic_write_text(paths["md"], md)
    atomic_write_json(
        paths["json"],
        {
            "outcome": d.outcome,
            "runs": d.runs,
            "holds": d.holds,
            "coverage": d.coverage,
            "density": d.density,
            "mass": d.mass,
            "threshold": d.threshold,
            "met": d.met,
            "box": {
                name: (
                    {"categories": sorted(map(str, r["min"]))}
                    if isinstance(r["min"], (set, frozenset))
                    else {"min": float(r["min"]), "max": float(r["max"])}
                )
                | {"quasi_p": float(r["p"]) if np.isfinite(r["p"]) else None}
                for name, r in d.limits.iterrows()
            },
            "not_significant": {name: p for name, p in d.dropped},
            "feature_scores": {k: float(v) for k, v in d.scores.items()},
        },
    )
    return paths
