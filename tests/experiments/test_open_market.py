"""The flagship in an open market (experiments/ten_ambassadors_open.toml): turnover keeps the
market from freezing, so ambassadors keep bringing customers.

The built-in files run on the calibrated new category, which at the smoke test's size and horizon
(300 people, 160 weeks) is still far from saturated, so nothing is frozen yet for turnover to
thaw. The effect is asserted where it lives: the same two designs on the uncalibrated
ten_ambassadors market, which saturates within the horizon.
"""

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
    for design, out in ((file, out_open), (REPO / "experiments" / "ten_ambassadors.toml", out_closed)):
        text = design.read_text(encoding="utf-8")
        assert 'scenario = "../configs/calibrated/new_category.toml"' in text
        variant = tmp_path / design.name
        saturating = str(REPO / "configs" / "ten_ambassadors.toml")
        variant.write_text(text.replace("../configs/calibrated/new_category.toml", saturating), encoding="utf-8")
        assert main(["experiment", str(variant), "--size", "tiny", "--out", str(out), "--quiet", "--workers", "1"]) == 0
    open_f = json.loads((out_open / "findings.json").read_text())
    closed_f = json.loads((out_closed / "findings.json").read_text())
    assert open_f["experiment"] == "ten_ambassadors"
    assert open_f["customers_per_ambassador"]["mean"] > closed_f["customers_per_ambassador"]["mean"]
