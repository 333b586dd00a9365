"""`trustsim run`: outputs, summary, figures and clean failures."""

import json
import subprocess
import sys

import pandas as pd

from trustsim.cli import main


def trustsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "trustsim.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_run_writes_tables_metadata_and_figures(tmp_path, capsys):
    out = tmp_path / "r"
    code = main(
        [
            "run",
            "configs/baseline.toml",
            "--out",
            str(out),
            "--steps",
            "6",
            "--seed",
            "3",
            "--set",
            "market.customers=800",
            "--plot",
        ]
    )
    assert code == 0
    model = pd.read_parquet(out / "model.parquet")
    sup = pd.read_parquet(out / "suppliers.parquet")
    assert model["step"].tolist() == list(range(7)) and len(sup) == 7 * 4
    meta = json.loads((out / "run.json").read_text())
    assert meta["seed"] == 3 and meta["scenario"]["market"]["customers"] == 800
    figures = {p.name for p in (out / "figures").iterdir()}
    assert {"customers_ambassadors.png", "nps.svg", "trust_components.png"} <= figures
    assert "Overdeliverer" in capsys.readouterr().out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_bad_input_exits_2_without_traceback_or_output(tmp_path):
    out = tmp_path / "never"
    for args in (
        ["run", "configs/baseline.toml", "--set", "market.customers=-1"],
        ["run", "configs/missing.toml"],
        ["run", "configs/baseline.toml", "--set", "wom.rte=1"],
        ["run", "configs/baseline.toml", "--steps", "many"],
    ):
        r = trustsim(*args, "--out", str(out))
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr and "error" in r.stderr
        assert not out.exists()


def test_output_path_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    r = trustsim("run", "configs/baseline.toml", "--out", str(f), "--steps", "1")
    assert r.returncode == 2 and "is a file" in r.stderr and f.read_text() == "x"


def test_results_are_readable_by_others(tmp_path):
    import os
    import stat

    from trustsim.io import atomic_write_text

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "x.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x.json").stat().st_mode) == 0o644
