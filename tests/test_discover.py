"""`trustsim discover`: significant restrictions only, limits on runs that were made, any design (extra `[ema]`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from trustsim.analysis.discover import SIGNIFICANCE, discover
from trustsim.cli import main
from trustsim.errors import ConfigError

BASELINE = Path(__file__).resolve().parents[1] / "configs" / "baseline.toml"
LEVELS = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def grid_cells(folder: Path, seed: int = 1) -> Path:
    """A comparison's robustness grid over a and b (6 x 6 cells, 3 replicates): X wins where a >= 4, with noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for cell, (a, b) in enumerate((a, b) for a in LEVELS for b in LEVELS):
        for rep in range(3):
            win = (a >= 4 and rng.random() < 0.9) or rng.random() < 0.1
            for policy, revenue in (("X", 2.0 if win else 0.0), ("Y", 1.0)):
                rows.append(
                    {"cell": cell, "policy": policy, "replicate": rep, "run": len(rows), "a": a, "b": b}
                    | {"revenue": revenue, "vary": "a,b"}
                )
    pd.DataFrame(rows).to_parquet(folder / "robustness.parquet")
    return folder


def test_a_restriction_that_is_not_significant_is_not_reported(tmp_path):
    """PRIM's densest box also cuts b (quasi-p 0.28, chance); the box reported restricts a only."""
    found = discover(grid_cells(tmp_path), "winner_revenue == 'X'", threshold=0.97)
    assert list(found.limits.index) == ["a"]
    assert (found.limits["p"] < SIGNIFICANCE).all()
    assert [name for name, _ in found.dropped] == ["b"] and found.dropped[0][1] >= SIGNIFICANCE
    assert "b (quasi-p 0.28), which is not significant" in found.text()
    assert "(quasi-p 1.5e-12)" in found.text()


def test_limits_are_values_that_were_run(tmp_path):
    for seed in range(4):
        found = discover(grid_cells(tmp_path, seed), "winner_revenue == 'X'")
        for _, row in found.limits.iterrows():
            assert row["min"] in LEVELS and row["max"] in LEVELS  # never a midpoint between two levels
        assert found.limits.loc["a", "min"] == 4.0


@pytest.fixture(scope="module")
def one_parameter_sweep(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("one")
    spec = folder / "one.toml"
    spec.write_text(f"""
name = "one"
scenario = "{BASELINE}"
seed = 5
replicates = 2
steps = 10
[overrides]
market.customers = 200
[design]
kind = "grid"
[design.parameters]
"advertising.reach" = [0.001, 0.005, 0.01, 0.02, 0.05]
[output]
measures = ["customer_share"]
""")
    out = folder / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    return out


def test_a_one_parameter_sweep_is_discovered(one_parameter_sweep, capsys):
    assert main(["discover", str(one_parameter_sweep), "--outcome", "customer_share > 0.35"]) == 0
    out = capsys.readouterr().out
    assert "advertising.reach 0.02 to 0.05 (quasi-p" in out and "advertising.reach 1.00" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--outcome", "1 == 1"], "reads no column, so it is the same for every row"),
        (["--outcome", "customer_share > 0.35", "--peel-alpha", "1e-308"], "--peel-alpha 1e-308: give a share"),
        (["--outcome", "customer_share > 0.35", "--peel-alpha", "0.5"], "--peel-alpha 0.5: give a share"),
        (["--outcome", "customer_share"], "not a condition"),
    ],
)
def test_bad_outcomes_and_peels_exit_2(one_parameter_sweep, capsys, extra, message):
    assert main(["discover", str(one_parameter_sweep), "--out", str(one_parameter_sweep / "bad"), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not (one_parameter_sweep / "bad").exists()


def test_a_comparison_folder_uses_its_grid_not_the_cost_assumption_cells(tmp_path):
    """robustness.parquet of `trustsim compare` also holds cells that move one money.* key: discover leaves them out."""
    folder = grid_cells(tmp_path)
    grid = pd.read_parquet(folder / "robustness.parquet").assign(kind="grid", **{"money.ad_cost": 1.0})
    money = grid[grid["cell"] < 2].assign(kind="money", cell=lambda f: f["cell"] + 100, **{"money.ad_cost": 2.0})
    pd.concat([grid, money], ignore_index=True).to_parquet(folder / "robustness.parquet")
    found = discover(folder, "winner_revenue == 'X'")
    assert found.runs == 36 * 3 and found.parameters == ["a", "b"]
    with pytest.raises(ConfigError, match=r"no column 'money\.ad_cost\[X\]'"):
        discover(folder, "`money.ad_cost[X]` > 1")
