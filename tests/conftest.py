"""Shared fixtures: small scenarios that run in well under a second, and headless Chromium.

The browser is Debian's ``chromium`` package driven by Playwright through ``executable_path``;
no browser is ever downloaded. Without Chromium the browser tests fail with a clear message
when ``CI`` is set (CI must have installed it, see .ci/run) and are skipped otherwise.
``TRUSTSIM_CHROMIUM`` names another Chromium binary.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from trustsim.config import load_scenario


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def small():
    """A 2,000-customer version of the defaults (4 identical suppliers)."""
    return load_scenario(None, {"market.customers": 2000, "market.initial_customers": 0.2, "steps": 30})


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Flags for a quiet headless Chromium: no first-run, update, sync or background traffic."""


def _missing(reason: str) -> None:
    """Fail (under CI) or skip (elsewhere) with a reason a person can act on."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser test must run: see .ci/run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium under Playwright; module-scoped so it is closed before another
    test module starts its own Playwright."""
    path = os.environ.get("TRUSTSIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        _missing(
            "headless Chromium not found: install Debian's package with 'apt-get install chromium' "
            "(never 'playwright install')"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package 'playwright' is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
