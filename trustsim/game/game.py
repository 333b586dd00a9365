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
import secrets
import threading
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim import outputs
from trustsim.config import Scenario, load_scenario
from trustsim.errors import ConfigError, RunError, TrustsimError
from trustsim.game import record as rec
from trustsim.game.lesson import REPLAYS
from trustsim.game.rules import (
    DECISIONS,
    DecisionError,
    Spend,
    check_budget,
    default_budget,
    long_term_income,
    validate_decision,
)
from trustsim.game.text import LocalizedError
from trustsim.model import TrustMarket

MAX_FIRMS = 60
"""Most firms in one game (one per student)."""
CLAIM_LENGTH = 8
"""Characters of a firm code (about 10^12 possibilities; failures are rate-limited by the server)."""

ROUND_SUMS: tuple[str, ...] = outputs.columns(outputs.SUPPLIER, outputs.FLOW)
"""Supplier-table measures summed over a round's periods: its flows (revenue, costs, acquisitions,
lapses, gesture costs, ...), as trustsim/outputs.py declares them."""

ROUND_ENDS: tuple[str, ...] = outputs.columns(outputs.SUPPLIER, outputs.STOCK)
"""Supplier-table measures read at a round's last period: its stocks (customers, trust, discounted profit, ...)."""


class GameError(LocalizedError):
    """Something a player or the teacher asked for that the game cannot do: a text key of
    :mod:`trustsim.game.text` with its fields; `status` is the HTTP code."""


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
            raise GameError("err_not_started", 409)
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
                raise GameError("err_unsaved", 507) from None

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
                raise GameError("err_code", 403)
            if self.record.phase != "lobby":
                raise GameError("err_started", 409)
            name = self._free_name(clean_name(name))
            token = rec.new_token()
            self.record.firms.append(rec.Firm(name=name, token_sha256=rec.token_hash(token)))
            try:
                self._save()
            except GameError as e:  # not saved: the firm must not exist (its token is never given out)
                self.record.firms.pop()
                raise GameError("err_join_unsaved", e.status) from None
            return len(self.record.firms) - 1, token

    # --- the roster: the teacher adds, renames and removes firms and gives out firm codes ----

    def add_firm(self, name: str) -> tuple[int, str]:
        """The teacher adds a firm in the lobby (for a latecomer or an absent student); returns
        (firm index, its firm code). Nobody plays it until a student takes it over with the code."""
        with self.lock:
            if self.record.phase != "lobby":
                raise GameError("err_started", 409)
            name = self._free_name(clean_name(name))
            self.record.firms.append(rec.Firm(name=name, token_sha256=rec.token_hash(rec.new_token())))
            index = len(self.record.firms) - 1
            code = self._issue(index)
            try:
                self._save()
            except GameError:  # not saved: the firm must not exist (its code is never shown)
                self.record.firms.pop()
                raise
            return index, code

    def _free_name(self, name: str, index: int | None = None) -> str:
        key = rec.name_key(name)
        same = [f.name for i, f in enumerate(self.record.firms) if i != index and rec.name_key(f.name) == key]
        if same:  # look-alikes too (Unicode forms, case, spaces): two firms the class could not tell apart
            raise GameError("err_name_taken", 409, name=repr(same[0]))
        if index is None and len(self.record.firms) >= MAX_FIRMS:
            raise GameError("err_full", 409, n=MAX_FIRMS)
        return name

    def _firm(self, index: int) -> rec.Firm:
        if not 0 <= index < len(self.record.firms):
            raise GameError("err_no_firm", 404)
        return self.record.firms[index]

    def _issue(self, index: int) -> str:
        code = "".join(secrets.choice(rec.CODE_ALPHABET) for _ in range(CLAIM_LENGTH))
        self._firm(index).claim_sha256 = rec.token_hash(code)
        return code

    def issue_code(self, index: int) -> str:
        """A new one-time firm code for firm `index` (any earlier code of it stops working)."""
        with self.lock:
            code = self._issue(index)
            self._save()
            return code

    def claim(self, code: str) -> tuple[int, str]:
        """A student takes over the firm whose firm code this is (on another device, or joining
        late); the firm's earlier browser loses it. Returns (firm index, new secret token)."""
        given = (code or "").strip().upper().replace(" ", "")[:32]
        digest = rec.token_hash(given)
        with self.lock:
            for i, firm in enumerate(self.record.firms):
                if firm.claim_sha256 is not None and hmac.compare_digest(firm.claim_sha256, digest):
                    token = rec.new_token()
                    firm.token_sha256, firm.claim_sha256 = rec.token_hash(token), None
                    self._save()
                    return i, token
            raise GameError("err_claim", 403)

    def rename(self, index: int, name: str) -> str:
        """The teacher renames firm `index`; returns the new name (the market is rebuilt with it)."""
        with self.lock:
            firm = self._firm(index)
            firm.name = self._free_name(clean_name(name), index)
            if self.record.phase != "lobby":
                self._replay()
            self._save()
            return firm.name

    def remove(self, index: int) -> bool:
        """The teacher removes firm `index`: in the lobby it is gone (True); once the market runs
        its firms are fixed, so the firm stays with its last decisions and its student is detached
        (False); a firm code lets someone take it over."""
        with self.lock:
            firm = self._firm(index)
            if self.record.phase == "lobby":
                del self.record.firms[index]
                self._save()
                return True
            firm.token_sha256, firm.claim_sha256 = rec.token_hash(rec.new_token()), None
            self._save()
            return False

    def replays(self, n: int = REPLAYS) -> list[pd.DataFrame]:
        """The round tables of this game's decisions and scandals replayed on `n` other seeds."""
        with self.lock:
            record = self.record.model_copy(deep=True)
        out = []
        for i in range(1, n + 1):
            other = Game(record.model_copy(update={"seed": record.seed + i, "checks": []}))
            out.append(other.round_table())
        return out

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
                raise GameError("err_already", 409)
            if not self.record.firms:
                raise GameError("err_nobody", 409)
            try:
                self._model = TrustMarket(self.market_scenario(), rng=self.record.seed)
            except TrustsimError as e:
                raise GameError("err_build", 409, n=len(self.record.firms), error=str(e)) from None
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
                raise GameError("err_no_round" if self.record.phase == "lobby" else "err_over", 409)
            if not 0 <= index < len(self.record.firms):
                raise GameError("err_no_firm", 404)
            full = {k: v for k, v in self.model.suppliers_list[index].policy().items()}
            try:
                decision = validate_decision(values, full, self.base)
                self.spend(index, decision)
            except DecisionError as e:
                raise GameError(e.key, 400, **e.fields) from None
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
                raise GameError("err_round_closed", 409, r=round_)
            if round_ is not None and round_ != self.open_round:
                raise GameError("err_round_not_open", 409, r=round_)
            if self.record.phase != "playing":
                raise GameError("err_close", 409)
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
                raise GameError("err_scandal_fired", 409)
            if self.record.phase != "playing":
                raise GameError("err_scandal_when", 409)
            if str(target) == "all":
                supplier: int | str = "all"
            else:
                try:
                    supplier = int(target)
                except ValueError:
                    raise GameError("err_scandal_target", target=repr(str(target)[:40])) from None
                if not 0 <= supplier < len(self.record.firms):
                    raise GameError("err_scandal_target", target=supplier)
            try:
                event = rec.Event(round=self.open_round, supplier=supplier, severity=severity, reach=reach)
            except ValueError:
                raise GameError("err_scandal_values") from None
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
        out = last[["name", *DECISIONS, *[c for c in ROUND_ENDS if c in last.columns]]].copy()
        sums = [c for c in ROUND_SUMS if c in played.columns]
        out[sums] = groups[sums].sum()
        out["customer_periods"] = groups["customers"].sum()
        return long_term_income(out.reset_index(), self.base, self.record.steps_per_round, self.horizon)

    @property
    def horizon(self) -> int:
        """Periods ahead a customer's value counts in the score: as many as the whole game lasts."""
        return self.record.rounds * self.record.steps_per_round

    def leaderboard(self) -> list[dict[str, Any]]:
        """Firms ranked by their score, long-term income (:func:`~trustsim.game.rules.long_term_income`),
        at the end of the last completed round, with customers, ambassadors, trust and promises kept."""
        rounds = self.round_table()
        last = rounds[rounds["round"] == self.record.completed].set_index("supplier") if not rounds.empty else None
        kept = promises_kept(rounds) if not rounds.empty else pd.Series(dtype=float)
        rows = []
        for i, firm in enumerate(self.record.firms):
            row: dict[str, Any] = {
                "index": i,
                "name": firm.name,
                "customers": 0,
                "ambassadors": 0,
                "detractors": 0,
                "discounted_profit": 0.0,
                "base_value": 0.0,
                "score": 0.0,
                "trust": float("nan"),
                "kept": float(kept.get(i, float("nan"))),
                "decided": self.pending(i) is not None,
            }
            if last is not None and i in last.index:
                r = last.loc[i].to_dict()
                for key in ("customers", "ambassadors", "detractors"):
                    row[key] = int(r[key])
                for key in ("discounted_profit", "base_value", "score", "trust"):
                    row[key] = float(r[key])
            rows.append(row)
        rows.sort(key=lambda r: (-r["score"], r["index"]))
        for rank, row in enumerate(rows, 1):
            row["rank"] = rank
        return rows

    def flows(self, index: int, round_: int) -> dict[str, list[tuple[str, str, int]]]:
        """Where firm `index`'s new customers of round `round_` came from, and where its lost ones went:
        (kind, what, count) with kind 'via' (a channel), 'from' or 'to' (a firm) or 'left' (the market)."""
        if self._model is None or round_ < 1:
            return {"came": [], "went": []}
        k = self.record.steps_per_round
        lo, hi = (round_ - 1) * k + 1, round_ * k
        spells = self.model.customer_table()
        name = self.record.firms[index].name
        new = spells[(spells["supplier"] == name) & spells["start_step"].between(lo, hi)]
        came = [
            ("via", str(channel), int(count))
            for channel, count in new["channel"].astype(str).value_counts().items()
            if channel != "switch" and count
        ]
        rivals = new[new["from_supplier"].notna()]["from_supplier"].astype(str).value_counts()
        came += [("from", str(rival), int(count)) for rival, count in rivals.items() if count]
        moved = spells[(spells["from_supplier"] == name) & spells["start_step"].between(lo, hi)]
        went = [("to", str(s), int(c)) for s, c in moved["supplier"].astype(str).value_counts().items() if c]
        left = spells[
            (spells["supplier"] == name) & (spells["end_reason"] == "left") & spells["end_step"].between(lo, hi)
        ]
        if len(left):
            went.append(("left", "", len(left)))
        return {"came": came, "went": went}


def promises_kept(rounds: pd.DataFrame) -> pd.Series:
    """Per firm (index): the share of its deliveries that kept or beat the promise, over the rounds played."""
    delivered = rounds.groupby("supplier")[["kept", "exceeded", "broken"]].sum()
    total = delivered.sum(axis=1).replace(0, np.nan)
    return (delivered["kept"] + delivered["exceeded"]) / total


def clean_name(name: Any) -> str:
    """A firm name as typed, checked: 1-40 printable characters, spaces collapsed.

    Raises:
        GameError: naming what is wrong.
    """
    text = unicodedata.normalize("NFC", " ".join(str(name or "").split()))
    if not text:
        raise GameError("err_name_empty")
    if len(text) > 40:
        raise GameError("err_name_long", n=len(text))
    if not text.isprintable():
        raise GameError("err_name_chars")
    return text
