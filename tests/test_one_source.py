"""One source for every rule: the default run executes the rules of trustsim/mechanisms/, and
``NUMBA_DISABLE_JIT=1`` runs that very path as plain Python with identical results.

- the same scenarios and seeds give bit-identical tables and customer state compiled and as
  plain Python (run in a subprocess, since numba reads the switch when it is imported);
- a probe runs an everything-on scenario through the CLI as plain Python and records which
  functions run: every public function in trustsim/mechanisms/ must be among them, so none is
  dead code or a twin the default run bypasses.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import os
import pickle
import pkgutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustsim.mechanisms
from trustsim.model import TrustMarket

ROOT = Path(__file__).resolve().parents[1]

CASES = {
    "baseline_small_world_imitation": ("configs/baseline.toml", {"imitation.rate": 0.3}),
    "ten_suppliers_erdos_renyi_shocks": (
        "configs/baseline.toml",
        {
            "market.suppliers": 10,
            "network.kind": "erdos_renyi",
            "shocks": [{"step": 5, "supplier": "all", "severity": 1.5}, {"step": 12, "supplier": 2, "severity": 2.0}],
        },
    ),
    "well_mixed_forgetting_capacity_turnover": (
        "configs/baseline.toml",
        {
            "network.kind": "well_mixed",
            "trust.forgetting": 0.05,
            "suppliers.0.capacity": 0.05,
            "promises.strain_start": 0.5,
            "market.turnover": 0.02,
        },
    ),
    "scale_free_no_noise_unreliable_customers": (
        "configs/baseline.toml",
        {
            "network.kind": "scale_free",
            "promises.noise": 0.0,
            "mutual.reliability_mean": 0.6,
        },
    ),
    "bass_limit": ("configs/bass_limit.toml", {}),
    "v3_goodwill_gestures_lapse_survey": (
        "configs/baseline_v1.toml",
        {
            "advertising.response": "goodwill",
            "advertising.saturation": 20.0,
            "suppliers.0.follow_up": 0.5,
            "suppliers.1.surprise": 0.05,
            "lapse.rate": 0.05,
            "survey.nps_sd": 1.5,
            "survey.nps_shift": 1.0,
        },
    ),
}

_RUN_CASES = """
import dataclasses, pickle, sys
from trustsim.config import load_scenario
from trustsim.model import TrustMarket
cases, out = pickle.loads(bytes.fromhex(sys.argv[1])), {}
for name, (source, overrides) in cases.items():
    m = TrustMarket(load_scenario(source, {"market.customers": 600, **overrides}), rng=3).run(6)
    m.trigger_broken_promises(m.config.market.suppliers - 1, share=0.8)
    m.step()
    m.trigger_scandal(0, severity=2.0)
    m.run(12)
    state = {f.name: getattr(m.population, f.name) for f in dataclasses.fields(m.population)}
    out[name] = (m.model_table(), m.supplier_table(), state, m.rng.random())
sys.stdout.buffer.write(pickle.dumps(out))
"""


def _run_cases(jit: bool) -> dict:
    env = os.environ | {"NUMBA_DISABLE_JIT": "0" if jit else "1"}
    done = subprocess.run(
        [sys.executable, "-c", _RUN_CASES, pickle.dumps(CASES).hex()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
        timeout=900,
    )
    return pickle.loads(done.stdout)


@pytest.mark.slow
def test_plain_python_and_compiled_runs_are_bit_identical():
    compiled, plain = _run_cases(jit=True), _run_cases(jit=False)
    assert set(compiled) == set(plain) == set(CASES)
    for name in CASES:
        (mc, sc, pc, rc), (mp, sp, pp, rp) = compiled[name], plain[name]
        assert mc["acquired"].sum() > 0, name  # something happened
        pd.testing.assert_frame_equal(mc, mp, check_exact=True)
        pd.testing.assert_frame_equal(sc, sp, check_exact=True)
        for field, value in pc.items():
            assert value.dtype == pp[field].dtype and np.array_equal(value, pp[field]), (name, field)
        assert rc == rp, name  # the same number of draws from the run's generator


def public_mechanism_functions() -> set[str]:
    """``module.function`` (and ``module.Class.method``) of every public function in trustsim/mechanisms/."""
    names = set()
    for info in pkgutil.iter_modules(trustsim.mechanisms.__path__):
        module = importlib.import_module(f"trustsim.mechanisms.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if isinstance(obj, type) and not issubclass(obj, tuple):  # methods of state classes; not parameter tuples
                for attr, member in vars(obj).items():
                    func = getattr(member, "__func__", member)
                    if not attr.startswith("_") and inspect.isfunction(func):
                        names.add(f"{info.name}.{name}.{attr}")
            elif callable(obj) and not isinstance(obj, type):
                names.add(f"{info.name}.{name}")
    return names


_PROBE = """
import json, sys
from pathlib import Path
called = set()
root = str(Path(sys.argv[1]) / "trustsim" / "mechanisms")
def probe(frame, event, arg):
    if event == "call" and frame.f_code.co_filename.startswith(root):
        module = Path(frame.f_code.co_filename).stem
        called.add(f"{module}.{frame.f_code.co_qualname}")
sys.setprofile(probe)
from trustsim.cli import main
code = main(sys.argv[3:])
sys.setprofile(None)
Path(sys.argv[2]).write_text(json.dumps(sorted(called)))
sys.exit(code)
"""

EVERYTHING_ON = [
    "market.customers=800",
    "market.initial_customers=0.3",
    "market.turnover=0.02",
    "trust.forgetting=0.02",
    "imitation.rate=1.0",
    "suppliers.0.capacity=0.2",
    "promises.strain_start=0.5",
    "reviews.read_rate=0.2",
    "reviews.post_rate=0.0",  # no reviews are ever posted, so readers find none: the empty-message path
    "suppliers.1.anchoring=0.5",
    "wom.hub_exponent=1.0",
    'shocks=[{step=3, supplier="all", severity=0.5}, {step=5, supplier=1, severity=1.0}]',
    "lapse.rate=0.05",
    "suppliers.0.follow_up=0.5",
    "suppliers.1.surprise=0.05",
    "survey.nps_sd=1.5",
]
"""Settings that switch every rule on (a new rule that is off by default gets its switch here)."""

EITHER_OR = [[], ["advertising.response=goodwill", "advertising.saturation=20", "suppliers.0.ad_budget=5"]]
"""Rules that exclude each other, one run each: advertising linear in the budget, or through goodwill."""


@pytest.mark.slow
def test_plain_python_cli_run_calls_every_public_mechanism_function(tmp_path):
    called: set[str] = set()
    for k, variant in enumerate(EITHER_OR):
        out = tmp_path / f"called{k}.json"
        # the uncalibrated baseline: a busy market in which 40 weeks are enough for someone to switch
        argv = ["run", "configs/baseline_v1.toml", "--steps", "40", "--out", str(tmp_path / f"run{k}")]
        for item in EVERYTHING_ON + variant:
            argv += ["--set", item]
        env = os.environ | {"NUMBA_DISABLE_JIT": "1"}
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, str(ROOT), str(out), *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        called |= set(json.loads(out.read_text()))
    public = {f for f in public_mechanism_functions() if not f.startswith("planning.")}
    assert len(public) > 20
    never = public - called
    assert never == set(), (
        f"public mechanism functions the default run never calls: {sorted(never)}. A new rule must run in "
        "the default model: switch it on in EVERYTHING_ON (tests/test_one_source.py) if it is off by "
        "default, or remove it if nothing uses it; an expectation for planners belongs in mechanisms/planning.py"
    )


def test_every_planning_function_is_used_outside_mechanisms():
    """mechanisms/planning.py holds expectations of the rules for those who plan (the game, the
    experiments); one that nothing outside mechanisms/ calls, directly or through another, is dead code."""
    from trustsim.mechanisms import planning

    sources = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "trustsim").rglob("*.py") if "mechanisms" not in p.parts
    )
    funcs = {n: f for n, f in vars(planning).items() if inspect.isfunction(f) and f.__module__ == planning.__name__}
    used = {n for n in funcs if f"{n}(" in sources}
    while True:  # and what those call
        more = {n for n in funcs if n not in used and any(f"{n}(" in inspect.getsource(funcs[u]) for u in used)}
        if not more:
            break
        used |= more
    assert funcs and sorted(set(funcs) - used) == []


def test_the_model_has_no_second_implementation_switch():
    params = inspect.signature(TrustMarket.__init__).parameters
    assert "compiled" not in params and "seed" not in params
    assert not (ROOT / "trustsim" / "kernels.py").exists()


def test_population_state_is_plain_arrays():
    m = TrustMarket("configs/baseline.toml", rng=1, **{"market.customers": 300})
    for field in dataclasses.fields(m.population):
        assert isinstance(getattr(m.population, field.name), np.ndarray), field.name
