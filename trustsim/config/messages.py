"""The wording of configuration errors: the source, the key, the bad value and what is allowed.

pydantic's errors are turned into one readable line per problem; values are quoted as short,
printable excerpts (:func:`trustsim.errors.excerpt`), unknown keys get a "did you mean".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from trustsim.config.schema import model_at
from trustsim.errors import did_you_mean, excerpt

# Parts of a pydantic error location that name a validator or a branch of a union, not a key:
# 'function-after[...]', 'int', "literal['all']", 'list[float]', ...
_NOT_A_KEY = re.compile(r"^(function-\w+\[.*|int|float|str|bool|none|literal\[.*|list\[.*|dict\[.*|tagged-union\[.*)$")


def allowed_keys(model: type[BaseModel]) -> list[str]:
    """The keys a user may write in a section (not the loader's own ``base_dir``)."""
    return [k for k in model.model_fields if k != "base_dir"]


def unknown_key(source: str, key: str, model: type[BaseModel] | None, part: str | None = None) -> str:
    """The message for an unknown key: where, which key, the closest known one, all known ones.

    ``part`` is the unknown part of a dotted ``key`` (default: its last part).
    """
    known = allowed_keys(model) if model is not None else []
    hint = did_you_mean(key.rsplit(".", 1)[-1] if part is None else part, known)
    allowed = f" Allowed keys here: {', '.join(known)}." if known else ""
    return f"{source}: unknown key '{key}'.{hint}{allowed}"


def dotted(loc: tuple[Any, ...]) -> str:
    """A location as the user writes it: ``suppliers[1].promise``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def format_validation_error(
    err: ValidationError,
    source: str,
    root: type[BaseModel] | None = None,
    origin: Callable[[tuple[Any, ...]], str | None] | None = None,
) -> str:
    """One readable line per problem: the source, the key, the bad value, what is allowed.

    Args:
        err: pydantic's error.
        source: the file or option the values came from.
        root: the model validated (default: the scenario), for the allowed keys of a section.
        origin: the source of the value at a location, where it is not `source` (a base
            scenario file); None for `source`.
    """
    lines: list[str] = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and _NOT_A_KEY.match(p)))
        key = dotted(loc) or "(top level)"
        source_here = (origin(loc) if origin is not None else None) or source
        if e["type"] == "extra_forbidden":
            line = unknown_key(source_here, key, model_at(loc[:-1], root), str(loc[-1]))
        elif e["type"] == "missing":
            line = f"{source_here}: missing key '{key}' (required)."
        else:
            msg = e["msg"].removeprefix("Value error, ")
            value = e.get("input")
            shown = "{...}" if isinstance(value, dict) else excerpt(value)
            line = f"{source_here}: {key} = {shown} is not allowed: {msg}." if loc else f"{source}: {msg}."
        if line not in lines:  # a union reports one problem once per branch
            lines.append(line)
    return "\n".join(lines)
