"""Parameter tuples of the compiled rules, read from the scenario by field name.

Each rule of :mod:`trustsim.mechanisms` takes its parameters as a small NamedTuple (numba passes
it into compiled loops as a plain tuple). Its fields are named after the scenario keys they hold,
so :func:`read_params` builds it by name: a new field needs no second list to keep in step.
"""

from __future__ import annotations

from typing import Any, get_type_hints

from trustsim.config.schema import Scenario


def scenario_value(sc: Scenario, key: str) -> Any:
    """The value of dotted key `key` (``"trust.gain"``) in scenario `sc`."""
    value: Any = sc
    for part in key.split("."):
        value = getattr(value, part)
    return value


def read_params[T](cls: type[T], sc: Scenario, section: str, **elsewhere: str | float) -> T:
    """Parameter tuple `cls` of scenario `sc`: each field from ``<section>.<field>``, unless `elsewhere`
    names its dotted key (a string) or gives its value (a number); cast to the field's type.

    Example:
        >>> from trustsim.mechanisms.mutual import MutualParams
        >>> read_params(MutualParams, Scenario(), "mutual", loss_multiplier="trust.loss_multiplier")
        MutualParams(reciprocity=0.5, gain=0.2, loss_multiplier=3.0)
    """
    types = get_type_hints(cls)
    values = {}
    for field in getattr(cls, "_fields"):  # noqa: B009 (a NamedTuple class; T cannot say so to the checker)
        source = elsewhere.get(field, f"{section}.{field}")
        values[field] = types[field](scenario_value(sc, source) if isinstance(source, str) else source)
    return cls(**values)
