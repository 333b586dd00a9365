"""Shared fixtures of the compare tests: one tiny comparison, run once through the CLI.

The market is the baseline scenario shrunk to 300 customers and 20 steps; four policies are
compared, one of them ("Listener again") an exact copy of "Listener" under another name, so
the tests can see common random numbers at work. The robustness sweep varies the trust
asymmetry over two values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "configs" / "baseline.toml"
POLICIES = REPO / "configs" / "policies"
SMALL = ["--set", "market.customers=300", "--horizon", "20"]
REPLICATES = 4


@pytest.fixture(scope="session")
def compare_args(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Arguments of the shared tiny comparison (the report folder is the last one)."""
    folder = tmp_path_factory.mktemp("compare")
    twin = folder / "listener_again.toml"
    twin.write_text((POLICIES / "listener.toml").read_text().replace('name = "Listener"', 'name = "Listener again"'))
    return [
        "listener",
        "over_promiser",
        "under_promise_over_deliver",
        str(twin),
        "--scenario",
        str(BASELINE),
        "--replicates",
        str(REPLICATES),
        *SMALL,
        "--vary",
        "trust.loss_multiplier=1.5,5",
        "--robust-replicates",
        "2",
        "--workers",
        "2",
        "--quiet",
        "--out",
        str(folder / "out"),
    ]


@pytest.fixture(scope="session")
def cli_run(compare_args: list[str]) -> tuple[int, Path]:
    """Run `trustsim compare` once (in this process); its exit status and report folder."""
    from trustsim.cli import main

    status = main(["compare", *compare_args])
    return status, Path(compare_args[-1])


@pytest.fixture(scope="session")
def comparison(cli_run: tuple[int, Path]) -> Any:
    """The same comparison through the library API: every run is resumed, none recomputed."""
    from trustsim.compare import compare_policies

    _, out = cli_run
    twin = out.parent / "listener_again.toml"
    return compare_policies(
        BASELINE,
        ["listener", "over_promiser", "under_promise_over_deliver", twin],
        out,
        replicates=REPLICATES,
        steps=20,
        overrides={"market.customers": 300},
        vary={"trust.loss_multiplier": [1.5, 5]},
        robust_replicates=2,
        workers=2,
        progress=False,
    )
