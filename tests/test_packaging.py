"""Packaging: the wheel carries the built-ins and runs from an empty folder; extras are optional.

The slow test builds the wheel, installs it with the core dependencies only into a fresh venv
(no system site-packages; pip reuses its cache), and runs the README's three built-in commands
from an empty folder. The quick tests hide an extra's modules from a subprocess and check the
message that names the install command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from trustsim.extras import EXTRAS

REPO = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]

# The extras' modules: hidden, the core commands must still run.
HIDDEN = tuple(module for modules in EXTRAS.values() for module in modules)
HIDE_EXTRAS = f"import sys\nfor m in {HIDDEN!r}: sys.modules[m] = None\n"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(NO_COLOR="1", COLUMNS="200", **extra)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _cli_without_extras(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """`trustsim ARGS` in a subprocess where the extras' modules cannot be imported."""
    code = HIDE_EXTRAS + f"from trustsim.cli import main\nraise SystemExit(main({args!r}))\n"
    return _run([sys.executable, "-c", code], cwd, _clean_env(), timeout=120)


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["viz", "baseline", "--port", "0"], "app"),
        (["optimize", "--scenario", "baseline", "--budget", "2", "--out", "out"], "optimize"),
        (["sweep", "demo_grid", "--scheduler", "tcp://127.0.0.1:9", "--out", "out"], "cluster"),
    ],
)
def test_a_command_whose_extra_is_missing_exits_2_naming_the_install(tmp_path, args, extra):
    r = _cli_without_extras(args, tmp_path)
    assert r.returncode == 2, r.stderr
    assert f"pip install 'trustsim[{extra}]'" in " ".join(r.stderr.split())
    assert "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []  # refused before any output


def test_core_commands_need_no_extra(tmp_path):
    r = _cli_without_extras(["run", "baseline", "--steps", "2", "--set", "market.customers=200"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "results" / "baseline" / "model.parquet").is_file()


@pytest.mark.slow
def test_wheel_installs_and_runs_the_built_ins_from_an_empty_folder(tmp_path):
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "empty"
    work.mkdir()
    env = _clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1")
    source = tmp_path / "source"  # a copy, so building leaves no build/ folder in the checkout
    shutil.copytree(REPO / "trustsim", source / "trustsim", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, source / name)
    build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)], tmp_path, env)
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("trustsim-*.whl")

    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    for member in (
        "trustsim/data/configs/baseline.toml",
        "trustsim/data/configs/policies/listener.toml",
        "trustsim/data/experiments/ten_ambassadors.toml",
        "trustsim/data/experiments/one_firm.toml",
        "trustsim/data/configs/calibrated/services_new.posterior.csv",  # posteriors ship beside scenarios
    ):
        assert member in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)

    assert _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env).returncode == 0
    py = venv / "bin" / "python"
    install = _run([str(py), "-m", "pip", "install", "-q", str(wheel)], tmp_path, env)
    assert install.returncode == 0, install.stderr
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    trustsim = str(venv / "bin" / "trustsim")

    where = _run([str(py), "-c", "import trustsim.builtin as b; print(b.data_dir())"], work, env)
    assert where.stdout.strip().startswith(str(venv)), where.stdout  # the installed copy, not the checkout
    assert _run([trustsim, "--version"], work, env).stdout.strip() == f"trustsim {VERSION}"

    run = _run([trustsim, "run", "baseline", "--steps", "3", "--set", "market.customers=300"], work, env)
    assert run.returncode == 0, run.stderr
    assert (work / "results" / "baseline" / "model.parquet").is_file()

    exp = _run([trustsim, "experiment", "ten_ambassadors", "--size", "tiny", "--workers", "1", "--quiet"], work, env)
    assert exp.returncode == 0, exp.stderr
    assert (work / "results" / "ten_ambassadors" / "findings.json").is_file()

    cmp = _run(
        [
            trustsim,
            "compare",
            "listener",
            "big_advertiser",
            "--scenario",
            "baseline",
            "--replicates",
            "2",
            "--horizon",
            "5",
            "--set",
            "market.customers=300",
            "--no-robustness",
            "--workers",
            "1",
            "--quiet",
        ],
        work,
        env,
    )
    assert cmp.returncode == 0, cmp.stderr
    assert (work / "results" / "compare-baseline" / "report.md").is_file()

    # The lean core really lacks the extras: the app says what to install.
    viz = _run([trustsim, "viz", "--port", "0"], work, env, timeout=120)
    assert viz.returncode == 2 and "pip install 'trustsim[app]'" in " ".join(viz.stderr.split()), viz.stderr
