"""Every experiment at the tiny size: it writes its files, and its headline relation holds.

These are smoke tests of the whole chain (design file -> run_sweep -> analysis -> figures and
findings.json) at a size that takes seconds; the numbers a researcher would report come from
the default size (docs/experiments.md). The relations asserted are those that hold with a wide
margin even at this size.
"""

from __future__ import annotations

import json

import pytest

from trustsim.experiments import EXPERIMENTS

PNG = b"\x89PNG\r\n\x1a\n"


def _m(ci: dict) -> float:
    assert ci["mean"] is not None
    return ci["mean"]


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_writes_figures_and_findings(tiny_reports, name):
    report = tiny_reports(name)
    findings = json.loads((report.out / "findings.json").read_text())
    assert findings["experiment"] == name and findings["size"] == "tiny"
    assert findings["claim"] and findings["falsified_if"]
    assert report.figures
    for path in report.figures:
        data = path.read_bytes()
        assert data.startswith(PNG) and 5_000 < len(data) < 400_000, path


def test_ten_ambassadors(tiny_reports):
    f = tiny_reports("ten_ambassadors").findings
    for key in ("customers_per_ambassador", "final_customers", "final_revenue", "crossover_step"):
        assert key in f
    assert set(f["final_customers"]) == {"acquisition", "ambassador"}
    ci = f["customers_per_ambassador"]
    assert ci["ci_low"] <= ci["mean"] <= ci["ci_high"] and ci["mean"] > 0
    # over-delivery and care turn a far larger share of a supplier's customers into ambassadors
    # than advertising does (in absolute numbers the Acquisition supplier, with several times the
    # customers, can have more ambassadors at this short horizon)
    share = {p: _m(f["final_ambassadors"][p]) / _m(f["final_customers"][p]) for p in ("acquisition", "ambassador")}
    assert share["ambassador"] > 1.5 * share["acquisition"]
    # the exchange-rate companion ran (half and double the rate at this size)
    assert [e["suppliers.1.over_delivery"] for e in f["exchange_rate"]] == [0.04, 0.16]


def test_asymmetry(tiny_reports):
    f = tiny_reports("asymmetry").findings
    assert _m(f["periods_of_gain_lost"]) > 1.5  # one broken promise undoes several kept periods
    rows = {(r["loss_multiplier"], r["transparency"]): r for r in f["by_loss_multiplier_and_repair"]}
    assert _m(rows[(5.0, 0.0)]["fall"]) > _m(rows[(1.0, 0.0)]["fall"])
    assert _m(rows[(3.0, 1.0)]["fall"]) < _m(rows[(3.0, 0.0)]["fall"])  # repair limits the damage


def test_over_delivery(tiny_reports):
    f = tiny_reports("over_delivery").findings
    named = f["named_policies_same_delivered_quality"]
    assert _m(named["under_promise_over_deliver"]["trust_quarter"]) > _m(named["promise_exactly"]["trust_quarter"])
    assert _m(named["promise_exactly"]["trust_quarter"]) > _m(named["over_promise"]["trust_quarter"])
    assert f["trust_quarter_gain_per_unit_over_delivery_by_promise"]["0.7"] > 0


def test_channels(tiny_reports):
    f = tiny_reports("channels").findings
    shares = f["acquisition_share_by_channel"]
    assert sum(_m(v) for v in shares.values()) == pytest.approx(1.0)
    assert _m(shares["recommendations"]) > 0
    assert f["final_customer_share_per_doubling"]["wom_rate (q)"] > 0


def test_four_components(tiny_reports):
    f = tiny_reports("four_components").findings
    r = next(iter(f["per_unit_of_effort"].values()))
    assert _m(r["care"]["trust_per_unit"]) > _m(r["transparency"]["trust_per_unit"]) > 0
    assert _m(r["reliability"]["trust_per_unit"]) > 0  # fewer erratic failures, more trust
    # competence beyond the promise is seen (visible competence), so it buys some trust, though
    # less than care (with trust.competence_visibility = 0 this difference is exactly 0)
    assert _m(r["care"]["trust_per_unit"]) > _m(r["competence"]["trust_per_unit"]) > 0


def test_scandal_lockin(tiny_reports):
    f = tiny_reports("scandal_lockin").findings
    cells = {(c["scandal_at"], c["severity"]): c for c in f["cells"]}
    sector = cells[("all", f["reference_severity"])]
    control = cells[("all", 0.0)]
    assert _m(sector["trusting_after"]) < _m(control["trusting_after"]) - 0.02
    assert _m(sector["locked_after"]) > _m(control["locked_after"])


def test_mutual_trust(tiny_reports):
    f = tiny_reports("mutual_trust").findings
    assert _m(f["effect_of_customer_reliability"]["supplier_trust"]) > 0.1
    assert _m(f["spiral_reciprocity_effect"]["effort"]) < 0
    assert _m(f["extend_trust_effect"]["effort"]) > 0.2
    assert _m(f["extend_trust_effect"]["customer_trust"]) > 0


def test_networks(tiny_reports):
    f = tiny_reports("networks").findings
    net = f["by_network"]
    assert set(net) == {"well_mixed", "scale_free"}  # the tiny size runs two of the four kinds
    assert net["well_mixed"]["hub_share_of_ambassadors"]["mean"] is None  # no degrees when well mixed
    assert _m(net["scale_free"]["ambassador_degree_ratio"]) > 1.0


def test_docs_findings_blocks_are_written_from_findings(tiny_reports, tmp_path):
    from trustsim.experiments.report import fmt, update_docs

    reports = {name: tiny_reports(name) for name in EXPERIMENTS}
    root = reports["asymmetry"].out.parent
    doc = tmp_path / "doc.md"
    doc.write_text("".join(f"# {n}\n<!-- findings:{n} -->\nold\n<!-- /findings:{n} -->\n" for n in EXPERIMENTS))
    assert update_docs(doc, root) == list(EXPERIMENTS)
    first = doc.read_text()
    assert "old" not in first
    assert fmt(reports["ten_ambassadors"].findings["customers_per_ambassador"]) in first
    update_docs(doc, root)
    assert doc.read_text() == first  # idempotent
