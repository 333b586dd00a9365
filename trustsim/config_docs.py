"""Render docs/config.md from the scenario schema, so the reference never drifts from the code.

Regenerate with ``python -m trustsim.config_docs > docs/config.md``; a test checks it is current.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from trustsim.config import Scenario, section_model


def _bounds(metadata: list[Any]) -> list[str]:
    bounds = []
    for meta in metadata:
        for attr, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            value = getattr(meta, attr, None)
            if value is not None:
                bounds.append(f"{sym} {value:g}" if isinstance(value, float) else f"{sym} {value}")
    return bounds


def _range(info: FieldInfo) -> str:
    bounds = _bounds(info.metadata)
    args = typing.get_args(info.annotation)
    if typing.get_origin(info.annotation) is list and typing.get_origin(args[0]) is typing.Annotated:
        items = [m for extra in typing.get_args(args[0])[1:] for m in getattr(extra, "metadata", [extra])]
        bounds.append("each " + ", ".join(_bounds(items)))
    return ", ".join(bounds)


def _type_name(ann: Any) -> str:
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " \\| ".join(f"`{a!r}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    return getattr(ann, "__name__", str(ann))


def _type(info: FieldInfo) -> str:
    return _type_name(info.annotation)


def _default(info: FieldInfo) -> Any:
    if info.default_factory is not None:
        value = info.get_default(call_default_factory=True)
        return "[]" if value == [] else "(section)"
    return info.default


BASE_ROW = (
    "| `base` | str | a scenario file (relative to this one) or a built-in name | (none) | The scenario "
    "this file varies (files only, not `--set`): its tables merge key by key under this file's, while "
    "a value or a list (`suppliers`, `shocks`) given here replaces the base's whole; e.g. "
    '`base = "calibrated/new_category"` (`trustsim.config.read_scenario_toml`). |'
)
"""The loader's own key, documented with the schema's (it never reaches :class:`Scenario`)."""


def render() -> str:
    """The markdown reference of every scenario key."""
    lines = [
        "# Scenario keys",
        "",
        "Generated from `trustsim/config/schema.py` by `python -m trustsim.config_docs > docs/config.md`.",
        "Every key can be set in a scenario TOML file or with `--set section.key=value`.",
        "",
    ]
    top = [(n, f) for n, f in Scenario.model_fields.items() if n != "base_dir"]
    lines += ["## Top level", "", "| key | type | range | default | meaning |", "|---|---|---|---|---|"]
    lines.append(BASE_ROW)
    sections: list[tuple[str, type[BaseModel], str]] = []
    for name, info in top:
        sub = section_model(info)
        if sub is not None:
            prefix = f"{name}[i]" if typing.get_origin(info.annotation) is list else name
            sections.append((prefix, sub, info.description or ""))
            continue
        lines.append(f"| `{name}` | {_type(info)} | {_range(info)} | `{_default(info)}` | {info.description or ''} |")
    for prefix, model, description in sections:
        doc = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        lines += ["", f"## `[{prefix}]`", "", doc + (f" {description}" if description else ""), ""]
        lines += ["| key | type | range | default | meaning |", "|---|---|---|---|---|"]
        for name, info in model.model_fields.items():
            row = [f"`{prefix}.{name}`", _type(info), _range(info), f"`{_default(info)}`", info.description or ""]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
