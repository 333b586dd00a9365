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
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, ValidationError, model_validator

from trustsim.config import SupplierPolicy, load_scenario
from trustsim.errors import ConfigError, RunError
from trustsim.game.rules import DECISIONS
from trustsim.io import MB, atomic_write_json, read_user_text
from trustsim.sweep.lock import folder_lock

FILE_NAME = "game.json"
FORMAT = "trustsim-classroom-game/1"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a projector
CODE_LENGTH = 6


def name_key(name: str) -> str:
    """What two firm names must not share: names that look alike (NFC/NFD/NFKC forms, case, spaces) clash."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class Firm(BaseModel):
    """A student's firm: its name and the hash of its secret token."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=40)
    token_sha256: str = Field(..., pattern=r"^[0-9a-f]{64}$")
    # --- roster (issue 27): a one-time code the teacher gives to take this firm over on another device
    claim_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    # --- end roster

    @model_validator(mode="after")
    def _printable(self) -> Firm:
        if not self.name.isprintable() or self.name != self.name.strip():
            raise ValueError(f"name {self.name!r:.60}: printable characters only, no spaces at either end")
        return self


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
    discounted_profit: list[FiniteFloat]


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
    completed: int = Field(default=0, ge=0, le=100)
    firms: list[Firm] = Field(default_factory=list)
    decisions: list[dict[int, dict[str, FiniteFloat]]] = Field(
        default_factory=list, description="decisions[r - 1]: firm index -> decision of round r."
    )
    events: list[Event] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> GameRecord:
        """The parts agree: rounds played within the game, decisions and events for firms that exist."""
        firms, rounds = len(self.firms), self.rounds
        if not self.completed <= rounds:
            raise ValueError(f"completed = {self.completed}: at most rounds = {rounds}")
        played = {"lobby": self.completed == 0, "playing": self.completed < rounds, "over": self.completed == rounds}
        if not played[self.phase]:
            raise ValueError(
                f"phase = {self.phase!r} with completed = {self.completed} of {rounds} rounds: a game in the "
                "lobby has played 0 rounds, one playing fewer than all, one over all of them"
            )
        seen: dict[str, str] = {}
        for firm in self.firms:
            if name_key(firm.name) in seen:
                raise ValueError(f"firms: {firm.name!r} and {seen[name_key(firm.name)]!r} are the same name")
            seen[name_key(firm.name)] = firm.name
        if len(self.decisions) > min(self.completed + 1, rounds):
            raise ValueError(
                f"decisions: {len(self.decisions)} rounds of decisions, but only {self.completed + 1} opened"
            )
        for r, decided in enumerate(self.decisions, 1):
            for index, decision in decided.items():
                where = f"decisions.{r - 1}.{index}"
                if not 0 <= index < firms:
                    raise ValueError(f"{where}: firm {index} does not exist (firms are 0 to {firms - 1})")
                if set(decision) != set(DECISIONS):
                    raise ValueError(f"{where}: has {sorted(decision)}; a decision sets exactly {sorted(DECISIONS)}")
                try:
                    SupplierPolicy.model_validate(decision)
                except ValidationError as e:
                    err = e.errors()[0]
                    field = ".".join(str(p) for p in err["loc"])
                    raise ValueError(f"{where}.{field} = {err.get('input')!r}: {err['msg'].lower()}") from None
        for i, event in enumerate(self.events):
            if event.supplier != "all" and not 0 <= event.supplier < firms:
                raise ValueError(f"events.{i}.supplier = {event.supplier}: no such firm (0 to {firms - 1}, or 'all')")
            if event.round > self.completed + 1 or (event.round > self.completed and self.phase != "playing"):
                raise ValueError(f"events.{i}.round = {event.round}: that round has not been opened")
        for i, check in enumerate(self.checks):
            if not 1 <= check.round <= self.completed or len(check.customers) != firms:
                raise ValueError(
                    f"checks.{i}: round {check.round} with {len(check.customers)} firms does not fit the game"
                )
        return self


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
    """Write the record atomically (temporary file, fsync, rename), readable by its owner only (0600).

    Raises:
        RunError: if it cannot be written (disk full, permission denied).
    """
    atomic_write_json(game_file(folder), record.model_dump(mode="json"), mode=0o600)


def load(folder: Path) -> GameRecord | None:
    """The saved game in `folder`, or None if there is none yet.

    Raises:
        ConfigError: if the file is not a valid game (naming the file and the bad key).
    """
    path = game_file(folder)
    if not path.exists():
        return None
    with contextlib.suppress(OSError):  # written 0644 by an older trustsim: the teacher key is private
        path.chmod(0o600)
    try:
        data = json.loads(read_user_text(path, "game file", 50 * MB))
    except (ValueError, RecursionError) as e:
        raise ConfigError(f"{path}: not a readable game file ({str(e)[:200]}).") from None
    try:
        record = GameRecord.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if err["type"] == "value_error":  # a check across keys: its message names the key and the value
            raise ConfigError(f"{path}: {err.get('ctx', {}).get('error', err['msg'])!s}.") from None
        raise ConfigError(f"{path}: key {key}: {err['msg']} (got {err.get('input')!r:.80}).") from None
    try:
        load_scenario(record.scenario)
    except ConfigError as e:
        raise ConfigError(f"{path}: key scenario: {e}") from None
    return record


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
