"""Each invariant holds on a real run, and each one catches a deliberately corrupted state."""

from __future__ import annotations

import re

import numpy as np
import pytest
from robustness_support import ROOT

from trustsim.cli import main
from trustsim.invariants import INVARIANTS, InvariantError, check, violations
from trustsim.mechanisms import loyalty
from trustsim.mechanisms.channels import AD, RECOMMENDATION
from trustsim.model import TrustMarket

SCENARIO = {
    "market.customers": 400,
    "market.suppliers": 3,
    "market.initial_customers": 0.4,
    "network.mean_degree": 6,
    "loyalty.loyal_tenure": 2,
    "loyalty.ambassador_tenure": 4,
    "advertising.reach": 0.05,
    "suppliers.2.promise": 0.95,
    "suppliers.2.competence": 0.5,  # an over-promiser makes detractors
}


@pytest.fixture(scope="module")
def base_model():
    model = TrustMarket(None, rng=7, **SCENARIO).run(12)
    pop = model.population
    # the corruptions below need each kind of customer to exist
    assert (pop.stage == loyalty.AMBASSADOR).any() and (pop.stage == loyalty.DETRACTOR).any()
    assert (pop.stage == loyalty.PROSPECT).any() and (pop.last_supplier < 0).any()
    assert model.supplier_metrics["customers"].min() > 0 and model.model_metrics["acquired"] > 0
    return model


@pytest.fixture
def model(base_model):
    """A fresh copy of the run's state for each corruption."""
    import copy

    return copy.deepcopy(base_model)


def _first(mask):
    return int(np.flatnonzero(mask)[0])


def _buying(m):
    return _first(m.population.supplier >= 0)


def _never_bought(m):
    return _first(m.population.last_supplier < 0)


def _move_customer(m):
    i = _buying(m)
    m.population.supplier[i] = (m.population.supplier[i] + 1) % m.config.market.suppliers


def _set(table, key, value, index=0):
    def corrupt(m):
        target = m.model_metrics if table == "model" else m.supplier_metrics
        if index is None:
            target[key] = value
        else:
            target[key] = np.array(target[key], dtype=float if isinstance(value, float) else target[key].dtype)
            target[key][index] = value

    return corrupt


def _pop(attr, where, value):
    def corrupt(m):
        getattr(m.population, attr)[where(m)] = value

    return corrupt


def _this_step(m, channel):
    sp = m.spells
    rows = np.flatnonzero((sp.start[: sp.n] == m.steps) & (sp.channel[: sp.n] == channel))
    return sp, rows


def _referrer_elsewhere(m):
    sp, rows = _this_step(m, RECOMMENDATION)
    if not len(rows):  # make one: the first acquisition of the step becomes a recommendation
        sp, rows = _this_step(m, AD)
        sp.channel[rows[0]] = RECOMMENDATION
        sp.referrer_spell[rows[0]] = 0
        sp.referrer[rows[0]] = sp.customer[0]
    sp.supplier[sp.referrer_spell[rows[0]]] = (sp.supplier[rows[0]] + 1) % 3


def _referrer_for_an_ad(m):
    sp, rows = _this_step(m, AD)
    sp.referrer_spell[rows[0]] = 0


def _set_model_history(column, value):
    def corrupt(m):
        m.datacollector.model_vars[column][-1] = value

    return corrupt


CORRUPTIONS = [
    ("trust-nan", lambda m: m.population.trust.__setitem__((0, 0, 0), np.nan), r"trust components not finite"),
    ("trust-inf", lambda m: m.population.trust.__setitem__((3, 1, 2), -np.inf), r"trust components not finite"),
    ("trust-beyond-1", lambda m: m.population.trust.__setitem__((0, 1, 3), 25.0), r"trust components outside \[0, 1\]"),
    ("supplier-trust-nan", _pop("supplier_trust", _buying, np.nan), r"supplier trust in customers not finite"),
    ("propensity-nan", _pop("prior_logits", lambda m: 5, np.inf), r"propensity to trust not finite"),
    ("stage-invalid", _pop("stage", lambda m: 0, 9), r"without a valid loyalty stage"),
    ("stage-negative", _pop("stage", lambda m: 0, -1), r"without a valid loyalty stage"),
    ("ambassador-without-supplier", _pop("stage", _never_bought, loyalty.AMBASSADOR), r"ambassador without a supplier"),
    ("prospect-who-buys", _pop("stage", _buying, loyalty.PROSPECT), r"a prospect who already buys"),
    (
        "detractor-without-experience",
        _pop("stage", _never_bought, loyalty.DETRACTOR),
        r"a detractor without any experience",
    ),
    ("score-above-10", _pop("score", lambda m: 0, 11), r"score outside 0-10"),
    ("unknown-supplier", _pop("supplier", _buying, 3), r"supplier that does not exist \(ids 0\.\.2\)"),
    ("customer-moved-uncounted", _move_customer, r"customers per supplier .* do not match the population"),
    ("supplier-count-off", _set("supplier", "customers", 0, 0), r"do not match the population|do not sum"),
    ("market-count-off", _set("model", "customers", 1, None), r"do not sum to the customer count"),
    (
        "last-supplier-stale",
        lambda m: m.population.last_supplier.__setitem__(_buying(m), (m.population.supplier[_buying(m)] + 1) % 3),
        r"last supplier is not its current one",
    ),
    ("channel-invalid", _pop("heard", lambda m: (0, 0), 7), r"channel of first contact that does not exist"),
    (
        "customer-of-unheard-supplier",
        lambda m: m.population.heard.__setitem__((_buying(m), m.population.supplier[_buying(m)]), -1),
        r"customer of a supplier it never heard of",
    ),
    ("negative-tenure", _pop("tenure", lambda m: 0, -1), r"a negative tenure"),
    (
        "over-capacity",
        lambda m: m.supplier_state.capacity.__setitem__(0, 1),
        r"supplier 0 serves \d+ customers, more than its capacity 1",
    ),
    ("channels-do-not-add-up", _set("supplier", "acquired_ads", 10_000, 1), r"acquisitions per channel do not sum"),
    ("banners-beyond-ads", _set("supplier", "acquired_banners", 10_000, 1), r"more banner acquisitions than"),
    ("market-channels-off", _set("model", "acquired_reviews", 10_000, None), r"market's acquisitions per channel"),
    ("supplier-nps-above-100", _set("supplier", "nps", 130.0, 2), r"NPS outside \[-100, 100\]"),
    ("market-nps-below-minus-100", _set("model", "nps", -100.5, None), r"NPS outside \[-100, 100\]"),
    ("share-above-1", _set("model", "customer_share", 1.5, None), r"a share of the population outside \[0, 1\]"),
    ("share-nan", _set("model", "loyal_share", float("nan"), None), r"a share of the population outside"),
    ("stages-beyond-population", _set("model", "prospect_share", 0.99, None), r"stages add up to more than"),
    ("mean-trust-above-1", _set("supplier", "trust", 1.2, 0), r"mean trust outside \[0, 1\]"),
    ("acquisition-not-recorded", _set("supplier", "acquired", 10_000, 1), r"spells started this step do not match"),
    ("switch-not-recorded", _set("supplier", "churned", 5, 0), r"spells ended this step \(switch\)"),
    ("referrer-of-another-supplier", _referrer_elsewhere, r"a referrer whose spell is not with the same supplier"),
    (
        "referrer-for-an-ad",
        _referrer_for_an_ad,
        r"a referrer recorded for an acquisition not credited to a recommendation",
    ),
    ("negative-costs", _set("supplier", "ad_costs", -1.0, 0), r"negative or non-finite costs"),
    ("profit-not-revenue-minus-costs", _set("supplier", "profit", 1e6, 1), r"profit is not revenue minus costs"),
    ("revenue-not-earned", _set_model_history("revenue", 1e6), r"the spells earned .* but the suppliers billed"),
]


def test_a_real_run_breaks_no_invariant(base_model):
    assert violations(base_model) == []
    check(base_model)


@pytest.mark.parametrize(("name", "corrupt", "pattern"), CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_a_corrupted_state_is_caught(model, name, corrupt, pattern):
    corrupt(model)
    found = violations(model)
    assert any(re.search(pattern, p) for p in found), found
    with pytest.raises(InvariantError, match=rf"^step 12: .*({pattern})"):
        check(model)


def test_every_invariant_can_fail():
    """Each invariant function is the one that reports at least one corruption above."""
    import copy

    base = TrustMarket(None, rng=7, **SCENARIO).run(12)
    caught = set()
    for _, corrupt, _ in CORRUPTIONS:
        m = copy.deepcopy(base)
        corrupt(m)
        caught |= {inv.__name__ for inv in INVARIANTS if inv(m)}
    assert caught == {inv.__name__ for inv in INVARIANTS}


_original_measure = TrustMarket.measure


def _measure_with_bug(self, flows):
    """Measures that go wrong at step 3 (a stand-in for a bug in a mechanism)."""
    _original_measure(self, flows)
    if self.steps == 3:
        self.supplier_metrics["nps"] = self.supplier_metrics["nps"] + 500.0


class _NpsBug(TrustMarket):
    measure = _measure_with_bug


def test_check_runs_every_step_and_stops_at_the_first_broken_one():
    # unchecked, the model runs through the bug silently
    assert _NpsBug(None, rng=1, **{"market.customers": 100, "market.initial_customers": 0.5}).run(5).steps == 5
    model = _NpsBug(None, rng=1, check=True, **{"market.customers": 100, "market.initial_customers": 0.5})
    model.run(2)
    with pytest.raises(InvariantError, match=r"^step 3: NPS outside"):
        model.step()


def test_cli_run_check_reports_a_broken_invariant_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(TrustMarket, "measure", _measure_with_bug)
    out = tmp_path / "out"
    args = [
        "run",
        str(ROOT / "configs" / "baseline.toml"),
        "--out",
        str(out),
        "--set",
        "market.customers=200",
        "--steps",
        "5",
    ]
    assert main([*args, "--check"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "InvariantError: step 3: NPS outside [-100, 100]" in err and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.iterdir())
    assert main(args) == 0 and (out / "model.parquet").exists()  # without --check the bug goes unseen


def test_a_sweep_run_that_breaks_an_invariant_is_recorded_as_that_runs_failure(monkeypatch):
    from trustsim.invariants import CHECKED_RUN_FN
    from trustsim.sweep.worker import Task, execute

    base = {"market": {"customers": 100, "initial_customers": 0.5}}
    task = Task(index=0, seed=1, params={"wom.rate": 0.2}, base=base, steps=5, measures=("nps",))
    checked = execute(Task(**{**task.__dict__, "run_fn": CHECKED_RUN_FN}))
    plain = execute(task)
    assert checked.ok and plain.ok and checked.summary == plain.summary  # checking changes no result
    monkeypatch.setattr(TrustMarket, "measure", _measure_with_bug)
    assert execute(task).ok  # unchecked, the bug goes unseen
    broken = execute(Task(**{**task.__dict__, "run_fn": CHECKED_RUN_FN}))
    assert not broken.ok and broken.error.startswith("InvariantError: step 3: NPS outside [-100, 100]")


def test_sweep_check_option_runs_the_checked_run_function(tmp_path, monkeypatch):
    import trustsim.sweep
    from trustsim.invariants import CHECKED_RUN_FN

    seen = {}

    def fake_run_sweep(experiment, out, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt  # stop here: only the wiring is under test

    monkeypatch.setattr(trustsim.sweep, "run_sweep", fake_run_sweep)
    exp = tmp_path / "e.toml"
    exp.write_text('name = "x"\n[design]\nkind = "grid"\n[design.parameters]\n"wom.rate" = [0.1]\n')
    assert main(["sweep", str(exp), "--check", "--quiet"]) == 130
    assert seen["run_fn"] == CHECKED_RUN_FN
    seen.clear()
    assert main(["sweep", str(exp), "--quiet"]) == 130
    assert "run_fn" not in seen or seen["run_fn"] != CHECKED_RUN_FN
