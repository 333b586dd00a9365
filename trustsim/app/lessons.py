"""Ready-made lessons and the knobs a teacher turns, as overrides on a scenario.

A lesson is a named set of dotted-key overrides (see :func:`trustsim.config.apply_overrides`)
applied on top of the scenario the app was started with, plus two sentences telling the class
what to watch for. A knob is one parameter the teacher talks about, bound to one scenario key.
Supplier knobs steer S1, "the firm you steer"; the other firms keep the lesson's policies.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trustsim import builtin
from trustsim.config import Scenario, load_scenario


@dataclass(frozen=True)
class Lesson:
    """A ready-made scenario for the class, with its lesson plan in English and Dutch.

    Attributes:
        title: name shown in the picker, by language.
        watch_for: two sentences on screen: what happens and what to look at, by language.
        questions: what to ask the class, by language.
        expect: what students should see, by language.
        overrides: dotted scenario keys to set, e.g. ``{"suppliers.0.promise": 0.95}``.
        firms: number of suppliers in the lesson (None keeps the base scenario's); the
            base's later suppliers, and shocks aimed at them, are dropped.
        weeks: the weeks the lesson speaks of ("after a year"): the plots' time axis spans
            them from the start, and grows past them only if the class plays on.
    """

    title: Mapping[str, str]
    watch_for: Mapping[str, str]
    questions: Mapping[str, tuple[str, ...]]
    expect: Mapping[str, str]
    overrides: Mapping[str, Any] = field(default_factory=dict)
    firms: int | None = None
    weeks: int = 52


SAME_BASICS: dict[str, Any] = {
    f"suppliers.{i}.{key}": value
    for i in (0, 1)
    for key, value in {
        "promise": 0.7,
        "competence": 0.85,
        "reliability": 0.95,
        "transparency": 0.5,
        "price": 1.0,
        "capacity": 1.0,
    }.items()
}
"""Two-firm lessons give both firms the same basics, so only the lesson's difference counts."""
SAME_CARE_AND_ADS: dict[str, Any] = {"over_delivery": 0.0, "care": 0.6, "ad_budget": 1.0, "banner_share": 0.0}
"""The rest of a policy, for a lesson whose firms differ in their promise alone."""

LESSONS: dict[str, Lesson] = {
    "free_play": Lesson(
        {"en": "Free play", "nl": "Vrij spel"},
        {
            "en": "Several firms compete for the same customers; S1 is the firm you steer with the "
            "sliders. Watch who turns customers into ambassadors first, and what that does to "
            "growth.",
            "nl": "Een paar bedrijven dingen naar dezelfde klanten; S1 stuur je zelf met de "
            "schuifjes. Kijk wie als eerste klanten tot ambassadeur maakt, en wat dat met de "
            "groei doet.",
        },
        {
            "en": (
                "Which firm gets its first ambassadors, and when?",
                "Which firm loses trust, and why?",
                "Set S1's sliders to build the firm with the most ambassadors after 52 weeks.",
            ),
            "nl": (
                "Welk bedrijf krijgt als eerste ambassadeurs, en wanneer?",
                "Welk bedrijf verliest vertrouwen, en waarom?",
                "Zet de schuifjes van S1 zo dat het na 52 weken de meeste ambassadeurs heeft.",
            ),
        },
        {
            "en": "The firms that keep promises and listen gather green ambassadors after a few "
            "weeks and then grow faster; the advertiser grows first, then gathers people who "
            "warn others (orange).",
            "nl": "De bedrijven die beloftes houden en luisteren krijgen na een paar weken groene "
            "ambassadeurs en groeien dan sneller; de adverteerder groeit eerst, daarna krijgt "
            "hij mensen die anderen waarschuwen (oranje).",
        },
    ),
    "ten_ambassadors": Lesson(
        {"en": "Ten ambassadors, not one customer", "nl": "Tien ambassadeurs, niet één klant"},
        {
            "en": "Both firms advertise the same, but S1 over-delivers and listens while S2 just keeps "
            "its promises. Watch S1's ambassadors appear, then its growth speed up as they "
            "recommend it to their friends.",
            "nl": "Beide bedrijven adverteren evenveel, maar S1 levert meer dan beloofd en luistert, "
            "terwijl S2 alleen zijn beloftes houdt. Kijk hoe S1 ambassadeurs krijgt en daarna "
            "sneller groeit doordat zij het bij vrienden aanbevelen.",
        },
        {
            "en": (
                "Which firm grows faster in the first weeks?",
                "When do the first green dots appear, and at which firm?",
                "What happens to S1's growth after that? Why do the green dots cluster?",
            ),
            "nl": (
                "Welk bedrijf groeit de eerste weken sneller?",
                "Wanneer verschijnen de eerste groene stippen, en bij welk bedrijf?",
                "Wat gebeurt er daarna met de groei van S1? Waarom zitten de groene stippen bij elkaar?",
            ),
        },
        {
            "en": "About the same growth at first; after several weeks green ambassadors around S1's "
            "squares, then S1's customer line bending upwards and its NPS pulling away.",
            "nl": "Eerst ongeveer even snelle groei; na een aantal weken groene ambassadeurs rond de "
            "vierkantjes van S1, daarna buigt de klantenlijn van S1 omhoog en loopt zijn NPS "
            "weg.",
        },
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
        {"en": "The broken promise", "nl": "De gebroken belofte"},
        {
            "en": "S1 and S2 are equally good at the job, but S1 promises more than it can deliver, so "
            "most of its promises break, while S2 promises what it can do and keeps most of them. "
            "Watch the people who warn others gather around S1 and its NPS sink, while S2 slowly "
            "wins trust and customers.",
            "nl": "S1 en S2 zijn even goed in hun vak, maar S1 belooft meer dan het kan waarmaken, dus "
            "de meeste beloftes worden gebroken, terwijl S2 belooft wat het kan en de meeste "
            "beloftes houdt. Kijk hoe rond S1 mensen opduiken die anderen waarschuwen en hoe zijn "
            "NPS zakt, terwijl S2 langzaam vertrouwen en klanten wint.",
        },
        {
            "en": (
                "Why does S1's trust stay low while S2's trust grows?",
                "Where do the orange dots appear?",
                "Predict, then try: loss multiplier 1, then 5 (press Reset after each).",
            ),
            "nl": (
                "Waarom blijft het vertrouwen in S1 laag terwijl dat in S2 groeit?",
                "Waar verschijnen de oranje stippen?",
                "Voorspel en probeer: verliesfactor 1, dan 5 (druk na elke keer op Opnieuw).",
            ),
        },
        {
            "en": "More orange dots around S1's squares than around S2's triangles, S1's NPS far below "
            "S2's, S1's trust below S2's and S1 growing more slowly than S2.",
            "nl": "Meer oranje stippen rond de vierkantjes van S1 dan rond de driehoekjes van S2, de "
            "NPS van S1 ver onder die van S2, minder vertrouwen in S1 dan in S2, en S1 groeit "
            "trager dan S2.",
        },
        {
            **SAME_BASICS,
            **{f"suppliers.{i}.{key}": value for i in (0, 1) for key, value in SAME_CARE_AND_ADS.items()},
            "suppliers.0.name": "Over-promiser",
            "suppliers.0.promise": 0.95,
            "suppliers.1.name": "Keeps its word",
        },
        firms=2,
    ),
    "scandal": Lesson(
        {"en": "Scandal", "nl": "Schandaal"},
        {
            "en": "At week 20 a scandal hits S1, although it keeps delivering as before. Watch trust "
            "drop at once, and how slowly it comes back: trust is earned only once.",
            "nl": "In week 20 treft een schandaal S1, hoewel het net zo goed blijft leveren. Kijk hoe "
            "het vertrouwen meteen keldert en hoe langzaam het terugkomt: vertrouwen verdien je "
            "maar één keer.",
        },
        {
            "en": (
                "Does trust come back? How fast?",
                "Do all of S1's customers leave? Why not?",
                "Press 'Scandal, all' in another run: do customers switch as much?",
            ),
            "nl": (
                "Komt het vertrouwen terug? Hoe snel?",
                "Lopen alle klanten van S1 weg? Waarom niet?",
                "Druk in een andere run op 'Schandaal, allen': stappen klanten even vaak over?",
            ),
        },
        {
            "en": "A marked drop of S1's trust at week 20 and a slow climb back; some customers "
            "leave, many stay where no rival is trusted more.",
            "nl": "Een duidelijke val van het vertrouwen in S1 in week 20 en een langzaam herstel; "
            "sommige klanten vertrekken, velen blijven als geen concurrent meer vertrouwd "
            "wordt.",
        },
        {"shocks": [{"step": 20, "supplier": 0, "severity": 2.0, "reach": 1.0}]},
    ),
    "ads_vs_wom": Lesson(
        {"en": "Ads vs word of mouth", "nl": "Reclame of mond-tot-mond"},
        {
            "en": "S1 buys reach with a big advertising budget; S2 hardly advertises and relies on "
            "happy customers who talk. Compare how fast each grows, and who is ahead after a "
            "year.",
            "nl": "S1 koopt bereik met een groot reclamebudget; S2 adverteert nauwelijks en rekent op "
            "tevreden klanten die erover praten. Vergelijk hoe snel elk groeit, en wie na een "
            "jaar voorstaat.",
        },
        {
            "en": (
                "Vote before pressing Play: who is ahead after 52 weeks?",
                "Why is S1 ahead at first?",
                "Try: lower 'Credibility of ads', or raise 'Recommendations per ambassador'.",
            ),
            "nl": (
                "Stem voor je op Start drukt: wie staat na 52 weken voor?",
                "Waarom staat S1 eerst voor?",
                "Probeer: verlaag 'Geloofwaardigheid van reclame' of verhoog 'Aanbevelingen per ambassadeur'.",
            ),
        },
        {
            "en": "S1 ahead first (ads reach many people quickly), then S2 catching up or overtaking "
            "as its ambassadors talk, while S1 gathers people who warn others.",
            "nl": "Eerst S1 voor (reclame bereikt snel veel mensen), daarna haalt S2 in of gaat "
            "voorbij doordat zijn ambassadeurs praten, terwijl S1 waarschuwers verzamelt.",
        },
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
        label: text next to the control, by language.
        key: dotted scenario key, e.g. ``"suppliers.0.promise"``.
        low, high, step: range and increment of a slider.
        choices: the allowed values of a picker.
    """

    label: Mapping[str, str]
    key: str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05
    choices: tuple[str, ...] = ()


def _both(en: str, nl: str) -> dict[str, str]:
    return {"en": en, "nl": nl}


KNOBS: dict[str, Knob] = {
    "promise": Knob(_both("S1 promise level", "S1 belofte"), "suppliers.0.promise"),
    "over_delivery": Knob(_both("S1 over-delivery", "S1 extra levering"), "suppliers.0.over_delivery", 0.0, 0.3, 0.01),
    "reliability": Knob(_both("S1 reliability", "S1 betrouwbaarheid"), "suppliers.0.reliability"),
    "transparency": Knob(_both("S1 transparency / repair", "S1 openheid / herstel"), "suppliers.0.transparency"),
    "care": Knob(_both("S1 care (listening)", "S1 aandacht (luisteren)"), "suppliers.0.care"),
    "ad_budget": Knob(_both("S1 advertising budget", "S1 reclamebudget"), "suppliers.0.ad_budget", 0.0, 6.0, 0.25),
    "recommendation_rate": Knob(
        _both("Recommendations per ambassador", "Aanbevelingen per ambassadeur"), "wom.rate", 0.0, 2.0, 0.05
    ),
    "credibility_recommendation": Knob(
        _both("Credibility of recommendations", "Geloofwaardigheid van aanbevelingen"), "credibility.recommendation"
    ),
    "credibility_ad": Knob(_both("Credibility of ads", "Geloofwaardigheid van reclame"), "credibility.ad"),
    "loss_multiplier": Knob(
        _both("Loss multiplier (broken promise)", "Verliesfactor (gebroken belofte)"),
        "trust.loss_multiplier",
        1.0,
        6.0,
        0.25,
    ),
    "network_kind": Knob(
        _both("Network", "Netwerk"),
        "network.kind",
        choices=("small_world", "scale_free", "erdos_renyi", "well_mixed"),
    ),
    "customers": Knob(_both("Customers", "Klanten"), "market.customers", 200, 20_000, 100),
}
"""The parameters a teacher talks about, in the order of the sidebar."""


def on_grid(knob: Knob, value: float) -> float:
    """`value` as the knob's slider can show it: on its grid of `step`s from `low`, in range."""
    steps = round((float(value) - knob.low) / knob.step)
    return min(max(knob.low + steps * knob.step, knob.low), knob.high)


def knob_changed(name: str, value: Any, applied: Any) -> bool:
    """Whether knob `name` now shows another value than the one in force.

    A scenario may set a value between the slider's steps (a calibrated 0.103 on a slider
    of 0.05 steps); the slider then shows it on its grid (0.10), which is not a change.
    """
    if isinstance(value, str) or isinstance(applied, str):
        return value != applied
    knob = KNOBS[name]
    return not any(
        math.isclose(float(value), float(shown), rel_tol=1e-9, abs_tol=1e-9)
        for shown in (applied, on_grid(knob, applied))
    )


def settled_knobs(shown: Mapping[str, Any], applied: Mapping[str, Any]) -> dict[str, Any]:
    """The knobs' values a Reset applies: a knob not changed (see :func:`knob_changed`) keeps
    the value in force exactly, so Reset never rounds a scenario's value to a slider's grid."""
    return {
        name: value if name not in applied or knob_changed(name, value, applied[name]) else applied[name]
        for name, value in shown.items()
    }


def baseline_source() -> Path:
    """Where the built-in baseline scenario is, wherever trustsim is started from (the package's data)."""
    return builtin.path("scenario", "baseline")


def baseline_scenario() -> Scenario:
    """The built-in baseline scenario (see :func:`baseline_source`)."""
    return load_scenario(baseline_source())


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
            shock
            for shock in data.get("shocks", [])
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
