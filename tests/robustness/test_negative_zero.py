"""Issue 19, item 15: the optimize report printed "-0.00 on ads" for a budget share that float
arithmetic left a hair below zero. Every setting it prints goes through reporting.fixed."""

from pathlib import Path

from trustsim.reporting import fixed

ROOT = Path(__file__).resolve().parents[2]


def test_a_tiny_negative_prints_as_zero_and_real_negatives_keep_their_sign():
    assert fixed(-1e-12) == "0.00" and fixed(-0.004) == "0.00" and fixed(-0.005, 3) == "-0.005"
    assert fixed(2.0) == "2.00" and fixed(-1.25, 1) == "-1.2"


def test_the_policy_search_prints_its_settings_through_fixed():
    for name in ("search.py", "search_report.py"):
        text = (ROOT / "trustsim" / "compare" / name).read_text()
        for field in ("ad_budget", "over_delivery", "care", "promise", "banner_share"):
            assert f"['{field}']:.2f}}" not in text and f"['{field}']:.3f}}" not in text, (name, field)
