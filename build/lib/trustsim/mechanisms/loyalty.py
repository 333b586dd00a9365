"""The loyalty ladder and the Net Promoter Score.

Models: Vervolg — consistency over a long time turns customers into loyal customers and
then ambassadors (MODEL_BRIEF §2.11), with detractors who warn others; NPS from a 0-10
likelihood to recommend (Reichheld 2003): promoters 9-10, passives 7-8, detractors 0-6.
"""

from __future__ import annotations

import numpy as np

STAGES: tuple[str, ...] = ("prospect", "customer", "loyal", "ambassador", "detractor")
PROSPECT, CUSTOMER, LOYAL, AMBASSADOR, DETRACTOR = range(5)
PROMOTER_MIN, DETRACTOR_MAX = 9, 6


def recommend_score(trust: np.ndarray) -> np.ndarray:
    """Likelihood to recommend, 0-10: overall trust in the supplier, rounded to a tenth.

    Models: recommendations follow from trust (MODEL_BRIEF §4: organisations must earn trust
    to receive recommendations).
    """
    return np.rint(np.clip(trust, 0.0, 1.0) * 10).astype(np.int8)


def ladder_stage(
    has_supplier: np.ndarray,
    experienced: np.ndarray,
    tenure: np.ndarray,
    score: np.ndarray,
    *,
    loyal_tenure: int,
    ambassador_tenure: int,
    loyal_score: int,
    ambassador_score: int,
    detractor_score: int,
    mutual_ok: np.ndarray | None = None,
) -> np.ndarray:
    """Each customer's rung on the loyalty ladder (exactly one of STAGES).

    - detractor: disappointed by a supplier (`experienced`: its experience left trust below the
      person's own benefit of the doubt) and scoring it at most `detractor_score`;
    - ambassador: a customer for `ambassador_tenure` steps who scores at least
      `ambassador_score` (and, where given, whom the supplier trusts: trust is mutual);
    - loyal: a customer for `loyal_tenure` steps scoring at least `loyal_score`;
    - customer: any other current customer; prospect: everyone else.
    """
    stage = np.full(len(score), PROSPECT, dtype=np.int8)
    stage[has_supplier] = CUSTOMER
    loyal = has_supplier & (tenure >= loyal_tenure) & (score >= loyal_score)
    stage[loyal] = LOYAL
    amb = has_supplier & (tenure >= ambassador_tenure) & (score >= ambassador_score)
    if mutual_ok is not None:
        amb &= mutual_ok
    stage[amb] = AMBASSADOR
    stage[experienced & (score <= detractor_score)] = DETRACTOR
    return stage


def nps(scores: np.ndarray) -> float:
    """Net Promoter Score in [-100, 100] of a set of 0-10 scores (NaN for an empty set)."""
    return nps_from_totals(
        np.count_nonzero(scores >= PROMOTER_MIN), np.count_nonzero(scores <= DETRACTOR_MAX), len(scores)
    )


def nps_from_totals(promoters: int, detractors: int, respondents: int) -> float:
    """NPS from the number of promoters, detractors and all respondents (NaN if none)."""
    if respondents == 0:
        return float("nan")
    return 100.0 * (promoters - detractors) / respondents


def nps_by_group(scores: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """NPS per group (e.g. per supplier's current customers); NaN for an empty group."""
    return nps_from_counts(
        np.bincount(group[scores >= PROMOTER_MIN], minlength=n_groups),
        np.bincount(group[scores <= DETRACTOR_MAX], minlength=n_groups),
        np.bincount(group, minlength=n_groups),
    )


def nps_from_counts(promoters: np.ndarray, detractors: np.ndarray, respondents: np.ndarray) -> np.ndarray:
    """NPS per group from counts of promoters, detractors and all respondents (NaN where none)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(respondents > 0, 100.0 * (promoters - detractors) / respondents, np.nan)
