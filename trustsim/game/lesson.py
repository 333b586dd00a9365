"""The debrief's lesson: statements written from the game's results, each difference with its interval.

The game's score is long-term income (:func:`trustsim.game.rules.long_term_income`). One game
is one draw of chance, so the lesson does not read a pattern across three to six firms;
instead it replays the class's own decisions and the teacher's scandals on :data:`REPLAYS`
other seeds (other markets of the same kind, :meth:`trustsim.game.game.Game.replays`) and states
each difference between two firms' final scores as a mean with its 95% Student-t interval over
those replays. A firm is called *ahead* only when the whole interval is above zero, *behind*
only when it is below, and otherwise the statement says either could have won.

The statements: (1) the early leader and the winner of this game (facts, no inference);
(2) the winner against the runner-up, over the replays; (3) the firm that kept its promises
best and cared most against the biggest advertiser, over the replays (when they differ; the
second is left out when it would compare the same two firms).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trustsim.reporting import t_interval

REPLAYS = 10
"""Other seeds the debrief replays the game's decisions on."""


@dataclass(frozen=True)
class Statement:
    """One sentence of the lesson: a text key of :mod:`trustsim.game.text`, its fields, and for a
    comparison of two firms the mean difference of their final scores with its interval.

    Attributes:
        key: text key (``early_same``, ``early_other``, ``cmp_ahead``, ``cmp_behind``,
            ``cmp_unclear``, ``no_rounds``, ``one_firm``).
        fields: names and numbers filled into the text.
        intro: text key put before a comparison ('' for none).
        mean, lo, hi, n: mean difference (first firm minus second), 95% interval, replays.
    """

    key: str
    fields: dict[str, Any] = field(default_factory=dict)
    intro: str = ""
    mean: float = math.nan
    lo: float = math.nan
    hi: float = math.nan
    n: int = 0

    @property
    def verdict(self) -> str:
        """'ahead', 'behind' or 'unclear' for a comparison (from the interval); '' otherwise."""
        if not self.key.startswith("cmp_"):
            return ""
        return self.key.removeprefix("cmp_")


def trust_policy(rounds: pd.DataFrame) -> pd.Series:
    """Per firm (index): share of promises kept or exceeded, plus mean care, over the rounds played."""
    per = rounds.groupby("supplier")
    delivered = per[["kept", "exceeded", "broken"]].sum()
    total = delivered.sum(axis=1).replace(0, np.nan)
    kept = ((delivered["kept"] + delivered["exceeded"]) / total).fillna(0.0)
    return kept + per["care"].mean()


def early_round(rounds_played: int) -> int:
    """The round the lesson calls 'early': about a third of the way through (at least round 1)."""
    return max(1, round(rounds_played / 3))


def _first_max(values: pd.Series) -> int:
    """The index label (a firm index) of the largest value; the first one on a tie."""
    return int(values.index[int(np.argmax(values.to_numpy()))])


def final_scores(rounds: pd.DataFrame) -> pd.Series:
    """Each firm's score at the last round of a round table, by firm index."""
    last = rounds[rounds["round"] == rounds["round"].max()]
    return last.set_index("supplier")["score"]


def compare(a: int, b: int, replays: list[pd.DataFrame], names: list[str], intro: str = "") -> Statement:
    """Firm `a`'s final score minus firm `b`'s over the replays: mean, 95% interval, verdict."""
    diffs = [float(s[a] - s[b]) for s in map(final_scores, replays)]
    mean, lo, hi, n = t_interval(diffs)
    verdict = "ahead" if lo > 0 else "behind" if hi < 0 else "unclear"
    return Statement(f"cmp_{verdict}", {"a": names[a], "b": names[b]}, intro=intro, mean=mean, lo=lo, hi=hi, n=n)


def lesson(rounds: pd.DataFrame, names: list[str], replays: list[pd.DataFrame]) -> list[Statement]:
    """What this game showed (see the module docstring).

    Args:
        rounds: :meth:`Game.round_table` (one row per firm x completed round, with `score`).
        names: firm names by index.
        replays: the round tables of the same decisions replayed on other seeds.
    """
    if rounds.empty:
        return [Statement("no_rounds")]
    last = int(rounds["round"].max())
    early = early_round(last)
    at_early = rounds[rounds["round"] == early].set_index("supplier")
    leader = _first_max(at_early["customers"])
    scores = final_scores(rounds)
    order = [int(i) for i in scores.sort_values(ascending=False, kind="stable").index]
    winner = order[0]
    out = [
        Statement(
            "early_same" if leader == winner else "early_other",
            {
                "early": early,
                "last": last,
                "leader": names[leader],
                "customers": int(at_early["customers"][leader]),
                "winner": names[winner],
                "score": float(scores[winner]),
            },
        )
    ]
    if len(order) < 2 or not replays:
        return [*out, Statement("one_firm")]
    trusted = _first_max(trust_policy(rounds))
    loudest = _first_max(rounds.groupby("supplier")["ad_budget"].mean())
    if {trusted, loudest} != {winner, order[1]}:
        out.append(compare(winner, order[1], replays, names, intro="intro_top"))
    if trusted != loudest:
        out.append(compare(trusted, loudest, replays, names, intro="intro_trust"))
    return out
