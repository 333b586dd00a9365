"""Lessons, knobs and the model class SolaraViz rebuilds on Reset (no browser needed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params
from mesa.visualization.user_param import Slider

from trustsim.app.lessons import (
    KNOBS,
    LESSONS,
    classroom_scenario,
    knob_values,
    lesson_scenario,
    seed_from_text,
)
from trustsim.app.page import ClassroomMarket, market_line, model_params
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
    assert len(re.findall(r"[.!?](\s|$)", lesson.watch_for)) == 2, lesson.watch_for
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
    assert (ads.promise, ads.competence, ads.reliability) == (wom.promise, wom.competence,
                                                              wom.reliability)


def test_knobs_move_the_scenario_keys_they_name(base):
    start = knob_values(base)
    assert set(start) == set(KNOBS)
    moved = {
        name: (knob.choices[-1] if knob.choices else knob.high) for name, knob in KNOBS.items()
    }
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


def test_reset_rebuilds_the_model_from_the_sidebar_values_as_mesa_does():
    base = load_scenario(BASELINE, {"market.customers": 300})
    params = model_params(base, "broken_promise")
    _check_model_params(ClassroomMarket.__init__, params)
    model = ClassroomMarket(base, "broken_promise")
    values = {k: (v.value if isinstance(v, Slider) else v.get("value", v) if isinstance(v, dict)
                  else v) for k, v in params.items()}
    values["promise"] = 0.6
    values["rng"] = "123"
    kwargs = _build_model_init_kwargs(model, values, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    rebuilt = type(model)(**kwargs)
    assert rebuilt.config.supplier_policies()[0].promise == 0.6
    assert rebuilt.config.supplier_policies()[0].name == "Over-promiser"
    assert "S1 promises 0.60" in market_line(rebuilt)
    rebuilt.step()
    assert rebuilt.steps == 1


def test_classroom_market_refuses_unknown_knobs_and_lessons():
    with pytest.raises(ConfigError, match="unknown classroom knob"):
        ClassroomMarket(load_scenario(None, {"market.customers": 100}), promis=0.5)
    with pytest.raises(ConfigError, match="unknown lesson"):
        ClassroomMarket(load_scenario(None, {"market.customers": 100}), lesson="nope")
