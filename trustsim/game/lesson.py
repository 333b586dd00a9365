"""The debrief's lesson: two sentences written from the game's actual results, not from the theory.

A firm's *trust policy* is how well it kept its promises (share of deliveries that met or beat
the promise) plus how much it cared (mean care), averaged over the rounds played. The lesson
compares, over the firms, that score with the customers each had early in the game and with the
long-term (discounted) profit each had at the end, using Spearman's rank correlation; it only
names a direction when the correlation is at least 0.4 in size, and says how many firms it
rests on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

CLEAR = 0.4
"""Smallest rank correlation (in size) the lesson calls a direction."""


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


def _rho(x: pd.Series, y: pd.Series) -> float:
    if len(x) < 3 or x.nunique() < 2 or y.nunique() < 2:
        return float("nan")
    return float(spearmanr(x.to_numpy(), y.to_numpy()).statistic)


def _direction(rho: float, more: str, fewer: str, same: str) -> str:
    if np.isnan(rho) or abs(rho) < CLEAR:
        return same
    return more if rho > 0 else fewer


def lesson(rounds: pd.DataFrame, names: list[str]) -> list[str]:
    """Two sentences on what this game showed (see the module docstring).

    Args:
        rounds: :meth:`Game.round_table` (one row per firm x completed round).
        names: firm names by index.
    """
    if rounds.empty:
        return ["No round was played.", "Play at least one round to see a lesson."]
    last = int(rounds["round"].max())
    early = early_round(last)
    at_early = rounds[rounds["round"] == early].set_index("supplier")
    at_last = rounds[rounds["round"] == last].set_index("supplier")
    leader = int(np.asarray(at_early["customers"]).argmax())
    leader = int(at_early.index[leader])
    winner = int(at_last.index[int(np.asarray(at_last["discounted_profit"]).argmax())])
    first = (
        f"At round {early} {names[leader]} had the most customers ({int(at_early['customers'][leader])}); "
        f"at round {last} {names[winner]} had the highest long-term profit "
        f"({at_last['discounted_profit'][winner]:,.0f}, discounted)"
        + (
            ", so the early leader also won in the long run."
            if leader == winner
            else ", so the early leader was not the long-term winner."
        )
    )
    n = len(at_last)
    if n < 3:
        return [
            first,
            f"With {n} firm{'s' if n != 1 else ''} no pattern across firms can be read; "
            "compare the firms' decisions in the table below.",
        ]
    score = trust_policy(rounds)
    rho_early = _rho(score, at_early["customers"])
    rho_last = _rho(score, at_last["discounted_profit"])
    customers = _direction(
        rho_early,
        "more customers than the others",
        "fewer customers than the others",
        "about as many customers as the others",
    )
    profit = _direction(rho_last, "more long-term profit", "less long-term profit", "about as much long-term profit")
    caveat = " — one class's game, not a law" if n < 8 else ""
    second = (
        f"Across the {n} firms, those that kept more promises and cared more had {customers} at round "
        f"{early} (Spearman ρ = {_fmt(rho_early)}) and {profit} at round {last} (ρ = {_fmt(rho_last)})"
        f"{caveat}."
    )
    return [first, second]


def _fmt(rho: float) -> str:
    return "n/a" if np.isnan(rho) else f"{rho:+.2f}"
