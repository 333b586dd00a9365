"""Lessons, knobs, texts in both languages and the classroom session (no browser needed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trustsim.app.classroom import Classroom
from trustsim.app.lessons import (
    KNOBS,
    LESSONS,
    baseline_source,
    classroom_scenario,
    knob_values,
    lesson_scenario,
    seed_from_text,
)
from trustsim.app.text import LANGUAGES, STAGE_LABELS, TEXT
from trustsim.config import load_scenario
from trustsim.errors import ConfigError

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
    same_in_both = {"nps", "plot_nps", "speed_value", "week", "axis_week"}
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
