"""Every verdict sentence of every experiment follows its 95% interval (issue 15): "yes" only when
the whole interval is on the claimed side, "no" only when it is wholly on the other side,
"cannot tell" otherwise."""

from __future__ import annotations

import pytest

from trustsim.experiments import EXPERIMENTS
from trustsim.experiments.common import all_of, difference, follows_interval, verdict
from trustsim.experiments.report import WRITERS


def _ci(mean: float, lo: float, hi: float, n: int = 6) -> dict:
    return {"mean": mean, "ci_low": lo, "ci_high": hi, "n": n}


def test_an_interval_that_includes_the_threshold_cannot_tell():
    # the case issue 15 found: hubs "over-represented" on a degree ratio of 1.05 [0.98, 1.12]
    assert verdict(_ci(1.05, 0.98, 1.12), 1.0)["answer"] == "cannot tell"
    assert verdict(_ci(1.06, 1.03, 1.10), 1.0)["answer"] == "yes"
    assert verdict(_ci(0.9, 0.85, 0.95), 1.0)["answer"] == "no"
    assert verdict(_ci(-3.0, -5.0, -1.0), 0.0, above=False)["answer"] == "yes"
    assert verdict({"mean": 2.0, "ci_low": None, "ci_high": None, "n": 1})["answer"] == "cannot tell"
    assert all_of()["answer"] == "cannot tell"  # nothing judged is not a yes
    assert all_of(verdict(_ci(1, 0.5, 1.5)), verdict(_ci(1, -0.5, 1.5)))["answer"] == "cannot tell"
    assert all_of(verdict(_ci(1, 0.5, 1.5)), verdict(_ci(-1, -1.5, -0.5)))["answer"] == "no"


def test_a_verdict_that_does_not_follow_its_interval_is_caught():
    wrong = verdict(_ci(1.05, 0.98, 1.12), 1.0) | {"answer": "yes"}
    assert not follows_interval(wrong)
    assert not follows_interval(all_of(verdict(_ci(1, 0.5, 1.5))) | {"answer": "no"})


def test_difference_of_two_independent_intervals_is_welchs():
    a, b = _ci(10.0, 8.0, 12.0, 10), _ci(7.0, 5.0, 9.0, 10)
    d = difference(a, b)
    assert d["mean"] == pytest.approx(3.0)
    # wider than either interval, narrower than their sum
    assert 4.0 < d["ci_high"] - d["ci_low"] < 8.0


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_verdict_of_every_experiment_follows_its_interval(tiny_reports, name):
    f = tiny_reports(name).findings
    assert f["verdicts"], f"{name} states no verdicts"
    sentence = [line for line in WRITERS[name](f) if "Verdict" in line][-1]
    for key, v in f["verdicts"].items():
        assert follows_interval(v), (name, key, v)
        assert f[key] is (v["answer"] == "yes"), (name, key)  # the yes/no key says "yes" only on a yes
        assert f"**{v['answer']}**" in sentence, (name, key, sentence)
