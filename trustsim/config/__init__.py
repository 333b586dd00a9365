"""Scenario configuration: the schema, loading with ``--set`` overrides, and error messages.

- :mod:`trustsim.config.schema`: every parameter once, with its type, range, unit and default;
- :mod:`trustsim.config.loading`: TOML files, ``--set`` overrides, checks that need the horizon;
- :mod:`trustsim.config.messages`: the wording of validation errors.

Everything is re-exported here: ``from trustsim.config import Scenario, load_scenario``.
"""

from __future__ import annotations

from trustsim.config.loading import (
    CONFIG_LIMIT,
    MAX_LIST_INDEX,
    apply_overrides,
    build_scenario,
    check_horizon,
    flatten_sections,
    load_scenario,
    parse_set_args,
    parse_value,
    read_toml,
)
from trustsim.config.messages import allowed_keys, dotted, format_validation_error, unknown_key
from trustsim.config.schema import (
    CHANNELS,
    COMPONENTS,
    MAX_TIES,
    Advertising,
    Credibility,
    Imitation,
    LogOdds,
    Loyalty,
    Market,
    Mutual,
    Network,
    NonNegative,
    Positive,
    Probability,
    Promises,
    Propensity,
    Reviews,
    Scenario,
    Section,
    Shock,
    SupplierPolicy,
    Switching,
    Trust,
    Wom,
    model_at,
    refuse_bool_as_number,
    section_model,
)

__all__ = [
    "CHANNELS",
    "COMPONENTS",
    "CONFIG_LIMIT",
    "MAX_LIST_INDEX",
    "MAX_TIES",
    "Advertising",
    "Credibility",
    "Imitation",
    "LogOdds",
    "Loyalty",
    "Market",
    "Mutual",
    "Network",
    "NonNegative",
    "Positive",
    "Probability",
    "Promises",
    "Propensity",
    "Reviews",
    "Scenario",
    "Section",
    "Shock",
    "SupplierPolicy",
    "Switching",
    "Trust",
    "Wom",
    "allowed_keys",
    "apply_overrides",
    "build_scenario",
    "check_horizon",
    "dotted",
    "flatten_sections",
    "format_validation_error",
    "load_scenario",
    "model_at",
    "parse_set_args",
    "parse_value",
    "read_toml",
    "refuse_bool_as_number",
    "section_model",
    "unknown_key",
]
