"""Game presets: a market, a length and a budget that teach one thing, and what students should see.

Each preset says how many rounds it needs: the first round from which the *relationship* firm
(keeps its promise, over-delivers, cares, hardly advertises) leads the *advertiser* (same promise,
spends as much on ads) on the game's score in at least :data:`MAJORITY` of the
:data:`CHECK_SEEDS` headless replays (:func:`play`, three scripted firms, :func:`scripted`), and
keeps that lead to the end. The numbers below were found by :func:`replay_counts`;
tests/game/test_presets.py replays them and checks them and docs/classroom.md, which states them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from trustsim.commands.classroom import GAME_DEFAULTS
from trustsim.config import Scenario, load_scenario
from trustsim.game.rules import planned_spend
from trustsim.game.text import tr
from trustsim.mechanisms.planning import full_reach_budget

if TYPE_CHECKING:
    from trustsim.game.game import Game

CHECK_SEEDS = tuple(range(1, 11))
"""Seeds of the replays that decide a preset's rounds needed."""
MAJORITY = 8
"""Replays (of 10) in which the relationship firm must lead for a round to count as 'it shows'."""


@dataclass(frozen=True)
class Preset:
    """A ready-made game.

    Attributes:
        key: the name given to ``trustsim classroom --preset``.
        scenario: built-in scenario name (None: the game's default market).
        overrides: scenario keys set on top of it.
        rounds: rounds the preset plays.
        steps_per_round: periods (weeks) per round.
        firms: the class size the rounds needed was measured for (3 firms: the relationship firm,
            the loud advertiser and a middle way).
        needed: the first round from which the relationship firm leads (None: it never does
            within the preset's rounds).
        loud_last: the first round from which the loud firm (over-promising) is last.
    """

    key: str
    scenario: str | None
    overrides: dict[str, object] = field(default_factory=dict)
    rounds: int = 10
    steps_per_round: int = 8
    firms: int = 3
    needed: int | None = None
    loud_last: int | None = None

    def load(self) -> Scenario:
        """The preset's scenario."""
        return load_scenario(self.scenario, overrides=dict(self.overrides))


GAME_MARKET = GAME_DEFAULTS
"""The game's default market: the built-in defaults with 3,000 customers, 20% already buying."""

PRESETS: dict[str, Preset] = {
    "long_game": Preset("long_game", None, GAME_MARKET, rounds=12, steps_per_round=10, needed=10, loud_last=2),
    "calibrated": Preset("calibrated", "calibrated/new_category", rounds=12, steps_per_round=26, needed=9, loud_last=5),
}
"""The presets, by key."""


STRATEGIES: dict[str, dict[str, float]] = {
    "relationship": {
        "promise": 0.7,
        "over_delivery": 0.08,
        "care": 0.9,
        "transparency": 0.8,
        "anchoring": 0.3,
        "ad_budget": 0.4,
    },
    "advertiser": {"promise": 0.7, "over_delivery": 0.0, "care": 0.5, "transparency": 0.5, "anchoring": 0.0},
    "loud": {"promise": 0.95, "over_delivery": 0.0, "care": 0.2, "transparency": 0.1, "anchoring": 0.0},
}
"""The scripted firms of the replays, but for advertising (see :func:`scripted`)."""


def _fit(
    decision: dict[str, float], customers: int, scenario: Scenario, firms: int, k: int, spend: float
) -> dict[str, float]:
    """`decision` with the ad budget that brings its planned spend up to `spend` (over-delivery and care
    scaled down first if they alone cost more)."""
    out = {**decision, "ad_budget": 0.0}
    service = planned_spend(out, customers, scenario, firms, k).total
    if service > spend:
        for key in ("over_delivery", "care"):
            out[key] = math.floor(out[key] * spend / service * 1000) / 1000
        service = planned_spend(out, customers, scenario, firms, k).total
    one_ad = planned_spend({**out, "ad_budget": 1.0}, customers, scenario, firms, k).total - service
    if one_ad > 0:
        most = full_reach_budget(scenario.advertising.reach)
        out["ad_budget"] = min(most, math.floor(0.999 * max(0.0, spend - service) / one_ad * 1000) / 1000)
    return out


def scripted(game: Game) -> dict[int, dict[str, float]]:
    """The three scripted firms' decisions for the open round, at equal spend (as in the research's
    flagship experiment, `ten_ambassadors`): the relationship firm pays for over-delivery and care
    and advertises a little (an ad budget of 0.4, as the flagship's); the advertiser keeps the same
    promise and spends as much on ads; the loud firm promises more than it can deliver and spends
    as much on ads. Firm i plays ``list(STRATEGIES)[i]``.
    """
    sc, firms, k, budget = game.base, len(game.record.firms), game.record.steps_per_round, game.budget()
    keeper = _fit(STRATEGIES["relationship"], game.customers(0), sc, firms, k, budget)
    keeper["ad_budget"] = min(keeper["ad_budget"], STRATEGIES["relationship"]["ad_budget"])
    spend = planned_spend(keeper, game.customers(0), sc, firms, k).total
    return {
        0: keeper,
        1: _fit(STRATEGIES["advertiser"], game.customers(1), sc, firms, k, spend),
        2: _fit(STRATEGIES["loud"], game.customers(2), sc, firms, k, spend),
    }


def play(preset: Preset, seed: int, rounds: int | None = None) -> pd.DataFrame:
    """Play the preset headless with the three scripted firms: the game's round table (with scores)."""
    from trustsim.game.game import Game

    scenario = preset.load()
    game = Game.create(scenario, rounds=rounds or preset.rounds, steps_per_round=preset.steps_per_round, seed=seed)
    names = list(STRATEGIES)
    for name in names:
        game.join(name, game.record.join_code)
    game.start()
    while game.phase == "playing":
        for i, decision in scripted(game).items():
            game.decide(i, decision)
    table = game.round_table()
    table["firm"] = [names[i] for i in table["supplier"]]
    return table


def replay_counts(preset: Preset, seeds: tuple[int, ...] = CHECK_SEEDS) -> pd.DataFrame:
    """Per round, in how many replays (one per seed): the relationship firm's score is above the
    advertiser's (`score_lead`), its profit so far is (`profit_lead`), and the loud firm's score is
    the lowest of the three (`loud_last`)."""
    total = None
    for seed in seeds:
        table = play(preset, seed)
        score = table.pivot(index="round", columns="firm", values="score")
        profit = table.pivot(index="round", columns="firm", values="discounted_profit")
        counts = pd.DataFrame(
            {
                "score_lead": score["relationship"] > score["advertiser"],
                "profit_lead": profit["relationship"] > profit["advertiser"],
                "loud_last": score["loud"] < score[["relationship", "advertiser"]].min(axis=1),
            }
        ).astype(int)
        total = counts if total is None else total + counts
    assert total is not None
    return total


def steady_from(count: pd.Series, majority: int = MAJORITY) -> int | None:
    """The first round from which `count` is at least `majority` in every later round (None: never)."""
    shows = count >= majority
    for r in count.index:
        if shows.loc[r:].all():
            return int(r)
    return None


def matching(game: Game) -> Preset | None:
    """The preset whose market (scenario, seed aside) and round length the game has, if any."""
    mine = _market_of(game)
    for preset in PRESETS.values():
        if _market(preset) == mine and game.record.steps_per_round == preset.steps_per_round:
            return preset
    return None


def warnings(game: Game, lang: str) -> list[str]:
    """What the teacher's panel warns about the game's length: too short for the relationship
    strategy to show (a preset's market), or not measured (another market)."""
    preset = matching(game)
    k, rounds = game.record.steps_per_round, game.record.rounds
    if preset is None:
        same_market = [p for p in PRESETS.values() if _market(p) == _market_of(game)]
        if same_market and same_market[0].needed:
            preset = same_market[0]
        else:
            return [tr("unknown_length", lang)]
    assert preset.needed is not None
    needed_weeks = preset.needed * preset.steps_per_round
    if rounds * k >= needed_weeks:
        return []
    return [
        tr(
            "too_short",
            lang,
            weeks=rounds * k,
            rounds=rounds,
            k=k,
            needed_weeks=needed_weeks,
            needed=preset.needed,
            preset=tr(f"preset_{preset.key}", lang),
            majority=MAJORITY,
            seeds=len(CHECK_SEEDS),
            preset_key=preset.key,
        )
    ]


def _market(preset: Preset) -> dict[str, object]:
    data = preset.load().model_dump(mode="json")
    data.pop("seed", None)
    return data


def _market_of(game: Game) -> dict[str, object]:
    data = game.base.model_dump(mode="json")
    data.pop("seed", None)
    return data
