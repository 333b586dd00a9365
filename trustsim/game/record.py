"""The saved game: everything needed to rebuild the market, in one JSON file (`GAME_DIR/game.json`).

The market itself is never saved: it is recomputed by replaying the rounds from the scenario,
the seed, the firms' decisions and the teacher's events (the model is deterministic, so the same
inputs give the same market bit for bit). The file is written atomically after every join,
decision, event and round, so a crash loses nothing. Firm tokens are stored only as SHA-256
hashes; the teacher key and join code are stored as they are (the folder is the teacher's).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trustsim.errors import ConfigError, RunError
from trustsim.io import atomic_write_json
from trustsim.sweep.lock import folder_lock

FILE_NAME = "game.json"
FORMAT = "trustsim-classroom-game/1"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a projector
CODE_LENGTH = 6


class Firm(BaseModel):
    """A student's firm: its name and the hash of its secret token."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=40)
    token_sha256: str = Field(..., pattern=r"^[0-9a-f]{64}$")
    # --- roster (issue 27): a one-time code the teacher gives to take this firm over on another device
    claim_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    # --- end roster


class Event(BaseModel):
    """A scandal fired by the teacher while round `round` was open (before its periods ran)."""

    model_config = ConfigDict(extra="forbid")

    round: int = Field(..., ge=1)
    supplier: int | Literal["all"]
    severity: float = Field(..., ge=0.0, le=10.0, allow_inf_nan=False)
    reach: float = Field(..., ge=0.0, le=1.0, allow_inf_nan=False)


class Check(BaseModel):
    """The market after a round, to confirm that a replay rebuilds the same market."""

    model_config = ConfigDict(extra="forbid")

    round: int
    customers: list[int]
    discounted_profit: list[float]


class GameRecord(BaseModel):
    """The whole saved state of a game."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["trustsim-classroom-game/1"] = FORMAT
    scenario: dict[str, Any]
    seed: int = Field(..., ge=0)
    rounds: int = Field(..., ge=1, le=100)
    steps_per_round: int = Field(..., ge=1, le=520)
    budget: float | None = Field(default=None, ge=0.0, allow_inf_nan=False)
    join_code: str = Field(..., pattern=r"^[A-Z0-9]{4,12}$")
    teacher_key: str = Field(..., min_length=16, max_length=128)
    phase: Literal["lobby", "playing", "over"] = "lobby"
    completed: int = Field(default=0, ge=0)
    firms: list[Firm] = Field(default_factory=list)
    decisions: list[dict[int, dict[str, float]]] = Field(
        default_factory=list, description="decisions[r - 1]: firm index -> decision of round r."
    )
    events: list[Event] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)


def new_join_code() -> str:
    """A short random code students type to join (about 10^9 possibilities)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_token() -> str:
    """A secret, unguessable token (a firm's or the teacher's)."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """The SHA-256 (hex) of a token, which is what the game file keeps."""
    return hashlib.sha256(token.encode("utf-8", errors="replace")).hexdigest()


def game_file(folder: Path) -> Path:
    """Where a game folder keeps its state."""
    return Path(folder) / FILE_NAME


def save(folder: Path, record: GameRecord) -> None:
    """Write the record atomically (temporary file, fsync, rename)."""
    atomic_write_json(game_file(folder), record.model_dump(mode="json"))


def load(folder: Path) -> GameRecord | None:
    """The saved game in `folder`, or None if there is none yet.

    Raises:
        ConfigError: if the file is not a valid game (naming the file and the bad key).
    """
    path = game_file(folder)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path}: not a readable game file ({e}).") from None
    try:
        return GameRecord.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise ConfigError(f"{path}: key {key}: {err['msg']} (got {err.get('input')!r:.80}).") from None


@contextlib.contextmanager
def game_lock(folder: Path) -> Iterator[None]:
    """Hold the game folder against a second server for the duration of the block.

    Raises:
        ConfigError: if `folder` is a file.
        RunError: if another process holds the folder, or it cannot be written.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--game {folder}: exists and is a file, not a folder.")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise RunError(f"{folder}: cannot create the game folder ({e.strerror}).") from None
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(folder_lock(folder))
    except RunError as e:
        if "another trustsim" not in str(e):
            raise
        raise RunError(
            f"{folder}: another `trustsim classroom` is already serving this game; stop it first, "
            "or start a different game with --game OTHER_FOLDER."
        ) from None
    with stack:
        yield
