"""The loyalty ladder and the Net Promoter Score.

Models: Vervolg — consistency over a long time turns customers into loyal customers and
then ambassadors (MODEL_BRIEF §2.11), with detractors who warn others; NPS from a 0-10
likelihood to recommend (Reichheld 2003): promoters 9-10, passives 7-8, detractors 0-6.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from trustsim.jit import loop, rule
from trustsim.mechanisms.trust import clip

STAGES: tuple[str, ...] = ("prospect", "customer", "loyal", "ambassador", "detractor")
PROSPECT, CUSTOMER, LOYAL, AMBASSADOR, DETRACTOR = range(5)
PROMOTER_MIN, DETRACTOR_MAX = 9, 6
PROMOTER, PASSIVE, CRITIC = range(3)
"""Groups of a 0-10 answer to "how likely are you to recommend": promoter, passive, detractor (NPS's
detractor, named critic here so as not to be mistaken for the ladder's DETRACTOR stage)."""


class LadderParams(NamedTuple):
    """The ``[loyalty]`` thresholds of the ladder (see docs/config.md)."""

    loyal_tenure: int
    ambassador_tenure: int
    loyal_score: int
    ambassador_score: int
    detractor_score: int


@rule
def recommend_score(trust: np.float32) -> np.int8:
    """Likelihood to recommend, 0-10: overall trust in the supplier, rounded to a tenth.

    Models: recommendations follow from trust (MODEL_BRIEF §4: organisations must earn trust
    to receive recommendations).

    Example:
        >>> [int(recommend_score(np.float32(t))) for t in (0.0, 0.64, 0.87, 1.2)]
        [0, 6, 9, 10]
    """
    return np.int8(np.rint(clip(trust, np.float32(0.0), np.float32(1.0)) * np.float32(10)))


@rule
def ladder_stage(
    has_supplier: bool, disappointed: bool, tenure: int, score: int, trusted_by_supplier: bool, p: LadderParams
) -> int:
    """A customer's rung on the loyalty ladder (one of STAGES).

    - detractor: disappointed by a supplier (its experience left trust below the person's own
      benefit of the doubt, after at least one delivery) and scoring it at most `detractor_score`;
    - ambassador: a customer for `ambassador_tenure` steps who scores at least
      `ambassador_score` and whom the supplier trusts (trust is mutual, MODEL_BRIEF §1);
    - loyal: a customer for `loyal_tenure` steps scoring at least `loyal_score`;
    - customer: any other current customer; prospect: everyone else.

    Example:
        Loyal after 10 steps scoring 7 or more, ambassador after 30 scoring 9 or more and trusted by the
        supplier, detractor when disappointed and scoring 4 or less:

        >>> p = LadderParams(10, 30, 7, 9, 4)
        >>> [STAGES[ladder_stage(True, False, tenure, 9, True, p)] for tenure in (1, 10, 30)]
        ['customer', 'loyal', 'ambassador']
        >>> STAGES[ladder_stage(True, False, 30, 9, False, p)], STAGES[ladder_stage(False, True, 0, 3, False, p)]
        ('loyal', 'detractor')
    """
    if disappointed and score <= p.detractor_score:
        return DETRACTOR
    if not has_supplier:
        return PROSPECT
    if tenure >= p.ambassador_tenure and score >= p.ambassador_score and trusted_by_supplier:
        return AMBASSADOR
    if tenure >= p.loyal_tenure and score >= p.loyal_score:
        return LOYAL
    return CUSTOMER


@rule
def nps_group(answer: int) -> int:
    """NPS group of a 0-10 likelihood-to-recommend answer: PROMOTER (9-10), PASSIVE (7-8) or CRITIC (0-6).

    Models: the Net Promoter Score's binning of the answer (Reichheld 2003).

    Example:
        >>> [nps_group(a) for a in (10, 9, 8, 7, 6, 0)] == [PROMOTER, PROMOTER, PASSIVE, PASSIVE, CRITIC, CRITIC]
        True
    """
    if answer >= PROMOTER_MIN:
        return PROMOTER
    if answer <= DETRACTOR_MAX:
        return CRITIC
    return PASSIVE


@loop
def _groups(answers, out):
    for i in range(answers.shape[0]):
        out[i] = nps_group(answers[i])


def nps_groups(answers: np.ndarray) -> np.ndarray:
    """:func:`nps_group` of each answer.

    Example:
        >>> nps_groups(np.array([10, 7, 3], np.int8)).tolist() == [PROMOTER, PASSIVE, CRITIC]
        True
    """
    out = np.empty(len(answers), np.int64)
    _groups(answers, out)
    return out


def survey_answers(trust: np.ndarray, z: np.ndarray, shift: float, sd: float) -> np.ndarray:
    """Answers (0-10) to "how likely are you to recommend us?", drawn around trust.

    Models: NPS as a survey answer (Reichheld 2003), noisy and shifted relative to the trust that
    drives behaviour — so that a market's NPS can sit where surveys find it (retail banks about
    -10 to +40) while behaviour keeps using trust; NPS predicts growth no better than other
    satisfaction measures (Keiningham et al. 2007). ``round(10 * trust + shift + sd * z)``, clipped.

    Example:
        >>> survey_answers(np.array([0.5, 0.95]), np.array([0.0, 0.0]), 2.0, 1.5).tolist()
        [7, 10]
    """
    answer = np.rint(10.0 * np.asarray(trust, dtype=np.float64) + shift + sd * z)
    return np.clip(answer, 0, 10).astype(np.int8)


def nps_from_totals(promoters: int, detractors: int, respondents: int) -> float:
    """NPS from the number of promoters, detractors and all respondents (NaN if none).

    Example:
        >>> nps_from_totals(50, 20, 100), nps_from_totals(0, 0, 0)
        (30.0, nan)
    """
    if respondents == 0:
        return float("nan")
    return 100.0 * (promoters - detractors) / respondents


def nps_from_counts(promoters: np.ndarray, detractors: np.ndarray, respondents: np.ndarray) -> np.ndarray:
    """NPS per group from counts of promoters, detractors and all respondents (NaN where none).

    Example:
        >>> nps_from_counts(np.array([5, 2, 0]), np.array([1, 6, 0]), np.array([10, 8, 0])).tolist()
        [40.0, -50.0, nan]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(respondents > 0, 100.0 * (promoters - detractors) / respondents, np.nan)
