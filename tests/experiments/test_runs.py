"""The run functions that add measures and the broken-promise wave (adapters for run_sweep)."""

from __future__ import annotations

import numpy as np

from trustsim.config import load_scenario
from trustsim.experiments.runs import EXTRA_COLUMNS, run_broken_promise_pair, run_with_extras, wave_step


def test_wave_breaks_every_promise_once_and_twin_is_identical_before_it():
    sc = load_scenario("configs/trust_lab.toml", {"market.customers": 200})
    result = run_broken_promise_pair(sc, seed=5, steps=20)
    m = result.model
    at = wave_step(20)
    assert m.loc[m["step"] == at, "broken"].item() == 200
    before = m["step"] < at
    np.testing.assert_array_equal(m.loc[before, "mean_trust"], m.loc[before, "mean_trust_control"])
    # a broken promise lowers trust below the twin that kept it
    assert m.loc[m["step"] == at, "mean_trust"].item() < m.loc[m["step"] == at, "mean_trust_control"].item()


def test_extra_measures_are_shares_and_locked_is_part_of_unhappy():
    sc = load_scenario("configs/scandal_banks.toml", {"market.customers": 300, "shocks.0.step": 5})
    m = run_with_extras(sc, seed=2, steps=12).model
    for col in ("trusting_share", "unhappy_share", "locked_share", "supplier_trust_mean", "hub_ambassador_share"):
        values = m[col].dropna()
        assert ((values >= 0) & (values <= 1)).all(), col
    assert (m["locked_share"] <= m["unhappy_share"] + 1e-12).all()
    assert set(EXTRA_COLUMNS) <= set(m.columns)
    # the sector-wide scandal at step 5 lowers the share of customers who trust their bank
    assert m.loc[m["step"] == 5, "trusting_share"].item() < m.loc[m["step"] == 4, "trusting_share"].item()
