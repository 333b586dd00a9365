"""Shared helpers of the robustness tests: tiny valid inputs and a snapshot of a folder (imported by name,
not a conftest, so it cannot be confused with another test folder's conftest)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

TINY_SCENARIO = """\
seed = 3
steps = 3
[market]
customers = 40
suppliers = 2
initial_customers = 0.3
[network]
kind = "small_world"
mean_degree = 4
"""
"""A valid scenario that runs in a fraction of a second; bad inputs are variations of it."""

TINY_EXPERIMENT = """\
name = "tiny"
scenario = "s.toml"
seed = 1
replicates = 1
[design]
kind = "grid"
[design.parameters]
"wom.rate" = [0.1, 0.3]
"""
"""A valid experiment on TINY_SCENARIO (saved as s.toml beside it)."""


def snapshot(folder: Path) -> dict[str, str]:
    """Every path below `folder` (hidden ones too) with a digest of its content, to detect any change."""
    out: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_dir():
            out[rel] = "<folder>"
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[rel] = "<special>"
    return out


def cli(argv: list[str], cwd: Path, timeout: float = 120, env: dict | None = None):
    """`trustsim ARGV` in a real process, killed (and the test failed) if it outlives `timeout`."""
    import os
    import subprocess

    return subprocess.run(
        [PYTHON, "-m", "trustsim.cli", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    """Write each file (text or bytes) below `folder`, making its folders."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
