"""Loyalty ladder and NPS (MODEL_BRIEF §2.11; Reichheld 2003)."""

import numpy as np
import pytest

from trustsim.mechanisms import loyalty
from trustsim.mechanisms.loyalty import AMBASSADOR, CUSTOMER, DETRACTOR, LOYAL, PROSPECT

LADDER = loyalty.LadderParams(
    loyal_tenure=8, ambassador_tenure=20, loyal_score=7, ambassador_score=9, detractor_score=4
)


def stage(has, disappointed, tenure, score, mutual_ok=True):
    return loyalty.ladder_stage(has, disappointed, tenure, score, mutual_ok, LADDER)


def test_consistency_over_time_climbs_the_ladder():
    assert stage(False, False, 0, 0) == PROSPECT
    assert stage(True, True, 2, 9) == CUSTOMER  # trusted, but not yet long enough
    assert stage(True, True, 10, 9) == LOYAL
    assert stage(True, True, 25, 9) == AMBASSADOR
    assert stage(True, True, 25, 8) == LOYAL  # long, but not a promoter


def test_distrust_makes_detractors_and_no_enthusiasts():
    assert stage(True, True, 50, 3) == DETRACTOR
    assert stage(False, True, 0, 2) == DETRACTOR  # a former customer who warns
    assert stage(True, True, 50, 10, mutual_ok=False) == LOYAL  # supplier distrusts: no ambassador


def test_disappointment_alone_makes_no_detractor():
    assert stage(True, True, 50, 5) != DETRACTOR  # disappointed but still scoring above 4
    assert stage(False, False, 0, 2) == PROSPECT  # a low score without experience: no detractor


def test_nps_is_promoters_minus_detractors():
    assert loyalty.nps_from_totals(5, 3, 10) == pytest.approx(20.0)
    assert np.isnan(loyalty.nps_from_totals(0, 0, 0))
    by = loyalty.nps_from_counts(np.array([3, 1, 0]), np.array([0, 2, 0]), np.array([5, 5, 0]))
    assert by[0] == pytest.approx(60.0) and by[1] == pytest.approx(-20.0) and np.isnan(by[2])


def test_score_rises_with_trust():
    scores = [loyalty.recommend_score(np.float32(t)) for t in (0.0, 0.44, 0.65, 0.86, 1.0, 1.3)]
    assert scores == [0, 4, 6, 9, 10, 10]
