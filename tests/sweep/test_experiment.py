"""Experiment files: loading, dotted keys, and clear errors for every kind of mistake."""

from __future__ import annotations

import subprocess
import textwrap

import pytest
from sweep_helpers import PYTHON, ROOT, grid_experiment

from trustsim.errors import ConfigError
from trustsim.sweep import load_experiment, make_plan


def _write(tmp_path, text: str, name: str = "exp.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_toml_with_dotted_keys_and_base_scenario(tmp_path):
    _write(tmp_path, "[market]\ncustomers = 300\n", "base.toml")
    path = _write(
        tmp_path,
        """
        scenario = "base.toml"
        seed = 5
        replicates = 3
        [overrides]
        wom.warn_rate = 0.2
        [design]
        kind = "grid"
        [design.parameters]
        wom.rate = [0.1, 0.2]
        "trust.loss_multiplier" = [2.0, 3.0, 4.0]
    """,
    )
    exp = load_experiment(path, {"market.suppliers": 3})
    assert exp.name == "exp"
    assert exp.overrides == {"wom.warn_rate": 0.2, "market.suppliers": 3}
    assert list(exp.design.parameters) == ["wom.rate", "trust.loss_multiplier"]
    plan = make_plan(exp)
    assert len(plan.runs) == 2 * 3 * 3
    assert plan.base["market"] == {"customers": 300, "suppliers": 3}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"replicates": 0}, "replicates = 0 is not allowed"),
        ({"design": {"kind": "grid", "parameters": {}}}, "needs at least one parameter"),
        ({"design": {"kind": "grid", "parameters": {"wom.rate": []}}}, "list of values is empty"),
        (
            {"design": {"kind": "lhs", "samples": 4, "parameters": {"wom.rate": {"low": 0.5, "high": 0.1}}}},
            "low = 0.5 must not exceed high = 0.1",
        ),
        ({"design": {"kind": "grid", "parameters": {"wom.rat": [0.1]}}}, "Did you mean 'rate'?"),
        ({"design": {"kind": "grid", "parameters": {"wom.rate": [-1.0]}}}, "wom.rate = -1.0"),
        (
            {
                "design": {
                    "kind": "sobol",
                    "samples": 6,
                    "parameters": {"wom.rate": {"low": 0, "high": 1}, "trust.gain": {"low": 0.1, "high": 1}},
                }
            },
            "power of 2",
        ),
        ({"design": {"kind": "grid", "parameters": {"seed": [1, 2]}}}, "cannot be swept"),
        ({"replicate": 3}, "unknown key 'replicate'. Did you mean 'replicates'?"),
        ({"design": {"kind": "grid", "parameters": {"wom.rate": [0.1]}, "sample": 3}}, "unknown key 'design.sample'"),
        ({"design": {"kind": "factorial"}}, "design.kind = 'factorial' is not allowed"),
        ({"output": {"summary": "median"}}, "output.summary = 'median'"),
        ({"name": "../escape"}, "name = '../escape' is not allowed"),
        ({"scenario": "missing.toml"}, "scenario = 'missing.toml': no such file"),
        ({"output": {"measures": ["nsp"]}}, "output.measures = 'nsp' is not a measure. Did you mean 'nps'?"),
        ({"plot": {"heatmap": ["wom.rate", "trust.gain"]}}, "plot.heatmap = ['wom.rate', 'trust.gain']"),
    ],
)
def test_bad_experiments_name_key_value_and_what_is_allowed(change, expected):
    with pytest.raises(ConfigError) as err:
        load_experiment(grid_experiment(**change))
    assert expected in str(err.value)


def test_cli_bad_experiment_exits_2_naming_the_file_and_writes_nothing(tmp_path):
    path = _write(
        tmp_path,
        """
        name = "bad"
        replicates = 2
        [design]
        kind = "lhs"
        samples = 4
        [design.parameters]
        wom.rate = {low = 0.9, high = 0.1}
    """,
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [PYTHON, "-m", "trustsim.cli", "sweep", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    assert str(path) in proc.stderr and "low = 0.9 must not exceed high = 0.1" in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize(("name", "runs"), [("demo_grid", 36), ("demo_sobol", 896), ("demo_morris", 80)])
def test_demo_experiments_load(name, runs):
    plan = make_plan(load_experiment(ROOT / "experiments" / f"{name}.toml"))
    assert len(plan.runs) == runs
    assert plan.experiment.name == name
