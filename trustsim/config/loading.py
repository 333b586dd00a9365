"""Loading scenarios: TOML files, ``--set`` overrides, and the checks that need the run's horizon.

Configuration flows one way: TOML -> :func:`load_scenario` -> :class:`Scenario` ->
``TrustMarket``. No other module reads files or environment variables on its own.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from trustsim.config.messages import format_validation_error, unknown_key
from trustsim.config.schema import Scenario, section_model
from trustsim.errors import ConfigError, did_you_mean, excerpt
from trustsim.io import MB, read_user_text

CONFIG_LIMIT = 10 * MB
"""Largest scenario, experiment or policy file accepted."""


def read_toml(path: str | Path, what: str = "TOML file") -> dict[str, Any]:
    """Read a TOML file, turning every way it can fail into a :class:`ConfigError`.

    A file with no settings at all (empty, or only blanks and comments) is refused: running
    the built-in defaults because a file came out empty would be a silent surprise.
    """
    p = Path(path)
    text = read_user_text(p, what, CONFIG_LIMIT)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p}: malformed TOML: {e}.") from None
    except RecursionError:
        raise ConfigError(f"{p}: malformed TOML: arrays or tables nested too deeply.") from None
    check_nesting(data, str(p))
    if not data:
        raise ConfigError(
            f"{p}: the file is empty (no settings, only blanks or comments); expected a TOML "
            f"{what}. To run the built-in defaults, give a file with e.g. `steps = 52`."
        )
    return data


BASE_DEPTH = 8
"""Deepest chain of ``base`` scenarios a scenario file may stand on."""

NESTING_LIMIT = 32
"""Deepest nesting of tables and lists accepted in a file or a ``--set`` value (a scenario needs 4)."""


def check_nesting(data: Any, source: str) -> None:
    """Refuse tables or lists nested deeper than :data:`NESTING_LIMIT` (``a.b.c…`` 3000 levels deep).

    TOML parses such a file, but every step after it (merging a base, copying, validating) would
    recurse once per level; the check itself walks the data without recursion.
    """
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 >= NESTING_LIMIT:
                    raise ConfigError(
                        f"{source}: tables or lists nested more than {NESTING_LIMIT} levels deep; a scenario's "
                        f"keys are at most 4 levels deep (e.g. suppliers.0.promise)."
                    )
                stack.append((child, depth + 1))


Layers = list[tuple[Path, dict[str, Any]]]
"""A scenario file and the files it stands on (``base``), the file itself first, each as read."""


def read_scenario_toml(path: str | Path) -> dict[str, Any]:
    """A scenario file's raw settings, laid over those of the scenario its ``base`` key names.

    ``base = "calibrated/new_category"`` (a built-in name, or a path relative to this file) makes
    a scenario a variant of another: its tables merge key by key into the base's, while a value
    or a list (``suppliers``, ``shocks``) replaces the base's whole. So a scenario can stand on a
    calibrated market and change only its suppliers, and a recalibration reaches it by itself.

    Raises:
        ConfigError: the file or a base is unreadable, ``base`` is not a string, names no file,
            or the chain of bases loops or is deeper than :data:`BASE_DEPTH`.
    """
    return merged_layers(scenario_layers(path))


def scenario_layers(path: str | Path, _chain: tuple[Path, ...] = ()) -> Layers:
    """The file at `path` and each base it stands on, the file first (see :func:`read_scenario_toml`)."""
    p = Path(path)
    data = read_toml(p, "scenario")
    data["base_dir"] = str(p.resolve().parent)
    if "base" not in data:
        return [(p, data)]
    base = data.pop("base")
    if not isinstance(base, str) or not base.strip():
        raise ConfigError(
            f"{p}: 'base' = {excerpt(base)}: expected the path or built-in name of the scenario this "
            f'one varies, e.g. base = "calibrated/new_category".'
        )
    chain = (*_chain, p.resolve())
    base_path = _base_file(p, base)
    if base_path.resolve() in chain:
        loop = " -> ".join(str(c) for c in (*chain, base_path.resolve()))
        raise ConfigError(f"{p}: 'base' = {base!r} makes the scenarios stand on each other in a loop: {loop}.")
    if len(chain) >= BASE_DEPTH:
        raise ConfigError(f"{p}: 'base' = {base!r}: more than {BASE_DEPTH} scenarios stand on one another.")
    return [(p, data), *scenario_layers(base_path, chain)]


def merged_layers(layers: Layers) -> dict[str, Any]:
    """The settings of a scenario and its bases in one dict, each file laid over the one it stands on."""
    under: dict[str, Any] = {}
    for _, data in reversed(layers):
        network = under.get("network")
        if isinstance(network, dict) and isinstance(network.get("path"), str) and network["path"]:
            # the base's edge list is relative to the base's folder, not to this file's
            network["path"] = str(Path(under["base_dir"]) / network["path"])
        under = _laid_over(under, copy.deepcopy(data))  # the layers stay as read, to say where a value came from
    return under


def _origin(layers: Layers, overridden: Mapping[str, Any]) -> Callable[[tuple[Any, ...]], str | None]:
    """Which file of `layers` gave the value at a validation error's location (None: not a base)."""

    def origin(loc: tuple[Any, ...]) -> str | None:
        key = ".".join(str(part) for part in loc)
        if not loc or any(key == k or key.startswith(f"{k}.") for k in overridden):
            return None
        for path, data in layers:
            node: Any = data
            for part in loc:
                in_table = isinstance(node, dict) and part in node
                if in_table or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
                    node = node[part]
                else:
                    break
            else:
                return None if path == layers[0][0] else f"{path} (the base of {layers[0][0]})"
        return None

    return origin


def _base_file(scenario: Path, base: str) -> Path:
    """The file a ``base`` names: relative to the scenario's folder, or a built-in name (never the current folder)."""
    from trustsim.builtin import beside, names

    found = beside("scenario", base, scenario.parent)
    if not found.exists():  # one that exists but is no file (a pipe, a folder) is refused by its reader
        raise ConfigError(
            f"{scenario}: 'base' = {base!r}: no such scenario file (looked for {found}; a path is relative "
            f"to the folder of the file that names it) and no built-in scenario of that name."
            f"{did_you_mean(base, names('scenario'))} Built-in: {', '.join(names('scenario'))} (see `trustsim list`)."
        )
    return found


def _laid_over(under: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`over` merged into `under` in place (both freshly read, so nothing is shared to copy)."""
    for key, value in over.items():
        below = under.get(key)
        under[key] = _laid_over(below, value) if isinstance(below, dict) and isinstance(value, dict) else value
    return under


def parse_value(text: str) -> Any:
    """Parse the value of a `--set key=value` as TOML (numbers, booleans, lists) or a bare string."""
    if not text.isprintable():
        raise ConfigError(
            f"--set: the value {excerpt(text)} holds a line break or control character; give one value per --set."
        )
    try:
        parsed = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        if text and all(c.isalnum() or c in "_-./" for c in text):
            return text
        raise ConfigError(
            f"--set: cannot parse value {excerpt(text)}; use a number, true/false, a quoted string or a list."
        ) from None
    except RecursionError:
        raise ConfigError(f"--set: the value {excerpt(text)} is nested too deeply.") from None
    check_nesting(parsed, f"--set: the value {excerpt(text)}")
    return parsed["v"]


def parse_set_args(pairs: list[str] | None) -> dict[str, Any]:
    """Turn ['market.customers=1000', ...] into {'market.customers': 1000, ...}."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {excerpt(pair)}: expected KEY=VALUE, e.g. --set market.customers=1000.")
        out[key.strip()] = parse_value(value.strip())
    return out


MAX_LIST_INDEX = 1000
"""Largest list index a dotted override may name, plus one (suppliers, shocks, weights)."""


def flatten_sections(overrides: Mapping[str, Any], root: type[BaseModel] = Scenario) -> dict[str, Any]:
    """``{'market': {'customers': 300}}`` -> ``{'market.customers': 300}`` where the key is a section.

    So that ``--set 'market={customers=300}'`` changes one key and keeps the file's others.
    """
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        model = _model_of(str(key), root)
        if isinstance(value, Mapping) and model is not None:
            out.update(flatten_sections({f"{key}.{k}": v for k, v in value.items()}, root))
        else:
            out[str(key)] = value
    return out


def _model_of(dotted: str, root: type[BaseModel]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = root
    for part in dotted.split("."):
        if model is None:
            return None
        if part.isdigit():
            continue
        model = section_model(model.model_fields.get(part))
    return model


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Set dotted keys ('market.customers', 'suppliers.0.promise') in a raw scenario dict.

    Unknown keys are refused here (with a suggestion) so that a typo on the command line is
    never silently ignored. A table given for a section sets only the keys it names. A list
    of values (``trust.weights``) not in the file starts from its default; a list of sections
    grows only where its items need no required key (``suppliers``, not ``shocks``).
    """
    data = copy.deepcopy(data)
    for dotted, value in flatten_sections(overrides).items():
        parts = dotted.split(".")
        node: Any = data
        model: type[BaseModel] | None = Scenario
        field_name = ""
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if not isinstance(node, (dict, list)):
                raise ConfigError(f"{source}: '{dotted}': '{parts[depth - 1]}' is a value, not a section.")
            if isinstance(node, list):
                node = _list_item(node, part, dotted, field_name, model, last, value, source)
                continue
            if (model is not None and part not in model.model_fields) or part == "base_dir":
                raise ConfigError(unknown_key(source, dotted, model, part))
            if last:
                node[part] = value
                break
            info = model.model_fields[part] if model is not None else None
            child = node.get(part)
            if child is None:
                child = _default_container(info, parts[depth + 1])
                node[part] = child
            if not isinstance(child, (dict, list)):
                raise ConfigError(f"{source}: '{dotted}': '{part}' is a value, not a section or a list.")
            node, model, field_name = child, section_model(info), part
    return data


def _default_container(info: Any, next_part: str) -> Any:
    """A missing section ({}) or list: a list of values starts from the schema's default."""
    if not next_part.isdigit():
        return {}
    default = info.get_default(call_default_factory=True) if info is not None else None
    return copy.deepcopy(default) if isinstance(default, list) else []


def _list_item(
    node: list[Any],
    part: str,
    dotted: str,
    field_name: str,
    item_model: type[BaseModel] | None,
    last: bool,
    value: Any,
    source: str,
) -> Any:
    if not part.isdigit():
        raise ConfigError(f"{source}: '{dotted}': '{part}' must be a list index (0, 1, ...).")
    idx = int(part)
    if idx >= MAX_LIST_INDEX:  # padding the list up to it would exhaust memory
        raise ConfigError(
            f"{source}: '{dotted}': list index {idx} is too large; indexes count from 0 "
            f"and no list here holds more than {MAX_LIST_INDEX} items (market.suppliers <= 250)."
        )
    if idx >= len(node):
        growable = item_model is not None and not any(f.is_required() for f in item_model.model_fields.values())
        if (not growable and idx > len(node)) or item_model is None:
            have = f"indexes 0..{len(node) - 1}" if node else "no items yet"
            hint = f"; to add one, set '{field_name}.{len(node)}' first" if item_model is not None else ""
            raise ConfigError(f"{source}: '{dotted}': {field_name} has {len(node)} items ({have}){hint}.")
        while len(node) <= idx:
            node.append({})
    if last:
        node[idx] = value
        return node
    return node[idx]


def build_scenario(
    data: Mapping[str, Any], source: str = "<scenario>", origin: Callable[[tuple[Any, ...]], str | None] | None = None
) -> Scenario:
    """Validate a raw dict into a :class:`Scenario`, raising :class:`ConfigError` on any problem.

    Args:
        data: the raw settings.
        source: the file or option they came from, for messages.
        origin: for settings merged from several files, the file a key's value came from
            (None: `source`), so an error in a base file names the base file.
    """
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, source, origin=origin)) from None
    except RecursionError:
        raise ConfigError(f"{source}: values nested too deeply.") from None


def check_horizon(scenario: Scenario, steps: int, source: str = "<scenario>") -> None:
    """Refuse shocks scheduled after the run's last step: they would silently never happen.

    Checked where the horizon is known (a run, a sweep), not in the schema: the classroom
    app runs a scenario for as long as the class likes, whatever its ``steps``.
    """
    late = [shock.step for shock in scenario.shocks if shock.step > steps]
    if late:
        raise ConfigError(
            f"{source}: a shock at step {late[0]} comes after the run's last step ({steps}), so it "
            f"would never happen; run more steps or move the shock."
        )


def load_scenario(
    source: str | Path | Mapping[str, Any] | Scenario | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """Load and validate a scenario from a TOML path, a dict, or an existing Scenario.

    Args:
        source: path to a TOML file, a dict of sections, a Scenario, or None for the defaults.
        overrides: dotted keys to set, e.g. ``{"market.customers": 1000}``.

    Returns:
        The validated scenario.

    Raises:
        ConfigError: with a message naming the file, the key, the value and what is allowed.
    """
    origin = None
    if isinstance(source, Scenario):
        data = source.model_dump(exclude_unset=True)
        data["base_dir"] = source.base_dir
        label = "<scenario>"
    elif isinstance(source, (str, Path)):
        from trustsim.builtin import resolve  # a path, or the name of a built-in scenario

        source = resolve("scenario", source)
        label = str(source)
        layers = scenario_layers(source)
        data = merged_layers(layers)
        if len(layers) > 1:
            origin = _origin(layers, overrides or {})
    elif source is None:
        data, label = {}, "<defaults>"
    elif isinstance(source, Mapping):
        data, label = dict(source), "<dict>"
    else:
        raise ConfigError(f"cannot load a scenario from a {type(source).__name__}")
    if overrides:
        data = apply_overrides(data, overrides, f"{label} (--set)")
    return build_scenario(data, label, origin)
