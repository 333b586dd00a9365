"""What the class sees: the network sample and four trend plots, drawn once, updated in place.

Shared by the browser app (:mod:`trustsim.app.page`) and ``trustsim animate``. A
:class:`LiveView` holds one matplotlib figure whose artists are built once per run; each step
only moves the data of the firms' lines and recolours the customers. Rebuilding the figures
every step cost 0.5-0.8 s (profiled in docs/classroom.md); updating in place leaves matplotlib
two kinds of work:

- ``trustsim animate`` renders every frame with Agg (:meth:`LiveView.rgb`);
- the browser gets the slow-changing part (axes, ticks, legends, ghost of the last run, event
  markers) as an SVG from matplotlib, redrawn only when a limit or an event changes
  (:meth:`LiveView.background_svg`), and the parts that move each step (firm lines,
  customers' markers, hints in empty plots) as a small SVG overlay written from the same artists
  (:meth:`LiveView.overlay_svg`). Text stays text, so the browser test can measure it.

Colours are the Okabe & Ito (2008) colour-blind-safe palette; every series also differs in line
style or marker. Figures are :class:`matplotlib.figure.Figure` objects (no pyplot), safe to
draw from a server thread.
"""

from __future__ import annotations

import io
import math
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import matplotlib as mpl
import networkx as nx
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Affine2D, Affine2DBase

from trustsim.app.text import stage_label, tr
from trustsim.figtext import literal
from trustsim.mechanisms.loyalty import STAGES

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

    from trustsim.model import TrustMarket
    from trustsim.network import Network

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
STAGE_COLOURS: dict[str, str] = {
    "prospect": "#BBBBBB",  # grey
    "customer": "#56B4E9",  # sky blue
    "loyal": "#0072B2",  # blue
    "ambassador": "#009E73",  # bluish green
    "detractor": "#D55E00",  # vermillion: "warns others" on screen
}
SUPPLIER_COLOURS: tuple[str, ...] = (
    "#E69F00",
    "#0072B2",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
SUPPLIER_MARKERS: tuple[str, ...] = ("s", "^", "D", "p", "v", "h", "P", "*")
LINE_STYLES: tuple[str, ...] = ("-", "--", "-.", ":")
NO_SUPPLIER_COLOUR = "#DDDDDD"
NO_SUPPLIER_MARKER = "o"
EVENT_COLOUR = "#A50026"
HINT_COLOUR = "#555555"
GHOST_ALPHA = 0.28
LABEL_CHARS = 18
"""Longest firm label in a legend, so long names cannot squeeze the drawing."""
FONT_SIZE = 14
"""Smallest text in the figures, in points; at 72 dpi a point is one pixel of the figure."""
DPI = 72
VIEW_SIZE = (960, 520)
"""Width and height of the view in figure pixels: at 960 screen pixels wide (a 1280 x 720
projector with the side panel open) its smallest text is 14 px."""
MARKER_AREA = 64.0
COLOUR_MODES: tuple[str, ...] = ("stage", "supplier")
"""What the colour of a customer shows: its loyalty stage or the firm it buys from."""
X_CHUNK = 26
NETWORK_SHARE = 0.4
"""Share of the view's width given to the network."""
"""The time axis grows in steps of this many weeks, so it is redrawn rarely."""
PLOTS: tuple[str, ...] = ("customers", "stages", "nps", "trust")


def firm_label(index: int, name: str) -> str:
    """How a firm is named on screen: 'S1', or 'S1 Steady' when the scenario names it."""
    short = f"S{index + 1}"
    return short if name in ("", short) else f"{short} {name}"[:LABEL_CHARS]


def supplier_colour(index: int) -> str:
    """Colour of supplier `index` (0-based), cycling through the palette."""
    return SUPPLIER_COLOURS[index % len(SUPPLIER_COLOURS)]


def supplier_marker(index: int) -> str:
    """Marker symbol of supplier `index`; customers without a supplier are circles."""
    return NO_SUPPLIER_MARKER if index < 0 else SUPPLIER_MARKERS[index % len(SUPPLIER_MARKERS)]


def money_column(model: TrustMarket) -> str:
    """'profit' once the model reports it per firm, else 'revenue'."""
    return "profit" if "profit" in model.supplier_metrics else "revenue"


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 x 10^k that is at least `value` (and at least 10)."""
    value = max(float(value), 10.0)
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _figure(width: int, height: int) -> Figure:
    """A figure of `width` x `height` pixels at 72 dpi, laid out by constrained layout."""
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    engine = fig.get_layout_engine()
    assert isinstance(engine, ConstrainedLayoutEngine)
    engine.set(w_pad=0.04, h_pad=0.04, wspace=0.04, hspace=0.06)
    FigureCanvasAgg(fig)
    return fig


def _freeze_layout(fig: Figure) -> None:
    """Lay `fig` out once and keep that layout: later draws skip the costly layout pass."""
    fig.canvas.draw()
    fig.set_layout_engine("none")


# --- what is plotted: one run's per-firm series --------------------------------------------


@dataclass
class History:
    """Per-firm series of one run, kept step by step (the rows of `supplier_table()`).

    Attributes:
        steps: the steps recorded, in order.
        columns: per measure, one array of shape (firms,) per step.
        names: the firms' names.
    """

    measures: tuple[str, ...]
    steps: list[int] = field(default_factory=list)
    columns: dict[str, list[np.ndarray]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, model: TrustMarket) -> History:
        """The series of `model` so far."""
        history = cls(("customers", "ambassadors", "detractors", "nps", "trust", money_column(model)))
        history.names = [s.name for s in model.suppliers_list]
        history._rebuild(model)
        return history

    def _rebuild(self, model: TrustMarket) -> None:
        table = model.supplier_table()
        firms = len(self.names)
        self.steps = sorted(int(s) for s in table["step"].unique())
        self.columns = {
            m: list(table[m].to_numpy(dtype=float).reshape(-1, firms))
            if m in table
            else [np.asarray(model.supplier_metrics[m], dtype=float)] * len(self.steps)
            for m in self.measures
        }

    def sync(self, model: TrustMarket) -> None:
        """Catch up with `model`: one cheap append per step, a rebuild if steps were missed."""
        if self.steps and self.steps[-1] == model.steps:
            return
        if self.steps and self.steps[-1] == model.steps - 1:
            self.steps.append(model.steps)
            for m in self.measures:
                self.columns[m].append(np.asarray(model.supplier_metrics[m], dtype=float))
            return
        self._rebuild(model)

    def series(self, measure: str) -> np.ndarray:
        """Shape (steps, firms)."""
        return np.vstack(self.columns[measure])

    def latest(self, measure: str) -> np.ndarray:
        """The last recorded value of `measure` per firm."""
        return self.columns[measure][-1]


# --- the network sample ----------------------------------------------------------------------


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
    assert network.indices is not None  # indptr and indices are None together
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


# --- the view ----------------------------------------------------------------------------------


class LiveView:
    """The network and four trend plots of one run, built once and updated in place.

    Args:
        model: the run shown.
        sample: the customers drawn in the network.
        lang: 'en' or 'nl'.
        colour_by: 'stage' or 'supplier'.
        ghost: the previous run's series, drawn faintly behind this run's, or None.
        size: the figure's width and height in pixels (at 72 dpi, pixels = points).
    """

    def __init__(
        self,
        model: TrustMarket,
        sample: NetworkSample,
        lang: str = "en",
        colour_by: str = "stage",
        ghost: History | None = None,
        size: tuple[int, int] = VIEW_SIZE,
    ) -> None:
        if colour_by not in COLOUR_MODES:
            raise ValueError(f"colour_by = {colour_by!r} is not one of {COLOUR_MODES}")
        self.model, self.sample, self.lang, self.colour_by, self.ghost = (model, sample, lang, colour_by, ghost)
        self.history = History.of(model)
        self.firms = len(model.suppliers_list)
        self.nps_from = model.config.loyalty.loyal_tenure
        net_width = round(size[0] * NETWORK_SHARE)
        self.fig_network = _figure(net_width, size[1])
        self.fig = _figure(size[0] - net_width, size[1])
        self.ax_network = self.fig_network.add_subplot()
        self.axes: dict[str, Axes] = dict(zip(PLOTS, self.fig.subplots(2, 2).flat, strict=True))
        self.lines: dict[str, list[Line2D]] = {}
        self.groups: dict[int, PathCollection] = {}
        self._decorations: list[Any] = []
        self._polylines = PolylineCache()
        self.hints: dict[str, Text] = {
            name: ax.text(
                0.5,
                0.5,
                "",
                ha="center",
                va="center",
                transform=ax.transAxes,
                fontsize=FONT_SIZE,
                color=HINT_COLOUR,
                zorder=4,
            )
            for name, ax in self.axes.items()
        }
        self._static_key: tuple[Any, ...] | None = None
        self._build_network()
        self._build_plots()
        _freeze_layout(self.fig_network)
        # lay the plots out once for the widest tick labels they can get, then keep it fixed
        self.axes["customers"].set_ylim(0, nice_ceiling(sample.population))
        self.axes["stages"].set_ylim(0, nice_ceiling(sample.population))
        for ax in self.axes.values():
            ax.set_xlim(0, X_CHUNK * math.ceil(max(model.config.steps, 1) / X_CHUNK))
        _freeze_layout(self.fig)
        for plot in ("customers", "stages"):
            self.axes[plot].set_ylim(0, 1)  # the real limits follow the data (see _limits)
        self.update()

    # building (once) ---------------------------------------------------------------------

    def _build_network(self) -> None:
        ax, sample = self.ax_network, self.sample
        pos = sample.positions
        if len(sample.edges):
            segments = np.stack([pos[sample.edges[:, 0]], pos[sample.edges[:, 1]]], axis=1)
            # an (n, 2, 2) array is a valid `segments`; the stubs only list sequences
            lines = LineCollection(segments, colors="#999999", linewidths=0.5, alpha=0.4)  # pyright: ignore[reportArgumentType]
            ax.add_collection(lines)
        for index in range(-1, self.firms):
            self.groups[index] = ax.scatter(
                pos[:0, 0],
                pos[:0, 1],
                s=MARKER_AREA,
                marker=supplier_marker(index),
                edgecolors="#333333",
                linewidths=0.6,
                zorder=2,
            )
        ax.set_xticks([])
        ax.set_yticks([])
        span = np.ptp(pos, axis=0) if len(pos) else np.ones(2)
        low, high = pos.min(axis=0) - 0.04 * span, pos.max(axis=0) + 0.04 * span
        ax.set_xlim(low[0], high[0])
        ax.set_ylim(low[1], high[1])
        ax.set_aspect("equal", adjustable="box")
        for side in ax.spines.values():
            side.set_visible(False)
        shown, total = len(sample.nodes), sample.population
        title = (
            tr("network_all", self.lang, total=total)
            if shown == total
            else tr("network_title", self.lang, shown=shown, total=total)
        )
        ax.set_title(title, fontsize=FONT_SIZE + 1)
        ax.legend(
            handles=self._network_legend(),
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncols=3,
            fontsize=FONT_SIZE,
            frameon=False,
            columnspacing=0.8,
            handletextpad=0.1,
            borderaxespad=0.2,
        )

    def _network_legend(self) -> list[Line2D]:
        """The colours in use, then one shape per firm."""
        names = [literal(firm_label(i, s.name)) for i, s in enumerate(self.model.suppliers_list)]

        def entry(label: str, colour: str, marker: str = "o") -> Line2D:
            return Line2D(
                [],
                [],
                ls="",
                marker=marker,
                markersize=11,
                markerfacecolor=colour,
                markeredgecolor="#333333",
                label=label,
            )

        none = tr("no_firm", self.lang)
        if self.colour_by == "stage":
            handles = [entry(stage_label(s, self.lang), STAGE_COLOURS[s]) for s in STAGES]
            handles.append(entry(none, "white", NO_SUPPLIER_MARKER))
            handles += [entry(f"S{i + 1}", "white", supplier_marker(i)) for i in range(self.firms)]
            return handles
        handles = [entry(n, supplier_colour(i), supplier_marker(i)) for i, n in enumerate(names)]
        handles.append(entry(none, NO_SUPPLIER_COLOUR, NO_SUPPLIER_MARKER))
        return handles

    def _build_plots(self) -> None:
        titles = {"customers": "plot_customers", "stages": "plot_stages", "nps": "plot_nps", "trust": "plot_trust"}
        for name, ax in self.axes.items():
            ax.set_title(tr(titles[name], self.lang), fontsize=FONT_SIZE + 1)
            ax.tick_params(labelsize=FONT_SIZE)
            ax.grid(alpha=0.3)
            ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(4))
        self.axes["nps"].axhline(0, color="#666666", lw=1)
        self.axes["nps"].set_ylim(-100, 100)
        self.axes["trust"].set_ylim(0, 1)
        for name in ("customers", "stages"):
            self.axes[name].yaxis.set_major_formatter("{x:,.0f}")
        for name in ("nps", "trust"):
            self.axes[name].set_xlabel(tr("axis_week", self.lang), fontsize=FONT_SIZE)
        series = {
            "customers": ("customers",),
            "stages": ("ambassadors", "detractors"),
            "nps": ("nps",),
            "trust": ("trust",),
        }
        for plot, measures in series.items():
            ax = self.axes[plot]
            for measure in measures:
                dashed = measure == "detractors"
                for i in range(self.firms):
                    style = "--" if dashed else ("-" if plot == "stages" else LINE_STYLES[i % len(LINE_STYLES)])
                    if self.ghost is not None and len(self.ghost.names) == self.firms:
                        ghost = self._shown(self.ghost, measure)
                        ax.plot(
                            self.ghost.steps,
                            ghost[:, i],
                            color=supplier_colour(i),
                            ls=style,
                            lw=1.5,
                            alpha=GHOST_ALPHA,
                            zorder=1,
                        )
                    (line,) = ax.plot([], [], color=supplier_colour(i), ls=style, lw=2.5, zorder=3)
                    self.lines.setdefault(plot, []).append(line)
        handles = [
            Line2D(
                [],
                [],
                color=supplier_colour(i),
                ls=LINE_STYLES[i % len(LINE_STYLES)],
                lw=2.5,
                label=literal(firm_label(i, s.name)),
            )
            for i, s in enumerate(self.model.suppliers_list)
        ]
        kinds = [
            Line2D([], [], color="#444444", ls=ls, lw=2, label=tr(key, self.lang))
            for ls, key in (("-", "ambassadors"), ("--", "warn_others"))
        ]
        self.axes["stages"].legend(
            handles=kinds, loc="upper left", fontsize=FONT_SIZE, frameon=False, handlelength=1.6, borderaxespad=0.1
        )
        self.fig.legend(
            handles=handles,
            loc="outside upper center",
            ncols=min(self.firms, 4),
            fontsize=FONT_SIZE,
            frameon=False,
            columnspacing=1.0,
            handlelength=2.2,
        )

    def _shown(self, history: History, measure: str) -> np.ndarray:
        """A measure as plotted: NPS is hidden until customers can have bought for `nps_from`."""
        values = history.series(measure)
        if measure == "nps":
            values = np.where(np.asarray(history.steps)[:, None] < self.nps_from, np.nan, values)
        return values

    # updating (every step) -----------------------------------------------------------------

    def update(self) -> bool:
        """Show the model's current state; True when the background must be redrawn too."""
        self.history.sync(self.model)
        steps = self.history.steps
        plotted = {
            "customers": ["customers"],
            "stages": ["ambassadors", "detractors"],
            "nps": ["nps"],
            "trust": ["trust"],
        }
        for plot, measures in plotted.items():
            values = np.hstack([self._shown(self.history, m) for m in measures])
            for line, column in zip(self.lines[plot], values.T, strict=True):
                line.set_data(steps, column)
        self._update_network()
        self._update_hints()
        key = self._limits()
        if key != self._static_key:
            self._static_key = key
            self._decorate()
            return True
        return False

    def _update_hints(self) -> None:
        """A friendly hint in an empty plot: press Step; NPS waits for customers with tenure."""
        last = self.history.steps[-1]
        for name, hint in self.hints.items():
            text = tr("empty_hint", self.lang) if last == 0 else ""
            if name == "nps" and last < self.nps_from:
                text = tr("nps_hint", self.lang, weeks=self.nps_from)
            hint.set_text(text)

    def _update_network(self) -> None:
        population = self.model.population
        supplier = np.asarray(population.supplier)[self.sample.nodes]
        stage = np.asarray(population.stage)[self.sample.nodes]
        stage_colours = np.array([STAGE_COLOURS[s] for s in STAGES])
        for index, group in self.groups.items():
            mine = supplier == index if index >= 0 else supplier < 0
            group.set_offsets(self.sample.positions[mine])
            if self.colour_by == "stage":
                group.set_facecolor(stage_colours[stage[mine]])  # pyright: ignore[reportArgumentType]  # array of colours
            else:
                group.set_facecolor(NO_SUPPLIER_COLOUR if index < 0 else supplier_colour(index))

    def _limits(self) -> tuple[Any, ...]:
        """Set the axes' limits; return everything the background depends on."""
        last = self.history.steps[-1]
        ghost_end = self.ghost.steps[-1] if self.ghost is not None and self.ghost.steps else 0
        x_end = X_CHUNK * math.ceil(max(last, ghost_end, self.model.config.steps, 1) / X_CHUNK)
        tops = {}
        for plot, measures in (("customers", ["customers"]), ("stages", ["ambassadors", "detractors"])):
            peak = max(np.nanmax(self.history.series(m)) for m in measures)
            if self.ghost is not None and len(self.ghost.names) == self.firms:
                peak = max(peak, *(np.nanmax(self.ghost.series(m)) for m in measures))
            current = self.axes[plot].get_ylim()[1]
            tops[plot] = current if current > 1.0 and peak <= current else nice_ceiling(1.6 * peak)
        for ax in self.axes.values():
            ax.set_xlim(0, x_end)
        for plot, top in tops.items():
            self.axes[plot].set_ylim(0, top)
        events = tuple((e.get("step"), e.get("event"), str(e.get("supplier", "all"))) for e in self.model.events)
        return (x_end, tops["customers"], tops["stages"], events)

    def _decorate(self) -> None:
        """Event markers and hints: what changes rarely, redrawn with the background."""
        for artist in self._decorations:
            artist.remove()
        self._decorations = []
        names = [f"S{i + 1}" for i in range(self.firms)]
        for event in self.model.events:
            label = event_label(event, names, self.lang, marker=True)
            for ax in self.axes.values():
                self._decorations.append(ax.axvline(event["step"], color=EVENT_COLOUR, lw=2, ls=(0, (4, 2)), zorder=2))
                self._decorations.append(
                    ax.text(
                        event["step"],
                        0.97,
                        f" {label}",
                        transform=ax.get_xaxis_transform(),
                        rotation=90,
                        ha="left",
                        va="top",
                        fontsize=FONT_SIZE,
                        color=EVENT_COLOUR,
                    )
                )

    # rendering -----------------------------------------------------------------------------

    @property
    def dynamic(self) -> list[Any]:
        """The artists that change every step."""
        return (
            [line for lines in self.lines.values() for line in lines]
            + list(self.groups.values())
            + list(self.hints.values())
        )

    def rgb(self) -> np.ndarray:
        """The whole view (network left, plots right) as an RGB array rendered by Agg."""
        pictures = []
        for fig in (self.fig_network, self.fig):
            fig.canvas.draw()
            pictures.append(np.asarray(cast(FigureCanvasAgg, fig.canvas).buffer_rgba())[..., :3])
        return np.hstack(pictures)

    def background_svg(self, panel: str = "trends") -> str:
        """Everything of a panel ('network' or 'trends') but its moving parts, as SVG text.

        Fonts stay text (not outlines), so the browser renders and can measure them.
        """
        fig = self.fig_network if panel == "network" else self.fig
        for artist in self.dynamic:
            artist.set_visible(False)
        try:
            buffer = io.StringIO()
            with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "trustsim"}):
                fig.savefig(buffer, format="svg", dpi=DPI)
        finally:
            for artist in self.dynamic:
                artist.set_visible(True)
        return buffer.getvalue()

    def overlay_svg(self, panel: str = "trends") -> str:
        """The moving parts of a panel (firm lines or customers) as an SVG of the same size."""
        fig = self.fig_network if panel == "network" else self.fig
        width, height = fig.bbox.width, fig.bbox.height
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" '
            f'class="trustsim-overlay" data-step="{self.history.steps[-1]}">'
        ]
        if panel == "network":
            parts += [_svg_markers(group, height, f"m{index + 1}") for index, group in self.groups.items()]
        else:
            parts += [self._polylines.svg(line, height) for lines in self.lines.values() for line in lines]
            parts += [_svg_text(hint, height) for hint in self.hints.values()]
        parts.append("</svg>")
        return "".join(parts)


def event_label(event: dict[str, Any], names: list[str], lang: str, marker: bool = False) -> str:
    """'week 12: scandal at S1', or with `marker` the short label on the plots ('scandal S1')."""
    who = event.get("supplier", "all")
    firm = tr("all_firms", lang) if who == "all" else names[int(who)]
    if marker:
        key = "marker_scandal" if event.get("event") == "scandal" else "marker_broken"
        return tr(key, lang, firm=firm)
    key = "event_scandal" if event.get("event") == "scandal" else "event_broken"
    return tr(key, lang, step=event.get("step"), firm=firm)


# --- SVG for the moving parts -------------------------------------------------------------------


def _dash_array(line: Line2D) -> str:
    """The SVG dash pattern of a line style, scaled by width as matplotlib does."""
    patterns: dict[object, RcKeyType] = {
        "--": "lines.dashed_pattern",
        "-.": "lines.dashdot_pattern",
        ":": "lines.dotted_pattern",
    }
    pattern = patterns.get(line.get_linestyle())
    if pattern is None:
        return ""
    dashes = ",".join(f"{d * line.get_linewidth():.1f}" for d in mpl.rcParams[pattern])
    return f' stroke-dasharray="{dashes}"'


class PolylineCache:
    """Each line's points as SVG text, formatted once: a step appends one point per line.

    Points are written in data coordinates; the axes' data-to-figure transform goes in the
    polyline's ``transform`` attribute, so a new axis limit changes one attribute, not every
    point (``vector-effect`` keeps the stroke width in figure pixels).
    """

    def __init__(self) -> None:
        self.points: dict[int, list[str | None]] = {}

    def svg(self, line: Line2D, height: float) -> str:
        """A line as SVG polylines (one per run of finite values)."""
        x, y = (np.asarray(v, dtype=float) for v in line.get_data())
        cached = self.points.setdefault(id(line), [])
        if len(cached) > len(x):
            cached.clear()
        for px, py in zip(x[len(cached) :], y[len(cached) :], strict=True):
            cached.append(f"{px:g},{py:.5g}" if np.isfinite(px) and np.isfinite(py) else None)
        if not cached:
            return ""
        assert line.axes is not None  # only lines drawn on axes are exported
        a, b, c, d, e, f = cast(Affine2DBase, line.axes.transData.get_affine()).to_values()
        matrix = f"matrix({a:.6g},{-b:.6g},{-c:.6g},{-d:.6g},{e:.6g},{height - f:.6g})"
        style = (
            f'transform="{matrix}" vector-effect="non-scaling-stroke" fill="none" '
            f'stroke="{to_hex(line.get_color())}" stroke-width="{line.get_linewidth():g}" '
            f'stroke-linejoin="round"{_dash_array(line)}'
        )
        out, run = [], []
        for point in [*cached, None]:
            if point is not None:
                run.append(point)
            elif run:
                out.append(f'<polyline points="{" ".join(run)}" {style}/>')
                run = []
        return "".join(out)


def _svg_text(text: Text, height: float) -> str:
    """A centred text (a hint) as SVG text, one line per <tspan>."""
    if not text.get_text():
        return ""
    x, y = text.get_transform().transform(text.get_position())
    lines = text.get_text().split("\n")
    size = float(text.get_fontsize())  # points; the stubs also allow a name like "large"
    top = height - y - (len(lines) - 1) * size * 0.6
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{top + i * size * 1.2:.1f}">{_escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return (
        f'<text class="trustsim-hint-text" text-anchor="middle" dominant-baseline="middle" '
        f'font-family="DejaVu Sans, sans-serif" font-size="{size:g}px" '
        f'fill="{to_hex(text.get_color())}">{spans}</text>'
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _svg_path(path: MplPath) -> str:
    """SVG path data of a matplotlib path (y pointing down)."""
    commands = {MplPath.MOVETO: "M", MplPath.LINETO: "L", MplPath.CURVE3: "Q", MplPath.CURVE4: "C"}
    out = []
    for vertices, code in path.iter_segments(simplify=False, curves=True):
        if code == MplPath.CLOSEPOLY:
            out.append("Z")
            continue
        coords = " ".join(f"{v:.2f}" for v in vertices * np.tile([1, -1], len(vertices) // 2))
        out.append(f"{commands[code]}{coords}")
    return "".join(out)


def _svg_markers(group: PathCollection, height: float, ident: str) -> str:
    """A scatter group as one marker shape and one <use> per customer."""
    offsets = np.asarray(group.get_offsets(), dtype=float)
    if len(offsets) == 0:
        return ""
    scale = math.sqrt(group.get_sizes()[0]) * group.figure.dpi / 72
    shape = group.get_paths()[0].transformed(Affine2D().scale(scale))
    rgb = np.round(np.asarray(group.get_facecolor())[:, :3] * 255).astype(int)
    hexes = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb]
    if len(hexes) == 1:
        hexes = hexes * len(offsets)
    assert group.axes is not None  # only groups drawn on axes are exported
    points = group.axes.transData.transform(offsets)
    out = [
        f'<defs><path id="{ident}" d="{_svg_path(shape)}" stroke="#333333" '
        f'stroke-width="{np.asarray(group.get_linewidth())[0]:g}"/></defs>'
    ]
    out += [
        f'<use href="#{ident}" x="{px:.1f}" y="{height - py:.1f}" fill="{colour}"/>'
        for (px, py), colour in zip(points, hexes, strict=True)
    ]
    return "".join(out)
