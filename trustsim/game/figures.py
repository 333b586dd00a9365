"""The game's pictures, drawn with matplotlib (no pyplot, so drawing is safe in server threads) as PNG.

Each drawing reads a :class:`Snapshot` of the game, taken under the game's lock, and draws
without it, so a slow drawing (the debrief of a class of 30) never holds up the game. Every
figure is drawn at the size the page shows it (:func:`size`, in CSS pixels at :data:`DPI`), with
no text under :data:`FONT` points (15 px), so a projector at 1280 × 720 shows every label at
14 px or more; :func:`smallest_text_px` measures that on the drawn figure.

- :func:`market_figure`: customers per week and score per round of every firm;
- :func:`firm_figure`: one firm's customers, ambassadors and people who warn others per week;
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
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator

from trustsim.figtext import literal
from trustsim.game.game import Game
from trustsim.game.pages import PALETTE
from trustsim.game.text import tr
from trustsim.i18n import number

DPI = 100
"""Pixels per inch of the PNGs: a figure of w × h inches is shown at 100·w × 100·h CSS pixels."""
FONT = 11.0
"""Smallest font size in the figures, in points (11 pt at 100 dpi = 15.3 px)."""
MARKET_SIZE = (540, 580)
FIRM_SIZE = (640, 300)
DEBRIEF_COLUMNS = 4
DEBRIEF_PANEL = (300, 250)


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


def size(name: str, firms: int = 1) -> tuple[int, int]:
    """The shown size (CSS pixels) of figure `name` ('market', 'firm', 'debrief') for `firms` firms."""
    if name == "market":
        return MARKET_SIZE
    if name == "firm":
        return FIRM_SIZE
    cols = max(1, min(DEBRIEF_COLUMNS, firms))
    rows = -(-max(firms, 1) // cols)
    return (DEBRIEF_PANEL[0] * cols, DEBRIEF_PANEL[1] * rows + 110)


def colour(index: int) -> str:
    """The colour of firm `index` in every figure and on every page."""
    return PALETTE[index % len(PALETTE)]


def _figure(pixels: tuple[int, int]) -> Figure:
    fig = Figure(figsize=(pixels[0] / DPI, pixels[1] / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def smallest_text_px(fig: Figure) -> float:
    """The smallest font size of any visible, non-empty text in `fig`, in pixels."""
    sizes = [
        float(t.get_fontsize())
        for t in fig.findobj(Text)
        if isinstance(t, Text) and t.get_visible() and t.get_text().strip()
    ]
    return min(sizes, default=FONT) * fig.dpi / 72


def _png(fig: Figure) -> tuple[bytes, float]:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue(), smallest_text_px(fig)


def _style(ax, lang: str) -> None:  # type: ignore[no-untyped-def]
    ax.tick_params(labelsize=FONT)
    ax.grid(alpha=0.3)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value, lang)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _round_lines(ax, snap: Snapshot) -> None:  # type: ignore[no-untyped-def]
    k = snap.steps_per_round
    for r in range(1, snap.completed + 1):
        ax.axvline(r * k, color="#bbbbbb", lw=0.6, ls=":")


def _empty(text: str, pixels: tuple[int, int]) -> tuple[bytes, float]:
    fig = _figure(pixels)
    fig.text(0.5, 0.5, text, ha="center", va="center", color="#555555", fontsize=FONT + 2, wrap=True)
    return _png(fig)


def market_figure(snap: Snapshot, lang: str) -> tuple[bytes, float]:
    """Customers per week (top) and score per round (bottom) of every firm; dotted lines end rounds.

    Returns:
        The PNG and its smallest text in pixels.
    """
    table = snap.suppliers
    if table.empty:
        return _empty(tr("fig_opens", lang), MARKET_SIZE)
    fig = _figure(MARKET_SIZE)
    fig.set_layout_engine("constrained")
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    rounds, k = snap.rounds, snap.steps_per_round
    for i, name in enumerate(snap.names):
        rows = table[table["supplier"] == i]
        ax1.plot(rows["step"], rows["customers"], color=colour(i), lw=2.2, label=literal(name))
        if not rounds.empty:
            mine = rounds[rounds["supplier"] == i]
            ax2.plot(mine["round"] * k, mine["score"], color=colour(i), lw=2.2, marker="o", ms=4)
    for ax, title in ((ax1, tr("fig_customers", lang)), (ax2, tr("fig_score", lang))):
        _round_lines(ax, snap)
        ax.set_title(title, fontsize=FONT + 1, loc="left")
        _style(ax, lang)
    ax2.set_xlabel(tr("fig_week", lang), fontsize=FONT)
    if len(snap.names) <= 10:
        ax1.legend(fontsize=FONT, frameon=False, ncols=2 if len(snap.names) > 4 else 1)
    return _png(fig)


def firm_figure(snap: Snapshot, index: int, lang: str) -> tuple[bytes, float]:
    """One firm's customers, ambassadors and people who warn others, per week."""
    table = snap.suppliers
    if table.empty:
        return _empty(tr("fig_none", lang), FIRM_SIZE)
    rows = table[table["supplier"] == index]
    fig = _figure(FIRM_SIZE)
    fig.set_layout_engine("constrained")
    ax = fig.subplots()
    ax.plot(rows["step"], rows["customers"], color=colour(index), lw=2.2, label=tr("customers", lang))
    ax.plot(rows["step"], rows["ambassadors"], color="#2ca02c", lw=1.8, label=tr("ambassadors", lang))
    ax.plot(rows["step"], rows["detractors"], color="#d62728", lw=1.8, ls="--", label=tr("detractors", lang))
    _round_lines(ax, snap)
    ax.set_xlabel(tr("fig_week", lang), fontsize=FONT)
    _style(ax, lang)
    ax.legend(fontsize=FONT, frameon=False)
    return _png(fig)


def debrief_figure(snap: Snapshot, lang: str) -> tuple[bytes, float]:
    """Small multiples, one per firm: customers (bars, left axis) and the decisions in force (lines, right)."""
    rounds = snap.rounds
    n = len(snap.names)
    pixels = size("debrief", n)
    if rounds.empty:
        return _empty(tr("fig_no_round", lang), pixels)
    cols = max(1, min(DEBRIEF_COLUMNS, n))
    rows_n = -(-n // cols)
    # a fixed layout: constrained layout takes many seconds for a class of 30 firms (60 axes)
    fig = _figure(pixels)
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.07, right=0.93, wspace=0.55, hspace=0.65, top=1 - 0.75 / height, bottom=0.75 / height)
    axes = fig.subplots(rows_n, cols, squeeze=False)
    top_customers = max(1, int(rounds["customers"].max()))
    top_ads = max(1.0, float(rounds["ad_budget"].max()))
    for i, name in enumerate(snap.names):
        ax = axes[i // cols][i % cols]
        mine = rounds[rounds["supplier"] == i]
        ax.bar(mine["round"], mine["customers"], color=colour(i), alpha=0.35)
        ax.set_ylim(0, top_customers * 1.1)
        ax.set_title(literal(name), fontsize=FONT + 1, color=colour(i))
        ax.tick_params(labelsize=FONT)
        ax.locator_params(axis="both", nbins=4)
        right = ax.twinx()
        right.plot(mine["round"], mine["promise"], "k-", lw=1.4, label=tr("promise", lang))
        right.plot(mine["round"], mine["care"], color="#9467bd", lw=1.6, label=tr("care", lang))
        right.plot(mine["round"], mine["transparency"], color="#17becf", lw=1.4, label=tr("transparency", lang))
        right.plot(mine["round"], mine["over_delivery"], color="#2ca02c", lw=1.6, label=tr("over_delivery", lang))
        right.plot(
            mine["round"],
            mine["ad_budget"] / top_ads,
            color="#ff7f0e",
            lw=1.6,
            ls="--",
            label=f"{tr('ads', lang)} (÷{top_ads:g})",
        )
        right.set_ylim(0, 1.05)
        right.tick_params(labelsize=FONT)
        right.locator_params(axis="y", nbins=3)
        if i == 0:
            fig.legend(*right.get_legend_handles_labels(), loc="lower center", ncols=5, fontsize=FONT, frameon=False)
    for j in range(n, rows_n * cols):
        axes[j // cols][j % cols].set_visible(False)
    fig.suptitle(tr("fig_debrief", lang), fontsize=FONT, y=1 - 0.12 / height)
    return _png(fig)
