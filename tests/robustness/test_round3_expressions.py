"""Round 3 (issue 29): an expression from a user is never code, at every entry point.

`trustsim discover --outcome` handed its text to pandas `eval`, which reaches modules through
`@` (`@pd.io.common.os.system(...)` ran a shell command and exited 0). Every expression is now
read by `trustsim.expressions` (a whitelist over Python's `ast`); each attempt below must exit 2
with a message, run nothing and write nothing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trustsim.cli import main
from trustsim.errors import ConfigError

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "baseline.toml"


def attempts(marker: Path) -> list[str]:
    """Ways to run `touch MARKER` from an expression (pandas' `@`, builtins, dunder walks, ...)."""
    cmd = f"touch {marker}"
    return [
        f"(revenue > 15) & (@pd.io.common.os.system('{cmd}') == 0)",
        f"@pd.io.common.os.system('{cmd}') == 0",
        f"__import__('os').system('{cmd}') == 0",
        f"revenue > 0 and __import__('os').system('{cmd}') == 0",
        f"().__class__.__base__.__subclasses__()[-1]('{cmd}') == 0",
        f"[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0]('{cmd}', shell=True) == 0",
        f"(lambda: __import__('os').system('{cmd}'))() == 0",
        f"revenue > 0 and exec(\"import os; os.system('{cmd}')\") == 0",
        f"revenue.__class__.__init__.__globals__['os'].system('{cmd}') == 0",
        f"f\"{{__import__('os').system('{cmd}')}}\" == '0'",
    ]


def compare_folder(folder: Path) -> Path:
    """A `trustsim compare` folder's robustness grid (what discover reads there)."""
    rows = [
        {"cell": c, "policy": p, "replicate": r, "run": 4 * c + 2 * r + k, "wom.rate": 0.1 * (c + 1)}
        | {"revenue": float(c * (k + 1) + r), "vary": "wom.rate"}
        for c in range(4)
        for r in range(2)
        for k, p in enumerate(("A", "B"))
    ]
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(folder / "robustness.parquet")
    return folder


@pytest.mark.parametrize("k", range(10))
def test_discover_outcome_injection_exits_2_and_runs_nothing(tmp_path, capsys, k):
    pytest.importorskip("ema_workbench")
    folder = compare_folder(tmp_path / "cmp")
    marker = tmp_path / "ran"
    text = attempts(marker)[k].replace("revenue", "`revenue[A]`")
    assert main(["discover", str(folder), "--outcome", text]) == 2
    err = capsys.readouterr().err
    assert "is not allowed" in err and "Traceback" not in err
    assert not marker.exists()
    assert not (folder / "discover").exists()


def test_discover_on_a_sweep_folder_refuses_injection(tmp_path, capsys):
    pytest.importorskip("ema_workbench")
    from tests.robustness.robustness_support import TINY_EXPERIMENT, TINY_SCENARIO

    (tmp_path / "s.toml").write_text(TINY_SCENARIO)
    (tmp_path / "e.toml").write_text(TINY_EXPERIMENT)
    out = tmp_path / "sweep"
    assert main(["sweep", str(tmp_path / "e.toml"), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    marker = tmp_path / "ran"
    for text in attempts(marker):
        assert main(["discover", str(out), "--outcome", text.replace("revenue", "customers")]) == 2
    assert "is not allowed" in capsys.readouterr().err
    assert not marker.exists() and not (out / "discover").exists()


@pytest.mark.parametrize("k", range(10))
def test_optimize_objective_injection_exits_2_before_any_run(tmp_path, capsys, k):
    pytest.importorskip("optuna")
    marker, out = tmp_path / "ran", tmp_path / "out"
    args = ["optimize", "--scenario", str(BASELINE), "--budget", "1", "--out", str(out), "--quiet"]
    assert main([*args, "--objective", attempts(marker)[k]]) == 2
    err = capsys.readouterr().err
    assert "is not allowed" in err and "Traceback" not in err
    assert not marker.exists() and not out.exists()


@pytest.mark.parametrize(
    ("objective", "message"),
    [
        ("profit_margin", "'profit_margin' is not a measure of a run"),
        ("1 + 2", "reads no measure"),
        ("revenue.real", "an attribute"),
    ],
)
def test_optimize_objective_must_be_a_formula_of_measures(tmp_path, capsys, objective, message):
    pytest.importorskip("optuna")
    out = tmp_path / "out"
    args = ["optimize", "--scenario", str(BASELINE), "--budget", "1", "--out", str(out), "--quiet"]
    assert main([*args, "--objective", objective]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_library_entry_points_refuse_injection(tmp_path):
    pytest.importorskip("ema_workbench")
    pytest.importorskip("optuna")
    from trustsim.analysis.discover import discover
    from trustsim.compare.search import optimize_policy

    marker = tmp_path / "ran"
    folder = compare_folder(tmp_path / "cmp")
    for text in attempts(marker):
        with pytest.raises(ConfigError, match="is not allowed"):
            discover(folder, text.replace("revenue", "`revenue[A]`"))
        with pytest.raises(ConfigError, match="is not allowed"):
            optimize_policy(BASELINE, tmp_path / "opt", budget=1.0, objective=text, progress=False)
    assert not marker.exists() and not (tmp_path / "opt").exists()


def test_discover_prints_an_outcome_without_terminal_escapes(tmp_path, capsys):
    pytest.importorskip("ema_workbench")
    folder = compare_folder(tmp_path / "cmp")
    assert main(["discover", str(folder), "--outcome", "winner_revenue == 'B' or winner_revenue == '\x1b[31mA'"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[31mA" in out
