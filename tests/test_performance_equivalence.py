"""The compiled kernels (trustsim/kernels.py) give bit-identical runs to the numpy reference path.

Each case runs the same scenario and seed with ``compiled=True`` and ``compiled=False`` and
compares both public tables exactly and the whole customer state bit for bit, over
scenarios that switch every branch of the kernels on: forgetting, capacity strain, shocks,
imitation, no delivery noise, gating off (the Bass limit), every network kind, more
suppliers, and the classroom's interventions between steps.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from trustsim.config import load_scenario
from trustsim.mechanisms import channels
from trustsim.model import TrustMarket

CASES = {
    "baseline_small_world": ("configs/baseline.toml", {"imitation.rate": 0.3}),
    "ten_suppliers_erdos_renyi_shocks": ("configs/baseline.toml", {
        "market.suppliers": 10, "network.kind": "erdos_renyi",
        "shocks": [{"step": 5, "supplier": "all", "severity": 1.5}, {"step": 12, "supplier": 2, "severity": 2.0}],
    }),
    "well_mixed_forgetting_capacity": ("configs/baseline.toml", {
        "network.kind": "well_mixed", "trust.forgetting": 0.05, "suppliers.0.capacity": 0.05,
        "promises.strain_start": 0.5,
    }),
    "scale_free_no_noise_unreliable_customers": ("configs/baseline.toml", {
        "network.kind": "scale_free", "promises.noise": 0.0, "mutual.reliability_mean": 0.6,
    }),
    "bass_limit": ("configs/bass_limit.toml", {}),
}


def _pair(source: str, overrides: dict, seed: int, steps: int) -> tuple[TrustMarket, TrustMarket]:
    scenario = load_scenario(source, {"market.customers": 1500, **overrides})
    return (TrustMarket(scenario, rng=seed, compiled=False).run(steps),
            TrustMarket(scenario, rng=seed, compiled=True).run(steps))


def _assert_identical(reference: TrustMarket, compiled: TrustMarket) -> None:
    pd.testing.assert_frame_equal(reference.model_table(), compiled.model_table(), check_exact=True)
    pd.testing.assert_frame_equal(reference.supplier_table(), compiled.supplier_table(), check_exact=True)
    for field in dataclasses.fields(reference.population):
        a, b = getattr(reference.population, field.name), getattr(compiled.population, field.name)
        assert a.dtype == b.dtype and np.array_equal(a, b), field.name
    assert reference.rng.random() == compiled.rng.random()  # same number of draws from the stream


@pytest.mark.parametrize("case", sorted(CASES))
def test_compiled_and_reference_runs_are_bit_identical(case):
    source, overrides = CASES[case]
    reference, compiled = _pair(source, overrides, seed=3, steps=25)
    assert reference.model_table()["acquired"].sum() > 0  # something happened
    _assert_identical(reference, compiled)


def test_identical_through_interventions_between_steps():
    models = _pair("configs/baseline.toml", {}, seed=5, steps=8)
    for m in models:
        m.trigger_broken_promises(1, share=0.8)
        m.step()
        m.trigger_scandal(0, severity=2.0)
        m.run(6)
    _assert_identical(*models)


def test_hear_twin_matches_the_mechanism_with_repeated_recipients():
    from trustsim.kernels import hear

    rng = np.random.default_rng(4)
    n, s, k = 50, 3, 400  # many messages per person: repeats, first contacts and clipping
    prior = rng.normal(0, 1, n).astype(np.float32)
    logits = rng.normal(0, 3, (n, s, 4)).astype(np.float32)
    heard = np.where(rng.random((n, s)) < 0.5, 0, -1).astype(np.int8)
    messages = channels.Messages(rng.integers(0, n, k), rng.integers(0, s, k), rng.integers(0, 4, k).astype(np.int8),
                                 rng.choice([-1.0, 0.5, 1.0], k).astype(np.float32))
    results = []
    for fn in (channels.hear, hear):
        state = (logits.copy(), heard.copy())
        first = fn(messages, *state, prior, np.array([0.9, 0.7, 0.55, 0.33]), 2.5, 3.0)
        results.append((first, *state))
    for ref, fast in zip(*results, strict=True):
        assert np.array_equal(ref, fast)
    assert results[0][0].any() and not results[0][0].all()
    assert np.abs(results[0][1]).max() == pytest.approx(8.0)  # the clip was reached
