"""One class's session, without any user interface: the run, its view and the previous run.

The page (:mod:`trustsim.app.page`) turns buttons, keys and sliders into calls on a
:class:`Classroom` and shows the :class:`Frame` it returns; tests drive it directly. A lock
keeps the Play thread and the buttons from touching the model at the same time.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trustsim.app.drawing import (
    History,
    LiveView,
    NetworkSample,
    firm_label,
    money_column,
    sample_network,
    supplier_colour,
)
from trustsim.app.lessons import LESSONS, classroom_scenario, knob_values, lesson_scenario, seed_from_text
from trustsim.app.text import network_name, spreadsheet_safe, tr
from trustsim.config import Scenario
from trustsim.i18n import number
from trustsim.model import TrustMarket

SAMPLE_SIZE = 300
"""Customers drawn in the network view: enough to see clusters, few enough to read."""
DEFAULT_SEED = "42"
SCANDAL_SEVERITY = 2.0
BROKEN_SHARE = 0.6
CSV_STYLE: dict[str, tuple[str, str]] = {"en": (",", "."), "nl": (";", ",")}
"""Field separator and decimal mark of the CSV export, as spreadsheets in each language read it."""


@dataclass(frozen=True)
class Monitor:
    """The big numbers of one firm."""

    label: str
    colour: str
    customers: int
    ambassadors: int
    nps: float  # NaN until customers can have bought for `loyalty.loyal_tenure` weeks
    trust: float
    money: float
    money_kind: str  # 'profit' once the model reports it, else 'revenue'


@dataclass(frozen=True)
class Frame:
    """Everything the page shows of one step."""

    step: int
    network_background: str
    network_overlay: str
    trends_background: str
    trends_overlay: str
    monitors: tuple[Monitor, ...]
    market: str
    policy: str


class Classroom:
    """The model a class is watching, drawn in one language, with the previous run as a ghost.

    Args:
        base: the scenario every lesson starts from.
        lesson: a key of :data:`trustsim.app.lessons.LESSONS`.
        lang: 'en' or 'nl'.
    """

    def __init__(self, base: Scenario, lesson: str = "free_play", lang: str = "en") -> None:
        self.base = base
        self.lang = lang
        self.colour_by = "stage"
        self.lock = threading.RLock()
        self.ghost: History | None = None
        self.lesson = lesson
        self.applied: dict[str, Any] = {}
        self.seed = DEFAULT_SEED
        self.play_token: object | None = None
        self.shown = threading.Event()
        """Set once the latest frame has been rendered (the Play thread waits for it)."""
        self.start(lesson)

    # runs -------------------------------------------------------------------------------

    def lesson_values(self, lesson: str) -> dict[str, Any]:
        """The knobs' values a lesson starts with."""
        return knob_values(lesson_scenario(self.base, lesson))

    def start(self, lesson: str, knobs: Mapping[str, Any] | None = None, seed: str | None = None) -> None:
        """A new run of `lesson` with the knobs' values (default: the lesson's) and seed.

        The run being replaced becomes the ghost when it is the same lesson; a new lesson
        starts without one.

        Raises:
            ConfigError: if a knob's value is out of range (the message names the key).
        """
        if lesson not in LESSONS:
            raise KeyError(f"unknown lesson {lesson!r}; known: {sorted(LESSONS)}")
        values = {**self.lesson_values(lesson), **(knobs or {})}
        seed = self.seed if seed is None else seed
        scenario = classroom_scenario(self.base, lesson, values)
        with self.lock:
            previous = getattr(self, "view", None)
            same = previous is not None and lesson == self.lesson
            self.ghost = (
                previous.history
                if previous is not None and same and previous.history.steps[-1] > 0
                else (self.ghost if same else None)
            )
            self.lesson, self.applied, self.seed = lesson, values, seed
            self.model = TrustMarket(scenario, rng=seed_from_text(seed))
            self.sample: NetworkSample = sample_network(self.model.network, SAMPLE_SIZE)
            self._new_view()

    def _new_view(self) -> None:
        self.view = LiveView(
            self.model,
            self.sample,
            lang=self.lang,
            colour_by=self.colour_by,
            ghost=self.ghost,
            horizon=LESSONS[self.lesson].weeks,
        )
        self._network_background = self.view.background_svg("network")
        self._trends_background = self.view.background_svg("trends")

    def set_language(self, lang: str) -> None:
        """Draw everything in `lang` from now on."""
        with self.lock:
            self.lang = lang
            self._new_view()

    def set_colour(self, colour_by: str) -> None:
        """Colour customers by 'stage' or 'supplier'."""
        with self.lock:
            self.colour_by = colour_by
            self._new_view()

    # the run's buttons ------------------------------------------------------------------

    def step(self) -> None:
        """One period, drawn."""
        with self.lock:
            self.model.step()
            self._redraw()

    def scandal(self, supplier: int | str) -> None:
        """A scandal at one firm (0-based) or at 'all' firms, now; marked on every plot."""
        with self.lock:
            self.model.trigger_scandal(supplier=supplier, severity=SCANDAL_SEVERITY)
            self._redraw()

    def broken_promises(self, supplier: int = 0) -> None:
        """A wave of broken promises at a firm in the next period; marked on every plot."""
        with self.lock:
            self.model.trigger_broken_promises(supplier=supplier, share=BROKEN_SHARE)
            self._redraw()

    def _redraw(self) -> None:
        if self.view.update():
            self._trends_background = self.view.background_svg("trends")

    # what is shown ------------------------------------------------------------------------

    def csv(self) -> bytes:
        """The series on screen (see :meth:`LiveView.shown_table`) as a CSV file in UTF-8.

        In Dutch the file is written as a Dutch spreadsheet reads it (``;`` between fields,
        decimal comma); firm names are made safe against formula injection
        (:func:`trustsim.app.text.spreadsheet_safe`).
        """
        with self.lock:
            table = self.view.shown_table()
        table["name"] = table["name"].map(spreadsheet_safe)
        sep, decimal = CSV_STYLE[self.lang]
        return table.to_csv(index=False, sep=sep, decimal=decimal, lineterminator="\n").encode("utf-8")

    def frame(self) -> Frame:
        """The current step, ready to show."""
        with self.lock:
            model, view = self.model, self.view
            money = money_column(model)
            history = view.history
            nps = history.latest("nps")
            monitors = tuple(
                Monitor(
                    label=firm_label(i, s.name),
                    colour=supplier_colour(i),
                    customers=int(history.latest("customers")[i]),
                    ambassadors=int(history.latest("ambassadors")[i]),
                    nps=float(nps[i]) if model.steps >= view.nps_from else math.nan,
                    trust=float(history.latest("trust")[i]),
                    money=float(history.latest(money)[i]),
                    money_kind=money,
                )
                for i, s in enumerate(model.suppliers_list)
            )
            config = model.config
            s1 = config.supplier_policies()[0]
            return Frame(
                step=model.steps,
                network_background=self._network_background,
                network_overlay=view.overlay_svg("network"),
                trends_background=self._trends_background,
                trends_overlay=view.overlay_svg("trends"),
                monitors=monitors,
                market=tr(
                    "market",
                    self.lang,
                    customers=number(config.market.customers, self.lang),
                    firms=config.market.suppliers,
                    network=network_name(config.network.kind, self.lang),
                ),
                policy=tr(
                    "s1_policy",
                    self.lang,
                    promise=number(s1.promise, self.lang, 2),
                    over=number(s1.over_delivery, self.lang, 2),
                    ads=number(s1.ad_budget, self.lang, 2),
                ),
            )
