"""Report of a validation run: a rich table, ``report.md``, the Bass docking figure and JSON numbers.

Everything is written atomically (trustsim.io), so a reader never sees a half-written report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trustsim.io import atomic_write_bytes, atomic_write_text
from trustsim.reporting import colours, figure_bytes, jsonable, md_records, pyplot
from trustsim.validation.core import CheckResult

FIGURE = "bass_docking"


def summary_table(results: list[CheckResult]) -> Any:
    """A rich Table: check, expected, measured, tolerance, pass/fail."""
    from rich.table import Table

    table = Table(title="trustsim validation", show_lines=True)
    table.add_column("check", style="bold", no_wrap=True)
    for col in ("expected", "measured"):
        table.add_column(col, overflow="fold")
    table.add_column("tolerance", style="dim", overflow="fold")
    table.add_column("result", no_wrap=True)
    for r in results:
        verdict = "[green]pass[/green]" if r.passed else "[bold red]FAIL[/bold red]"
        table.add_row(r.name, r.expected, r.measured, r.tolerance, verdict)
    return table


def report_markdown(results: list[CheckResult], figure: str | None = None, meta: dict[str, Any] | None = None) -> str:
    """The report as Markdown: verdicts first, then each check's numbers.

    Args:
        results: the checks' verdicts.
        figure: file name of the docking figure beside the report, if any.
        meta: ``size``, ``runs`` and ``seconds`` of the validation run, shown in the header.
    """
    from trustsim import __version__

    meta = meta or {}
    failed = [r.name for r in results if not r.passed]
    out = [
        "# trustsim validation report",
        "",
        f"trustsim {__version__}, size `{meta.get('size', '?')}`"
        + (f", {meta['runs']} simulation runs" if "runs" in meta else "")
        + (f", {meta['seconds']:.0f} s" if "seconds" in meta else "")
        + ". Each check and how its tolerance is derived: docs/validation.md.",
        "",
        f"**{len(results) - len(failed)} of {len(results)} checks pass.**"
        + (f" Failing: {', '.join(failed)}." if failed else ""),
        "",
        md_records(
            [
                {
                    "check": r.name,
                    "expected": r.expected,
                    "measured": r.measured,
                    "tolerance": r.tolerance,
                    "result": "pass" if r.passed else "**FAIL**",
                }
                for r in results
            ]
        ),
        "",
    ]
    if figure:
        out += [
            f"![ABM against the Bass closed form]({figure})",
            "",
            "Mean customer share of the seeded runs (line) and their range (band), the Bass closed form "
            "(black) and the discrete mean-field recursion (dashed).",
            "",
        ]
    for r in results:
        out += [
            f"## {r.name}: {r.title}",
            "",
            f"Reference: {r.reference}.",
            "",
            f"- expected: {r.expected}",
            f"- measured: {r.measured}",
            f"- tolerance: {r.tolerance}",
            f"- result: {'pass' if r.passed else '**FAIL**'}",
            "",
            md_records(r.details),
            "",
        ]
    return "\n".join(out).rstrip() + "\n"


def docking_figure(results: list[CheckResult]) -> Any | None:
    """Figure of the ABM's mean and band over seeds against the Bass closed form, per (p, q) pair."""
    curves = {k: v for r in results for k, v in r.curves.items()}
    if not curves:
        return None
    plt = pyplot()
    palette = colours(len(curves))
    fig, axes = plt.subplots(
        2,
        len(curves),
        figsize=(4.2 * len(curves), 6.2),
        squeeze=False,
        sharex="col",
        gridspec_kw={"height_ratios": (2, 1)},
    )
    for col, ((p, q), c) in enumerate(curves.items()):
        top, bottom, colour = axes[0][col], axes[1][col], palette[col]
        t, closed = c["t"], c["closed_form"]
        top.fill_between(t, c["low"], c["high"], color=colour, alpha=0.3, lw=0, label=f"ABM range ({c['runs']} seeds)")
        top.plot(t, c["mean"], color=colour, lw=2, label=f"ABM mean (N={c['customers']:,})")
        top.plot(t, closed, color="black", lw=1, label="Bass closed form")
        top.plot(t, c["recursion"], color="black", lw=1, ls="--", label="mean-field recursion")
        top.set_title(f"p = {p:g}, q = {q:g}")
        top.set_ylim(0, 1.02)
        # the differences are too small to see above: show them against the closed form
        bottom.fill_between(t, c["low"] - closed, c["high"] - closed, color=colour, alpha=0.3, lw=0)
        bottom.plot(t, c["mean"] - closed, color=colour, lw=2)
        bottom.plot(t, c["recursion"] - closed, color="black", lw=1, ls="--")
        bottom.axhline(0.0, color="black", lw=1)
        bottom.set_xlabel("step")
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("customer share F(t)")
    axes[1][0].set_ylabel("minus closed form")
    axes[0][0].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def _jsonable(r: CheckResult) -> dict[str, Any]:
    return {
        "name": r.name,
        "title": r.title,
        "expected": r.expected,
        "measured": r.measured,
        "tolerance": r.tolerance,
        "passed": bool(r.passed),
        "reference": r.reference,
        "details": jsonable(r.details),
    }


def write_report(
    results: list[CheckResult], out_dir: str | Path, meta: dict[str, Any] | None = None
) -> dict[str, Path]:
    """Write report.md, results.json and the docking figure (PNG and SVG) to `out_dir`.

    Args:
        results: the checks' verdicts (from :func:`trustsim.validation.run_checks`).
        out_dir: folder to write to (created if missing).
        meta: ``size``, ``runs`` and ``seconds`` of the run, for the report's header.

    Returns:
        The paths written, by kind.
    """
    out = Path(out_dir)
    paths: dict[str, Path] = {}
    fig = docking_figure(results)
    if fig is not None:
        for fmt in ("png", "svg"):
            paths[fmt] = out / f"{FIGURE}.{fmt}"
            atomic_write_bytes(paths[fmt], figure_bytes(fig, fmt, dpi=120, close=False))
        pyplot().close(fig)
    paths["json"] = out / "results.json"
    atomic_write_text(paths["json"], json.dumps([_jsonable(r) for r in results], indent=2) + "\n")
    paths["report"] = out / "report.md"
    atomic_write_text(paths["report"], report_markdown(results, f"{FIGURE}.png" if fig is not None else None, meta))
    return paths
