"""Designs and seeds: sizes, bounds, reproducibility, and seeds independent of run order."""

from __future__ import annotations

from sweep_helpers import grid_experiment

from trustsim.sweep import design_points, load_experiment, make_plan, run_seed

RANGES = {"wom.rate": {"low": 0.1, "high": 0.5}, "market.initial_customers": {"low": 0, "high": 1}}


def _design(**design):
    return load_experiment(grid_experiment(design=design))


def test_grid_is_the_full_factorial_in_order():
    points = design_points(load_experiment(grid_experiment())).points
    assert len(points) == 6
    assert points[0] == {"wom.rate": 0.1, "trust.loss_multiplier": 2.0}
    assert points[1] == {"wom.rate": 0.1, "trust.loss_multiplier": 4.0}
    assert points[-1] == {"wom.rate": 0.5, "trust.loss_multiplier": 4.0}


def test_list_design_keeps_the_given_points():
    exp = _design(kind="list", points=[{"wom.rate": 0.2}, {"wom.rate": 0.4, "trust.gain": 0.3}])
    design = design_points(exp)
    assert design.points == [{"wom.rate": 0.2}, {"wom.rate": 0.4, "trust.gain": 0.3}]
    assert design.names == ["wom.rate", "trust.gain"]


def test_lhs_stays_in_bounds_rounds_integers_and_is_reproducible():
    params = {"wom.rate": {"low": 0.1, "high": 0.5}, "loyalty.loyal_tenure": {"low": 2, "high": 9, "integer": True}}
    exp = _design(kind="lhs", samples=20, parameters=params)
    points = design_points(exp).points
    assert len(points) == 20
    assert all(0.1 <= p["wom.rate"] <= 0.5 for p in points)
    assert all(isinstance(p["loyalty.loyal_tenure"], int) for p in points)
    assert design_points(exp).points == points
    # one sample per stratum: each tenth of the range holds two of the 20 points
    strata = sorted(int((p["wom.rate"] - 0.1) / 0.4 * 10) for p in points)
    assert strata == sorted(list(range(10)) * 2)


def test_sobol_and_morris_sizes_follow_salib():
    sobol = design_points(_design(kind="sobol", samples=8, parameters=RANGES))
    assert len(sobol.points) == 8 * (2 + 2)
    assert sobol.problem["names"] == ["wom.rate", "market.initial_customers"]
    morris = design_points(_design(kind="morris", samples=5, parameters=RANGES))
    assert len(morris.points) == 5 * (2 + 1)
    assert morris.samples.shape == (15, 2)


def test_seeds_derive_from_identity_not_order():
    assert run_seed(7, 3, 1) == run_seed(7, 3, 1)
    seeds = {run_seed(7, p, r) for p in range(50) for r in range(4)}
    assert len(seeds) == 200
    assert run_seed(8, 3, 1) != run_seed(7, 3, 1)
    assert all(0 <= s < 2**63 for s in seeds)
    assert run_seed(7, 0, 2, "common") == run_seed(7, 9, 2, "common")


def test_plan_orders_runs_by_replicate_then_point_and_fingerprints_results_inputs():
    plan = make_plan(load_experiment(grid_experiment()))
    assert [(r.point, r.replicate) for r in plan.runs[:7]] == [(p, 0) for p in range(6)] + [(0, 1)]
    assert plan.runs[7].run_id == "p0001-r001"
    assert plan.runs[7].seed == run_seed(11, 1, 1)
    renamed = make_plan(load_experiment(grid_experiment(name="other", description="x")))
    assert renamed.fingerprint == plan.fingerprint
    # more replicates extend the sweep: the same runs keep their numbers and seeds
    more = make_plan(load_experiment(grid_experiment(replicates=3)))
    assert more.fingerprint == plan.fingerprint and more.runs[: len(plan.runs)] == plan.runs
    other_seed = make_plan(load_experiment(grid_experiment(seed=12)))
    assert other_seed.fingerprint != plan.fingerprint


def test_levels_sample_a_categorical_factor_evenly_and_refuse_a_range_beside_them():
    import pytest

    from trustsim.errors import ConfigError

    kinds = ["small_world", "erdos_renyi", "scale_free"]
    params = {"wom.rate": {"low": 0.1, "high": 0.5}, "network.kind": {"levels": kinds}}
    design = design_points(_design(kind="lhs", samples=30, parameters=params))
    drawn = [p["network.kind"] for p in design.points]
    assert sorted(set(drawn)) == sorted(kinds) and all(drawn.count(k) == 10 for k in kinds)  # a Latin hypercube
    with pytest.raises(ConfigError, match="either levels or low and high"):
        _design(kind="lhs", samples=4, parameters={"network.kind": {"levels": kinds, "low": 1}})
