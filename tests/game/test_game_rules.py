"""The game's rules without a browser: the budget rule, validation, rounds, replay, persistence, lock."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from trustsim.config import load_scenario
from trustsim.errors import ConfigError, RunError
from trustsim.game import Game, GameError
from trustsim.game import record as rec
from trustsim.game.rules import (
    DecisionError,
    check_budget,
    default_budget,
    planned_spend,
    validate_decision,
)

K = 2
CAREFUL = dict(promise=0.6, over_delivery=0.05, care=0.9, transparency=0.9, ad_budget=0.5, anchoring=0.3)
LOUD = dict(promise=0.9, over_delivery=0.0, care=0.2, transparency=0.1, ad_budget=6.0, anchoring=0.0)
MIDDLE = dict(promise=0.75, over_delivery=0.02, care=0.6, transparency=0.5, ad_budget=2.0, anchoring=0.1)


@pytest.fixture
def scenario():
    return load_scenario(None, {"market.customers": 600, "market.initial_customers": 0.2, "seed": 5})


def started(scenario, folder: Path | None = None, names=("Careful", "Loud", "Middle"), rounds: int = 4) -> Game:
    game = Game.create(scenario, rounds=rounds, steps_per_round=K, folder=folder)
    for name in names:
        game.join(name, game.record.join_code)
    game.start()
    return game


# --- the budget rule -------------------------------------------------------------------


def test_planned_spend_follows_the_model_costs(scenario) -> None:
    sc = load_scenario(None, {"market.customers": 1000, "advertising.reach": 0.01})
    plan = dict(ad_budget=2.0, over_delivery=0.1, care=0.5)
    small = planned_spend(plan, customers=100, scenario=sc, firms=4, steps_per_round=5)
    # ads: 5 periods x 1 per person x 2% of 1,000; service for max(100, 1,000 / 4) = 250 customers
    assert small.advertising == pytest.approx(5 * 1.0 * 0.02 * 1000)
    assert small.over_delivery == pytest.approx(5 * 2.0 * 0.1 * 250)
    assert small.care == pytest.approx(5 * 0.2 * 0.5 * 250)
    assert small.total == pytest.approx(100 + 250 + 125)
    big = planned_spend(plan, customers=400, scenario=sc, firms=4, steps_per_round=5)
    assert big.over_delivery == pytest.approx(5 * 2.0 * 0.1 * 400)  # more customers, dearer service
    assert big.advertising == small.advertising
    # 40% of a fair share's revenue plus an ad budget of 1, over the round
    assert default_budget(sc, firms=4, steps_per_round=5) == pytest.approx(5 * (0.4 * 1.0 * 250 + 0.01 * 1000))


def test_a_plan_over_budget_is_refused_with_its_costs(scenario) -> None:
    spend = check_budget(CAREFUL, 0, scenario, 3, K, budget=1e6)
    with pytest.raises(DecisionError, match=r"costs .* but your budget is 10"):
        check_budget(CAREFUL, 0, scenario, 3, K, budget=10)
    check_budget(CAREFUL, 0, scenario, 3, K, budget=spend.total)  # exactly the budget is allowed


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("promise", "1.5", r"Promise: 1.5 is not allowed \(allowed: 0 to 1\)"),
        ("care", "lots", r"Care: expected a number such as 0.5, got 'lots'"),
        ("over_delivery", "-0.1", r"Over-delivery: -0.1 is not allowed"),
        ("transparency", "nan", r"Transparency: expected a finite number"),
        ("ad_budget", "inf", r"Advertising: expected a finite number"),
        ("ad_budget", "1000", r"Advertising: 1000 is more than 100"),
        ("anchoring", "", r"Reminders: expected a number"),
    ],
)
def test_bad_values_get_a_clear_message(scenario, field: str, value: str, message: str) -> None:
    with pytest.raises(DecisionError, match=message):
        validate_decision({**CAREFUL, field: value}, {}, scenario)


def test_decisions_accept_text_and_decimal_commas_and_refuse_unknown_fields(scenario) -> None:
    decision = validate_decision({**{k: str(v) for k, v in CAREFUL.items()}, "care": " 0,9 "}, {}, scenario)
    assert decision == CAREFUL
    with pytest.raises(DecisionError, match="unknown field 'price'"):
        validate_decision({**CAREFUL, "price": 9}, {}, scenario)
    partial = dict(CAREFUL)
    del partial["promise"]
    with pytest.raises(DecisionError, match="Promise: missing"):
        validate_decision(partial, {}, scenario)


# --- the game ---------------------------------------------------------------------------


def test_joining_needs_the_code_a_fresh_name_and_the_lobby(scenario) -> None:
    game = Game.create(scenario, rounds=2, steps_per_round=K)
    with pytest.raises(GameError, match="Wrong join code") as wrong:
        game.join("Careful", "XXXXXX")
    assert wrong.value.status == 403 and not game.record.firms
    index, token = game.join("  Careful  ", game.record.join_code.lower())
    assert index == 0 and game.firm_of(token) == 0 and game.firm_of("forged") is None
    with pytest.raises(GameError, match="already exists"):
        game.join("CAREFUL", game.record.join_code)
    for bad, message in (("", "give your firm a name"), ("x" * 41, "too long"), ("a\x00b", "letters")):
        with pytest.raises(GameError, match=message):
            game.join(bad, game.record.join_code)
    with pytest.raises(GameError, match="no open round"):
        game.decide(0, CAREFUL)
    game.start()
    with pytest.raises(GameError, match="has started"):
        game.join("Late", game.record.join_code)


def test_decisions_are_the_policy_in_force_and_silent_firms_keep_theirs(scenario) -> None:
    game = started(scenario)
    assert not game.decide(0, CAREFUL) and not game.decide(1, LOUD)
    assert game.decide(2, MIDDLE), "the last decision should run the round"
    game.decide(0, {**CAREFUL, "care": 0.5})
    game.close_round()  # Loud and Middle did not decide: they keep round 1's policy
    table = game.supplier_table()
    assert table["step"].max() == 2 * K
    expected = {1: [CAREFUL, LOUD, MIDDLE], 2: [{**CAREFUL, "care": 0.5}, LOUD, MIDDLE]}
    for r, plans in expected.items():
        for i, plan in enumerate(plans):
            rows = table[(table["supplier"] == i) & (table["round"] == r)]
            assert len(rows) == K
            for field, value in plan.items():
                assert (rows[field] == value).all(), (r, i, field)
    assert len(game.leaderboard()) == 3
    ranked = [row["score"] for row in game.leaderboard()]
    assert ranked == sorted(ranked, reverse=True)


def test_an_invalid_or_over_budget_decision_changes_nothing(scenario) -> None:
    game = started(scenario)
    with pytest.raises(GameError, match="budget"):
        game.decide(0, {**LOUD, "ad_budget": 50.0, "care": 1.0})
    with pytest.raises(GameError, match="Promise"):
        game.decide(0, {**CAREFUL, "promise": 2})
    assert game.pending(0) is None and game.record.completed == 0


def test_scandals_are_checked_and_hit_the_market(scenario) -> None:
    calm, hit = started(scenario), started(scenario)
    with pytest.raises(GameError, match="there is no firm 7"):
        hit.scandal("7")
    with pytest.raises(GameError, match="severity must be"):
        hit.scandal("all", severity=-1)
    hit.scandal("1", severity=3.0)
    for game in (calm, hit):
        game.close_round()
    trust = {
        name: g.supplier_table().query("step == @K")["trust"].to_numpy() for name, g in (("calm", calm), ("hit", hit))
    }
    assert trust["hit"][1] < trust["calm"][1] - 0.05


# --- persistence and replay -------------------------------------------------------------


def test_a_saved_game_replays_to_the_same_market(scenario, tmp_path: Path) -> None:
    game = started(scenario, tmp_path)
    game.decide(0, CAREFUL), game.decide(1, LOUD), game.decide(2, MIDDLE)
    game.scandal("all", severity=1.5, reach=0.5)
    game.decide(1, {**LOUD, "ad_budget": 3.0})
    game.close_round()
    game.decide(0, {**CAREFUL, "promise": 0.7})  # pending in the open round 3
    game.scandal("2")  # fired while round 3 is open
    again, resumed = Game.open(tmp_path, scenario, rounds=4, steps_per_round=K)
    assert resumed and again.notice == ""
    assert again.record == game.record
    pd.testing.assert_frame_equal(again.supplier_table(), game.supplier_table())
    pd.testing.assert_frame_equal(again.model.customer_table(), game.model.customer_table())
    assert again.pending(0) == {**CAREFUL, "promise": 0.7} and again.open_round == 3
    # the open round's scandal was fired again: the next round runs the same in both
    game.close_round(), again.close_round()
    pd.testing.assert_frame_equal(again.supplier_table(), game.supplier_table())
    # ...and a different seed gives a different market (so the check above can fail)
    other = Game(game.record.model_copy(update={"seed": 6}, deep=True))
    assert not other.supplier_table()["customers"].equals(game.supplier_table()["customers"])


def test_a_replay_that_differs_is_reported(scenario) -> None:
    game = started(scenario)
    game.close_round()
    record = game.record.model_copy(deep=True)
    record.checks[0].customers[0] += 1
    assert "did not rebuild the market of round 1" in Game(record).notice


def test_the_game_file_keeps_no_token_and_is_checked_on_load(scenario, tmp_path: Path) -> None:
    game = Game.create(scenario, rounds=2, steps_per_round=K, folder=tmp_path)
    _, token = game.join("Careful", game.record.join_code)
    text = rec.game_file(tmp_path).read_text()
    assert token not in text and rec.token_hash(token) in text
    assert not list(tmp_path.glob(".game.json.*.tmp")), "a temporary file was left behind"
    data = json.loads(text)
    data["rounds"] = 0
    rec.game_file(tmp_path).write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=r"game.json: key rounds"):
        rec.load(tmp_path)
    rec.game_file(tmp_path).write_text("{not json")
    with pytest.raises(ConfigError, match="not a readable game file"):
        rec.load(tmp_path)


def test_resuming_with_other_settings_is_refused(scenario, tmp_path: Path) -> None:
    Game.create(scenario, rounds=2, steps_per_round=K, folder=tmp_path)
    with pytest.raises(ConfigError, match=r"rounds = 2 \(now 5\)"):
        Game.open(tmp_path, scenario, rounds=5, steps_per_round=K)
    with pytest.raises(ConfigError, match="the scenario"):
        Game.open(tmp_path, load_scenario(None, {"market.customers": 700}), rounds=2, steps_per_round=K)


def test_a_second_server_cannot_take_the_game_folder(tmp_path: Path) -> None:
    with (
        rec.game_lock(tmp_path),
        pytest.raises(RunError, match="another `trustsim classroom`"),
        rec.game_lock(tmp_path),
    ):
        pass
    with rec.game_lock(tmp_path):  # released when the first holder is done
        pass


# --- the lesson -----------------------------------------------------------------------------


def _rounds(care: list[float], ads: list[float], early_customers: list[int], final_score: list[float]) -> pd.DataFrame:
    """A hand-made round table: three rounds, firms that differ in care and ads (all promises kept)."""
    rows = []
    for i, c in enumerate(care):
        for r in (1, 2, 3):
            rows.append(
                {
                    "supplier": i,
                    "round": r,
                    "care": c,
                    "ad_budget": ads[i],
                    "kept": 10,
                    "exceeded": 0,
                    "broken": 0,
                    "customers": early_customers[i] if r == 1 else 100,
                    "score": final_score[i] if r == 3 else 0.0,
                }
            )
    return pd.DataFrame(rows)


def test_the_lesson_states_differences_with_their_intervals_over_replays() -> None:
    from trustsim.game.lesson import lesson

    names = ["A", "B", "C", "D"]
    game = _rounds([0.9, 0.7, 0.5, 0.2], [0.1, 1.0, 2.0, 5.0], [50, 60, 70, 80], [400.0, 300.0, 200.0, 100.0])
    # ten replays in which A always beats B by 90-110 and D by about 300: both leads are no luck
    clear = [
        _rounds([0.9, 0.7, 0.5, 0.2], [0.1, 1, 2, 5], [1, 1, 1, 1], [400.0 + d, 300.0, 200.0, 100.0 + d / 2])
        for d in range(-10, 11, 2)
    ]
    first, top, trust = lesson(game, names, clear)
    assert first.key == "early_other" and first.fields["leader"] == "D" and first.fields["winner"] == "A"
    assert (top.fields["a"], top.fields["b"], top.verdict) == ("A", "B", "ahead")
    assert top.n == 11 and 0 < top.lo < top.mean < top.hi and top.mean == pytest.approx(100.0)
    assert (trust.fields["a"], trust.fields["b"], trust.verdict) == ("A", "D", "ahead")
    # replays in which the order flips about half the time: the lesson says either could have won
    noisy = [
        _rounds([0.9, 0.7, 0.5, 0.2], [0.1, 1, 2, 5], [1, 1, 1, 1], [300.0 + d, 300.0, 200.0, 300.0 - d])
        for d in (-50, 40, -30, 60, -45, 35)
    ]
    for statement in lesson(game, names, noisy)[1:]:
        assert statement.verdict == "unclear" and statement.lo < 0 < statement.hi
    # replays in which B always wins: A's win in this game was luck
    flipped = [_rounds([0.9, 0.7, 0.5, 0.2], [0.1, 1, 2, 5], [1] * 4, [200.0 + d, 300.0, 0.0, 0.0]) for d in range(5)]
    assert lesson(game, names, flipped)[1].verdict == "behind"
    assert [s.key for s in lesson(game.iloc[:3], names[:1], [])] == ["early_same", "one_firm"]


def test_the_score_is_profit_so_far_plus_the_value_of_the_customers(scenario) -> None:
    from trustsim.game.rules import long_term_income
    from trustsim.mechanisms.money import discount_factor
    from trustsim.mechanisms.planning import customer_value

    game = started(scenario, rounds=3)
    for _ in range(3):
        for i, plan in enumerate((CAREFUL, LOUD, MIDDLE)):
            game.decide(i, plan)
    table = game.round_table()
    assert (table["score"] == table["discounted_profit"] + table["base_value"]).all()
    row = table[(table["supplier"] == 0) & (table["round"] == 3)].iloc[0]
    mine = table[table["supplier"] == 0]
    lost = (mine["churned"] + mine["departed"]).sum()
    retention = 1 - lost / mine["customer_periods"].sum()
    margin = 1.0 - (0.5 + 2.0 * CAREFUL["over_delivery"] + 0.2 * CAREFUL["care"])  # price - serving, default money
    value = customer_value(margin, 1 - retention, 0.001, game.horizon)
    expected = row["customers"] * value * discount_factor(3 * K, 0.001)
    assert row["retention"] == pytest.approx(retention) and row["base_value"] == pytest.approx(float(expected))
    # a firm that loses customers every week is worth less per customer than one that keeps them
    leaky = table.assign(churned=table["customer_periods"] // 10)
    scored = long_term_income(leaky, scenario, K, game.horizon)
    assert (table["customers"] > 0).all()
    assert (scored["base_value"] < table["base_value"]).all()
    # with the model's lapse and relationship gestures (model v3 columns) customers are worth less
    lapsing = table.assign(lapsed=table["customer_periods"] // 20, gesture_costs=0.1 * table["customer_periods"])
    poorer = long_term_income(lapsing, scenario, K, game.horizon)
    has = table["customers"] > 0
    assert (poorer["base_value"][has] < table["base_value"][has]).all()
    assert (poorer["retention"][has] < table["retention"][has]).all()
    board = game.leaderboard()
    assert [r["score"] for r in board] == sorted((r["score"] for r in board), reverse=True)
    assert board[0]["score"] == pytest.approx(float(table[table["round"] == 3]["score"].max()))


def test_replays_play_the_same_decisions_on_other_seeds(scenario) -> None:
    game = started(scenario, rounds=2)
    game.scandal("1")
    for _ in range(2):
        for i, plan in enumerate((CAREFUL, LOUD, MIDDLE)):
            game.decide(i, plan)
    replays = game.replays(3)
    assert len(replays) == 3
    same_decisions = [r[["supplier", "round", "promise", "care", "ad_budget"]].reset_index(drop=True) for r in replays]
    mine = game.round_table()[["supplier", "round", "promise", "care", "ad_budget"]].reset_index(drop=True)
    for other in same_decisions:
        pd.testing.assert_frame_equal(other, mine)
    assert len({float(r["score"].sum()) for r in replays}) == 3, "other seeds should give other markets"
    again = Game(game.record.model_copy(update={"seed": game.record.seed + 1, "checks": []})).round_table()
    pd.testing.assert_frame_equal(again, replays[0])


def test_the_roster_adds_renames_removes_and_hands_over_firms(scenario) -> None:
    game = Game.create(scenario, rounds=2, steps_per_round=K)
    _, token = game.join("Alpha", game.record.join_code)
    index, code = game.add_firm("Latecomer")
    assert index == 1 and game.firm_of(token) == 0
    with pytest.raises(GameError, match="does not fit any firm"):
        game.claim("WRONG123")
    claimed, late_token = game.claim(code.lower())
    assert claimed == 1 and game.firm_of(late_token) == 1
    with pytest.raises(GameError, match="does not fit"):
        game.claim(code)  # a firm code works once
    game.join("Gone", game.record.join_code)
    assert game.remove(2) and [f.name for f in game.record.firms] == ["Alpha", "Latecomer"]
    assert game.rename(0, "Alpha & Co") == "Alpha & Co"
    with pytest.raises(GameError, match="already exists"):
        game.rename(1, "alpha & co")
    game.start()
    game.decide(0, CAREFUL)
    game.close_round()
    assert game.rename(1, "Beta") == "Beta"  # the market is rebuilt with the new name
    assert set(game.supplier_table()["name"]) == {"Alpha & Co", "Beta"}
    # on another device: the teacher gives a firm code; the old browser loses the firm
    new_code = game.issue_code(0)
    _, other_device = game.claim(new_code)
    assert game.firm_of(other_device) == 0 and game.firm_of(token) is None
    assert not game.remove(0), "once the market runs a firm stays, its student detached"
    assert game.firm_of(other_device) is None and len(game.record.firms) == 2
    with pytest.raises(GameError, match="started"):
        game.add_firm("Too late")


def test_refusals_speak_dutch_too(scenario) -> None:
    with pytest.raises(DecisionError) as refused:
        validate_decision({**CAREFUL, "promise": "1,5"}, {}, scenario)
    assert refused.value.text("nl") == "Belofte: 1,5 mag niet (toegestaan: 0 tot en met 1)."
    with pytest.raises(DecisionError) as over:
        check_budget(CAREFUL, 0, scenario, 3, K, budget=10)
    assert over.value.text("nl").endswith("maar je budget is 10: verlaag reclame, meer leveren of zorg.")


def test_a_market_too_small_for_the_class_is_refused_at_start() -> None:
    tiny = load_scenario(None, {"market.customers": 2, "market.suppliers": 1, "network.kind": "well_mixed"})
    game = Game.create(tiny, rounds=1, steps_per_round=1)
    for name in ("A", "B", "C"):
        game.join(name, game.record.join_code)
    with pytest.raises(GameError, match=r"cannot be built for 3 firms: .*market\.suppliers"):
        game.start()
    assert game.phase == "lobby"
