"""One firm's decision (issue 26): three options on common random numbers, the same extra money."""

from __future__ import annotations

import numpy as np

from trustsim.config import load_scenario
from trustsim.experiments.decision import OPTIONS, returns, run_decision


def test_three_options_share_the_start_and_spend_about_the_same_extra_money():
    sc = load_scenario("services", {"market.customers": 600})
    table = run_decision(sc, seed=3, steps=60).model
    first = table.iloc[0]
    assert len({first[f"profit_{o}"] for o in OPTIONS}) == 1  # the same market at the start (common random numbers)
    assert (table["extra_spend_keep"] == 0).all()
    ads, gestures = table["extra_spend_ads"].iloc[-1], table["extra_spend_gestures"].iloc[-1]
    assert ads > 0 and gestures > 0 and 0.5 < gestures / ads < 1.5, (ads, gestures)
    r = returns(table, (52,))
    for option in ("ads", "gestures"):
        row = r[r["option"] == option].iloc[0]
        assert np.isclose(row["roi"], row["gain"] / row["extra_spend"])
    # money spent on ads buys customers the firm would not have had
    assert table["customers_ads"].iloc[-1] > table["customers_keep"].iloc[-1]
