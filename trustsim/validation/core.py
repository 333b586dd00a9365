"""What a validation check is, how big the suite runs, and the registry of checks.

A check plans the runs it needs (:class:`~trustsim.validation.runs.Job`), then judges their
tables against an expectation known independently of the model, with a tolerance derived
from the sample size. The same checks run from `trustsim validate` (size ``"full"``) and from
the test suite (size ``"ci"``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trustsim.validation.runs import Job, Tables


@dataclass(frozen=True)
class Size:
    """How many people, runs and parameter pairs a suite size uses."""

    name: str
    bass_customers: int
    bass_runs: int
    bass_grid: tuple[tuple[float, float], ...]
    closed_form_pairs: tuple[tuple[float, float], ...]
    ads_only_p: tuple[float, ...]
    figure_pairs: tuple[tuple[float, float], ...]
    network_customers: int
    network_runs: int
    spread_customers: tuple[int, ...]
    spread_runs: int
    trust_customers: int
    trust_runs: int
    channel_customers: int
    channel_runs: int
    market_customers: int
    market_runs: int
    issue_tolerances: bool = False
    pattern_runs: int = 3


def _grid(ps: tuple[float, ...], qs: tuple[float, ...]) -> tuple[tuple[float, float], ...]:
    return tuple((p, q) for p in ps for q in qs)


SIZES: dict[str, Size] = {
    "full": Size(
        name="full",
        bass_customers=20_000,
        bass_runs=5,
        bass_grid=_grid((0.005, 0.01, 0.03, 0.05), (0.05, 0.2, 0.38, 0.5)),
        closed_form_pairs=((0.002, 0.05), (0.005, 0.05), (0.012, 0.05), (0.005, 0.02), (0.012, 0.02)),
        ads_only_p=(0.01, 0.05),
        figure_pairs=((0.03, 0.38), (0.01, 0.2), (0.005, 0.05)),
        network_customers=20_000,
        network_runs=5,
        spread_customers=(2_500, 10_000, 40_000),
        spread_runs=16,
        trust_customers=4_000,
        trust_runs=4,
        channel_customers=20_000,
        channel_runs=4,
        market_customers=10_000,
        market_runs=3,
        issue_tolerances=True,
        pattern_runs=10,
    ),
    "ci": Size(
        name="ci",
        bass_customers=5_000,
        bass_runs=4,
        bass_grid=_grid((0.01, 0.05), (0.05, 0.38, 0.5)),
        closed_form_pairs=((0.005, 0.05), (0.012, 0.02)),
        ads_only_p=(0.02,),
        figure_pairs=((0.05, 0.38), (0.01, 0.05)),
        network_customers=5_000,
        network_runs=4,
        spread_customers=(1_000, 4_000, 16_000),
        spread_runs=12,
        trust_customers=1_000,
        trust_runs=3,
        channel_customers=10_000,
        channel_runs=3,
        market_customers=3_000,
        market_runs=2,
    ),
}
"""``full``: what `trustsim validate` runs (a few minutes); ``ci``: the test suite's size."""

ALPHA = 1e-3
"""Chance of a false alarm allowed per check (split over all its comparisons)."""


@dataclass
class CheckResult:
    """The verdict of one check, in words a reader can judge, with the numbers behind it.

    Attributes:
        name: short id (``bass_recursion``, ``asymmetry``, ...).
        title: what is checked, in one line.
        expected: the expectation and where it comes from.
        measured: what the model did.
        tolerance: the allowed deviation and how it was derived.
        passed: whether the model met the expectation within the tolerance.
        reference: the literature the expectation comes from.
        details: rows (dicts of column -> value) for the report's per-check table.
        curves: arrays for figures (the Bass docking figure).
    """

    name: str
    title: str
    expected: str
    measured: str
    tolerance: str
    passed: bool
    reference: str
    details: list[dict[str, Any]] = field(default_factory=list)
    curves: dict[Any, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.passed = bool(self.passed)


@dataclass(frozen=True)
class Check:
    """A registered check: its id, the runs it needs and how it judges them."""

    name: str
    plan: Callable[[Size], list[Job]]
    judge: Callable[[Size, dict[Job, Tables]], CheckResult]
    sizes: tuple[str, ...] = ("full", "ci")


CHECKS: list[Check] = []


def register(
    name: str, plan: Callable[[Size], list[Job]], sizes: tuple[str, ...] = ("full", "ci")
) -> Callable[[Callable[[Size, dict[Job, Tables]], CheckResult]], Callable[[Size, dict[Job, Tables]], CheckResult]]:
    """Decorator adding a judge function (with its planner) to :data:`CHECKS`."""

    def deco(
        judge: Callable[[Size, dict[Job, Tables]], CheckResult],
    ) -> Callable[[Size, dict[Job, Tables]], CheckResult]:
        CHECKS.append(Check(name, plan, judge, sizes))
        return judge

    return deco


def no_runs(size: Size) -> list[Job]:
    """Planner of checks that need no simulation runs (mechanism-level checks)."""
    return []
