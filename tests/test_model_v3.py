"""Model v3 (issue 25): each new mechanism has the effect it is there for, and switched off it changes nothing.

- advertising through goodwill: the stock carries over (ads keep reaching people after the spend
  stops, decaying by `carryover` a week), reach saturates, and the bill is the money spent;
- relationship gestures: targeted follow-ups raise the care component of trust and are billed;
- lapse: customers who distrust their supplier stop buying from anyone for a while;
- the NPS survey: a shifted, noisy answer moves NPS and nothing else.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustsim.config import load_scenario
from trustsim.model import TrustMarket

BASE = "configs/baseline_v1.toml"
GOODWILL = {"advertising.response": "goodwill", "advertising.max_reach": 0.02, "advertising.saturation": 50.0}


def _run(overrides: dict, steps: int = 30, seed: int = 5, customers: int = 1500, check: bool = True) -> TrustMarket:
    sc = load_scenario(BASE, {"market.customers": customers, **overrides})
    return TrustMarket(sc, rng=seed, check=check).run(steps)


def test_goodwill_carries_over_after_the_spend_stops_and_is_billed_as_spent():
    m = _run(GOODWILL | {"advertising.carryover": 0.9}, steps=10)
    sup = m.supplier_table()
    s0 = sup[sup["supplier"] == 0].set_index("step")
    budget = float(s0["ad_budget"].iloc[-1])
    assert budget > 0 and np.allclose(s0["ad_costs"].iloc[1:], budget)  # billed as spent, not per person
    for s in m.suppliers_list:
        s.set_policy(ad_budget=0.0)
    stock = float(s0["goodwill"].iloc[-1])
    m.run(8)
    after = m.supplier_table()
    after0 = after[(after["supplier"] == 0) & (after["step"] > 10)]
    assert np.allclose(after0["goodwill"], stock * 0.9 ** np.arange(1, 9))  # decays by the carry-over
    assert (after0["ad_costs"] == 0).all() and after0["reached"].iloc[:4].min() > 0  # still reaching people


def test_reach_saturates_so_doubling_spend_less_than_doubles_reach():
    reached = {}
    for budget in (2.0, 4.0):
        m = _run(GOODWILL | {f"suppliers.{i}.ad_budget": budget for i in range(4)}, steps=60, customers=20_000)
        sup = m.supplier_table()
        reached[budget] = sup[sup["step"] > 40]["reached"].mean()
    ratio = reached[4.0] / reached[2.0]
    # steady-state stock 2 / (1 - 0.93) = 28.6 against saturation 50: reach x (50 + 28.6) / (50 + 57.1) = 1.47
    assert 1.3 < ratio < 1.65, ratio


def test_linear_response_is_version_2():
    linear = _run({}, steps=8)
    assert (linear.supplier_table()["goodwill"] == 0).all()


def test_follow_ups_raise_care_trust_and_cost_money():
    plain = _run({}, steps=25)
    caring = _run({"suppliers.0.follow_up": 1.0, "gestures.gain": 0.5, "money.gesture_cost": 2.0}, steps=25)
    sup = caring.supplier_table()
    s0 = sup[sup["supplier"] == 0]
    assert s0["gestures"].sum() > 0 and (sup[sup["supplier"] != 0]["gestures"] == 0).all()
    assert np.allclose(s0["gesture_costs"], 2.0 * s0["gestures"])
    assert np.allclose(s0["costs"], s0["service_costs"] + s0["ad_costs"] + s0["gesture_costs"])
    before = plain.supplier_table()
    gain = s0["trust_care"].iloc[-1] - before[before["supplier"] == 0]["trust_care"].iloc[-1]
    assert gain > 0.01, gain


def test_no_gestures_draw_nothing_and_change_nothing():
    a, b = _run({}, steps=10, check=False), _run({"money.gesture_cost": 5.0}, steps=10, check=False)
    pd.testing.assert_frame_equal(a.model_table(), b.model_table())


def test_distrusted_suppliers_lose_customers_to_lapse_who_then_buy_from_no_one_for_a_while():
    m = _run({"lapse.rate": 0.3, "lapse.threshold": 0.6, "lapse.weeks": 10.0, "suppliers.2.reliability": 0.5}, steps=30)
    sup, spells = m.supplier_table(), m.customer_table()
    assert sup["lapsed"].sum() > 0 and (spells["end_reason"] == "lapsed").sum() == sup["lapsed"].sum()
    lapsed_share = sup.groupby("supplier")["lapsed"].sum() / sup.groupby("supplier")["customers"].sum()
    assert lapsed_share.idxmax() == 2  # the unreliable supplier loses most
    pop = m.population
    away = pop.away_until > m.steps
    assert away.any() and (pop.supplier[away] < 0).all()  # the lapsed buy from no one yet


def test_lapse_off_draws_nothing():
    a, b = _run({}, steps=10, check=False), _run({"lapse.threshold": 0.9}, steps=10, check=False)
    pd.testing.assert_frame_equal(a.model_table(), b.model_table())
    assert a.rng.random() == b.rng.random()


@pytest.mark.parametrize("shift", [-2.0, 2.0])
def test_the_survey_moves_nps_and_nothing_else(shift):
    plain = _run({}, steps=20)
    surveyed = _run({"survey.nps_shift": shift, "survey.nps_sd": 1.0}, steps=20)
    a, b = plain.model_table(), surveyed.model_table()
    others = [c for c in a.columns if c != "nps"]
    pd.testing.assert_frame_equal(a[others], b[others])  # behaviour keeps using trust
    moved = (b["nps"] - a["nps"]).iloc[5:].mean()
    assert moved * shift > 0 and abs(moved) > 10, moved


def test_unit_economics_follow_their_definitions():
    from trustsim.patterns import RunTables, unit_economics

    sup = pd.DataFrame(
        {
            "step": [0, 1, 2, 1, 2],
            "supplier": [0, 0, 0, 1, 1],
            "name": ["A", "A", "A", "B", "B"],
            "customers": [0, 100, 100, 50, 50],
            "revenue": [0.0, 100.0, 100.0, 50.0, 50.0],
            "service_costs": [0.0, 50.0, 50.0, 25.0, 25.0],
            "gesture_costs": [0.0, 0.0, 0.0, 5.0, 5.0],
            "ad_costs": [99.0, 200.0, 200.0, 0.0, 0.0],
            "acquired_ads": [0, 10, 10, 0, 0],
            "churned": [0, 1, 1, 0, 0],
            "departed": [0, 0, 0, 0, 0],
            "lapsed": [0, 1, 1, 0, 0],
        }
    )
    u = unit_economics(RunTables(pd.DataFrame({"step": [0, 1, 2]}), sup, None, 1000, discount_rate=0.0))
    a = u.loc[0]
    assert a["cac"] == 20.0 and a["margin"] == 0.5 and a["loss_rate"] == 0.02  # step 0 does not count
    assert a["ltv"] == pytest.approx(25.0) and a["ltv_to_cac"] == pytest.approx(1.25)
    assert a["payback_months"] == pytest.approx(20.0 / (0.5 * 52 / 12))
    assert np.isnan(u.loc[1, "cac"]) and u.loc[1, "margin"] == pytest.approx(0.4)  # gestures cost margin


def test_a_saturated_ad_response_is_less_elastic_than_a_linear_one():
    from trustsim.elasticity import ad_elasticity

    common = {"market.customers": 3000, "market.initial_customers": 0.0}
    linear = load_scenario(BASE, common)
    saturated = load_scenario(BASE, common | GOODWILL | {"advertising.saturation": 1.0})
    e_lin = np.mean([ad_elasticity(linear, s, warmup=20)["ad_elasticity_short"] for s in range(4)])
    e_sat = np.mean([ad_elasticity(saturated, s, warmup=20)["ad_elasticity_short"] for s in range(4)])
    # far above saturation more spend buys almost no reach: the response is all but inelastic
    assert e_lin > 0.2 and e_sat < e_lin / 2, (e_lin, e_sat)


def test_mesa_batch_run_keeps_market_and_supplier_measures_apart():
    """Issue 28: batch_run merges model and agent reporters into one row; names must not collide."""
    import mesa

    rows = mesa.batch_run(
        TrustMarket,
        {"scenario": [BASE], "market.customers": [300]},
        rng=[1],
        max_steps=3,
        number_processes=1,
        display_progress=False,
    )
    frame = pd.DataFrame(rows)
    last = frame[frame["Step"] == frame["Step"].max()]
    assert "customers" in frame and "supplier.customers" in frame
    assert last["customers"].nunique() == 1 and last["supplier.customers"].sum() == last["customers"].iloc[0]
