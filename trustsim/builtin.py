"""The scenarios, policies and experiment designs shipped inside the package, found by name.

The files live in ``trustsim/data/`` and travel in the wheel; they are read through
:mod:`importlib.resources`, never by counting folders up from a source file::

    trustsim/data/configs/*.toml            scenarios    (trustsim run baseline)
    trustsim/data/configs/policies/*.toml   policies     (trustsim compare listener ... )
    trustsim/data/experiments/*.toml        experiments  (trustsim experiment ten_ambassadors)
    trustsim/data/calibrations/*.toml       calibrations (trustsim calibrate new_category)
    trustsim/data/configs/calibrated/*.toml their results (trustsim run calibrated/new_category)

In a source checkout the top-level ``configs/`` and ``experiments/`` folders are links to these
folders, so ``trustsim run configs/baseline.toml`` and the experiments' relative references
(``scenario = "../configs/baseline.toml"``) work there and in an installed wheel alike.

Wherever a command takes one of these files it takes a path or a built-in name:

>>> resolve("scenario", "baseline").name
'baseline.toml'
>>> str(resolve("scenario", "my_market.toml"))
'my_market.toml'
>>> "listener" in names("policy")
True
"""

from __future__ import annotations

import atexit
import contextlib
import tomllib
from importlib.resources import as_file, files
from pathlib import Path
from typing import Literal

from trustsim.errors import ConfigError, did_you_mean

Kind = Literal["scenario", "policy", "experiment", "calibration"]

KINDS: dict[str, tuple[str, ...]] = {
    "scenario": ("configs",),
    "policy": ("configs", "policies"),
    "experiment": ("experiments",),
    "calibration": ("calibrations",),
}
"""Where each kind of built-in file lives, below ``trustsim/data/``."""

PLURAL = {"scenario": "scenarios", "policy": "policies", "experiment": "experiments", "calibration": "calibrations"}

_EXTRACTED = contextlib.ExitStack()
atexit.register(_EXTRACTED.close)


def data_dir() -> Path:
    """The package's data folder as a real folder (extracted once if the package is zipped)."""
    root = files("trustsim") / "data"
    if isinstance(root, Path):
        return root
    return _EXTRACTED.enter_context(as_file(root))  # pragma: no cover - zipped installs only


def folder(kind: Kind) -> Path:
    """The folder of one kind of built-in file."""
    return data_dir().joinpath(*KINDS[kind])


def names(kind: Kind) -> list[str]:
    """The built-in names of one kind, sorted (file names without ``.toml``)."""
    return sorted(p.stem for p in folder(kind).glob("*.toml"))


def is_name(spec: str | Path) -> bool:
    """Whether `spec` reads as a bare name (no folder, no ``.toml``) rather than a path."""
    p = Path(spec)
    return len(p.parts) == 1 and p.suffix != ".toml"


def path(kind: Kind, name: str) -> Path:
    """The file of the built-in `name` of `kind`.

    Raises:
        ConfigError: no such built-in; the message lists the built-in names.
    """
    candidate = folder(kind) / f"{name}.toml"
    if candidate.is_file():
        return candidate
    known = names(kind)
    raise ConfigError(
        f"{kind} {name!r}: no such file and no built-in {kind} of that name.{did_you_mean(name, known)} "
        f"Give the path of a {kind} TOML file or one of the built-in {PLURAL[kind]}: {', '.join(known)} "
        f"(see `trustsim list`)."
    )


def resolve(kind: Kind, spec: str | Path) -> Path:
    """The file meant by `spec`: an existing file, a path, or the name of a built-in.

    An existing file always wins, so a local file called ``baseline`` shadows the built-in. A path
    that does not exist is returned as it is (the reader reports it), except that a missing
    ``NAME.toml`` whose NAME is built in says how to run the built-in instead.

    Raises:
        ConfigError: a bare name that is neither a file nor a built-in (listing the built-ins),
            or a missing file named like a built-in.
    """
    p = Path(spec)
    if p.is_file():
        return p
    nested = folder(kind) / f"{p}.toml"  # calibrated/new_category: a built-in in a subfolder
    if len(p.parts) == 2 and p.suffix != ".toml" and ".." not in p.parts and nested.is_file():
        return nested
    if is_name(p):
        return p if p.exists() and not (folder(kind) / f"{p.name}.toml").is_file() else path(kind, p.name)
    if not p.exists() and p.stem in names(kind):
        raise ConfigError(
            f"{p}: no such file. The built-in {kind} {p.stem!r} is used by its name alone: "
            f"{p.stem} (see `trustsim list`)."
        )
    return p


def beside(kind: Kind, spec: str, folder_of_file: Path) -> Path:
    """The file a path inside another file names: relative to that file's folder, or a built-in.

    ``spec`` is looked for beside the file that names it (an absolute path stays itself), then
    as the name of a built-in of `kind` (``baseline``, ``calibrated/new_category``); never in
    the current folder, so the same file means the same thing from wherever it is run. When
    neither exists, the path beside the file is returned for the caller to report.

    >>> beside("scenario", "baseline", Path("/nowhere")).name
    'baseline.toml'
    >>> str(beside("scenario", "x.toml", Path("/nowhere")))
    '/nowhere/x.toml'
    """
    p = Path(spec)
    local = folder_of_file / p
    if local.is_file() or p.is_absolute() or p.suffix == ".toml" or ".." in p.parts or len(p.parts) > 2:
        return local
    named = folder(kind) / f"{spec}.toml"
    return named if named.is_file() else local


def describe(file: Path) -> str:
    """One line on what a built-in file is: its ``description``, else its opening comment's first sentence."""
    text = file.read_text(encoding="utf-8")
    with contextlib.suppress(tomllib.TOMLDecodeError):
        description = tomllib.loads(text).get("description")
        if isinstance(description, str) and description.strip():
            return " ".join(description.split())
    comment: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        comment.append(line.lstrip("#").strip())
    opening = " ".join(" ".join(comment).split())
    end = opening.find(". ")
    return opening if end < 0 else opening[: end + 1]


def catalogue() -> dict[str, list[tuple[str, str]]]:
    """Every built-in, by kind: ``{"scenario": [(name, description), ...], ...}``."""
    return {kind: [(n, describe(folder(kind) / f"{n}.toml")) for n in names(kind)] for kind in KINDS}  # type: ignore[arg-type]


__all__ = [
    "KINDS",
    "PLURAL",
    "catalogue",
    "data_dir",
    "describe",
    "did_you_mean",
    "folder",
    "is_name",
    "names",
    "path",
    "resolve",
]
