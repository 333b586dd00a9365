"""`wom.silent_suppliers`: the counterfactual in which one supplier's customers recommend nobody
(Libai, Muller & Peres 2013), drawn on common random numbers with the factual run."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from trustsim import phases
from trustsim.config import load_scenario
from trustsim.errors import ConfigError
from trustsim.model import TrustMarket
from trustsim.phases.word import word_of_mouth

SCENARIO = "trustsim/data/configs/ten_ambassadors.toml"


def _model(silent: list[str], **more: object) -> TrustMarket:
    overrides = {"market.customers": 1500, "market.initial_customers": 0.6, "wom.silent_suppliers": silent, **more}
    return TrustMarket(load_scenario(SCENARIO, overrides), rng=5)


def test_silenced_messages_are_dropped_after_the_draw_so_every_other_draw_stays_aligned():
    loud = _model([]).run(20)
    ranked = phases.rank(loud.population, loud.weights, loud.rules.ladder)  # who may talk, as in a step
    quiet = copy.deepcopy(loud)  # the same state and generator; now silence the Ambassador's customers
    quiet.silent = _model(["Ambassador"]).silent
    said, kept = word_of_mouth(loud, ranked), word_of_mouth(quiet, copy.deepcopy(ranked))
    ambassador = 1
    rec = said[0]
    assert (rec.supplier == ambassador).sum() > 20 and (rec.supplier != ambassador).sum() > 5
    expected = rec.take(rec.supplier != ambassador)
    for name in ("customer", "supplier", "sender", "valence"):
        np.testing.assert_array_equal(getattr(kept[0], name), getattr(expected, name))
    np.testing.assert_array_equal(kept[1].customer, said[1].customer)  # warnings are not silenced
    assert loud.rng.bit_generator.state == quiet.rng.bit_generator.state  # the next draws are the same draws


def test_a_silent_supplier_wins_nobody_by_recommendation_and_the_rival_still_does():
    loud = _model([]).run(40)
    quiet = _model(["Ambassador"]).run(40)

    def by_recommendation(m: TrustMarket) -> dict[str, int]:
        c = m.customer_table()
        return {str(k): int(v) for k, v in c[c["channel"] == "recommendation"].groupby("supplier").size().items()}

    assert by_recommendation(loud)["Ambassador"] > 50
    assert "Ambassador" not in by_recommendation(quiet)
    assert quiet.supplier_table().query("name == 'Ambassador'")["acquired_recommendations"].sum() == 0
    # the rival's word of mouth is not touched: its recommendation acquisitions stay of the same
    # order (they may rise a little: the silenced firm no longer competes for the same prospects)
    a, b = by_recommendation(loud)["Acquisition"], by_recommendation(quiet)["Acquisition"]
    assert b > 0.7 * a


def test_silencing_nobody_changes_nothing_and_silencing_a_supplier_without_customers_neither():
    base = _model([], **{"suppliers.1.capacity": 0.0}).run(15).supplier_table()
    same = _model(["Ambassador"], **{"suppliers.1.capacity": 0.0}).run(15).supplier_table()
    assert base.equals(same)


def test_unknown_supplier_name_is_a_clear_error():
    with pytest.raises(ConfigError, match=r"wom.silent_suppliers names 'Ambasador'.*Acquisition, Ambassador"):
        load_scenario(SCENARIO, {"wom.silent_suppliers": ["Ambasador"]})
