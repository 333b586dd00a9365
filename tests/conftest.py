"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

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
