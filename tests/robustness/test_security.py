"""Config files are data, user text never becomes a path outside the output folder, the app stays local.

See docs/security.md for the policy these tests hold the code to.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robustness_support import ROOT, TINY_SCENARIO

from trustsim.analysis.sweep_plots import file_stem
from trustsim.cli import main
from trustsim.errors import ConfigError
from trustsim.policies import slugify
from trustsim.sweep import load_experiment
from trustsim.sweep.engine import default_out_dir

PACKAGE = ROOT / "trustsim"

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "breakpoint"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve", "yaml", "joblib"}
FORBIDDEN_ATTRIBUTES = {"read_pickle", "to_pickle", "system", "popen"}
DYNAMIC_IMPORTS = {
    # (file, what the imported name is built from): each is a fixed trustsim package plus a name
    # checked against a fixed list first, or a library argument no config file can set.
    ("trustsim/__init__.py", "the fixed _EXPORTS table"),
    ("trustsim/sweep/__init__.py", "its fixed table of lazy exports"),
    ("trustsim/calibration/__init__.py", "its fixed table of lazy exports"),
    ("trustsim/cli.py", "the fixed COMMANDS tuple"),
    ("trustsim/experiments/__init__.py", "a name checked against EXPERIMENTS"),
    ("trustsim/sweep/worker.py", "run_sweep(run_fn=...), a Python argument, not an experiment key"),
    ("trustsim/extras.py", "the fixed EXTRAS table of optional modules"),
}


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_the_package_never_evaluates_unpickles_or_shells_out():
    problems = []
    dynamic = set()
    for rel, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
                problems.append(f"{rel}:{node.lineno}: {node.func.id}()")
            if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
                problems.append(f"{rel}:{node.lineno}: .{node.attr}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                bad = [n for n in names if n.split(".")[0] in FORBIDDEN_MODULES]
                problems += [f"{rel}:{node.lineno}: import {n}" for n in bad]
            if isinstance(node, ast.Attribute) and node.attr == "import_module":
                dynamic.add(rel)
    assert problems == []
    assert dynamic <= {rel for rel, _ in DYNAMIC_IMPORTS}, "a new dynamic import: add it to docs/security.md"


def test_config_text_is_never_evaluated(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    payload = "__import__('os').system('touch pwned')"
    scenario = tmp_path / "s.toml"
    scenario.write_text(TINY_SCENARIO + f'[[suppliers]]\nname = "{payload}"\n[[suppliers]]\nname = "$(touch pwned2)"\n')
    assert main(["run", str(scenario), "--out", str(tmp_path / "out")]) == 0
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()
    meta = json.loads((tmp_path / "out" / "run.json").read_text())
    assert [s["name"] for s in meta["scenario"]["suppliers"]] == [payload, "$(touch pwned2)"]
    assert main(["run", str(scenario), "--out", str(tmp_path / "o2"), "--set", f"suppliers.0.name={payload}"]) == 2
    assert "cannot parse value" in capsys.readouterr().err  # a --set value is TOML or a bare word, never code


def test_an_experiment_file_cannot_name_code_to_run():
    with pytest.raises(ConfigError, match="unknown key 'run_fn'"):
        load_experiment(
            {"name": "x", "run_fn": "os:system", "design": {"kind": "grid", "parameters": {"wom.rate": [0.1]}}}
        )


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=40))
def test_user_text_in_file_names_stays_inside_the_folder(text):
    base = Path("/results/out").resolve()
    for stem in (file_stem(text), slugify(text)):
        assert "/" not in stem and "\\" not in stem and "\x00" not in stem
        path = (base / f"final_{stem}.png").resolve()
        assert path.parent == base


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.one_of(st.text(max_size=30), st.sampled_from(["..", "../x", "/etc", "a/../../b", ".hidden", "ok-name.v2"])))
def test_an_experiment_name_cannot_lead_outside_results(name):
    try:
        exp = load_experiment({"name": name, "design": {"kind": "grid", "parameters": {"wom.rate": [0.1]}}})
    except ConfigError:
        return
    results = Path("results").resolve()
    assert default_out_dir(exp).resolve().parent == results


@pytest.mark.slow
def test_supplier_names_cannot_write_outside_the_results_folder(tmp_path, monkeypatch):
    from trustsim.analysis.sweep_plots import plot_sweep
    from trustsim.sweep import run_sweep

    monkeypatch.chdir(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    evil = ["../../../../escaped/x", "/tmp/../escaped2", "..", "a\\..\\b"]
    experiment = {
        "name": "names",
        "seed": 1,
        "replicates": 2,
        "steps": 4,
        "overrides": {
            "market.customers": 60,
            "market.suppliers": 4,
            "network.mean_degree": 4,
            "market.initial_customers": 0.5,
            **{f"suppliers.{i}.name": n for i, n in enumerate(evil)},
        },
        "design": {"kind": "grid", "parameters": {"wom.rate": [0.1, 0.3]}},
        "output": {"measures": ["customer_share"], "supplier_measures": ["customers"]},
        "plot": {"formats": ["png"]},
    }
    out = work / "out"
    assert run_sweep(experiment, out, workers=1, progress=False).ok
    paths = plot_sweep(out)
    assert paths and all(p.resolve().is_relative_to(out.resolve()) for p in paths)
    outside = [p for p in tmp_path.rglob("*") if not p.resolve().is_relative_to(out.resolve()) and p != out]
    assert outside == [work]
    assert not Path("/escaped2").exists()


def test_the_classroom_app_listens_on_127_0_0_1_by_default(tmp_path, monkeypatch):
    import inspect

    from trustsim.app import server

    assert inspect.signature(server.serve).parameters["host"].default == "127.0.0.1"
    seen = {}
    monkeypatch.setattr(server, "serve", lambda base, host, port, open_browser: seen.update(host=host) or 0)
    scenario = tmp_path / "s.toml"
    scenario.write_text(TINY_SCENARIO)
    assert main(["viz", str(scenario), "--port", "0"]) == 0
    assert seen == {"host": "127.0.0.1"}
