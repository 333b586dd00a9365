"""The presets teach what docs/classroom.md says: each one replayed headless over 10 seeds.

Three scripted firms at equal spend (trustsim.game.presets.scripted): the relationship firm, the
advertiser and the loud firm that over-promises. The rounds a preset needs, the round from which
the loud firm is last, and how often the relationship firm is also ahead on profit alone at the
end are measured here, and must be what the presets declare and the docs' table states.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trustsim.game import presets

DOCS = Path(__file__).resolve().parents[2] / "docs" / "classroom.md"


def docs_table() -> dict[str, list[str]]:
    """The presets table of docs/classroom.md: preset key -> its cells."""
    rows = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        found = re.fullmatch(r"`--preset (\w+)`", cells[0]) if len(cells) > 1 else None
        if found:
            rows[found.group(1)] = cells
    return rows


@pytest.fixture(scope="module")
def counts():
    return {key: presets.replay_counts(preset) for key, preset in presets.PRESETS.items()}


@pytest.mark.parametrize("key", list(presets.PRESETS))
def test_each_preset_shows_what_it_says_over_ten_seeds(counts, key: str) -> None:
    preset, count = presets.PRESETS[key], counts[key]
    assert list(count.index) == list(range(1, preset.rounds + 1))
    needed = presets.steady_from(count["score_lead"])
    assert needed == preset.needed, f"{key}: the relationship firm leads from round {needed}, not {preset.needed}"
    assert needed is not None and needed < preset.rounds, "a preset must be long enough for its lesson"
    assert count["score_lead"].iloc[: needed - 1].max() < presets.MAJORITY, "before that, advertising leads"
    assert presets.steady_from(count["loud_last"]) == preset.loud_last
    row = docs_table()[key]
    assert row[1] == f"{preset.rounds} × {preset.steps_per_round}"
    assert row[2] == str(preset.needed) and row[3] == str(preset.loud_last)
    assert row[4] == f"{count['profit_lead'].iloc[-1]} of {len(presets.CHECK_SEEDS)}"
    if key == "calibrated":  # docs: "on profit alone ... behind at five years in every replay"
        assert count["profit_lead"].loc[260 // preset.steps_per_round] == 0


def test_the_teacher_is_warned_when_a_game_is_too_short() -> None:
    from trustsim.game import Game

    long_game = presets.PRESETS["long_game"]
    short = Game.create(long_game.load(), rounds=5, steps_per_round=long_game.steps_per_round)
    assert presets.matching(short) is long_game
    (warning,) = presets.warnings(short, "en")
    assert "lasts 50 weeks" in warning and "only after 100 weeks" in warning and "--preset long_game" in warning
    assert "Leerlingen zullen reclame zien winnen" in presets.warnings(short, "nl")[0]
    enough = Game.create(long_game.load(), rounds=long_game.rounds, steps_per_round=long_game.steps_per_round)
    assert presets.warnings(enough, "en") == []
    weeks_enough = Game.create(long_game.load(), rounds=5, steps_per_round=20)  # 100 weeks, other rounds
    assert presets.warnings(weeks_enough, "en") == []
    other = Game.create(long_game.load().model_copy(update={"seed": 3}), rounds=3, steps_per_round=4)
    assert presets.warnings(other, "en")  # 12 weeks of the long game's market: too short
    from trustsim.config import load_scenario

    unknown = Game.create(load_scenario(None, {"market.customers": 500}), rounds=20, steps_per_round=10)
    assert "nobody has measured" in presets.warnings(unknown, "en")[0]
