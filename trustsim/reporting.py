"""One home for the report helpers every layer uses: colours, figures, intervals, Markdown, HTML, PDF.

The comparison report (:mod:`trustsim.compare`), the validation report (:mod:`trustsim.validation`),
the experiments (:mod:`trustsim.experiments`) and the sweep figures (:mod:`trustsim.analysis`)
all draw with the same palette, save figures the same way (atomically, byte-identical for the
same data), state intervals the same way and render the same Markdown and self-contained HTML.

* Colours: :data:`PALETTE` (Okabe & Ito 2008) and :func:`colours`, which never repeats a
  colour within one figure however many lines it has.
* Figures: :func:`pyplot` (the Agg backend), :func:`figure_bytes`, :func:`save_figure`.
* Intervals: :func:`t_interval` (Student t over replicates) and :func:`bootstrap_interval`
  (percentile bootstrap, which stays inside a bounded measure's range, e.g. NPS in ±100).
* Text: :func:`md_table`, :func:`md_records`, :class:`Section`, :func:`render_markdown`,
  :func:`render_html`; :func:`write_pdf` prints an HTML page to PDF with headless Chromium.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from trustsim.io import atomic_write_bytes

PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
"""Okabe & Ito (2008) colour-blind-safe palette: the first eight lines of every figure."""

LEVEL = 0.95
"""Confidence level of every interval in the reports."""


# --- colours ---------------------------------------------------------------------------------


def colours(n: int) -> list[str]:
    """`n` distinct colours: the Okabe-Ito palette, then evenly spaced hues (never a repeat).

    Args:
        n: how many lines or bars one figure draws.

    Returns:
        A list of `n` hex colours, all different.

    >>> len(set(colours(20))) == 20
    True
    """
    out = list(PALETTE[: max(0, n)])
    extra = n - len(out)
    if extra > 0:
        from matplotlib.colors import hsv_to_rgb, to_hex

        for k in range(extra):
            # hues offset by the golden angle, alternating darkness: far from each other and from black
            hue = (0.07 + k * 0.618034) % 1.0
            rgb = hsv_to_rgb((hue, 0.75, 0.55 if k % 2 else 0.85))
            out.append(to_hex(rgb))  # pyright: ignore[reportArgumentType]  # to_hex takes any RGB sequence
    # a generated colour could in principle coincide with a palette one: make that impossible
    seen: set[str] = set()
    for i, c in enumerate(out):
        while c.lower() in seen:
            c = f"#{(int(c[1:], 16) + 0x010101) % 0x1000000:06x}"
        out[i] = c
        seen.add(c.lower())
    return out


def colour(i: int, n: int | None = None) -> str:
    """The colour of the i-th of `n` lines (default: as many as needed for `i`)."""
    return colours(max(i + 1, n or 0))[i]


# --- figures ---------------------------------------------------------------------------------


def pyplot() -> Any:
    """matplotlib.pyplot on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_bytes(fig: Any, fmt: str = "png", dpi: int = 110, close: bool = True) -> bytes:
    """The figure as PNG or SVG bytes, without timestamps: the same data give the same bytes."""
    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", metadata=metadata)
    if close:
        pyplot().close(fig)
    return buf.getvalue()


def fixed(value: float, digits: int = 2) -> str:
    """``value`` with `digits` decimals, never as "-0.00" (a tiny negative from float arithmetic).

    >>> fixed(-1e-12), fixed(0.125, 2), fixed(-0.5, 1)
    ('0.00', '0.12', '-0.5')
    """
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def save_figure(fig: Any, out: str | Path, name: str, formats: Sequence[str] = ("png",), dpi: int = 110) -> list[Path]:
    """Write ``out/name.<fmt>`` for each format, atomically, and close the figure.

    Returns:
        The paths written.
    """
    paths = []
    for fmt in formats:
        path = Path(out) / f"{name}.{fmt}"
        try:
            atomic_write_bytes(path, figure_bytes(fig, fmt, dpi, close=False))
        except OSError as e:  # name the figure being written, not an in-memory buffer
            raise OSError(e.errno, e.strerror, str(path)) from e
        paths.append(path)
    pyplot().close(fig)
    return paths


# --- intervals -------------------------------------------------------------------------------


def t_interval(values: Any, level: float = LEVEL) -> tuple[float, float, float, int]:
    """Mean and Student-t interval of the finite values, and their number n.

    Returns:
        (mean, low, high, n); the bounds are NaN with fewer than two values, all NaN with none.
    """
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, 1
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


BOOTSTRAP_RESAMPLES = 2000


def bootstrap_interval(
    values: Any, level: float = LEVEL, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> np.ndarray:
    """Percentile-bootstrap intervals of the mean of each row (NaNs dropped per row), by ``scipy.stats.bootstrap``.

    A percentile interval of a mean never leaves the range of the data, so a measure bounded
    by construction (NPS in ±100, a share in 0-1) keeps its interval inside its bounds, which a
    t-interval does not (Efron & Tibshirani 1993, ch. 13). Seeded: the same data give the same
    interval.

    Args:
        values: a 1-D array (one interval) or 2-D array (one interval per row).
        level: confidence level.
        resamples: bootstrap resamples.
        seed: seed of the resampling.

    Returns:
        Array (rows, 3): mean, low, high (NaN bounds for rows with fewer than two values).
    """
    from scipy.stats import bootstrap

    x = np.atleast_2d(np.asarray(values, dtype=float))
    rng = np.random.default_rng(seed)
    out = np.full((x.shape[0], 3), np.nan)

    def interval(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The bounds for rows of equal length, in one vectorised call (one call per row was 20 times slower)."""
        res = bootstrap(
            (rows,),
            np.mean,
            confidence_level=level,
            n_resamples=resamples,
            method="percentile",
            vectorized=True,
            axis=-1,
            rng=rng,
        )
        return np.asarray(res.confidence_interval.low), np.asarray(res.confidence_interval.high)

    finite = np.isfinite(x)
    counts = finite.sum(axis=1)
    for i in np.flatnonzero(counts > 0):
        out[i, 0] = x[i, finite[i]].mean()
    # rows whose values are all equal have that value as both bounds (scipy warns of degenerate data)
    flat = np.array([counts[i] >= 2 and np.ptp(x[i, finite[i]]) == 0 for i in range(len(x))], dtype=bool)
    out[flat, 1] = out[flat, 2] = out[flat, 0]
    whole = (counts == x.shape[1]) & (counts >= 2) & ~flat
    if whole.any():
        out[whole, 1], out[whole, 2] = interval(x[whole])
    for i in np.flatnonzero((counts >= 2) & (counts < x.shape[1]) & ~flat):
        lo, hi = interval(x[i, finite[i]][None, :])
        out[i, 1], out[i, 2] = float(lo[0]), float(hi[0])
    return out


def ci_text(lo: float, hi: float, fmt: str = "{:,.0f}") -> str:
    """'lo to hi' with the given format, or 'n/a' when an interval cannot be given."""
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return "n/a"
    return f"{fmt.format(lo)} to {fmt.format(hi)}"


def pct(x: float, digits: int = 1) -> str:
    """A signed percentage ('+12.3%', '-4.0%') or 'n/a'."""
    return "n/a" if x is None or not np.isfinite(x) else f"{x:+.{digits}%}"


def jsonable(obj: Any) -> Any:
    """Make numpy scalars and arrays, tuples and NaNs JSON-friendly (NaN and inf -> None)."""
    from collections.abc import Mapping

    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return None if not math.isfinite(float(obj)) else float(obj)
    return obj


# --- Markdown ----------------------------------------------------------------------------------


def _md_cell(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "**no**"
    if isinstance(value, (float, np.floating)):
        return f"{value:g}" if math.isfinite(value) else "–"
    return str(value).replace("|", "\\|").replace("\n", " ")


def md_table(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (pipes escaped, floats as %g, booleans as yes/**no**)."""
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def md_records(records: Sequence[dict[str, Any]]) -> str:
    """A Markdown table of dicts: columns in order of first appearance ('' for none)."""
    if not records:
        return ""
    cols: list[str] = []
    for row in records:
        cols += [c for c in row if c not in cols]
    return md_table(cols, [[row.get(c, "") for c in cols] for row in records])


# --- reports: Markdown and self-contained HTML ---------------------------------------------------


@dataclass
class Section:
    """One part of a report: a title, paragraphs, tables (header + rows), a figure and notes.

    ``kind`` styles the section in HTML: ``"summary"`` (the executive summary, printed alone
    on the first page), ``"warning"`` (boxed) or ``""``.
    """

    title: str
    paragraphs: list[str]
    tables: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)
    figure: str = ""  # file name under figures/
    caption: str = ""
    kind: str = ""


def render_markdown(title: str, lead: list[str], parts: list[Section], figs: dict[str, bytes]) -> str:
    """The Markdown report; figures are referenced as ``figures/<name>``."""
    out = [f"# {title}", "", *[p + "\n" for p in lead if p]]
    for s in parts:
        out += [f"## {s.title}", ""]
        out += [(f"> **Warning:** {p}" if s.kind == "warning" else p) + "\n" for p in s.paragraphs if p]
        if s.figure and s.figure in figs:
            out += [f"![{s.caption}](figures/{s.figure})", ""]
        for header, rows in s.tables:
            out += [md_table(header, rows), ""]
    return "\n".join(out).rstrip() + "\n"


def inline_md(text: str) -> str:
    """Escape for HTML, then turn **bold**, *italic* and `code` into tags."""
    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.lead{font-size:1.15em;background:#f3f7fb;border-left:4px solid #0072B2;padding:.8em 1em}
section.summary{background:#f8fbf3;border:1px solid #cfe0b8;padding:.2em 1.2em 1em;border-radius:6px}
section.summary h2{margin-top:.6em}
section.warning p,p.warning{background:#fff6e0;border-left:4px solid #E69F00;padding:.5em .8em}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0}tr:nth-child(even) td{background:#fafafa}
figure{margin:1em 0}figure img{max-width:100%;height:auto}figcaption{font-size:.85em;color:#555}
code{background:#f4f4f4;padding:0 .2em;font-size:.9em}
@media print{body{max-width:none;margin:0;font-size:10pt;line-height:1.35}h1{font-size:1.35em;margin:.2em 0}
.lead{font-size:1em;padding:.4em .8em;margin:.4em 0}section.summary h2{margin:.3em 0}
section.summary p{margin:.3em 0}section.summary table{margin:.3em 0}section.summary{break-after:page}
section.summary{font-size:8.2pt;line-height:1.25;padding:.1em .8em .4em}section.summary table{font-size:7.5pt}
section.summary figure{margin:.2em 0}section.summary figure img{max-height:38mm;width:auto}
section.summary figcaption{font-size:7.5pt}
table{max-width:100%}td,th{overflow-wrap:anywhere}figure,table{break-inside:avoid}}
"""


def render_html(title: str, lead: list[str], parts: list[Section], figs: dict[str, bytes]) -> str:
    """One self-contained page: figures as data URLs, no scripts, nothing loaded from anywhere."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    body += [f'<p class="lead">{inline_md(p)}</p>' for p in lead if p]
    for s in parts:
        body.append(f'<section class="{s.kind}">' if s.kind else "<section>")
        body.append(f"<h2>{html.escape(s.title)}</h2>")
        body += [f"<p>{inline_md(p)}</p>" for p in s.paragraphs if p]
        if s.figure and s.figure in figs:
            data = base64.b64encode(figs[s.figure]).decode("ascii")
            body.append(
                f'<figure><img alt="{html.escape(s.caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(s.caption)}</figcaption></figure>"
            )
        for header, rows in s.tables:
            head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
            cells = "".join("<tr>" + "".join(f"<td>{inline_md(str(c))}</td>" for c in row) + "</tr>" for row in rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
        body.append("</section>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


# --- PDF -------------------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str | None:
    """Debian's Chromium (or ``TRUSTSIM_CHROMIUM``), if installed."""
    import os
    import shutil

    path = os.environ.get("TRUSTSIM_CHROMIUM") or shutil.which("chromium") or CHROMIUM
    return path if Path(path).exists() else None


def require_pdf() -> str:
    """The Chromium binary for :func:`write_pdf`, after checking Playwright is importable.

    Raises:
        ConfigError: Chromium or Playwright is not installed (the message says how to install).
    """
    from trustsim.errors import ConfigError

    path = chromium_path()
    if path is None:
        raise ConfigError(
            "--pdf: headless Chromium not found; install Debian's package with "
            "'apt-get install chromium' (or set TRUSTSIM_CHROMIUM to a Chromium binary)."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise ConfigError(
            "--pdf: the Python package 'playwright' is missing; pip install 'trustsim[pdf]' "
            "(it drives the installed Chromium and downloads nothing)."
        ) from None
    return path


def write_pdf(html_path: str | Path, pdf_path: str | Path) -> Path:
    """Print a self-contained HTML page to PDF with headless Chromium, offline, atomically.

    The page is opened from disk with the network cut off (it needs nothing else), printed
    on A4 with its backgrounds; the executive summary is alone on page one (print CSS).

    Raises:
        ConfigError: Chromium or Playwright is not installed (the message says how to install).
        RunError: Chromium failed to print.
    """
    from trustsim.errors import RunError

    path = require_pdf()
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=path, args=list(CHROMIUM_ARGS))
            try:
                context = browser.new_context(offline=True)
                page = context.new_page()
                page.goto(Path(html_path).resolve().as_uri(), wait_until="load", timeout=60_000)
                data = page.pdf(
                    format="A4",
                    print_background=True,
                    margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
                )
            finally:
                browser.close()
    except PlaywrightError as e:
        raise RunError(f"--pdf: Chromium could not print {html_path}: {str(e).splitlines()[0]}") from None
    out = Path(pdf_path)
    atomic_write_bytes(out, data)
    return out
