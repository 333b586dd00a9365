"""Page one and the cost assumptions: moving any money assumption within its documented range either keeps
the recommendation or page one states the condition under which it changes (issue 28's done-when).

Each money assumption the robustness sweep moves (half and twice the scenario's value, docs/compare.md)
is also set directly (as ``--set`` would) and every policy run on the comparison's replicate seeds,
here in this process with ``run_one``; where another policy then makes the most profit, page one of the
main report must name the assumption, its value and that policy. ``money.fixed_cost`` and
``money.discount_rate`` are stated not to change the ranking on profit: direct runs check that too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trustsim.compare import compare_policies, report
from trustsim.config import load_scenario
from trustsim.runner import run_one
from trustsim.sweep import run_seed

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "baseline.toml"
SMALL = {"market.customers": 300}
POLICIES = ["listener", "big_advertiser"]
REPLICATES, STEPS = 3, 30


def recommended(cmp) -> str:
    """The policy page one recommends: the first name in bold in the recommendation."""
    found = re.search(r"\*\*(.+?)\*\*", report.recommendation(cmp))
    assert found is not None
    return found.group(1)


def direct_leader(base, overrides: dict) -> str:
    """The policy with the most total profit for our supplier, run directly with `overrides` on the
    comparison's seeds (replicate r of every policy on the same seed), as page one would name it."""
    means = {}
    for policy in base.policies:
        scenario = load_scenario(BASELINE, {**SMALL, "steps": STEPS, **overrides})
        scenario = load_scenario(BASELINE, {**SMALL, "steps": STEPS, **overrides, **policy.overrides(scenario, 0)})
        total = 0.0
        for r in range(REPLICATES):
            s = run_one(scenario, run_seed(base.seed, 0, r, "common"), STEPS).suppliers
            total += float(s.loc[(s["supplier"] == 0) & (s["step"] > 0), "profit"].sum())
        means[policy.name] = total / REPLICATES
    return base.label(max(means, key=lambda k: means[k]))


def page_one(cmp) -> str:
    s = report.summary_section(cmp)
    cells = [" ".join(map(str, row)) for _, rows in s.tables for row in rows]
    return " ".join([*s.paragraphs, *cells])


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return compare_policies(
        BASELINE,
        POLICIES,
        tmp_path_factory.mktemp("money") / "base",
        replicates=REPLICATES,
        steps=STEPS,
        overrides=SMALL,
        vary={"trust.loss_multiplier": [3.0]},  # the grid at the scenario's value: only the money cells vary
        robust_replicates=REPLICATES,  # the money cells then run exactly as the direct runs below
        workers=2,
        progress=False,
    )


def test_each_money_assumption_keeps_the_recommendation_or_page_one_says_when_it_changes(base):
    assert base.scenario.trust.loss_multiplier == 3.0
    assert set(base.money_vary) == {
        "money.service_cost",
        "money.over_delivery_cost",
        "money.care_cost",
        "money.ad_cost",
    }
    text = page_one(base)
    ours = recommended(base)
    assert direct_leader(base, {}) == ours  # the direct runs reproduce the comparison itself
    changed = 0
    for key, values in base.money_vary.items():
        default = getattr(base.scenario.money, key.split(".")[1])
        assert values == [default / 2, default * 2]  # the documented range: half to twice
        for value in values:
            theirs = direct_leader(base, {key: value})
            if theirs != ours:
                changed += 1
                assert f"{key} {value:g} (not {default:g}): **{theirs}**" in text, (key, value, theirs)
            else:
                assert f"{key} {value:g} (not" not in text
    if changed == 0:
        assert "It holds with each cost assumption" in text
    # the table of assumptions names every one, with what was tested
    for key in ("service_cost", "over_delivery_cost", "care_cost", "ad_cost", "fixed_cost", "discount_rate"):
        assert f"money.{key}" in text


@pytest.mark.parametrize(("key", "value"), [("money.fixed_cost", 25.0), ("money.discount_rate", 0.01)])
def test_assumptions_said_not_to_change_the_ranking_do_not(base, key, value):
    assert direct_leader(base, {key: value}) == recommended(base)
    row = next(r for _, rows in report.summary_section(base).tables for r in rows if r[0] == key)
    assert "cannot change the ranking on profit" in row[3] or "only discounts profit" in row[3]
