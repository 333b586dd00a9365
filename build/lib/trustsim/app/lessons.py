"""Ready-made lessons and the knobs a teacher turns, as overrides on a scenario.

A lesson is a named set of dotted-key overrides (see :func:`trustsim.config.apply_overrides`)
applied on top of the scenario the app was started with, plus two sentences telling the class
what to watch for. A knob is one parameter the teacher talks about, bound to one scenario key.
Supplier knobs steer S1, "the firm you steer"; the other firms keep the lesson's policies.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trustsim.config import Scenario, load_scenario


@dataclass(frozen=True)
class Lesson:
    """A ready-made scenario for the class.

    Attributes:
        title: name shown in the picker.
        watch_for: two sentences on screen: what happens and what to look at.
        overrides: dotted scenario keys to set, e.g. ``{"suppliers.0.promise": 0.95}``.
        firms: number of suppliers in the lesson (None keeps the base scenario's); the
            base's later suppliers, and shocks aimed at them, are dropped.
    """

    title: str
    watch_for: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    firms: int | None = None


SAME_BASICS: dict[str, Any] = {
    f"suppliers.{i}.{key}": value
    for i in (0, 1)
    for key, value in {"promise": 0.7, "competence": 0.85, "reliability": 0.95,
                       "transparency": 0.5, "price": 1.0, "capacity": 1.0}.items()
}
"""Two-firm lessons give both firms the same basics, so only the lesson's difference counts."""

LESSONS: dict[str, Lesson] = {
    "free_play": Lesson(
        "Free play",
        "Several firms compete for the same customers; S1 is the firm you steer with the "
        "sliders. Watch who turns customers into ambassadors first, and what that does to "
        "growth.",
    ),
    "ten_ambassadors": Lesson(
        "Ten ambassadors, not one customer",
        "Both firms advertise the same, but S1 over-delivers and listens while S2 just keeps "
        "its promises. Watch S1's ambassadors appear, then its growth speed up as they "
        "recommend it to their friends.",
        {
            **SAME_BASICS,
            "suppliers.0.name": "Over-deliverer",
            "suppliers.0.over_delivery": 0.1,
            "suppliers.0.care": 0.85,
            "suppliers.0.ad_budget": 1.0,
            "suppliers.1.name": "Just enough",
            "suppliers.1.over_delivery": 0.0,
            "suppliers.1.care": 0.5,
            "suppliers.1.ad_budget": 1.0,
        },
        firms=2,
    ),
    "broken_promise": Lesson(
        "The broken promise",
        "S1 promises more than it can deliver, so many of its promises break. Watch its "
        "detractors warn their friends and its NPS sink, while firms that keep their promises "
        "slowly win trust.",
        {
            "suppliers.0.name": "Over-promiser",
            "suppliers.0.promise": 0.95,
            "suppliers.0.competence": 0.8,
            "suppliers.0.over_delivery": 0.0,
        },
    ),
    "scandal": Lesson(
        "Scandal",
        "At step 20 a scandal hits S1, although it keeps delivering as before. Watch trust drop "
        "at once, and how slowly it comes back: trust is earned only once.",
        {"shocks": [{"step": 20, "supplier": 0, "severity": 2.0, "reach": 1.0}]},
    ),
    "ads_vs_wom": Lesson(
        "Ads vs word of mouth",
        "S1 buys reach with a big advertising budget; S2 hardly advertises and relies on happy "
        "customers who talk. Compare how fast each grows, and who is ahead after a year.",
        {
            **SAME_BASICS,
            "suppliers.0.name": "Big ads",
            "suppliers.0.ad_budget": 5.0,
            "suppliers.0.care": 0.35,
            "suppliers.0.over_delivery": 0.0,
            "suppliers.1.name": "Word of mouth",
            "suppliers.1.ad_budget": 0.2,
            "suppliers.1.care": 0.85,
            "suppliers.1.over_delivery": 0.1,
        },
        firms=2,
    ),
}
"""The lessons of the picker, in the order shown (the experiments' scenarios)."""


@dataclass(frozen=True)
class Knob:
    """A slider (or a picker, when `choices` is set) bound to one scenario key.

    Attributes:
        label: text next to the control.
        key: dotted scenario key, e.g. ``"suppliers.0.promise"``.
        low, high, step: range and increment of a slider.
        choices: the allowed values of a picker.
    """

    label: str
    key: str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05
    choices: tuple[str, ...] = ()


KNOBS: dict[str, Knob] = {
    "promise": Knob("S1 promise level", "suppliers.0.promise"),
    "over_delivery": Knob("S1 over-delivery", "suppliers.0.over_delivery", 0.0, 0.3, 0.01),
    "reliability": Knob("S1 reliability", "suppliers.0.reliability"),
    "transparency": Knob("S1 transparency / repair", "suppliers.0.transparency"),
    "care": Knob("S1 care (listening)", "suppliers.0.care"),
    "ad_budget": Knob("S1 advertising budget", "suppliers.0.ad_budget", 0.0, 6.0, 0.25),
    "recommendation_rate": Knob("Recommendations per ambassador", "wom.rate", 0.0, 2.0, 0.05),
    "credibility_recommendation": Knob(
        "Credibility of recommendations", "credibility.recommendation"
    ),
    "credibility_ad": Knob("Credibility of ads", "credibility.ad"),
    "loss_multiplier": Knob(
        "Loss multiplier (broken promise)", "trust.loss_multiplier", 1.0, 6.0, 0.25
    ),
    "network_kind": Knob(
        "Network",
        "network.kind",
        choices=("small_world", "scale_free", "erdos_renyi", "well_mixed"),
    ),
    "customers": Knob("Customers", "market.customers", 200, 20_000, 100),
}
"""The parameters a teacher talks about, in the order of the sidebar."""


def lesson_scenario(base: Scenario, lesson: str) -> Scenario:
    """The base scenario with a lesson's firms and overrides applied.

    Raises:
        ConfigError: if the lesson does not fit the base scenario.
    """
    chosen = LESSONS[lesson]
    data = base.model_dump(exclude_unset=True)
    data["base_dir"] = base.base_dir
    firms = chosen.firms
    if firms is None and any(k.startswith("suppliers.1.") for k in chosen.overrides):
        firms = max(2, base.market.suppliers)
    if firms is not None:
        data.setdefault("market", {})["suppliers"] = firms
        data["suppliers"] = data.get("suppliers", [])[:firms]
        data["shocks"] = [
            shock for shock in data.get("shocks", [])
            if shock.get("supplier", "all") == "all" or shock["supplier"] < firms
        ]
    return load_scenario(data, overrides=chosen.overrides)


def knob_values(scenario: Scenario) -> dict[str, Any]:
    """The current value of every knob in a scenario (what the sliders start at)."""
    values: dict[str, Any] = {}
    s1 = scenario.supplier_policies()[0]
    for name, knob in KNOBS.items():
        section, _, attr = knob.key.rpartition(".")
        if section == "suppliers.0":
            values[name] = getattr(s1, attr)
        else:
            values[name] = getattr(getattr(scenario, section), attr)
    return values


def classroom_scenario(base: Scenario, lesson: str, knobs: Mapping[str, Any]) -> Scenario:
    """The scenario a class runs: the base, then the lesson, then the knobs' values.

    Args:
        base: the scenario the app was started with.
        lesson: a key of :data:`LESSONS`.
        knobs: values by knob name; None or missing keeps the lesson's value.

    Raises:
        ConfigError: if a value is out of range (the message names the key).
    """
    scenario = lesson_scenario(base, lesson)
    overrides = {KNOBS[k].key: v for k, v in knobs.items() if v is not None}
    return load_scenario(scenario, overrides=overrides) if overrides else scenario


def seed_from_text(text: int | str) -> int:
    """A seed from the seed box: an integer as typed, or a stable number made from any text."""
    text = str(text).strip()
    if text.isdigit():
        return int(text)
    return zlib.crc32(text.encode("utf-8"))
