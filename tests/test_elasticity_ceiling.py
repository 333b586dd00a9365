"""The ceiling of the advertising elasticity (issue 25): no advertising response beats it, and it is
within reach when ads win every customer.

A firm's sales are its customers' purchases, so its ads can raise them only through the customers it
wins and loses in the window (:func:`trustsim.elasticity.elasticity_ceiling`).
"""

from __future__ import annotations

import math

import numpy as np

from trustsim.config import load_scenario
from trustsim.elasticity import ad_elasticity

BASE = "configs/baseline_v1.toml"
COMMON = {"market.customers": 3000, "market.initial_customers": 0.0}
ADS_ONLY = COMMON | {"trust.gating": False, "wom.rate": 0.0, "reviews.read_rate": 0.0}


def _pairs(overrides: dict, seeds: int = 4) -> dict[str, np.ndarray]:
    sc = load_scenario(BASE, overrides)
    rows = [ad_elasticity(sc, s, warmup=20) for s in range(seeds)]
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def _below(measured: np.ndarray, ceiling: np.ndarray) -> bool:
    """Measured not significantly above its ceiling: paired differences, 2.5 standard errors."""
    d = ceiling - measured
    return bool(d.mean() + 2.5 * d.std(ddof=1) / math.sqrt(len(d)) > 0)


def test_no_advertising_response_beats_the_ceiling_of_its_flows():
    for overrides in (COMMON, ADS_ONLY):
        e = _pairs(overrides)
        for key in ("ad_elasticity_short", "ad_elasticity_long"):
            assert _below(e[key], e[key + "_ceiling"]), (overrides, key, e[key], e[key + "_ceiling"])


def test_the_ceiling_is_within_reach_when_ads_win_every_customer():
    # every customer is won by an ad that persuades at once: what the louder firm gains is most of the
    # flows' full proportion (not all: the prospects it wins sooner are not there to win later)
    e = _pairs(ADS_ONLY)
    assert e["ad_elasticity_short"].mean() > 0.5 * e["ad_elasticity_short_ceiling"].mean(), e
    assert (e["ad_elasticity_short_ceiling"] < e["ad_elasticity_long_ceiling"]).all()  # a year moves more


def test_the_ceiling_falls_as_a_new_category_matures():
    # calibrated/services_new: in the first year many come and go; by year 4 a quarter moves few customers
    sc = load_scenario("calibrated/services_new", {"market.customers": 1000})
    key = "ad_elasticity_short_ceiling"
    early = [ad_elasticity(sc, s, warmup=26)[key] for s in range(2)]
    late = [ad_elasticity(sc, s, warmup=208)[key] for s in range(2)]
    assert max(late) < min(early) / 3, (early, late)
