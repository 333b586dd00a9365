"""What the class sees, drawn with matplotlib: the network sample and the trend plots.

Shared by the browser app (:mod:`trustsim.app.page`) and ``trustsim animate``. Colours are the
Okabe & Ito (2008) colour-blind-safe palette, every series also differs in line style or
marker, and fonts are large enough for a projector. Figures are built with
:class:`matplotlib.figure.Figure` (no pyplot), so they are safe to draw from a server thread.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from trustsim.config import COMPONENTS
from trustsim.mechanisms.loyalty import STAGES

if TYPE_CHECKING:
    from trustsim.model import TrustMarket
    from trustsim.network import Network

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
STAGE_COLOURS: dict[str, str] = {
    "prospect": "#BBBBBB",  # grey
    "customer": "#56B4E9",  # sky blue
    "loyal": "#0072B2",  # blue
    "ambassador": "#009E73",  # bluish green
    "detractor": "#D55E00",  # vermillion
}
SUPPLIER_COLOURS: tuple[str, ...] = (
    "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000",
)
SUPPLIER_MARKERS: tuple[str, ...] = ("s", "^", "D", "p", "v", "h", "P", "*")
LINE_STYLES: tuple[str, ...] = ("-", "--", "-.", ":")
COMPONENT_COLOURS: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")
NO_SUPPLIER_COLOUR = "#DDDDDD"
NO_SUPPLIER_MARKER = "o"
LABEL_CHARS = 18
"""Longest firm label in the network legend, so long names cannot squeeze the drawing."""
FONT_SIZE = 14
COLOUR_MODES: tuple[str, ...] = ("stage", "supplier")
"""What the colour of a customer shows: its loyalty stage or the firm it buys from."""


def firm_label(index: int, name: str) -> str:
    """How a firm is named on screen: 'S1', or 'S1 Steady' when the scenario names it."""
    short = f"S{index + 1}"
    return short if name in ("", short) else f"{short} {name}"


def supplier_colour(index: int) -> str:
    """Colour of supplier `index` (0-based), cycling through the palette."""
    return SUPPLIER_COLOURS[index % len(SUPPLIER_COLOURS)]


def supplier_marker(index: int) -> str:
    """Marker symbol of supplier `index`; customers without a supplier are circles."""
    return NO_SUPPLIER_MARKER if index < 0 else SUPPLIER_MARKERS[index % len(SUPPLIER_MARKERS)]


@dataclass(frozen=True)
class NetworkSample:
    """A readable part of the network, laid out once per model.

    Attributes:
        nodes: customer ids shown, shape (k,).
        positions: layout coordinates, shape (k, 2).
        edges: ties among the shown customers as index pairs into `nodes`, shape (m, 2).
        population: number of customers in the whole market.
    """

    nodes: np.ndarray
    positions: np.ndarray
    edges: np.ndarray
    population: int


def snowball(network: Network, size: int, rng: np.random.Generator) -> np.ndarray:
    """Customer ids of a connected-looking sample: breadth-first from random starting points.

    A uniform sample of a sparse network shows almost no ties; a snowball sample keeps
    neighbourhoods whole, so word of mouth can be seen travelling.
    """
    n = network.n
    if n <= size:
        return np.arange(n)
    if network.indptr is None:
        return np.sort(rng.choice(n, size=size, replace=False))
    seen = np.zeros(n, dtype=bool)
    order: list[int] = []
    while len(order) < size:
        start = int(rng.integers(n))
        if seen[start]:
            continue
        seen[start] = True
        queue = deque([start])
        while queue and len(order) < size:
            node = queue.popleft()
            order.append(node)
            for nb in network.indices[network.indptr[node] : network.indptr[node + 1]]:
                if not seen[nb]:
                    seen[nb] = True
                    queue.append(int(nb))
    return np.sort(np.array(order, dtype=np.int64))


def sample_network(network: Network, size: int = 300, seed: int = 0) -> NetworkSample:
    """Pick at most `size` customers and lay them out (spring layout, fixed seed)."""
    rng = np.random.default_rng(seed)
    nodes = snowball(network, size, rng)
    graph = nx.convert_node_labels_to_integers(network.to_networkx(nodes), ordering="sorted")
    layout = nx.spring_layout(graph, seed=seed, iterations=60)
    positions = np.array([layout[i] for i in range(len(nodes))], dtype=float).reshape(-1, 2)
    edges = np.array(list(graph.edges()), dtype=np.int64).reshape(-1, 2)
    return NetworkSample(nodes=nodes, positions=positions, edges=edges, population=network.n)


def draw_network(ax: Axes, model: TrustMarket, sample: NetworkSample, colour_by: str) -> None:
    """Customers of the sample, coloured by loyalty stage or supplier, shaped by supplier."""
    if colour_by not in COLOUR_MODES:
        raise ValueError(f"colour_by = {colour_by!r} is not one of {COLOUR_MODES}")
    supplier = np.asarray(model.population.supplier)[sample.nodes]
    stage = np.asarray(model.population.stage)[sample.nodes]
    pos = sample.positions
    if len(sample.edges):
        segments = np.stack([pos[sample.edges[:, 0]], pos[sample.edges[:, 1]]], axis=1)
        ax.add_collection(LineCollection(segments, colors="#999999", linewidths=0.5, alpha=0.4))
    stage_colours = np.array([STAGE_COLOURS[s] for s in STAGES])
    for index in np.unique(supplier):
        mine = supplier == index
        if colour_by == "stage":
            colours = stage_colours[stage[mine]]
        else:
            colours = NO_SUPPLIER_COLOUR if index < 0 else supplier_colour(int(index))
        ax.scatter(
            pos[mine, 0], pos[mine, 1], s=70, c=colours, marker=supplier_marker(int(index)),
            edgecolors="#333333", linewidths=0.6, zorder=2,
        )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    for side in ax.spines.values():
        side.set_visible(False)
    shown = len(sample.nodes)
    whole = "all" if shown == sample.population else f"{shown} of {sample.population:,}"
    ax.set_title(f"Step {model.steps} — {whole} customers", fontsize=FONT_SIZE + 2)
    ax.legend(
        handles=_legend_handles(model, colour_by), loc="upper center",
        ncols=4 if colour_by == "stage" else 2,
        bbox_to_anchor=(0.5, 0.0), fontsize=FONT_SIZE - 1, frameon=False, columnspacing=1.0,
        handletextpad=0.2,
    )


def _legend_handles(model: TrustMarket, colour_by: str) -> list[Line2D]:
    """Legend entries: the colours in use, then one shape per supplier."""
    names = [firm_label(i, s.name)[:LABEL_CHARS] for i, s in enumerate(model.suppliers_list)]

    def entry(label: str, colour: str, marker: str = "o") -> Line2D:
        return Line2D([], [], ls="", marker=marker, markersize=12, markerfacecolor=colour,
                      markeredgecolor="#333333", label=label)

    if colour_by == "stage":
        handles = [entry(stage, STAGE_COLOURS[stage]) for stage in STAGES]
        handles += [entry(f"S{i + 1}", "white", supplier_marker(i)) for i in range(len(names))]
        handles.append(entry("no firm", "white", NO_SUPPLIER_MARKER))
        return handles
    handles = [entry(name, supplier_colour(i), supplier_marker(i)) for i, name in enumerate(names)]
    handles.append(entry("no firm", NO_SUPPLIER_COLOUR, NO_SUPPLIER_MARKER))
    return handles


def draw_trends(axes: list[Axes], model: TrustMarket) -> None:
    """Four live plots: customers per supplier, ambassadors and detractors, NPS, trust."""
    table = model.supplier_table()
    ax_customers, ax_stages, ax_nps, ax_trust = axes
    titles = ("Customers per firm", "Ambassadors, detractors", "Net Promoter Score",
              "Trust by component")
    for ax, title in zip(axes, titles, strict=True):
        ax.set_title(title, fontsize=FONT_SIZE + 1)
        ax.tick_params(labelsize=FONT_SIZE - 2)
        ax.grid(alpha=0.3)
    if table.empty:
        for ax in axes:
            ax.text(0.5, 0.5, "press Step", ha="center", va="center", transform=ax.transAxes,
                    fontsize=FONT_SIZE, color="#666666")
        return
    for i, (_, rows) in enumerate(table.groupby("supplier", sort=True)):
        label = firm_label(i, str(rows["name"].iloc[0]) if "name" in rows else "")
        style = {"color": supplier_colour(i), "ls": LINE_STYLES[i % len(LINE_STYLES)], "lw": 2.5}
        ax_customers.plot(rows["step"], rows["customers"], label=label, **style)
        ax_nps.plot(rows["step"], rows["nps"], label=label, **style)
    totals = table.groupby("step")[["ambassadors", "detractors"]].sum()
    ax_stages.plot(totals.index, totals["ambassadors"], color=STAGE_COLOURS["ambassador"],
                   lw=2.5, label="ambassadors")
    ax_stages.plot(totals.index, totals["detractors"], color=STAGE_COLOURS["detractor"],
                   lw=2.5, ls="--", label="detractors")
    _draw_trust(ax_trust, table)
    ax_nps.axhline(0, color="#666666", lw=1)
    ax_nps.set_ylim(-100, 100)
    ax_customers.set_ylim(bottom=0)
    ax_stages.set_ylim(bottom=0)
    for ax in axes:
        ax.set_xlim(0, max(10, int(table["step"].max())))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("step", fontsize=FONT_SIZE - 2)
    for ax in (ax_customers, ax_stages, ax_trust):  # NPS uses the firms' colours of the first
        ax.legend(fontsize=FONT_SIZE - 3, loc="best", frameon=False)


def _draw_trust(ax: Axes, table: pd.DataFrame) -> None:
    """Mean trust of all firms' customers in each component, one line per component."""
    columns = [f"trust_{c}" for c in COMPONENTS if f"trust_{c}" in table]
    means = table.groupby("step")[columns].mean()
    for i, column in enumerate(columns):
        ax.plot(means.index, means[column], color=COMPONENT_COLOURS[i],
                ls=LINE_STYLES[i % len(LINE_STYLES)], lw=2.5, label=column.removeprefix("trust_"))
    ax.set_ylim(0, 1)


def network_figure(model: TrustMarket, sample: NetworkSample, colour_by: str = "stage") -> Figure:
    """The network view as a figure of its own (the app's left panel)."""
    fig = Figure(figsize=(6.0, 6.4), dpi=100, layout="constrained")
    draw_network(fig.add_subplot(), model, sample, colour_by)
    return fig


def trends_figure(model: TrustMarket) -> Figure:
    """The four trend plots as a 2 x 2 figure (the app's right panel)."""
    fig = Figure(figsize=(6.6, 6.4), dpi=100)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.08, top=0.94, wspace=0.3, hspace=0.42)
    draw_trends(list(fig.subplots(2, 2).flat), model)
    return fig


def frame_figure(model: TrustMarket, sample: NetworkSample, colour_by: str = "stage") -> Figure:
    """Network and trends side by side in one 16:9 frame (for slides and animations)."""
    fig = Figure(figsize=(16, 9), dpi=80, layout="constrained")
    draw_frame(fig, model, sample, colour_by)
    return fig


def draw_frame(fig: Figure, model: TrustMarket, sample: NetworkSample, colour_by: str) -> None:
    """Clear `fig` and draw the current state of `model` on it (one frame of an animation).

    Give `fig` ``layout="constrained"`` so that the legend below the network fits.
    """
    fig.clear()
    grid = fig.add_gridspec(2, 3, width_ratios=(1.5, 1, 1))
    draw_network(fig.add_subplot(grid[:, 0]), model, sample, colour_by)
    draw_trends([fig.add_subplot(grid[r, c]) for r in range(2) for c in (1, 2)], model)
