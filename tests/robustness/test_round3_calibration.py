"""Round 3 (issue 29), `trustsim calibrate`: levels priors, long names, a calibrated edge-list market.

Each test is one defect found on 7318426 and fails there:
- item 10: ``wom.rate = { levels = [0.1, 0.2] }`` was sampled as a continuous range 0-2;
- a calibration name of 75-80 characters was refused as "81 characters" (or more): the name of
  a sweep inside the calibration got a suffix;
- ``calibrated.toml`` kept a base scenario's relative ``network.path``, which does not resolve
  from the folder the calibrated file is written to.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from robustness_support import PYTHON, TINY_SCENARIO

from trustsim.calibration.schema import load_calibration, prior_experiment
from trustsim.cli import main

pytestmark = pytest.mark.timeout(300)

CALIBRATION = """
name = "levels"
scenario = "s.toml"
seed = 4
steps = 3
replicates = 1

[method]
budget = 10
min_accepted = 2
check_replicates = 2

[parameters]
wom.rate = { levels = [0.1, 0.2] }
wom.warn_rate = { low = 0.1, high = 1.0 }

[targets.annual_switching]
value = 0.03
tolerance = 0.5
source = "UK CMA (2016)"
"""


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_levels_prior_is_discrete_uniform_over_its_levels_in_rejection(tmp_path):
    write(tmp_path, {"s.toml": TINY_SCENARIO, "cal.toml": CALIBRATION})
    _, experiment = load_calibration(tmp_path / "cal.toml")
    rates = [p["wom.rate"] for p in experiment.design.points]
    assert sorted(set(rates)) == [0.1, 0.2]
    assert rates.count(0.1) == rates.count(0.2) == 5  # a Latin hypercube: each level equally often
    assert all(0.1 <= p["wom.warn_rate"] <= 1.0 for p in experiment.design.points)


def test_a_levels_prior_is_perturbed_between_its_levels_in_smc(tmp_path):
    write(
        tmp_path,
        {"s.toml": TINY_SCENARIO, "cal.toml": CALIBRATION.replace("budget = 10", 'kind = "smc"\nparticles = 6')},
    )
    calibration, experiment = load_calibration(tmp_path / "cal.toml")
    first = [p["wom.rate"] for p in experiment.design.points]
    assert len(first) == 12 and set(first) == {0.1, 0.2}
    from trustsim.calibration.smc import Population, first_generation, propose  # new in this round

    g0 = first_generation(calibration)
    kept = Population(g0.z[:6], g0.log_weight[:6], np.arange(6.0), pd.DataFrame(index=range(6)))
    moved = propose(calibration, 1, kept)
    assert {p["wom.rate"] for p in moved.points} <= {0.1, 0.2}


def test_calibrate_runs_only_the_levels_and_reports_their_weights(tmp_path, capsys):
    write(tmp_path, {"s.toml": TINY_SCENARIO, "cal.toml": CALIBRATION})
    out = tmp_path / "out"
    assert main(["calibrate", str(tmp_path / "cal.toml"), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert set(pd.read_csv(out / "accepted.csv")["wom.rate"]) <= {0.1, 0.2}
    from trustsim.sweep import load_summary

    assert sorted(set(load_summary(out / "prior")["wom.rate"])) == [0.1, 0.2]
    ident = pd.read_csv(out / "identifiability.csv").set_index("parameter")
    assert ident.loc["wom.rate", "shares"].startswith("0.1: ")


@pytest.mark.parametrize("length", [75, 78, 80])
@pytest.mark.parametrize("kind", ["rejection", "smc"])
def test_a_name_of_up_to_80_characters_is_accepted(tmp_path, length, kind):
    name = "n" * length
    text = CALIBRATION.replace('name = "levels"', f'name = "{name}"').replace("budget = 10", f'kind = "{kind}"')
    write(tmp_path, {"s.toml": TINY_SCENARIO, "cal.toml": text})
    calibration, experiment = load_calibration(tmp_path / "cal.toml")
    assert calibration.name == name and len(experiment.name) <= 80
    check = prior_experiment(calibration, [{"wom.rate": 0.1}], "x", name="check")
    assert len(check.name) <= 80 and check.name.endswith("-check")


@pytest.mark.parametrize("length", [81, 200])
def test_a_longer_name_is_refused_with_its_true_length_and_the_limit(tmp_path, capsys, length):
    write(tmp_path, {"s.toml": TINY_SCENARIO, "cal.toml": CALIBRATION.replace('"levels"', f'"{"n" * length}"', 1)})
    assert main(["calibrate", str(tmp_path / "cal.toml"), "--out", str(tmp_path / "out")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"this one has {length}" in err and "at most 80 characters" in err, err
    assert f"({length} characters)" in err  # the quoted excerpt says the same length
    assert not (tmp_path / "out").exists()


def test_calibrated_toml_of_an_edge_list_market_runs_from_anywhere(tmp_path):
    edges = "\n".join(f"{i} {(i + 1) % 40}" for i in range(40)) + "\n"
    scenario = TINY_SCENARIO.replace('kind = "small_world"', 'kind = "edge_list"\npath = "edges.txt"')
    cal = CALIBRATION.replace('scenario = "s.toml"', 'scenario = "../market/s.toml"').replace(
        "budget = 10", "budget = 2"
    )
    write(tmp_path, {"market/s.toml": scenario, "market/edges.txt": edges, "cal/cal.toml": cal})
    out = tmp_path / "results" / "out"
    assert main(["calibrate", str(tmp_path / "cal" / "cal.toml"), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run(
        [PYTHON, "-m", "trustsim.cli", "run", str(out / "calibrated.toml"), "--steps", "2", "--out", "r"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    from trustsim.config import load_scenario

    sc = load_scenario(out / "calibrated.toml")
    assert (Path(sc.base_dir) / sc.network.path).resolve() == (tmp_path / "market" / "edges.txt").resolve()
