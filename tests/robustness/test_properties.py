"""Property-based tests: any input gives either a clean validation error or a sound run.

Hypothesis draws scenario dicts mixing valid values with every kind of bad one (out of
range, NaN, inf, wrong types, unknown keys, inconsistent sizes); each must either be refused
with a ConfigError naming the key, or run with the invariants checked after every step.
Random bytes as a scenario file and random edge lists get the same treatment. Markets are
tiny and examples few, so this stays fast; derandomised, so a failure reproduces.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from trustsim.config import load_scenario
from trustsim.errors import ConfigError
from trustsim.model import TrustMarket
from trustsim.network import read_edge_list

FAST = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

BAD = st.sampled_from([math.nan, math.inf, -math.inf, "0.5", None, True, [0.5], {"x": 1}, -1, 1e12])


def _probability() -> tuple[st.SearchStrategy, st.SearchStrategy]:
    return st.floats(0.0, 1.0), st.one_of(st.floats(1.0, 2.0, exclude_min=True), st.floats(-1.0, -1e-9), BAD)


def _span(low: float, high: float, bad_low: float, bad_high: float) -> tuple[st.SearchStrategy, st.SearchStrategy]:
    """Values in [low, high]; bad ones in [bad_low, low) or (high, bad_high] (where given), or of a bad kind."""
    bad = [BAD]
    if bad_low < low:
        bad.append(st.floats(bad_low, low, exclude_max=True))
    if bad_high > high:
        bad.append(st.floats(high, bad_high, exclude_min=True))
    return st.floats(low, high), st.one_of(*bad)


def _whole(low: int, high: int, bad_low: int, bad_high: int) -> tuple[st.SearchStrategy, st.SearchStrategy]:
    """Whole numbers in [low, high]; bad ones in [bad_low, low) or (high, bad_high], or of a bad kind."""
    bad = [BAD]
    if bad_low < low:
        bad.append(st.integers(bad_low, low - 1))
    if bad_high > high:
        bad.append(st.integers(high + 1, bad_high))
    return st.integers(low, high), st.one_of(*bad)


KEYS: dict[str, tuple[st.SearchStrategy, st.SearchStrategy]] = {
    # key: (values valid on their own, bad values); combinations may still be inconsistent
    "steps": _whole(0, 20, -3, -1),
    "seed": _whole(0, 2**40, -5, -1),
    "market.customers": _whole(10, 60, -2, 1),
    "market.suppliers": _whole(1, 6, -1, 0),
    "market.initial_customers": _probability(),
    "network.kind": (
        st.sampled_from(["well_mixed", "erdos_renyi", "small_world", "scale_free"]),
        st.sampled_from(["ring", "edge_list", 3, ""]),
    ),
    "network.mean_degree": _span(1.0, 8.0, -1.0, 70.0),
    "network.rewire": _probability(),
    "propensity.mean": _span(0.05, 0.95, -0.5, 1.5),
    "propensity.sd": _span(0.0, 0.2, -0.1, 0.6),
    "trust.weights": (
        st.lists(st.floats(0.0, 2.0), min_size=4, max_size=4).filter(lambda w: sum(w) > 0),
        st.one_of(st.lists(st.floats(-0.5, 2.0), min_size=3, max_size=5), BAD),
    ),
    "trust.loss_multiplier": _span(1.0, 20.0, 0.0, 25.0),
    "trust.gain": _span(0.01, 5.0, -1.0, 6.0),
    "trust.over_delivery_gain": _span(0.0, 50.0, -1.0, 60.0),
    "trust.repair_relief": _probability(),
    "trust.forgetting": _probability(),
    "trust.gating": (st.booleans(), st.sampled_from(["maybe", 2, None])),
    "promises.noise": _span(0.0, 2.0, -1.0, -0.01),
    "promises.strain_start": _probability(),
    "loyalty.loyal_tenure": _whole(1, 8, -2, 0),
    "loyalty.ambassador_tenure": _whole(8, 12, -2, 0),
    "loyalty.ambassador_score": _whole(7, 10, -2, 12),
    "loyalty.detractor_score": _whole(0, 6, -2, 12),
    "wom.rate": _span(0.0, 100.0, -1.0, 1e9),
    "wom.warn_rate": _span(0.0, 5.0, -1.0, -0.01),
    "wom.signal": _span(0.0, 50.0, -1.0, -0.01),
    "credibility.ad": _probability(),
    "reviews.post_rate": _probability(),
    "advertising.reach": _probability(),
    "switching.sensitivity": _span(0.0, 1e6, -5.0, -0.01),
    "switching.threshold": _probability(),
    "switching.rate": _probability(),
    "mutual.prior": _span(0.01, 0.99, -1.0, 2.0),
    "mutual.reciprocity": _probability(),
    "imitation.rate": _probability(),
    "supplier_defaults.capacity": _probability(),
    "supplier_defaults.ad_budget": _span(0.0, 1e6, -5.0, -0.01),
    "supplier_defaults.over_delivery": _probability(),
    "market.custmers": (st.nothing(), st.integers(1, 5)),  # an unknown key is always bad
}

SHOCK_KEYS = {
    "step": _whole(1, 6, -1, 0),
    "supplier": (st.one_of(st.integers(0, 2), st.just("all")), st.sampled_from([-1, 7, "some"])),
    "severity": _span(0.0, 20.0, -5.0, -0.01),
}


@st.composite
def scenario_dicts(draw: st.DrawFn) -> dict:
    """A nested scenario dict with a random subset of keys set; about half hold a bad value."""
    data: dict = {}
    keys = draw(st.lists(st.sampled_from(sorted(KEYS)), min_size=1, max_size=10, unique=True))
    broken = set(draw(st.lists(st.sampled_from(keys), max_size=2, unique=True))) if draw(st.booleans()) else set()
    for key in keys:
        good, bad = KEYS[key]
        if key == "market.custmers" and key not in broken:
            continue
        node = data
        *sections, last = key.split(".")
        for section in sections:
            node = node.setdefault(section, {})
        node[last] = draw(bad if key in broken else good)
    # keep the markets tiny whatever else was drawn
    data.setdefault("market", {}).setdefault("customers", draw(st.integers(10, 60)))
    data.setdefault("steps", draw(st.integers(0, 8)))
    if draw(st.booleans()):
        shock_broken = draw(st.booleans()) and bool(broken)
        data["shocks"] = [{k: draw(v[1] if shock_broken and k == "step" else v[0]) for k, v in SHOCK_KEYS.items()}]
    if draw(st.booleans()):
        data["suppliers"] = [{"promise": draw(_probability()[0]), "capacity": draw(_probability()[0])}]
    return data


@FAST
@given(scenario_dicts())
def test_a_random_scenario_is_refused_clearly_or_runs_with_its_invariants(data):
    try:
        scenario = load_scenario(data)
    except ConfigError as e:
        event("refused")
        message = str(e)
        assert message.startswith("<dict>"), message
        assert "Traceback" not in message and len(message) < 3000
        return
    event("ran")
    model = TrustMarket(scenario, check=True)  # invariants after every step
    model.run()
    table = model.model_table()
    assert len(table) == scenario.steps + 1
    nps = table["nps"].dropna()
    assert ((nps >= -100) & (nps <= 100)).all()
    suppliers = model.supplier_table()
    final = suppliers[suppliers["step"] == scenario.steps]
    assert final["customers"].sum() == table["customers"].iloc[-1] <= scenario.market.customers


@FAST
@given(st.binary(max_size=300))
def test_random_bytes_as_a_scenario_file_give_a_config_error_or_a_scenario(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("bytes") / "s.toml"
    path.write_bytes(content)
    try:
        load_scenario(path)
    except ConfigError as e:
        assert str(e).startswith(str(path))


EDGE_LINES = st.lists(
    st.one_of(
        st.tuples(st.integers(-2, 12), st.integers(-2, 12)).map(lambda t: f"{t[0]} {t[1]}"),
        st.sampled_from(["# comment", "", "1,2", "3 4 5", "a b", "1.5 2", "7"]),
        st.text(max_size=8),
    ),
    max_size=12,
)


@FAST
@given(EDGE_LINES)
def test_a_random_edge_list_gives_a_config_error_or_a_sound_network(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("edges") / "edges.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        net = read_edge_list(path, 10)
    except ConfigError as e:
        assert str(e).startswith(str(path))
        return
    src = np.repeat(np.arange(net.n), np.diff(net.indptr))
    assert net.indptr[-1] == len(net.indices) and (net.indices >= 0).all() and (net.indices < 10).all()
    assert not (src == net.indices).any()  # no self-loops
    pairs = set(zip(src.tolist(), net.indices.tolist(), strict=True))
    assert all((b, a) in pairs for a, b in pairs)  # undirected


ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.floats(-1, 2), max_size=3),
)


def _mostly(good: st.SearchStrategy) -> st.SearchStrategy:
    """`good` three times in four, else anything."""
    return st.integers(0, 3).flatmap(lambda k: ANY if k == 3 else good)


@FAST
@given(
    st.fixed_dictionaries(
        {"name": _mostly(st.just("mine"))},
        optional={
            "promise": _mostly(st.floats(0.0, 1.0)),
            "care": _mostly(st.floats(0.0, 1.0)),
            "ad_budget": _mostly(st.floats(0.0, 5.0)),
            "capacity": _mostly(st.floats(0.0, 1.0)),
            "promis": st.floats(0.0, 1.0),  # an unknown key
        },
    )
)
def test_a_random_policy_table_gives_a_config_error_or_a_valid_policy(data):
    from trustsim.policies import SETTINGS, parse_policy

    try:
        policy = parse_policy(data, "p.toml", "fallback")
    except ConfigError as e:
        event("refused")
        assert str(e).startswith("p.toml: ")
        return
    event("valid")
    assert policy.name and set(policy.settings) <= set(SETTINGS)


@FAST
@given(
    st.fixed_dictionaries(
        {
            "name": _mostly(st.just("ok")),
            "replicates": _mostly(st.integers(1, 3)),
            "design": st.fixed_dictionaries(
                {
                    "kind": st.sampled_from(["grid", "grid", "grid", "lhs", "lhs", "sobol", "morris", "list", "other"]),
                    "samples": _mostly(st.sampled_from([2, 4])),
                    "parameters": st.dictionaries(
                        st.sampled_from(
                            ["wom.rate", "trust.gain", "wom.warn_rate"] * 3 + ["market.customers", "wom.rat", "seed"]
                        ),
                        st.one_of(
                            st.lists(st.floats(0.05, 1), min_size=1, max_size=3),
                            st.lists(st.floats(0.05, 1), min_size=1, max_size=3),
                            st.fixed_dictionaries({"low": st.floats(0.05, 0.5), "high": st.floats(0.5, 1)}),
                            ANY,
                        ),
                        min_size=1,
                        max_size=3,
                    ),
                }
            ),
        }
    )
)
def test_a_random_experiment_gives_a_config_error_or_a_plan(data):
    from trustsim.sweep import load_experiment, make_plan

    try:
        experiment = load_experiment(data)
    except ConfigError as e:
        event("refused")
        assert str(e).startswith("<experiment>")
        return
    event("planned")
    plan = make_plan(experiment)
    assert len(plan.runs) >= 1 and len({r.seed for r in plan.runs}) == len(plan.runs)
