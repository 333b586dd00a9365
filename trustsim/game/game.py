"""A classroom game: students' firms in one shared market, played round by round.

The game has three phases: the *lobby* (students join with the join code and a firm name), the
*rounds* (each firm decides its policy for the next K periods within its budget; the round runs
when every firm has decided or the teacher closes it; between rounds the teacher may fire a
scandal) and the end (*over*: the debrief). :class:`Game` holds the saved record and the live
market; every change is saved at once, and :meth:`Game.open` rebuilds the market of a saved game
by replaying its rounds (same seed and decisions -> the same market).
"""

from __future__ import annotations

import hmac
import logging
import threading
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim.config import Scenario, load_scenario
from trustsim.errors import ConfigError, RunError, TrustsimError
from trustsim.game import record as rec
from trustsim.game.rules import DECISIONS, DecisionError, Spend, check_budget, default_budget, validate_decision
from trustsim.model import TrustMarket

MAX_FIRMS = 60
"""Most firms in one game (one per student)."""

ROUND_SUMS = (
    "revenue",
    "costs",
    "profit",
    "acquired",
    "acquired_ads",
    "acquired_reviews",
    "acquired_recommendations",
    "churned",
    "departed",
    "kept",
    "broken",
    "exceeded",
)
"""Supplier-table measures summed over a round's periods; the others are read at its last period."""

ROUND_ENDS = (
    "customers",
    "ambassadors",
    "detractors",
    "loyal",
    "nps",
    "trust",
    "trust_reliability",
    "trust_transparency",
    "trust_competence",
    "trust_care",
    "discounted_profit",
)


class GameError(Exception):
    """Something a player or the teacher asked for that the game cannot do; `status` is the HTTP code."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Game:
    """The state of one game and its live market (thread-safe: every public method holds a lock).

    Args:
        record: the saved game.
        folder: where it is saved after every change (None: not saved, for tests).
    """

    def __init__(self, record: rec.GameRecord, folder: Path | None = None) -> None:
        self.record = record
        self.folder = Path(folder) if folder is not None else None
        self.base = load_scenario(record.scenario)
        self._model: TrustMarket | None = None
        self.notice = ""
        self.version = 0  # bumped on every change; pages poll it to know when to refresh
        self.lock = threading.RLock()
        self._tables: dict[str, Any] = {}
        if record.phase != "lobby":
            self._replay()

    # --- creating and opening ---------------------------------------------------------

    @property
    def model(self) -> TrustMarket:
        """The market (once the game has started)."""
        if self._model is None:
            raise GameError("The game has not started yet.", 409)
        return self._model

    @classmethod
    def create(
        cls,
        scenario: Scenario,
        *,
        rounds: int,
        steps_per_round: int,
        seed: int | None = None,
        budget: float | None = None,
        folder: Path | None = None,
    ) -> Game:
        """A new game in the lobby, with a fresh join code and teacher key (saved if `folder`)."""
        record = rec.GameRecord(
            scenario=scenario.model_dump(mode="json"),
            seed=scenario.seed if seed is None else seed,
            rounds=rounds,
            steps_per_round=steps_per_round,
            budget=budget,
            join_code=rec.new_join_code(),
            teacher_key=rec.new_token(),
        )
        game = cls(record, folder)
        if folder is not None:  # before serving, a file that cannot be written is the command's error (exit 1)
            rec.save(folder, record)
        return game

    @classmethod
    def open(
        cls,
        folder: Path,
        scenario: Scenario,
        *,
        rounds: int,
        steps_per_round: int,
        seed: int | None = None,
        budget: float | None = None,
    ) -> tuple[Game, bool]:
        """The game saved in `folder` (resumed), or a new one there; returns (game, resumed).

        Raises:
            ConfigError: if the saved game was started with other settings than those given.
        """
        saved = rec.load(folder)
        if saved is None:
            game = cls.create(
                scenario, rounds=rounds, steps_per_round=steps_per_round, seed=seed, budget=budget, folder=folder
            )
            return game, False
        wanted = {
            "scenario": scenario.model_dump(mode="json"),
            "rounds": rounds,
            "steps_per_round": steps_per_round,
            "seed": scenario.seed if seed is None else seed,
            "budget": budget,
        }
        differs = [k for k, v in wanted.items() if getattr(saved, k) != v]
        if differs:
            k = differs[0]
            shown = "the scenario" if k == "scenario" else f"{k} = {getattr(saved, k)!r} (now {wanted[k]!r})"
            raise ConfigError(
                f"{rec.game_file(folder)}: this game was started with other settings ({shown}). "
                "Repeat the original command to resume it, or start a new game with --game OTHER_FOLDER."
            )
        return cls(saved, folder), True

    def _save(self) -> None:
        """Save the record (raises GameError 507 if it cannot be written: the change is then not saved)."""
        self.version += 1
        self._tables.clear()
        if self.folder is not None:
            try:
                rec.save(self.folder, self.record)
            except RunError as e:  # the teacher's console gets the file and the cause; the page no paths
                logging.getLogger("trustsim.classroom").warning("trustsim classroom: the game was not saved: %s", e)
                raise GameError(
                    "The game could not be saved on the teacher's computer (is its disk full?). Tell the teacher.", 507
                ) from None

    # --- the market -------------------------------------------------------------------

    def market_scenario(self) -> Scenario:
        """The game's scenario with one supplier per firm, named after it; no imitation, no scheduled shocks."""
        data = self.base.model_dump(mode="json")
        data["market"]["suppliers"] = len(self.record.firms)
        data["suppliers"] = [{"name": f.name} for f in self.record.firms]
        data["imitation"]["rate"] = 0.0
        data["shocks"] = []
        return load_scenario(data)

    def _replay(self) -> None:
        """Rebuild the market from the record: every completed round, then the open round's events."""
        self._model = TrustMarket(self.market_scenario(), rng=self.record.seed)
        for r in range(1, self.record.completed + 1):
            self._fire_events(r)
            self._run(r)
            self._verify(r)
        if self.record.phase == "playing":
            self._fire_events(self.record.completed + 1)

    def _fire_events(self, round_: int) -> None:
        for event in self.record.events:
            if event.round == round_:
                self.model.trigger_scandal(event.supplier, event.severity, event.reach)

    def _run(self, round_: int) -> None:
        """Apply round `round_`'s decisions (firms that did not decide keep their policy) and run it."""
        decisions = self.record.decisions[round_ - 1] if round_ <= len(self.record.decisions) else {}
        for index, decision in decisions.items():
            supplier = self.model.suppliers_list[index]
            for field, value in decision.items():
                setattr(supplier, field, float(value))
        self.model.run(self.record.steps_per_round)

    def _snapshot(self, round_: int) -> rec.Check:
        metrics = self.model.supplier_metrics
        return rec.Check(
            round=round_,
            customers=[int(c) for c in metrics["customers"]],
            discounted_profit=[float(v) for v in metrics["discounted_profit"]],
        )

    def _verify(self, round_: int) -> None:
        saved = next((c for c in self.record.checks if c.round == round_), None)
        if saved is not None and saved != self._snapshot(round_):
            self.notice = (
                f"Replaying the saved decisions did not rebuild the market of round {round_} "
                "exactly (was trustsim updated since the game began?); the game goes on with "
                "the replayed market."
            )

    # --- players ----------------------------------------------------------------------

    @property
    def phase(self) -> str:
        """'lobby', 'playing' or 'over'."""
        return self.record.phase

    @property
    def open_round(self) -> int:
        """The round firms are deciding now (completed rounds + 1)."""
        return self.record.completed + 1

    def join(self, name: str, code: str) -> tuple[int, str]:
        """A new firm called `name`, if `code` is the join code; returns (firm index, secret token)."""
        with self.lock:
            if not self.code_ok(code):
                raise GameError("Wrong join code: check the code on the teacher's screen.", 403)
            if self.record.phase != "lobby":
                raise GameError("The game has started: new firms cannot join any more. Ask the teacher.", 409)
            name = clean_name(name)
            same = [f.name for f in self.record.firms if rec.name_key(f.name) == rec.name_key(name)]
            if same:
                raise GameError(f"A firm called {same[0]!r} already exists: choose another name.", 409)
            if len(self.record.firms) >= MAX_FIRMS:
                raise GameError(f"The market is full ({MAX_FIRMS} firms).", 409)
            token = rec.new_token()
            self.record.firms.append(rec.Firm(name=name, token_sha256=rec.token_hash(token)))
            try:
                self._save()
            except GameError as e:  # not saved: the firm must not exist (its token is never given out)
                self.record.firms.pop()
                raise GameError(f"{e} Your firm was not created; try again in a moment.", e.status) from None
            return len(self.record.firms) - 1, token

    def code_ok(self, code: str | None) -> bool:
        """Whether `code` is the join code (case and spaces ignored; constant time)."""
        given = (code or "").strip().upper().replace(" ", "")[:32]
        return hmac.compare_digest(given.encode(), self.record.join_code.encode())

    def teacher_ok(self, key: str | None) -> bool:
        """Whether `key` is the teacher's key (constant time)."""
        return hmac.compare_digest((key or "")[:256].encode(), self.record.teacher_key.encode())

    def firm_of(self, token: str | None) -> int | None:
        """The index of the firm whose secret token this is, or None."""
        if not token:
            return None
        digest = rec.token_hash(token[:256])
        for i, firm in enumerate(self.record.firms):
            if firm.token_sha256 == digest:
                return i
        return None

    def start(self) -> None:
        """Close the lobby and open round 1 (needs at least one firm)."""
        with self.lock:
            if self.record.phase != "lobby":
                raise GameError("The game has already started.", 409)
            if not self.record.firms:
                raise GameError("No firm has joined yet.", 409)
            try:
                self._model = TrustMarket(self.market_scenario(), rng=self.record.seed)
            except TrustsimError as e:
                raise GameError(f"The market cannot be built for {len(self.record.firms)} firms: {e}", 409) from None
            self.record.phase = "playing"
            self._save()

    def budget(self) -> float:
        """Each firm's budget per round, in money units."""
        if self.record.budget is not None:
            return self.record.budget
        return default_budget(self.base, max(len(self.record.firms), 1), self.record.steps_per_round)

    def customers(self, index: int) -> int:
        """The firm's customers now (at the end of the last completed round)."""
        if self._model is None:
            return 0
        return int(self.model.supplier_metrics["customers"][index])

    def policy(self, index: int) -> dict[str, float]:
        """The firm's policy in force now (before this round's decision is applied)."""
        if self._model is None:
            return {f: float(getattr(self.base.supplier_defaults, f)) for f in DECISIONS}
        return {f: float(getattr(self.model.suppliers_list[index], f)) for f in DECISIONS}

    def pending(self, index: int) -> dict[str, float] | None:
        """The firm's decision for the open round, if it has decided."""
        if len(self.record.decisions) < self.open_round:
            return None
        return self.record.decisions[self.open_round - 1].get(index)

    def spend(self, index: int, decision: dict[str, float]) -> Spend:
        """What `decision` would cost firm `index` this round (raises DecisionError over budget)."""
        return check_budget(
            decision,
            self.customers(index),
            self.base,
            len(self.record.firms),
            self.record.steps_per_round,
            self.budget(),
        )

    def decide(self, index: int, values: dict[str, Any]) -> bool:
        """Record firm `index`'s decision for the open round; run the round once every firm has decided.

        Returns:
            True if this decision completed the round (and the round ran).

        Raises:
            GameError: if the game is not in a round, or the decision is invalid or over budget.
        """
        with self.lock:
            if self.record.phase != "playing":
                raise GameError(
                    "There is no open round: wait for the teacher to start the game."
                    if self.record.phase == "lobby"
                    else "The game is over.",
                    409,
                )
            if not 0 <= index < len(self.record.firms):
                raise GameError("No such firm.", 404)
            full = {k: v for k, v in self.model.suppliers_list[index].policy().items()}
            try:
                decision = validate_decision(values, full, self.base)
                self.spend(index, decision)
            except DecisionError as e:
                raise GameError(str(e), 400) from None
            while len(self.record.decisions) < self.open_round:
                self.record.decisions.append({})
            self.record.decisions[self.open_round - 1][index] = decision
            if len(self.record.decisions[self.open_round - 1]) == len(self.record.firms):
                self._close()
                return True
            self._save()
            return False

    def close_round(self, round_: int | None = None) -> None:
        """The teacher closes the open round now: firms that did not decide keep their policy.

        Args:
            round_: the round the teacher means (from the page); a repeated request for a round
                already closed (a double click) closes nothing.
        """
        with self.lock:
            if round_ is not None and (round_ < self.open_round or self.record.phase == "over"):
                raise GameError(f"Round {round_} is already closed: nothing was done.", 409)
            if round_ is not None and round_ != self.open_round:
                raise GameError(f"Round {round_} is not open: reload the page.", 409)
            if self.record.phase != "playing":
                raise GameError("There is no open round to close.", 409)
            self._close()

    def _close(self) -> None:
        r = self.open_round
        self._run(r)
        self.record.completed = r
        self.record.checks.append(self._snapshot(r))
        if r >= self.record.rounds:
            self.record.phase = "over"
        self._save()

    def scandal(self, target: str, severity: float = 1.0, reach: float = 1.0, events_seen: int | None = None) -> None:
        """The teacher fires a scandal now, between rounds: at one firm (its index) or sector-wide ('all').

        Args:
            target: a firm's index, or 'all'.
            severity: how hard it hits (0-10).
            reach: the share of customers who hear of it (0-1).
            events_seen: how many events the teacher's page showed; if more have been fired since
                (the same form sent twice), nothing is fired again.
        """
        with self.lock:
            if events_seen is not None and events_seen != len(self.record.events):
                raise GameError("That scandal has already been fired: nothing was done. Reload the page.", 409)
            if self.record.phase != "playing":
                raise GameError("Scandals can be fired between rounds, while the game is on.", 409)
            if str(target) == "all":
                supplier: int | str = "all"
            else:
                try:
                    supplier = int(target)
                except ValueError:
                    raise GameError(f"Scandal: {target!r} is neither a firm nor 'all'.") from None
                if not 0 <= supplier < len(self.record.firms):
                    raise GameError(f"Scandal: there is no firm number {supplier}.")
            try:
                event = rec.Event(round=self.open_round, supplier=supplier, severity=severity, reach=reach)
            except ValueError:
                raise GameError("Scandal: severity must be 0-10 and reach 0-1.") from None
            self.model.trigger_scandal(event.supplier, event.severity, event.reach)
            self.record.events.append(event)
            self._save()

    # --- what the screens show --------------------------------------------------------

    def supplier_table(self) -> pd.DataFrame:
        """The market's supplier table (one row per period x firm), cached until the next change."""
        if self._model is None:
            return pd.DataFrame()
        if "suppliers" not in self._tables:
            table = self.model.supplier_table()
            table["round"] = np.ceil(table["step"] / self.record.steps_per_round).astype(int)
            self._tables["suppliers"] = table
        return self._tables["suppliers"]

    def round_table(self) -> pd.DataFrame:
        """One row per firm x completed round: the policy in force, and the round's outcomes."""
        table = self.supplier_table()
        if table.empty or self.record.completed == 0:
            return pd.DataFrame()
        played = table[table["round"] >= 1]
        groups = played.groupby(["supplier", "round"], sort=True)
        last = groups.last()
        out = last[["name", *DECISIONS, *ROUND_ENDS]].copy()
        out[list(ROUND_SUMS)] = groups[list(ROUND_SUMS)].sum()
        return out.reset_index()

    def leaderboard(self) -> list[dict[str, Any]]:
        """Firms ranked by discounted profit so far (long-term profit), with customers and ambassadors."""
        rows = []
        for i, firm in enumerate(self.record.firms):
            m = self._model.supplier_metrics if self._model is not None else None
            rows.append(
                {
                    "index": i,
                    "name": firm.name,
                    "customers": int(m["customers"][i]) if m else 0,
                    "ambassadors": int(m["ambassadors"][i]) if m else 0,
                    "detractors": int(m["detractors"][i]) if m else 0,
                    "discounted_profit": float(m["discounted_profit"][i]) if m else 0.0,
                    "decided": self.pending(i) is not None,
                }
            )
        rows.sort(key=lambda r: -r["discounted_profit"])
        for rank, row in enumerate(rows, 1):
            row["rank"] = rank
        return rows

    def flows(self, index: int, round_: int) -> dict[str, dict[str, int]]:
        """Where firm `index`'s new customers of round `round_` came from, and where its lost ones went."""
        if self._model is None or round_ < 1:
            return {"came": {}, "went": {}}
        k = self.record.steps_per_round
        lo, hi = (round_ - 1) * k + 1, round_ * k
        spells = self.model.customer_table()
        name = self.record.firms[index].name
        new = spells[(spells["supplier"] == name) & spells["start_step"].between(lo, hi)]
        came: dict[str, int] = {}
        for channel, count in new["channel"].astype(str).value_counts().items():
            if channel != "switch" and count:
                came[_CHANNEL_LABELS.get(str(channel), str(channel))] = int(count)
        rivals = new[new["from_supplier"].notna()]["from_supplier"].astype(str).value_counts()
        for rival, count in rivals.items():
            if count:
                came[f"from {rival}"] = int(count)
        moved = spells[(spells["from_supplier"] == name) & spells["start_step"].between(lo, hi)]
        went = {f"to {s}": int(c) for s, c in moved["supplier"].astype(str).value_counts().items() if c}
        left = spells[
            (spells["supplier"] == name) & (spells["end_reason"] == "left") & spells["end_step"].between(lo, hi)
        ]
        if len(left):
            went["left the market"] = len(left)
        return {"came": came, "went": went}


_CHANNEL_LABELS = {"recommendation": "recommendations", "review": "reviews", "ad": "ads", "banner": "banners"}


def clean_name(name: Any) -> str:
    """A firm name as typed, checked: 1-40 printable characters, spaces collapsed.

    Raises:
        GameError: naming what is wrong.
    """
    text = unicodedata.normalize("NFC", " ".join(str(name or "").split()))
    if not text:
        raise GameError("Firm name: give your firm a name (1-40 characters).")
    if len(text) > 40:
        raise GameError(f"Firm name: {len(text)} characters is too long; at most 40.")
    if not text.isprintable():
        raise GameError("Firm name: use letters, digits, spaces and punctuation only.")
    return text
