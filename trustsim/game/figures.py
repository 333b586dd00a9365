"""The game's pictures, drawn with matplotlib (no pyplot, so drawing is safe in server threads) as PNG.

Each drawing reads a :class:`Snapshot` of the game, taken under the game's lock, and draws
without it, so a slow drawing (the debrief of a class of 30) never holds up the game.

- :func:`market_figure`: customers and long-term (discounted) profit of every firm over time;
- :func:`firm_figure`: one firm's customers, ambassadors and detractors over time;
- :func:`debrief_figure`: each firm's decisions against its customers, round by round.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib
import pandas as pd

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from trustsim.figtext import literal
from trustsim.game.game import Game
from trustsim.game.pages import PALETTE


@dataclass(frozen=True)
class Snapshot:
    """What the figures need from a game, copied at one moment."""

    names: list[str]
    steps_per_round: int
    completed: int
    suppliers: pd.DataFrame
    rounds: pd.DataFrame

    @classmethod
    def of(cls, game: Game) -> Snapshot:
        """Take a snapshot (call it holding the game's lock)."""
        return cls(
            [f.name for f in game.record.firms],
            game.record.steps_per_round,
            game.record.completed,
            game.supplier_table(),
            game.round_table(),
        )


def colour(index: int) -> str:
    """The colour of firm `index` in every figure and on every page."""
    return PALETTE[index % len(PALETTE)]


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _round_lines(ax, snap: Snapshot) -> None:  # type: ignore[no-untyped-def]
    k = snap.steps_per_round
    for r in range(1, snap.completed + 1):
        ax.axvline(r * k, color="#bbbbbb", lw=0.6, ls=":")


def _empty(text: str, size: tuple[float, float]) -> bytes:
    fig = Figure(figsize=size)
    fig.text(0.5, 0.5, text, ha="center", va="center", color="#666666")
    return _png(fig)


def market_figure(snap: Snapshot) -> bytes:
    """Customers (left) and discounted profit (right) of every firm per period; dotted lines end rounds."""
    table = snap.suppliers
    if table.empty:
        return _empty("The market opens when the teacher starts the game.", (8, 3))
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    for i, name in enumerate(snap.names):
        rows = table[table["supplier"] == i]
        ax1.plot(rows["step"], rows["customers"], color=colour(i), lw=1.8, label=literal(name))
        ax2.plot(rows["step"], rows["discounted_profit"], color=colour(i), lw=1.8)
    for ax, title in ((ax1, "Customers"), (ax2, "Long-term profit (discounted)")):
        _round_lines(ax, snap)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("period (week)")
        ax.grid(alpha=0.3)
    if len(snap.names) <= 12:
        ax1.legend(fontsize=7, frameon=False)
    return _png(fig)


def firm_figure(snap: Snapshot, index: int) -> bytes:
    """One firm's customers, ambassadors and detractors per period."""
    table = snap.suppliers
    if table.empty:
        return _empty("No results yet.", (5, 2.6))
    rows = table[table["supplier"] == index]
    fig = Figure(figsize=(5, 2.6), layout="constrained")
    ax = fig.subplots()
    ax.plot(rows["step"], rows["customers"], color=colour(index), lw=2, label="customers")
    ax.plot(rows["step"], rows["ambassadors"], color="#2ca02c", lw=1.4, label="ambassadors")
    ax.plot(rows["step"], rows["detractors"], color="#d62728", lw=1.4, ls="--", label="detractors")
    _round_lines(ax, snap)
    ax.set_xlabel("period (week)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False)
    return _png(fig)


def debrief_figure(snap: Snapshot) -> bytes:
    """Small multiples, one per firm: customers (bars, left axis) and the decisions in force (lines, right)."""
    rounds = snap.rounds
    if rounds.empty:
        return _empty("No round has been played.", (8, 3))
    n = len(snap.names)
    cols = min(5, n)
    rows_n = -(-n // cols)
    # a fixed layout: constrained layout takes many seconds for a class of 30 firms (60 axes)
    fig = Figure(figsize=(3.0 * cols, 2.4 * rows_n + 0.9))
    axes = fig.subplots(rows_n, cols, squeeze=False)
    fig.subplots_adjust(
        left=0.06,
        right=0.94,
        wspace=0.45,
        hspace=0.6,
        top=1 - 0.6 / fig.get_figheight(),
        bottom=0.75 / fig.get_figheight(),
    )
    top_customers = max(1, int(rounds["customers"].max()))
    top_ads = max(1.0, float(rounds["ad_budget"].max()))
    for i, name in enumerate(snap.names):
        ax = axes[i // cols][i % cols]
        mine = rounds[rounds["supplier"] == i]
        ax.bar(mine["round"], mine["customers"], color=colour(i), alpha=0.35)
        ax.set_ylim(0, top_customers * 1.1)
        ax.set_title(literal(name), fontsize=9, color=colour(i))
        ax.set_xlabel("round", fontsize=8)
        ax.tick_params(labelsize=7)
        right = ax.twinx()
        right.plot(mine["round"], mine["promise"], "k-", lw=1, label="promise")
        right.plot(mine["round"], mine["care"], color="#9467bd", lw=1.4, label="care")
        right.plot(mine["round"], mine["transparency"], color="#17becf", lw=1.2, label="transparency")
        right.plot(mine["round"], mine["over_delivery"], color="#2ca02c", lw=1.4, label="over-delivery")
        right.plot(
            mine["round"], mine["ad_budget"] / top_ads, color="#ff7f0e", lw=1.4, ls="--", label=f"ads (÷{top_ads:g})"
        )
        right.set_ylim(0, 1.05)
        right.tick_params(labelsize=7)
        if i == 0:
            fig.legend(*right.get_legend_handles_labels(), loc="lower center", ncols=5, fontsize=8, frameon=False)
    for j in range(n, rows_n * cols):
        axes[j // cols][j % cols].set_visible(False)
    fig.suptitle(
        "Bars: customers at the end of each round (left axis); lines: decisions in force (right axis)",
        fontsize=9,
        y=1 - 0.1 / fig.get_figheight(),
    )
    return _png(fig)
