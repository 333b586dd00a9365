"""Lessons, knobs, texts in both languages and the classroom session (no browser needed)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsim.app.classroom import Classroom
from trustsim.app.lessons import (
    KNOBS,
    LESSONS,
    baseline_source,
    classroom_scenario,
    knob_changed,
    knob_values,
    lesson_scenario,
    on_grid,
    seed_from_text,
    settled_knobs,
)
from trustsim.app.text import LANGUAGES, STAGE_LABELS, TEXT, spreadsheet_safe
from trustsim.config import load_scenario
from trustsim.errors import ConfigError
from trustsim.i18n import number, percent
from trustsim.model import TrustMarket

PLOTTED = ["customers", "ambassadors", "detractors", "nps", "trust"]

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "baseline.toml"


@pytest.fixture(params=["defaults", "baseline"])
def base(request: pytest.FixtureRequest):
    source = None if request.param == "defaults" else BASELINE
    return load_scenario(source, {"market.customers": 400})


@pytest.mark.parametrize("key", list(LESSONS))
def test_every_lesson_builds_and_explains_itself_in_two_sentences(base, key):
    scenario = lesson_scenario(base, key)
    lesson = LESSONS[key]
    for lang in LANGUAGES:
        assert len(re.findall(r"[.!?](\s|$)", lesson.watch_for[lang])) == 2, lesson.watch_for
        assert lesson.title[lang] and lesson.expect[lang] and len(lesson.questions[lang]) >= 2
    if lesson.firms is not None:
        assert scenario.market.suppliers == lesson.firms
    for dotted, value in lesson.overrides.items():
        if dotted.startswith("suppliers."):
            _, index, attr = dotted.split(".")
            assert getattr(scenario.supplier_policies()[int(index)], attr) == value


def test_lessons_differ_where_they_say():
    base = load_scenario(BASELINE)
    broken = lesson_scenario(base, "broken_promise").supplier_policies()[0]
    assert broken.promise > broken.competence  # promises it cannot keep
    assert lesson_scenario(base, "scandal").shocks[0].supplier == 0
    ads, wom = lesson_scenario(base, "ads_vs_wom").supplier_policies()
    assert ads.ad_budget > 10 * wom.ad_budget and wom.care > ads.care
    # same basics, so only the lesson's difference counts
    assert (ads.promise, ads.competence, ads.reliability) == (wom.promise, wom.competence, wom.reliability)


def test_knobs_move_the_scenario_keys_they_name(base):
    start = knob_values(base)
    assert set(start) == set(KNOBS)
    moved = {name: (knob.choices[-1] if knob.choices else knob.high) for name, knob in KNOBS.items()}
    assert knob_values(classroom_scenario(base, "free_play", moved)) == moved
    lowest = {name: knob.low for name, knob in KNOBS.items() if not knob.choices}
    assert knob_values(classroom_scenario(base, "free_play", lowest)) == {**start, **lowest}


def test_a_knob_out_of_range_is_a_clear_config_error(base):
    with pytest.raises(ConfigError, match=r"suppliers\[0\]\.promise"):
        classroom_scenario(base, "free_play", {"promise": 1.5})


def test_seed_box_takes_numbers_and_any_text():
    assert seed_from_text("42") == 42
    assert seed_from_text(" 7 ") == 7
    assert seed_from_text("class 3b") == seed_from_text("class 3b") != seed_from_text("class 3c")


def test_every_text_exists_in_both_languages_and_dutch_differs():
    same_in_both = {"nps", "plot_nps", "speed_value", "week", "axis_week", "download"}
    for table in (TEXT, STAGE_LABELS, *(k.label for k in KNOBS.values())):
        entries = table.items() if table is TEXT or table is STAGE_LABELS else [("knob", table)]
        for key, texts in entries:
            assert set(texts) == set(LANGUAGES), key
            if key not in same_in_both:
                assert texts["en"] != texts["nl"], key
    # one vocabulary: the loyalty stage is not called "detractor" on screen
    assert STAGE_LABELS["detractor"]["en"] == "warns others"
    assert not any("detractor" in t["en"].lower() for k, t in TEXT.items() if k != "nps_note")


def test_the_baseline_is_found_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert baseline_source().read_bytes() == BASELINE.read_bytes()


def test_reset_applies_the_knobs_and_keeps_the_last_run_as_a_ghost():
    base = load_scenario(BASELINE, {"market.customers": 300})
    room = Classroom(base, "broken_promise")
    assert room.applied["promise"] == 0.95
    for _ in range(3):
        room.step()
    assert room.frame().step == 3
    room.start("broken_promise", {**room.applied, "promise": 0.6}, seed="123")
    assert room.model.config.supplier_policies()[0].promise == 0.6
    assert room.model.config.supplier_policies()[0].name == "Over-promiser"
    assert room.ghost is not None and room.ghost.steps == [0, 1, 2, 3]
    assert "S1 promises 0.60" in room.frame().policy
    room.start("scandal")  # another lesson: no ghost
    assert room.ghost is None and room.model.steps == 0


def test_interventions_are_recorded_and_marked_on_the_plots():
    room = Classroom(load_scenario(BASELINE, {"market.customers": 300}))
    room.step()
    plain = room.frame().trends_background
    room.scandal(0)
    room.broken_promises(0)
    assert [e["event"] for e in room.model.events] == ["scandal", "broken_promises"]
    marked = room.frame().trends_background
    assert marked != plain and marked.count("scandal S1") == 4 and "broken S1" in marked


def test_the_language_switch_changes_every_label_drawn():
    room = Classroom(load_scenario(BASELINE, {"market.customers": 300}))
    english = room.frame()
    room.set_language("nl")
    dutch = room.frame()
    assert "Customers per firm" in english.trends_background
    assert "Klanten per bedrijf" in dutch.trends_background
    assert "Customers per firm" not in dutch.trends_background
    assert "waarschuwt anderen" in dutch.network_background
    assert "warns others" in english.network_background
    assert "klanten" in dutch.market


def test_a_knob_out_of_range_is_refused_with_the_key(base):
    room = Classroom(base)
    with pytest.raises(ConfigError, match=r"suppliers\[0\]\.promise"):
        room.start("free_play", {"promise": 1.5})
    assert room.model.steps == 0  # the previous run is still there


def test_the_monitors_show_each_firms_profit():
    room = Classroom(load_scenario(BASELINE, {"market.customers": 300}))
    room.step()
    monitors = room.frame().monitors
    assert {m.money_kind for m in monitors} == {"profit"}
    assert [m.money for m in monitors] == pytest.approx(list(room.model.supplier_metrics["profit"]))
    # a model without money (an older one) still gets revenue on the monitors
    del room.model.supplier_metrics["profit"]
    room.set_language("en")  # a new view reads the model's measures again
    assert {m.money_kind for m in room.frame().monitors} == {"revenue"}


def test_numbers_follow_the_language():
    assert number(10_000, "nl") == "10.000" and number(10_000, "en") == "10,000"
    assert number(0.95, "nl", 2) == "0,95" and number(0.95, "en", 2) == "0.95"
    assert number(-1234.5, "nl", 1) == "-1.234,5"
    assert number(12.4, "nl", sign=True) == "+12" and number(-0.001, "en", 2) == "0.00"
    assert number(float("nan"), "nl") == "–"
    assert percent(0.953, "nl", 1) == "95,3%" and percent(0.95, "en") == "95%"
    with pytest.raises(KeyError):
        number(1, "fr")


def test_spreadsheet_cells_are_never_formulas():
    for name in ("=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_safe(name) == "'" + name
    assert spreadsheet_safe("S1 Steady") == "S1 Steady" and spreadsheet_safe("") == ""


def test_dutch_screens_write_numbers_the_dutch_way():
    room = Classroom(load_scenario(BASELINE, {"market.customers": 2000}), lang="nl")
    for _ in range(3):
        room.step()
    frame = room.frame()
    assert frame.market.startswith("2.000 klanten") and "S1 belooft 0,70" in frame.policy
    texts = re.findall(r">([^<>]*\d[^<>]*)</text>", frame.trends_background + frame.network_background)
    assert any(re.search(r"\d\.\d{3}", t) for t in texts)  # thousands: 2.000 (axis, title)
    assert any(re.search(r"\d,\d", t) for t in texts)  # decimals: 0,25 (trust axis)
    assert not any(re.search(r"\d,\d{3}(\D|$)", t) or re.search(r"\d\.\d{1,2}(\D|$)", t) for t in texts), texts
    english = Classroom(load_scenario(BASELINE, {"market.customers": 2000}))
    assert english.frame().market.startswith("2,000 customers")
    assert "300 of 2,000 customers" in english.frame().network_background


def test_a_value_set_between_slider_steps_is_not_a_change():
    room = Classroom(load_scenario(BASELINE, {"market.customers": 300}))
    rate = room.applied["recommendation_rate"]
    assert on_grid(KNOBS["recommendation_rate"], rate) != rate  # the calibrated 0.103...
    assert not knob_changed("recommendation_rate", on_grid(KNOBS["recommendation_rate"], rate), rate)
    assert knob_changed("recommendation_rate", rate + KNOBS["recommendation_rate"].step, rate)
    assert knob_changed("network_kind", "scale_free", "small_world")
    # the slider's picture of the value in force: no knob is changed at start
    shown = {name: on_grid(KNOBS[name], v) if not KNOBS[name].choices else v for name, v in room.applied.items()}
    assert not any(knob_changed(name, v, room.applied[name]) for name, v in shown.items())
    # and Reset keeps the scenario's own value, not the slider's rounding of it
    settled = settled_knobs({**shown, "promise": 0.8}, room.applied)
    assert settled["recommendation_rate"] == rate and settled["promise"] == 0.8
    room.start(room.lesson, settled)
    assert room.model.config.wom.rate == rate


def test_the_axis_spans_the_weeks_the_lesson_speaks_of():
    room = Classroom(load_scenario(BASELINE, {"market.customers": 300}), "broken_promise")
    assert room.model.config.steps == 260 and LESSONS["broken_promise"].weeks == 52
    assert all(ax.get_xlim() == (0, 52) for ax in room.view.axes.values())
    assert list(room.view.axes["trust"].get_xticks()) == [0, 13, 26, 39, 52]  # quarters of the year
    for _ in range(53):
        room.step()
    assert all(ax.get_xlim() == (0, 78) for ax in room.view.axes.values())  # played on: 26 more


def test_the_csv_holds_the_series_on_screen_in_the_pages_language():
    base = load_scenario(BASELINE, {"market.customers": 300, "suppliers.0.name": "=HYPERLINK(evil)"})
    room = Classroom(base)
    for _ in range(10):
        room.step()
    room.start("free_play")  # the run just seen becomes the faint previous run
    for _ in range(4):
        room.step()
    table = pd.read_csv(io.BytesIO(room.csv()))
    view = room.view
    assert list(table.columns) == ["run", "step", "supplier", "name", *PLOTTED]
    assert table["run"].value_counts().to_dict() == {"previous": 11 * 4, "current": 5 * 4}
    current = table[table["run"] == "current"]
    assert (current["step"].to_numpy().reshape(-1, 4)[:, 0] == view.history.steps).all()
    assert np.allclose(current["trust"].to_numpy().reshape(-1, 4), view.history.series("trust"), atol=1e-6)
    assert current["customers"].to_numpy().reshape(-1, 4).tolist() == view.history.series("customers").tolist()
    assert current["nps"].isna().all()  # week 4: the plot does not show NPS yet
    assert set(table["name"]) == {"'=HYPERLINK(evil)", "Overdeliverer", "Advertiser", "Listener"}
    room.set_language("nl")
    dutch = room.csv().decode("utf-8")
    assert dutch.splitlines()[0] == "run;step;supplier;name;" + ";".join(PLOTTED)
    assert re.search(r";0,\d+\n", dutch)  # decimal comma
    parsed = pd.read_csv(io.StringIO(dutch), sep=";", decimal=",")
    assert parsed.equals(table)


@pytest.mark.parametrize("seed", [42, 7, 2024])
def test_the_broken_promise_lesson_shows_what_it_says(seed):
    """Run as the class sees it (the baseline's 10,000 customers, the lesson's 52 weeks): what
    students should see must be on screen, on any seed."""
    scenario = lesson_scenario(load_scenario(BASELINE), "broken_promise")
    over, kept = scenario.supplier_policies()
    # equally able; only the promise (and the name) differs
    assert over.model_dump(exclude={"name", "promise"}) == kept.model_dump(exclude={"name", "promise"})
    assert over.promise > over.competence > kept.promise
    model = TrustMarket(scenario, rng=seed)
    model.run(LESSONS["broken_promise"].weeks)
    table = model.supplier_table()
    s1, s2 = (table[table["supplier"] == i].set_index("step") for i in (0, 1))
    end = LESSONS["broken_promise"].weeks
    assert s1["broken"].sum() > s1["kept"].sum() and s2["kept"].sum() > s2["broken"].sum()
    # more people warning others around S1, its NPS far below, its trust lower, growing slower
    assert s1.loc[end, "detractors"] > 1.2 * s2.loc[end, "detractors"]
    assert s1.loc[end, "nps"] < s2.loc[end, "nps"] - 30
    assert (s1.loc[4:, "trust"] < s2.loc[4:, "trust"]).all()
    assert s2.loc[end, "trust"] - s2.loc[13, "trust"] > s1.loc[end, "trust"] - s1.loc[13, "trust"]
    assert s1.loc[end, "customers"] - s1.loc[0, "customers"] < s2.loc[end, "customers"] - s2.loc[0, "customers"]
