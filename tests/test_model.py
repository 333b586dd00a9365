"""TrustMarket as a whole: reproducibility, Mesa integration, invariants, and model-level effects."""

import mesa
import numpy as np
import pandas as pd
import pytest

from trustsim.config import load_scenario
from trustsim.mechanisms.loyalty import STAGES
from trustsim.metrics import MODEL_COLUMNS, SUPPLIER_COLUMNS
from trustsim.model import TrustMarket
from trustsim.runner import run_one

PUBLIC_MODEL = ["step", "customer_share", "ambassador_share", "detractor_share", "nps", "mean_trust"]
PUBLIC_SUPPLIERS = [
    "step",
    "supplier",
    "customers",
    "ambassadors",
    "detractors",
    "nps",
    "trust",
    "trust_reliability",
    "trust_transparency",
    "trust_competence",
    "trust_care",
    "acquired_ads",
    "acquired_reviews",
    "acquired_recommendations",
    "churned",
    "revenue",
]


def test_public_columns_are_present():
    assert set(PUBLIC_MODEL) <= set(MODEL_COLUMNS)
    assert set(PUBLIC_SUPPLIERS) <= set(SUPPLIER_COLUMNS)


def test_same_seed_same_tables_other_seed_other_tables(small):
    a, b, c = run_one(small, 7, 15), run_one(small, 7, 15), run_one(small, 8, 15)
    pd.testing.assert_frame_equal(a.model, b.model)
    pd.testing.assert_frame_equal(a.suppliers, b.suppliers)
    assert not a.model.equals(c.model)


def test_rows_are_steps_and_step_zero_is_the_initial_state(small):
    r = run_one(small, 1, 12)
    assert r.model["step"].tolist() == list(range(13))
    assert len(r.suppliers) == 13 * 4
    assert r.model.loc[0, "customer_share"] == pytest.approx(0.2, abs=1e-3)
    assert r.model.loc[0, "acquired"] == 0


def test_is_a_proper_mesa_model_with_agents_rng_and_datacollector(small):
    m = TrustMarket(small, rng=3)
    assert isinstance(m, mesa.Model) and isinstance(m.rng, np.random.Generator)
    assert len(m.agents) == 4 and all(isinstance(a, mesa.Agent) for a in m.agents)
    m.run(3)
    assert m.steps == 3
    assert len(m.datacollector.get_model_vars_dataframe()) == 4
    assert len(m.datacollector.get_agent_vars_dataframe()) == 16


def test_works_with_mesa_batch_run():
    results = mesa.batch_run(
        TrustMarket,
        parameters={"market.customers": [300, 600], "steps": 5},
        rng=[1, 2],
        max_steps=5,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert len(frame) == 4 * 4  # 2 sizes x 2 seeds, one row per supplier
    assert set(frame["market.customers"]) == {300, 600}


def test_from_config_with_overrides_and_seed():
    m = TrustMarket.from_config("configs/baseline.toml", seed=5, overrides={"market.customers": 800})
    assert m.population.n == 800 and m.config.seed == 42
    assert [a.name for a in m.suppliers_list] == ["Steady", "Overdeliverer", "Advertiser", "Listener"]


@pytest.mark.parametrize("kind", ["well_mixed", "erdos_renyi", "small_world", "scale_free"])
def test_invariants_hold_every_step(kind):
    sc = load_scenario(
        "configs/baseline.toml",
        {
            "market.customers": 1500,
            "network.kind": kind,
            "steps": 40,
            "imitation.rate": 0.2,
            "suppliers.0.capacity": 0.05,
            "shocks": [{"step": 10, "supplier": "all", "severity": 1.5}, {"step": 20, "supplier": 2, "severity": 2.0}],
        },
    )
    m = TrustMarket(sc, rng=4, check=True).run()
    assert {"customer", "loyal", "detractor"} <= {STAGES[i] for i in np.unique(m.population.stage)}  # all exercised
    assert m.supplier_table().query("supplier == 0")["customers"].max() <= 75


def _supplier_pair(**second):
    return load_scenario(
        None,
        {
            "market.customers": 4000,
            "market.suppliers": 2,
            "market.initial_customers": 0.5,
            "steps": 40,
            "advertising.reach": 0.0,
            "switching.rate": 0.0,
            "fit.sd": 0.0,  # every customer suits a supplier alike
            **{f"suppliers.1.{k}": v for k, v in second.items()},
            "suppliers.0.name": "A",
        },
    )


def final(result, col):
    last = result.suppliers[result.suppliers.step == result.steps]
    return last.set_index("supplier")[col]


def test_over_delivery_builds_more_trust_and_ambassadors():
    r = run_one(_supplier_pair(over_delivery=0.1), seed=2)
    trust, amb = final(r, "trust"), final(r, "ambassadors")
    assert trust[1] > trust[0] + 0.05 and amb[1] > 1.5 * amb[0]


def test_unreliable_supplier_loses_reliability_trust():
    r = run_one(_supplier_pair(reliability=0.7), seed=2)
    rel = final(r, "trust_reliability")
    assert rel[1] < rel[0] - 0.1
    rate = final(r, "broken") / (final(r, "broken") + final(r, "kept") + final(r, "exceeded"))
    assert rate[1] > 2.5 * rate[0]  # 30% erratic failures on top of the same noise


def test_transparent_repair_keeps_more_trust_than_hiding_failures():
    hide = run_one(_supplier_pair(reliability=0.75, transparency=0.0), seed=3)
    admit = run_one(_supplier_pair(reliability=0.75, transparency=1.0), seed=3)
    assert final(admit, "trust")[1] > final(hide, "trust")[1] + 0.03
    assert final(admit, "trust_transparency")[1] > final(hide, "trust_transparency")[1] + 0.2


def test_care_raises_the_care_component():
    r = run_one(_supplier_pair(care=0.95), seed=2)
    care = final(r, "trust_care")
    assert care[1] > care[0] + 0.1


def test_broken_promise_wave_and_scandal_hit_the_supplier_now():
    m = TrustMarket(_supplier_pair(), rng=1).run(10)
    before = m.supplier_metrics["trust_reliability"].copy()
    m.trigger_broken_promises(1, share=1.0)
    m.step()
    assert m.supplier_metrics["broken"][1] > 0.9 * m.supplier_metrics["customers"][1] * 0.9
    assert m.supplier_metrics["trust_reliability"][1] < before[1] - 0.05
    t0 = m.supplier_metrics["trust"].copy()
    m.trigger_scandal(0, severity=2.0)
    m.step()
    drop = t0 - m.supplier_metrics["trust"]
    assert drop[0] > 0.15 and drop[0] > drop[1] + 0.1


def test_unreliable_customers_get_less_effort_and_more_broken_promises():
    market = {"market.customers": 3000, "market.initial_customers": 0.5, "steps": 30, "fit.sd": 0.0}
    good = run_one(load_scenario(None, {**market, "mutual.reliability_mean": 0.95}), seed=1)
    bad = run_one(load_scenario(None, {**market, "mutual.reliability_mean": 0.6}), seed=1)
    assert bad.suppliers["effort"].iloc[-4:].mean() < good.suppliers["effort"].iloc[-4:].mean() - 0.05
    assert bad.model["broken"].iloc[-10:].sum() > 2 * good.model["broken"].iloc[-10:].sum()


def test_only_advertising_means_all_acquisitions_are_ads():
    sc = load_scenario(
        None,
        {
            "market.customers": 3000,
            "wom.rate": 0.0,
            "reviews.read_rate": 0.0,
            "steps": 20,
            "switching.rate": 0.0,
            "advertising.reach": 0.03,
        },
    )
    r = run_one(sc, seed=1)
    assert r.model["acquired"].sum() > 100
    assert r.model["acquired"].sum() == r.model["acquired_ads"].sum()


def test_capacity_limits_customers():
    sc = load_scenario(
        None,
        {
            "market.customers": 3000,
            "market.suppliers": 2,
            "steps": 40,
            "advertising.reach": 0.05,
            "suppliers.0.capacity": 0.1,
        },
    )
    r = run_one(sc, seed=1)
    assert r.suppliers.query("supplier == 0")["customers"].max() == 300


def test_imitation_spreads_the_better_policy():
    sc = load_scenario(
        None,
        {
            "market.customers": 3000,
            "market.suppliers": 2,
            "market.initial_customers": 0.3,
            "steps": 40,
            "imitation.rate": 1.0,
            "imitation.strength": 0.2,
            "suppliers.0.over_delivery": 0.15,
            "suppliers.0.care": 0.9,
            "suppliers.1.over_delivery": 0.0,
            "suppliers.1.care": 0.3,
        },
    )
    r = run_one(sc, seed=1)
    last = final(r, "care")
    assert last[1] > 0.5  # the laggard copied the leader's care


def test_bass_limit_nobody_churns_and_everyone_recommends():
    r = run_one(load_scenario("configs/bass_limit.toml", {"market.customers": 3000, "steps": 30}), seed=1)
    assert r.model["churned"].sum() == 0
    assert r.model["customer_share"].is_monotonic_increasing
    assert r.model["acquired_recommendations"].sum() > r.model["acquired_ads"].sum()


def test_new_customers_do_not_switch_before_their_first_delivery():
    m = TrustMarket(
        load_scenario(
            None, {"market.customers": 3000, "switching.rate": 1.0, "switching.threshold": 0.9, "switching.margin": 0.0}
        ),
        rng=2,
    )
    for _ in range(10):
        before = m.population.supplier.copy()
        m.step()
        switched = (before >= 0) & (m.population.supplier != before)
        joined = (before < 0) & (m.population.supplier >= 0)
        assert int(switched.sum()) == int(m.model_metrics["churned"])
        assert m.model_metrics["acquired"] == int(joined.sum()) + int(switched.sum())


def test_a_market_too_big_for_memory_is_refused_before_allocating():
    from trustsim.errors import RunError

    with pytest.raises(RunError, match=r"needs about \d+\.\d GiB of memory"):
        TrustMarket(None, **{"market.customers": 50_000_000, "market.suppliers": 250})


def test_turnover_replaces_people_with_newcomers_who_know_no_supplier():
    sc = load_scenario(
        None, {"market.customers": 4000, "market.initial_customers": 0.5, "steps": 30, "market.turnover": 0.05}
    )
    m = TrustMarket(sc, rng=3, check=True)
    m.run(29)
    before = m.population.supplier.copy()
    m.step()
    departed = int(m.model_metrics["departed"])
    expected = 0.05 * int((before >= 0).sum())
    assert abs(departed - expected) < 4 * np.sqrt(expected)
    assert int(m.supplier_metrics["departed"].sum()) == departed
    closed = run_one(load_scenario(sc, {"market.turnover": 0.0}), seed=3)
    assert m.model_table()["customer_share"].iloc[-1] < closed.model["customer_share"].iloc[-1] - 0.05


def test_newcomers_start_as_prospects_with_fresh_state():
    from trustsim.population import renew

    sc = load_scenario(None, {"market.customers": 2000, "market.initial_customers": 1.0, "market.turnover": 0.1})
    m = TrustMarket(sc, rng=1)
    who, former = renew(m.population, sc, m.rng)
    pop = m.population
    assert len(who) > 100 and (former >= 0).all()
    assert (pop.supplier[who] == -1).all() and (pop.heard[who] == -1).all() and (pop.trust[who] == 0).all()
    assert (pop.stage[who] == 0).all() and (pop.tenure[who] == 0).all()


def test_turnover_zero_draws_nothing():
    sc = load_scenario("configs/baseline.toml", {"market.customers": 1500, "steps": 25, "market.turnover": 0.03})
    from trustsim.population import renew

    m = TrustMarket(load_scenario(sc, {"market.turnover": 0.0}), rng=5)
    state = m.rng.bit_generator.state
    assert len(renew(m.population, m.config, m.rng)[0]) == 0 and m.rng.bit_generator.state == state
