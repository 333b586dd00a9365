"""The classroom page (Solara): a toolbar, the lesson plan, the knobs, the numbers and the view.

Layout, made for a 1280 x 720 projector and readable at 1920 x 1080:

- a toolbar always on top: the run's controls (Reset, Play/Pause, Step, speed, the week),
  then the interventions (scandals, broken promises), then the language switch;
- on the left a panel that scrolls on its own: the lesson picker and its plan (what to watch,
  what to ask, what students should see), then the knobs with their values, each marked
  "changed — press Reset" until Reset applies it;
- on the right the firms' big numbers, then the view: the network and four plots.

The model runs in the server; Play is a thread that steps, draws and shows every step. The
view's slow-changing part is sent only when it changes and the moving part every step (see
:mod:`trustsim.app.drawing`). Keys: space = play/pause, → = step, r = reset.

Served by :func:`trustsim.app.server.serve` (``trustsim viz``); ``solara run trustsim.app.page``
serves it with the built-in baseline.
"""

# ruff: noqa: N802 - Solara components are named like classes, as in Solara's and Mesa's docs
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ipyvue
import solara
import solara.lab
import solara.server.kernel_context as kernel_context
import traitlets

from trustsim.app.classroom import Classroom, Frame
from trustsim.app.drawing import VIEW_SIZE
from trustsim.app.lessons import KNOBS, LESSONS, knob_changed, settled_knobs
from trustsim.app.text import LANGUAGES, network_name, tr
from trustsim.config import Scenario
from trustsim.errors import ConfigError
from trustsim.i18n import number

SPEEDS: tuple[int, ...] = (1, 3, 10)
"""Steps per second offered in Play (each step is drawn)."""
DEFAULT_SPEED = 10
TITLE = "trustsim — watch loyalty emerge"
CSS = """
html, body { overflow: hidden; }
/* sizes grow with the window: as designed at 1280 px wide, about 1.25 times at 1920 */
:root { --ts-text: clamp(16px, calc(8px + 0.625vw), 22px); --ts-small: clamp(14px, calc(6px + 0.625vw), 20px);
  --ts-side: clamp(300px, 20vw, 420px); --ts-big: clamp(19px, calc(3px + 1.25vw), 28px); }
.v-application { font-size: var(--ts-text); }
.v-application .v-btn { font-size: var(--ts-text) !important; letter-spacing: 0; text-transform: none; }
.v-application .v-label, .v-application .v-select__selection,
.v-application .v-input input, .v-application .v-list-item__title { font-size: var(--ts-text) !important; }
.trustsim-app { height: 100vh; display: flex; flex-direction: column;
  position: relative; z-index: 1; background: #fff; }  /* above Solara's "runs on" banner */
.trustsim-toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px;
  padding: 4px 10px; background: #f4f4f4; border-bottom: 1px solid #ccc; flex: none; }
.trustsim-toolbar .v-input { margin: 0; padding: 0; flex: none; }
.trustsim-sep { width: 1px; align-self: stretch; background: #bbb; margin: 0 2px; }
.trustsim-toolbar .v-btn { padding: 0 10px !important; min-width: 0 !important; }
.trustsim-step { font-size: calc(1.5 * var(--ts-text)); font-weight: 700; min-width: 6.5em; }
.trustsim-body { display: flex; flex: 1; min-height: 0; }
.trustsim-side { width: var(--ts-side); flex: none; overflow-y: auto; padding: 8px 10px;
  border-right: 1px solid #ddd; font-size: calc(var(--ts-text) - 1px); line-height: 1.35; }
.trustsim-side h3 { font-size: var(--ts-text); margin: 10px 0 2px 0; }
.trustsim-side ul { padding-left: 18px; margin: 0; }
.trustsim-main { flex: 1; min-width: 0; display: flex; flex-direction: column; padding: 4px 8px; }
.trustsim-monitors { flex: none; border-collapse: collapse; width: 100%; }
.trustsim-monitors th { font-size: var(--ts-small); font-weight: 400; opacity: 0.8; text-align: right;
  padding: 0 10px; line-height: 1.2; }
.trustsim-monitors td { font-size: var(--ts-big); font-weight: 700; text-align: right; padding: 0 10px;
  line-height: 1.1; font-variant-numeric: tabular-nums; }
.trustsim-monitors td.firm { text-align: left; font-size: var(--ts-text); font-weight: 600;
  border-left: 8px solid; white-space: nowrap; }
/* the view keeps the figures' shape and fills the space left, whichever side binds */
.trustsim-stage { flex: 1; min-height: 0; container-type: size; }
.trustsim-view { display: flex; align-items: flex-start; width: min(100cqw, VIEW_ASPECTcqh); }
.trustsim-panel { position: relative; flex: none; }
.trustsim-panel svg { display: block; width: 100%; height: auto; }
.trustsim-panel .trustsim-layer { position: absolute; left: 0; top: 0; width: 100%; }
.trustsim-knob { margin-bottom: 2px; }
.trustsim-knob .head { display: flex; justify-content: space-between; gap: 6px; }
.trustsim-knob .value { font-weight: 700; font-variant-numeric: tabular-nums; }
.trustsim-knob .v-input__slot { margin-bottom: 0 !important; }
.trustsim-knob .v-messages { display: none; }
.trustsim-changed { color: #b35900; font-weight: 700; font-size: var(--ts-small); }
.trustsim-error { color: #a50026; font-weight: 600; }
.trustsim-hint { font-size: var(--ts-small); opacity: 0.75; }
""".replace("VIEW_ASPECT", f"{100 * VIEW_SIZE[0] / VIEW_SIZE[1]:.2f}")

KEYS_TEMPLATE = """
<template><span class="trustsim-keys" style="display: none"></span></template>
<script>
module.exports = {
  mounted() {
    // space = play/pause, right arrow = step, r = reset; not while typing in a field
    this.handler = (e) => {
      const t = e.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const key = { " ": "space", ArrowRight: "right", r: "reset", R: "reset" }[e.key];
      if (key) { e.preventDefault(); this.key_pressed(key); }
    };
    window.addEventListener("keydown", this.handler);
  },
  destroyed() { window.removeEventListener("keydown", this.handler); },
};
</script>
"""


class KeyListener(ipyvue.VueTemplate):
    """An invisible widget that reports the app's shortcut keys to `handler`."""

    template = traitlets.Unicode(KEYS_TEMPLATE).tag(sync=True)
    handler = traitlets.Any(None)

    def vue_key_pressed(self, key: str) -> None:
        """Called from the browser with 'space', 'right' or 'reset'."""
        if self.handler is not None:
            self.handler(key)


_base: Scenario | None = None


def configure(base: Scenario) -> None:
    """Set the scenario every lesson starts from (called by ``trustsim viz`` before serving)."""
    global _base
    _base = base


def base_scenario() -> Scenario:
    """The configured scenario, or the built-in baseline when the page is served without one."""
    from trustsim.app.lessons import baseline_scenario

    return _base if _base is not None else baseline_scenario()


def format_value(value: Any, lang: str) -> str:
    """A knob's value as shown next to it: '0.80', '2,000' (in Dutch '0,80', '2.000')."""
    if isinstance(value, str):
        return value
    if float(value).is_integer() and abs(value) >= 100:
        return number(value, lang)
    return number(float(value), lang, 2)


def connected(context: Any) -> bool:
    """Whether a browser still shows this session (a closed tab must not keep Play running:
    Solara keeps a session for 24 hours)."""
    return kernel_context.PageStatus.CONNECTED in context.page_status.values()


@solara.component  # pyright: ignore[reportPrivateImportUsage]
def Page() -> None:
    """The whole app for one browser tab."""
    lang = solara.use_reactive("en")
    classroom = solara.use_memo(lambda: Classroom(base_scenario(), lang="en"), [])  # pyright: ignore[reportPrivateImportUsage]
    # read only by the components that show a step, so a step re-renders only those
    frame = solara.use_memo(lambda: solara.reactive(classroom.frame()), [])  # pyright: ignore[reportPrivateImportUsage]
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    pending = solara.use_reactive(dict(classroom.applied))
    seed = solara.use_reactive(classroom.seed)
    error = solara.use_reactive("")
    runs = solara.use_reactive(0)  # a new run re-renders what shows its settings

    def show() -> None:
        classroom.shown.clear()
        frame.set(classroom.frame())

    def do_step() -> None:
        classroom.step()
        show()

    def reset() -> None:
        playing.set(False)
        try:
            classroom.start(classroom.lesson, settled_knobs(pending.value, classroom.applied), seed.value)
            error.set("")
        except ConfigError as e:
            error.set(str(e))
        runs.set(runs.value + 1)
        show()

    def pick_lesson(key: str) -> None:
        playing.set(False)
        classroom.start(key, None, seed.value)
        pending.set(dict(classroom.applied))
        error.set("")
        runs.set(runs.value + 1)
        show()

    def set_language(code: str) -> None:
        lang.set(code)
        classroom.set_language(code)
        show()

    def set_colour(mode: str) -> None:
        classroom.set_colour(mode)
        show()

    def on_key(key: str) -> None:
        if key == "space":
            playing.set(not playing.value)
        elif key == "right" and not playing.value:
            do_step()
        elif key == "reset":
            reset()

    def play_loop() -> None:
        """Step and draw until paused; every step is shown, at most `speed` per second."""
        token = classroom.play_token = object()  # a newer loop makes this one stop
        context = kernel_context.get_current_context()
        next_at = time.monotonic()
        while playing.value and classroom.play_token is token and connected(context):
            classroom.step()
            show()
            # a render still under way elsewhere takes this frame along: wait until it is shown
            classroom.shown.wait(timeout=2.0)
            next_at = max(next_at + 1 / speed.value, time.monotonic() - 1)
            time.sleep(max(0.0, next_at - time.monotonic()))

    solara.lab.use_task(  # pyright: ignore[reportPrivateImportUsage]
        play_loop,
        dependencies=[playing.value],
        prefer_threaded=True,
    )

    solara.Style(CSS)
    solara.Title(TITLE)
    KeyListener.element(handler=on_key)  # pyright: ignore[reportAttributeAccessIssue]  # added by reacton
    with solara.Column(classes=["trustsim-app"], gap="0px"):
        Toolbar(classroom, frame, lang.value, playing, speed, do_step, reset, set_language, show)
        with solara.Div(classes=["trustsim-body"]):
            with solara.Div(classes=["trustsim-side"]):
                LessonPanel(classroom.lesson, lang.value, pick_lesson, classroom.model.config.loyalty.loyal_tenure)
                MarketLine(frame)
                Knobs(classroom, lang.value, pending, seed, error.value, set_colour, runs.value)
            with solara.Div(classes=["trustsim-main"]):
                Monitors(frame, lang.value)
                View(frame, classroom)


@solara.component  # pyright: ignore[reportPrivateImportUsage]
def Toolbar(
    classroom: Classroom,
    frame: solara.Reactive[Frame],
    lang: str,
    playing: solara.Reactive[bool],
    speed: solara.Reactive[int],
    do_step: Callable[[], None],
    reset: Callable[[], None],
    set_language: Callable[[str], None],
    show: Callable[[], None],
) -> None:
    """Run controls first, then the interventions, then the language switch."""
    firms = len(classroom.model.suppliers_list)

    def intervene(action: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            action()
            show()

        return run

    with solara.Div(classes=["trustsim-toolbar"]):
        solara.Button(tr("reset", lang), on_click=reset, classes=["trustsim-reset"])
        solara.Button(
            tr("pause" if playing.value else "play", lang),
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            classes=["trustsim-play"],
        )
        solara.Button(tr("step", lang), on_click=do_step, disabled=playing.value, classes=["trustsim-stepper"])
        labels = {tr("speed_value", lang, n=s): s for s in SPEEDS}
        solara.ToggleButtonsSingle(
            value=tr("speed_value", lang, n=speed.value),
            values=list(labels),
            on_value=lambda label: speed.set(labels[label]),
            classes=["trustsim-speed"],
        )
        Week(frame, lang)
        solara.Div(classes=["trustsim-sep"])
        solara.Button(
            tr("scandal_one", lang, firm="S1"),
            color="error",
            outlined=True,
            on_click=intervene(lambda: classroom.scandal(0)),
        )
        if firms > 1:
            solara.Button(
                tr("scandal_all", lang),
                color="error",
                outlined=True,
                on_click=intervene(lambda: classroom.scandal("all")),
            )
        solara.Button(
            tr("broken_wave", lang, firm="S1"),
            color="warning",
            outlined=True,
            on_click=intervene(lambda: classroom.broken_promises(0)),
        )
        solara.Div(classes=["trustsim-sep"])
        solara.FileDownload(
            classroom.csv,
            filename=f"trustsim-{classroom.lesson}.csv",
            label=tr("download", lang),
            icon_name=None,
            mime_type="text/csv",
        )
        solara.Div(classes=["trustsim-sep"])
        names = {label: code for code, label in LANGUAGES.items()}
        solara.ToggleButtonsSingle(
            value=LANGUAGES[lang],
            values=list(names),
            on_value=lambda label: set_language(names[label]),
            classes=["trustsim-language"],
        )


@solara.component  # pyright: ignore[reportPrivateImportUsage]
def Week(frame: solara.Reactive[Frame], lang: str) -> None:
    """The week counter (re-rendered every step, alone)."""
    solara.Text(tr("week", lang, step=frame.value.step), classes=["trustsim-step"])


@solara.component  # pyright: ignore[reportPrivateImportUsage]
def MarketLine(frame: solara.Reactive[Frame]) -> None:
    """The market being shown, e.g. '10,000 customers, 4 firms, small world network'."""
    solara.Div(
        children=[f"{frame.value.market} · {frame.value.policy}"],
        classes=["trustsim-hint", "trustsim-market"],
        style={"margin-top": "6px"},
    )


@solara.component  # pyright: ignore[reportPrivateImportUsage]
def LessonPanel(lesson_key: str, lang: str, pick: Callable[[str], None], nps_weeks: int) -> None:
    """The lesson picker and the lesson plan: what to watch, what to ask, what to expect, and
    how to read the colours and the NPS."""
    lesson = LESSONS[lesson_key]
    titles = {item.title[lang]: key for key, item in LESSONS.items()}
    with solara.Div(classes=["trustsim-lesson"]):
        solara.Select(
            tr("lesson", lang),
            values=list(titles),
            value=lesson.title[lang],
            on_value=lambda title: pick(titles[title]),
        )
        solara.HTML(tag="h3", unsafe_innerHTML=tr("watch_for", lang))
        solara.Div(children=[lesson.watch_for[lang]], classes=["trustsim-watch"])
        solara.HTML(tag="h3", unsafe_innerHTML=tr("questions", lang))
        solara.HTML(tag="ul", unsafe_innerHTML="".join(f"<li>{_escape(q)}</li>" for q in lesson.questions[lang]))
        solara.HTML(tag="h3", unsafe_innerHTML=tr("expect", lang))
        solara.Div(children=[lesson.expect[lang]], classes=["trustsim-expect"])
        solara.Div(children=[tr("keys_hint", lang)], classes=["trustsim-hint"], style={"margin-top": "6px"})
        solara.HTML(tag="h3", unsafe_innerHTML=tr("reading", lang))
        solara.Div(children=[tr("stage_note", lang)], classes=["trustsim-hint"])
        solara.Div(
            children=[tr("nps_note", lang, weeks=nps_weeks)], classes=["trustsim-hint"], style={"margin-top": "4px"}
        )


@solara.component  # pyright: ignore[reportPrivateImportUsage]
def Knobs(
    classroom: Classroom,
    lang: str,
    pending: solara.Reactive[dict[str, Any]],
    seed: solara.Reactive[str],
    error: str,
    set_colour: Callable[[str], None],
    run: int,
) -> None:
    """The teacher's knobs with their values; a changed knob says so until Reset.

    `run` counts the runs started, so a Reset re-renders the knobs against the values applied.
    """
    applied = classroom.applied
    solara.HTML(tag="h3", unsafe_innerHTML=tr("settings", lang))
    if error:
        solara.Div(children=[tr("bad_setting", lang, error=error)], classes=["trustsim-error"])
    for name, knob in KNOBS.items():
        value = pending.value.get(name, applied.get(name))
        assert value is not None  # every knob has a value applied
        changed = knob_changed(name, value, applied.get(name))

        def set_value(new: Any, name: str = name) -> None:
            pending.set({**pending.value, name: new})

        with solara.Div(classes=["trustsim-knob", f"trustsim-knob-{name}"]):
            with solara.Div(classes=["head"]):
                solara.Text(knob.label[lang])
                shown = network_name(value, lang) if knob.choices else format_value(value, lang)
                solara.Text(shown, classes=["value"])
            if knob.choices:
                options = {network_name(c, lang): c for c in dict.fromkeys([value, *knob.choices])}
                solara.Select(
                    "",
                    values=list(options),
                    value=network_name(value, lang),
                    on_value=lambda label, f=set_value, o=options: f(o[label]),
                )
            elif isinstance(knob.low, int) and isinstance(knob.high, int) and knob.step >= 1:
                solara.SliderInt(
                    "",
                    value=int(value),
                    min=knob.low,
                    max=knob.high,
                    step=int(knob.step),
                    on_value=set_value,
                    thumb_label=False,
                )
            else:
                solara.SliderFloat(
                    "",
                    value=float(value),
                    min=knob.low,
                    max=knob.high,
                    step=knob.step,
                    on_value=set_value,
                    thumb_label=False,
                )
            if changed:
                solara.Text(tr("changed_hint", lang), classes=["trustsim-changed"])
    with solara.Div(classes=["trustsim-knob", "trustsim-knob-seed"]):
        solara.InputText(tr("seed", lang), value=seed.value, on_value=seed.set, continuous_update=True)
        if seed.value != classroom.seed:
            solara.Text(tr("changed_hint", lang), classes=["trustsim-changed"])
    solara.Div(children=[tr("colour_by", lang)], style={"margin-top": "8px"})
    modes = {tr("colour_stage", lang): "stage", tr("colour_supplier", lang): "supplier"}
    current = next(label for label, mode in modes.items() if mode == classroom.colour_by)
    solara.ToggleButtonsSingle(
        value=current, values=list(modes), on_value=lambda label: set_colour(modes[label]), classes=["trustsim-colour"]
    )


@solara.component  # pyright: ignore[reportPrivateImportUsage]
def Monitors(frame_state: solara.Reactive[Frame], lang: str) -> None:
    """Each firm's big numbers: customers, ambassadors, NPS, trust, and profit (or revenue)."""
    frame = frame_state.value
    money = frame.monitors[0].money_kind if frame.monitors else "revenue"
    heads = ("", "customers", "ambassadors", "nps", "trust", money)
    rows = [
        f'<tr><td class="firm" style="border-left-color: {m.colour}">{_escape(m.label)}</td>'
        f"<td>{number(m.customers, lang)}</td><td>{number(m.ambassadors, lang)}</td>"
        f"<td>{number(m.nps, lang, sign=True)}</td><td>{number(m.trust, lang, 2)}</td>"
        f"<td>{number(m.money, lang)}</td></tr>"
        for m in frame.monitors
    ]
    header = "".join(f"<th>{tr(h, lang) if h else ''}</th>" for h in heads)
    solara.HTML(
        tag="table",
        classes=["trustsim-monitors"],
        unsafe_innerHTML=f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody>",
    )


@solara.component  # pyright: ignore[reportPrivateImportUsage]
def View(frame_state: solara.Reactive[Frame], classroom: Classroom) -> None:
    """The network and the plots: a background sent when it changes, an overlay every step."""
    frame = frame_state.value
    solara.use_effect(classroom.shown.set)  # pyright: ignore[reportPrivateImportUsage]  # after every render: the Play thread may go on
    with solara.Div(classes=["trustsim-stage"]), solara.Div(classes=["trustsim-view"]):
        for name, background, overlay, share in (
            ("network", frame.network_background, frame.network_overlay, 40),
            ("trends", frame.trends_background, frame.trends_overlay, 60),
        ):
            with solara.Div(classes=["trustsim-panel", f"trustsim-{name}"], style={"width": f"{share}%"}):
                solara.HTML(tag="div", unsafe_innerHTML=background, classes=["trustsim-base"])
                solara.HTML(tag="div", unsafe_innerHTML=overlay, classes=["trustsim-layer"])


def _escape(text: str) -> str:
    """Text made safe for HTML (firm names come from scenario files)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@solara.component  # pyright: ignore[reportPrivateImportUsage]
def Layout(children: list[Any] | None = None) -> None:
    """No app bar, no navigation: the page is the whole screen."""
    solara.Column(children=children or [], gap="0px", style={"padding": "0"})
