"""The flagship in an open market (experiments/ten_ambassadors_open.toml): turnover keeps the
market from freezing, so ambassadors keep bringing customers."""

from __future__ import annotations

import json
from pathlib import Path

from trustsim.cli import main
from trustsim.sweep import load_experiment

REPO = Path(__file__).resolve().parents[2]


def test_open_market_variant_runs_and_its_ambassadors_bring_more_than_in_the_closed_market(tmp_path):
    file = REPO / "experiments" / "ten_ambassadors_open.toml"
    assert load_experiment(file).overrides["market.turnover"] == 0.01
    out_open, out_closed = tmp_path / "open", tmp_path / "closed"
    assert main(["experiment", str(file), "--size", "tiny", "--out", str(out_open), "--quiet", "--workers", "1"]) == 0
    assert (
        main(["experiment", "ten_ambassadors", "--size", "tiny", "--out", str(out_closed), "--quiet", "--workers", "1"])
        == 0
    )
    open_f = json.loads((out_open / "findings.json").read_text())
    closed_f = json.loads((out_closed / "findings.json").read_text())
    assert open_f["experiment"] == "ten_ambassadors"
    assert open_f["customers_per_ambassador"]["mean"] > closed_f["customers_per_ambassador"]["mean"]
