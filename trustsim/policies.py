"""Policy files: a named set of supplier settings to play as "our" supplier in a market.

A policy is a TOML file anywhere, or a built-in one named by its file name (``listener``; see
``trustsim list`` and :mod:`trustsim.builtin`), with a ``name``, an optional
``description`` and any fields of :class:`~trustsim.config.SupplierPolicy` (promise,
over-delivery, ad budget and channel mix, transparency, care, extend_trust, capacity, price,
and the abilities competence and reliability)::

    name = "Under-promise, over-deliver"
    description = "Promise less than you can do, then do more (Voortreffelijk)."
    promise = 0.6
    over_delivery = 0.08
    care = 0.76

Fields a policy does not give take the scenario's ``[supplier_defaults]`` (not the replaced
supplier's own settings), so every policy is a complete, comparable set of settings. A policy
is applied to supplier ``i`` of a scenario as the overrides ``suppliers.<i>.<field>``.

Models: the brief's supplier policies (MODEL_BRIEF "What this means for the model") and
Covey's trust behaviours (MODEL_BRIEF §4).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from trustsim import builtin
from trustsim.config import Scenario, SupplierPolicy, format_validation_error, read_toml
from trustsim.errors import ConfigError, did_you_mean, excerpt, lookalike, lookalike_message, printable

SETTINGS: tuple[str, ...] = tuple(f for f in SupplierPolicy.model_fields if f != "name")
"""The supplier settings a policy may set."""

META_KEYS: tuple[str, ...] = ("name", "description")

BUDGET_RATE: dict[str, float] = {"ad_budget": 1.0, "over_delivery": 0.1, "care": 0.2}
"""What ONE budget unit buys per period (as configs/ten_ambassadors.toml states it): an ad
budget of 1, or 0.1 of over-delivery, or 0.2 of care above the neutral-plus default 0.6."""

CARE_BASE = 0.6
"""Care effort that costs nothing (the SupplierPolicy default)."""


@dataclass(frozen=True)
class Policy:
    """A named set of supplier settings.

    Attributes:
        name: what the report calls it.
        description: one line on what the policy does and why.
        settings: SupplierPolicy fields the policy sets (the rest come from the scenario).
        source: the file it was read from ("" if built in code).
    """

    name: str
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def slug(self) -> str:
        """A file-name-safe label, e.g. 'under_promise_over_deliver'."""
        return slugify(self.name)

    def resolved(self, scenario: Scenario) -> dict[str, Any]:
        """Every supplier setting: the scenario's supplier defaults, then the policy's own."""
        base = scenario.supplier_defaults.model_dump()
        base.pop("name", None)
        return {**base, **self.settings}

    def overrides(self, scenario: Scenario, index: int) -> dict[str, Any]:
        """Dotted overrides that make supplier `index` of `scenario` play this policy."""
        return {f"suppliers.{index}.{k}": v for k, v in self.resolved(scenario).items()}

    def cost(self, scenario: Scenario) -> float:
        """Budget units per period this policy spends (see :func:`budget_cost`)."""
        return budget_cost(self.resolved(scenario))


def budget_cost(settings: Mapping[str, Any]) -> float:
    """Budget units per period spent on advertising, over-delivery and care.

    ``B = ad_budget / 1 + over_delivery / 0.1 + max(0, care - 0.6) / 0.2`` — the exchange rate
    of configs/ten_ambassadors.toml (a stated assumption: the model has no cost module).
    """
    care = float(settings.get("care", CARE_BASE))
    return (
        float(settings.get("ad_budget", 0.0)) / BUDGET_RATE["ad_budget"]
        + float(settings.get("over_delivery", 0.0)) / BUDGET_RATE["over_delivery"]
        + max(0.0, care - CARE_BASE) / BUDGET_RATE["care"]
    )


def slugify(text: str) -> str:
    """Lower-case letters, digits and underscores only."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "policy"


def policy_path(spec: str | Path) -> Path:
    """The file of a policy given as a path or as the name of a built-in policy."""
    return builtin.resolve("policy", spec)


def available_policies() -> list[str]:
    """Names of the built-in policies."""
    return builtin.names("policy")


def parse_policy(data: Mapping[str, Any], source: str, default_name: str = "") -> Policy:
    """Validate a policy table; errors name the source, key, bad value and what is allowed."""
    allowed = (*META_KEYS, *SETTINGS)
    for key, value in data.items():
        if key not in allowed:
            dym = did_you_mean(key, allowed)
            shown = f" (= {value!r})" if not isinstance(value, dict) else " (a table)"
            raise ConfigError(
                f"{source}: unknown key '{key}'{shown}.{dym} A policy takes name, description and "
                f"supplier settings: {', '.join(SETTINGS)}."
            )
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip() or len(name) > 80:
        raise ConfigError(f"{source}: name = {excerpt(name)} is not allowed: a policy needs a name, 1-80 characters.")
    if printable(name) != name:  # as for supplier names: a name must not drive the terminal
        raise ConfigError(
            f"{source}: name = {excerpt(name)} is not allowed: a name must not contain control characters "
            f"(escape sequences, tabs, new lines)."
        )
    description = data.get("description", "")
    if not isinstance(description, str) or len(description) > 2000:
        raise ConfigError(
            f"{source}: description = {str(description)[:60]!r} is not allowed: text of at most 2000 characters."
        )
    settings = {k: v for k, v in data.items() if k in SETTINGS}
    try:
        SupplierPolicy.model_validate(settings)
    except ValidationError as e:
        message = format_validation_error(e, source)
        ranges = "; ".join(_allowed(k) for k in dict.fromkeys(str(x["loc"][0]) for x in e.errors()))
        raise ConfigError(f"{message} Allowed: {ranges}.") from None
    return Policy(name.strip(), description.strip(), settings, source)


def _allowed(key: str) -> str:
    info = SupplierPolicy.model_fields.get(key)
    if info is None:
        return key
    lo = hi = None
    for meta in info.metadata:
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
    span = f"{lo} to {hi}" if lo is not None and hi is not None else f">= {lo}" if lo is not None else "a number"
    return f"{key} is {span} ({info.description})"


def load_policy(spec: str | Path | Mapping[str, Any] | Policy) -> Policy:
    """Load a policy from a file, the name of a built-in policy, or a dict.

    Raises:
        ConfigError: naming the file, the key, the bad value and what is allowed.
    """
    if isinstance(spec, Policy):
        return spec
    if isinstance(spec, Mapping):
        return parse_policy(spec, "<policy>", "policy")
    path = policy_path(spec)
    return parse_policy(read_toml(path), str(path), path.stem.replace("_", " "))


def load_policies(specs: list[str | Path | Mapping[str, Any] | Policy]) -> list[Policy]:
    """Load several policies; their names must differ (they label the report)."""
    policies = [load_policy(s) for s in specs]
    same = lookalike([p.name for p in policies])
    if same:
        first, second = policies[same[0]], policies[same[1]]
        raise ConfigError(
            f"{second.source or '<policy>'}: name = {second.name!r} is already used by "
            f"{first.source or 'another policy'}: {lookalike_message('policies', first.name, second.name)}; "
            f"policies compared together need names that read differently."
        )
    return policies


__all__ = [
    "BUDGET_RATE",
    "SETTINGS",
    "Policy",
    "available_policies",
    "budget_cost",
    "load_policies",
    "load_policy",
    "parse_policy",
]
