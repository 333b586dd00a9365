"""Degenerate results are flagged: a measure that never varies gets a warning naming the cause."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trustsim.analysis.sensitivity import sensitivity
from trustsim.analysis.sweep_plots import DegenerateResultWarning, degenerate_reason
from trustsim.cli import main

BASELINE = Path(__file__).resolve().parents[1] / "configs" / "baseline.toml"


@pytest.fixture(scope="module")
def short_morris(tmp_path_factory) -> Path:
    """A Morris sweep of 6 steps: far too short for anyone to become an ambassador."""
    folder = tmp_path_factory.mktemp("degenerate")
    spec = folder / "m.toml"
    spec.write_text(f"""
name = "short_morris"
scenario = "{BASELINE}"
seed = 3
replicates = 1
steps = 6
[overrides]
market.customers = 200
[design]
kind = "morris"
samples = 3
[design.parameters]
"wom.rate" = {{ low = 0.05, high = 0.6 }}
"trust.loss_multiplier" = {{ low = 1.5, high = 5 }}
[output]
measures = ["customer_share", "ambassador_share"]
""")
    assert main(["sweep", str(spec), "--out", str(folder / "out"), "--workers", "2", "--quiet"]) == 0
    return folder / "out"


def test_sensitivity_of_a_measure_that_never_varies_warns_with_its_cause(short_morris, capsys):
    summary = pd.read_parquet(short_morris / "summary.parquet")
    assert (summary["ambassador_share"] == 0).all() and summary["customer_share"].nunique() > 1
    with pytest.warns(DegenerateResultWarning, match=r"ambassador_share is 0 in every run over 6 steps") as seen:
        table = sensitivity(short_morris, resamples=20)
    assert len(seen) == 1 and "loyalty ladder" in str(seen[0].message)
    assert len(table.attrs["warnings"]) == 1
    # the command prints it as a plain warning line
    assert main(["sensitivity", str(short_morris), "--no-plot"]) == 0
    err = capsys.readouterr().err
    assert "warning: ambassador_share is 0 in every run" in err and "customer_share" not in err


def test_point_means_within_replicate_noise_are_flagged():
    # two design points with the same distribution: any difference between them is luck
    frame = pd.DataFrame({"point": [0] * 5 + [1] * 5, "x": [1.0, 2.0, 3.0, 2.0, 1.5, 2.1, 1.2, 2.9, 1.8, 2.2]})
    assert "replicate noise" in degenerate_reason("x", frame, 10)
    frame["x"] = frame["x"] + 10 * frame["point"]
    assert degenerate_reason("x", frame, 10) is None


def test_line_colours_never_repeat_within_a_figure(tmp_path, monkeypatch):
    from trustsim.analysis import sweep_plots
    from trustsim.reporting import PALETTE, colours

    for n in (1, 8, 9, 12, 40):
        assert len({c.lower() for c in colours(n)}) == n
    assert colours(8) == list(PALETTE)
    # a time-series figure of 12 design points (more than the eight Okabe-Ito colours)
    drawn = []
    monkeypatch.setattr(sweep_plots, "save_figure", lambda fig, *a, **k: drawn.append(fig) or [])
    series = pd.DataFrame(
        [{"point": p, "replicate": r, "step": t, "x": p + r + t} for p in range(12) for r in range(2) for t in range(3)]
    )
    sweep_plots._timeseries_figure(series, "x", {p: f"p{p}" for p in range(12)}, tmp_path, ("png",))
    lines = [line.get_color() for line in drawn[0].axes[0].get_lines()]
    assert len(lines) == 12 and len(set(lines)) == 12
