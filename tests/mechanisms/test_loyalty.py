"""Loyalty ladder and NPS (MODEL_BRIEF §2.11; Reichheld 2003)."""

import numpy as np
import pytest

from trustsim.mechanisms import loyalty
from trustsim.mechanisms.loyalty import AMBASSADOR, CUSTOMER, DETRACTOR, LOYAL, PROSPECT

LADDER = dict(loyal_tenure=8, ambassador_tenure=20, loyal_score=7, ambassador_score=9, detractor_score=4)


def stage(has, exp, tenure, score, mutual_ok=None):
    return loyalty.ladder_stage(np.array([has]), np.array([exp]), np.array([tenure]), np.array([score]),
                                mutual_ok=None if mutual_ok is None else np.array([mutual_ok]), **LADDER)[0]


def test_consistency_over_time_climbs_the_ladder():
    assert stage(False, False, 0, 0) == PROSPECT
    assert stage(True, True, 2, 9) == CUSTOMER        # trusted, but not yet long enough
    assert stage(True, True, 10, 9) == LOYAL
    assert stage(True, True, 25, 9) == AMBASSADOR
    assert stage(True, True, 25, 8) == LOYAL          # long, but not a promoter


def test_distrust_makes_detractors_and_no_enthusiasts():
    assert stage(True, True, 50, 3) == DETRACTOR
    assert stage(False, True, 0, 2) == DETRACTOR      # a former customer who warns
    assert stage(True, True, 50, 10, mutual_ok=False) == LOYAL  # supplier distrusts: no ambassador


def test_every_customer_has_exactly_one_stage(rng):
    n = 5000
    s = loyalty.ladder_stage(rng.random(n) < 0.5, rng.random(n) < 0.7, rng.integers(0, 40, n),
                             rng.integers(0, 11, n), **LADDER)
    assert set(np.unique(s)) <= set(range(len(loyalty.STAGES)))
    assert len(s) == n


def test_nps_is_promoters_minus_detractors():
    scores = np.array([10, 9, 9, 8, 7, 6, 0, 3, 10, 9])  # 5 promoters, 3 detractors
    assert loyalty.nps(scores) == pytest.approx(20.0)
    assert loyalty.nps(np.array([10, 10])) == 100 and loyalty.nps(np.array([0])) == -100
    by = loyalty.nps_by_group(scores, np.array([0] * 5 + [1] * 5), 3)
    assert by[0] == pytest.approx(60.0) and by[1] == pytest.approx(-20.0) and np.isnan(by[2])


def test_score_rises_with_trust():
    scores = loyalty.recommend_score(np.array([0.0, 0.44, 0.65, 0.86, 1.0]))
    assert scores.tolist() == [0, 4, 6, 9, 10]
