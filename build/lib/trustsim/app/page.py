"""The classroom page: Mesa's SolaraViz around a TrustMarket, with lessons and one-click events.

Layout (fits a 1280 x 720 projector, sidebar collapsible with the menu button):

- sidebar: the lesson picker, the event buttons (scandal, broken promises) and the colour
  toggle; below them Mesa's own controls (step, play/pause, reset, speed) and the teacher's
  knobs (sliders, network picker, seed box), which take effect on Reset;
- main area: a banner with the step counter, the lesson and what to watch for, then the
  network sample and the four live plots side by side. They are laid out here rather than in
  SolaraViz's draggable grid, whose half-width tiles are too small for a projector.

Served by :func:`trustsim.app.server.serve` (``trustsim viz``), which also switches Solara's
telemetry off; ``solara run trustsim.app.page`` serves it with the defaults. State that
differs per browser tab (lesson, colour mode) lives in Solara reactive variables, which Solara
keeps per session.
"""

# ruff: noqa: N802 - Solara components are named like classes, as in Solara's and Mesa's docs
from __future__ import annotations

from typing import Any

import solara
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import force_update, update_counter

from trustsim.app.drawing import network_figure, sample_network, trends_figure
from trustsim.app.lessons import (
    KNOBS,
    LESSONS,
    classroom_scenario,
    knob_values,
    lesson_scenario,
    seed_from_text,
)
from trustsim.config import Scenario, load_scenario
from trustsim.errors import ConfigError
from trustsim.model import TrustMarket

SAMPLE_SIZE = 300
"""Customers drawn in the network view: enough to see clusters, few enough to read."""
DEFAULT_SEED = 42
COLOUR_LABELS: dict[str, str] = {"stage": "loyalty stage", "supplier": "firm"}
"""Labels of the colour toggle, by colour mode of :func:`trustsim.app.drawing.draw_network`."""
TITLE = "trustsim — watch loyalty emerge"
CSS = """
.v-application { font-size: 18px; }
.v-application .v-label, .v-application .v-select__selection,
.v-application .v-input input, .v-application .v-list-item__title { font-size: 18px !important; }
.v-application .v-btn { font-size: 16px !important; letter-spacing: 0; }
.v-application .v-card__title { font-size: 22px !important; }
.v-application .v-toolbar__title { font-size: 24px !important; }
.solara-autorouter-content .v-sheet { row-gap: 0 !important; }
.trustsim-banner { font-size: 20px; line-height: 1.35; padding: 0 12px 8px 12px; }
.trustsim-step { font-size: 28px; font-weight: 700; margin-right: 16px; }
.trustsim-watch { font-size: 18px; opacity: 0.9; }
.trustsim-market { font-size: 16px; opacity: 0.75; }
.trustsim-events { font-size: 16px; }
.trustsim-panel img { width: 100%; height: auto; }
"""

_base: Scenario | None = None
lesson = solara.reactive("free_play")
"""Key of the lesson shown (per browser session)."""
colour_by = solara.reactive("stage")
"""Colour customers by 'stage' or by 'supplier' (per browser session)."""


def configure(base: Scenario) -> None:
    """Set the scenario every lesson starts from (called by ``trustsim viz`` before serving)."""
    global _base
    _base = base


def base_scenario() -> Scenario:
    """The configured scenario, or the defaults when the page is served without one."""
    return _base if _base is not None else load_scenario(None)


class ClassroomMarket(TrustMarket):
    """A TrustMarket built from a lesson and the teacher's knobs.

    This is the class SolaraViz re-instantiates on Reset, with the sidebar's values as
    keyword arguments.

    Args:
        base: the scenario lessons start from (default: :func:`base_scenario`).
        lesson: a key of :data:`trustsim.app.lessons.LESSONS`.
        rng: the seed box: an integer, or any text (hashed to a stable seed).
        scenario: Mesa's own scenario object, which SolaraViz passes on Reset; unused.
        **knobs: values by name of :data:`trustsim.app.lessons.KNOBS`.

    Raises:
        ConfigError: for an unknown knob, lesson or a value out of range.
    """

    def __init__(
        self,
        base: Scenario | None = None,
        lesson: str = "free_play",
        rng: int | str = DEFAULT_SEED,
        scenario: Any = None,
        **knobs: Any,
    ) -> None:
        unknown = sorted(set(knobs) - set(KNOBS))
        if unknown:
            raise ConfigError(f"unknown classroom knob(s) {unknown}; known: {sorted(KNOBS)}")
        if lesson not in LESSONS:
            raise ConfigError(f"unknown lesson {lesson!r}; known: {sorted(LESSONS)}")
        self.lesson = lesson
        config = classroom_scenario(base or base_scenario(), lesson, knobs)
        super().__init__(config, rng=seed_from_text(rng))


def model_params(base: Scenario, lesson_key: str) -> dict[str, Any]:
    """SolaraViz's parameter controls, starting at the lesson's values."""
    values = knob_values(lesson_scenario(base, lesson_key))
    params: dict[str, Any] = {"base": base, "lesson": lesson_key}
    for name, knob in KNOBS.items():
        if knob.choices:
            choices = list(dict.fromkeys([values[name], *knob.choices]))
            params[name] = {"type": "Select", "value": values[name], "values": choices,
                            "label": knob.label}
        else:
            params[name] = Slider(knob.label, value=values[name], min=knob.low, max=knob.high,
                                  step=knob.step)
    params["rng"] = {"type": "InputText", "value": str(DEFAULT_SEED), "label": "Seed"}
    return params


@solara.component
def NetworkPanel(model: TrustMarket) -> None:
    """The network sample, coloured by stage or supplier; redrawn every step."""
    update_counter.get()
    sample = solara.use_memo(lambda: sample_network(model.network, SAMPLE_SIZE), [model])
    figure = network_figure(model, sample, colour_by.value)
    with solara.Div(classes=["trustsim-panel", "trustsim-network"]):
        solara.FigureMatplotlib(
            figure, format="png",
            dependencies=[id(model), model.steps, update_counter.value, colour_by.value],
        )


@solara.component
def TrendsPanel(model: TrustMarket) -> None:
    """Customers per firm, ambassadors and detractors, NPS and trust; redrawn every step."""
    update_counter.get()
    figure = trends_figure(model)
    with solara.Div(classes=["trustsim-panel", "trustsim-trends"]):
        solara.FigureMatplotlib(
            figure, format="png", dependencies=[id(model), model.steps, update_counter.value]
        )


@solara.component
def Banner(model: solara.Reactive[TrustMarket]) -> None:
    """The lesson's title, the step counter and the two sentences on what to watch for."""
    update_counter.get()
    current = LESSONS[lesson.value]
    with solara.Div(classes=["trustsim-banner"]):
        with solara.Row(style={"align-items": "baseline"}):
            solara.Text(f"Step {model.value.steps}", classes=["trustsim-step"])
            solara.Text(current.title, style={"font-weight": "600"})
        solara.Div(children=[current.watch_for], classes=["trustsim-watch"])
        solara.Div(children=[market_line(model.value)], classes=["trustsim-market"])


def market_line(model: TrustMarket) -> str:
    """One line on the market being shown, e.g. '2,000 customers on a small_world network'."""
    config = model.config
    s1 = config.supplier_policies()[0]
    return (
        f"{config.market.customers:,} customers, {config.market.suppliers} firms, "
        f"{config.network.kind.replace('_', ' ')} network · S1 promises {s1.promise:.2f}, "
        f"over-delivers {s1.over_delivery:.2f}, advertises {s1.ad_budget:.2f}"
    )


@solara.component
def LessonCard(model: solara.Reactive[TrustMarket]) -> None:
    """Lesson picker, event buttons and the colour toggle (sidebar)."""
    update_counter.get()
    titles = {key: item.title for key, item in LESSONS.items()}
    names = [f"S{i + 1}" for i in range(len(model.value.suppliers_list))]

    def pick(title: str) -> None:
        lesson.set(next(k for k, t in titles.items() if t == title))

    def scandal(supplier: int | str) -> None:
        model.value.trigger_scandal(supplier=supplier, severity=2.0)
        force_update()

    def broken_promises() -> None:
        model.value.trigger_broken_promises(supplier=0, share=0.6)
        force_update()

    with solara.Card("Lesson"):
        solara.Select("Lesson", values=list(titles.values()), value=titles[lesson.value],
                      on_value=pick)
        with solara.Row(style={"flex-wrap": "wrap", "gap": "6px"}):
            solara.Button(f"Scandal at {names[0]}", color="error", on_click=lambda: scandal(0))
            solara.Button("Scandal, all firms", color="error", on_click=lambda: scandal("all"))
            solara.Button(f"{names[0]} breaks promises", color="warning",
                          on_click=broken_promises)
        events = [_describe(e, names) for e in model.value.events[-3:]]
        if events:
            solara.Div(children=["; ".join(events)], classes=["trustsim-events"])
        solara.Div(children=["Colour customers by"], style={"margin-top": "8px"})
        solara.ToggleButtonsSingle(
            value=COLOUR_LABELS[colour_by.value], values=list(COLOUR_LABELS.values()),
            on_value=lambda label: colour_by.set(_colour_mode(label)),
        )



def _colour_mode(label: str) -> str:
    """The colour mode ('stage' or 'supplier') of a toggle label."""
    return next(mode for mode, text in COLOUR_LABELS.items() if text == label)


def _describe(event: dict[str, Any], names: list[str]) -> str:
    """One line for an event the class triggered, e.g. 'step 12: scandal at S1'."""
    who = event.get("supplier", "all")
    firm = "all firms" if who == "all" else names[int(who)]
    what = "scandal at" if event.get("event") == "scandal" else "broken promises at"
    return f"step {event.get('step')}: {what} {firm}"


@solara.component
def Page() -> None:
    """The whole app: a fresh model per lesson, Mesa's SolaraViz around it."""
    base = base_scenario()
    first = solara.use_memo(lambda: ClassroomMarket(base, lesson.value), [lesson.value])
    model = solara.use_reactive(first)
    solara.Style(CSS)
    solara.Title(TITLE)
    with solara.Sidebar():
        LessonCard(model)
    SolaraViz(
        model,
        components=[],
        model_params=model_params(base, lesson.value),
        name=TITLE,
        play_interval=500,
    ).key(f"viz-{lesson.value}")
    Banner(model)
    with solara.Columns([10, 11], gutters_dense=True):
        NetworkPanel(model.value)
        TrendsPanel(model.value)
