"""Referral records: one row per customer spell — who bought from whom, how they were won, by
whom, for how long, and what the spell earned (`customers.parquet`).

Models: customer lifetime value and customer referral value are different things (Kumar,
Petersen & Leone 2007, 2010): a spell's `value` is the discounted profit it earns, its
`referral_value` the value of the spells it brought in by recommendation. Referral chains,
referrals per ambassador and the value of customers by acquisition channel (Villanueva, Yoo &
Hanssens 2008) are read from these records.

State like any other: the model's phases write it (a spell starts when a customer is won and
ends when it switches or leaves the market), :meth:`Spells.table` reads it into the public table.
Arrays grow by doubling, so recording costs a few array writes per acquisition. Money is kept
per supplier and week in a :class:`Ledger` (every customer of a supplier pays the same price and
costs the same to serve in a given week), so a spell's revenue and value are differences of
running sums: nothing per customer per week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trustsim import outputs
from trustsim.mechanisms.channels import CHANNELS
from trustsim.mechanisms.money import discount_factor

SWITCH, INITIAL = len(CHANNELS), len(CHANNELS) + 1
"""Channel codes beyond CHANNELS: won from a rival by the switching rule; a customer at step 0."""
SPELL_CHANNELS: tuple[str, ...] = (*CHANNELS, "switch", "initial")
"""What won a spell, by code: a recommendation, review, ad or banner, a switch, or the initial market."""
SWITCHED, LEFT, LAPSED = 0, 1, 2
END_REASONS: tuple[str, ...] = ("switch", "left", "lapsed")
"""Why a spell ended: the customer switched to a rival, left the market (turnover), or stopped buying
from anyone for a while (lapse)."""

CUSTOMER_COLUMNS: tuple[str, ...] = tuple(outputs.CUSTOMER)
"""Columns of `customers.parquet`, one row per customer spell (docs/ODD.md, 'Referral records')."""

_GROWN = (
    "customer",
    "supplier",
    "channel",
    "referrer",
    "referrer_spell",
    "from_supplier",
    "heard_via",
    "start",
    "end",
    "reason",
    "referrals",
    "ambassador",
)


@dataclass
class Ledger:
    """Running sums per supplier of what one customer paid (`price`) and earned its supplier
    (`margin`, discounted to week 0) from week 0 to each week; row t + 1 holds weeks 0..t."""

    discount_rate: float
    suppliers: int
    price: np.ndarray = field(init=False)
    margin0: np.ndarray = field(init=False)
    weeks: int = 0

    def __post_init__(self) -> None:
        self.price = np.zeros((64, self.suppliers))
        self.margin0 = np.zeros((64, self.suppliers))

    def add(self, step: int, price: np.ndarray, margin: np.ndarray) -> None:
        """Week `step` (the next one): each supplier's price and margin (price - cost) per customer."""
        if step != self.weeks:
            raise ValueError(f"the ledger is at week {self.weeks}, not {step}")
        if step + 2 > len(self.price):
            self.price = np.concatenate([self.price, np.zeros_like(self.price)])
            self.margin0 = np.concatenate([self.margin0, np.zeros_like(self.margin0)])
        self.price[step + 1] = self.price[step] + price
        self.margin0[step + 1] = self.margin0[step] + margin * discount_factor(step, self.discount_rate)
        self.weeks += 1

    def totals(self, supplier: np.ndarray, first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Price paid, margin discounted to week 0) by one customer of `supplier` over weeks first..last."""
        rows = (np.maximum(last + 1, first), first)
        return (
            self.price[rows[0], supplier] - self.price[rows[1], supplier],
            self.margin0[rows[0], supplier] - self.margin0[rows[1], supplier],
        )


def _labelled(codes: np.ndarray, labels: Sequence[str]) -> Any:
    """Codes 0..k-1 (-1: missing) as a categorical column with these labels (a ``pd.Categorical``)."""
    return pd.Categorical.from_codes(codes.astype(np.int64), dtype=pd.CategoricalDtype(list(labels)))


@dataclass
class Spells:
    """The spells recorded so far (struct of arrays; the first `n` rows are in use), and the money."""

    ledger: Ledger
    n: int = 0
    customer: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    supplier: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    channel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    referrer: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    referrer_spell: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    from_supplier: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    heard_via: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    reason: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    referrals: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    ambassador: np.ndarray = field(default_factory=lambda: np.zeros(0, np.bool_))

    def _reserve(self, extra: int) -> None:
        need = self.n + extra
        if need <= len(self.customer):
            return
        size = max(need, 2 * len(self.customer), 1024)
        for name in _GROWN:
            old = getattr(self, name)
            new = np.empty(size, old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def start_spells(
        self,
        step: int,
        customer: np.ndarray,
        supplier: np.ndarray,
        channel: np.ndarray,
        heard_via: np.ndarray,
        referrer: np.ndarray,
        referrer_spell: np.ndarray,
        from_supplier: np.ndarray,
    ) -> np.ndarray:
        """Open one spell per acquisition; the referrers' spells are credited. Returns the new ids."""
        k = len(customer)
        self._reserve(k)
        ids = np.arange(self.n, self.n + k, dtype=np.int64)
        for name, values in (
            ("customer", customer),
            ("supplier", supplier),
            ("channel", channel),
            ("referrer", referrer),
            ("referrer_spell", referrer_spell),
            ("from_supplier", from_supplier),
            ("heard_via", heard_via),
        ):
            getattr(self, name)[ids] = values
        self.start[ids] = step
        self.end[ids] = -1
        self.reason[ids] = -1
        self.referrals[ids] = 0
        self.ambassador[ids] = False
        self.n += k
        credited = referrer_spell[referrer_spell >= 0]
        np.add.at(self.referrals, credited, 1)
        return ids

    def customer_of(self, spells: np.ndarray) -> np.ndarray:
        """The customer of each of these spells (-1 where the id is -1)."""
        return np.where(spells >= 0, self.customer[np.maximum(spells, 0)], -1)

    def end_spells(self, spells: np.ndarray, step: int, reason: int) -> None:
        """Close these spells (ids < 0 are ignored): at `step`, for `reason` (SWITCHED, LEFT or LAPSED)."""
        spells = spells[spells >= 0]
        self.end[spells] = step
        self.reason[spells] = reason

    def money(self) -> tuple[np.ndarray, np.ndarray]:
        """Each spell's revenue, and its profit discounted to week 0, up to the ledger's last week.

        A spell earns in every week from the one it started in to the one before it ended (a
        customer pays at the end of each week it is a customer).
        """
        n, last_week = self.n, self.ledger.weeks - 1
        last = np.where(self.end[:n] >= 0, self.end[:n] - 1, last_week).astype(np.int64)
        return self.ledger.totals(self.supplier[:n].astype(np.int64), self.start[:n].astype(np.int64), last)

    def mark_ambassadors(self, spells: np.ndarray) -> None:
        """These spells reached the ambassador rung of the loyalty ladder (MODEL_BRIEF §2.11)."""
        self.ambassador[spells] = True

    def table(self, names: list[str]) -> pd.DataFrame:
        """The public table: one row per spell, columns CUSTOMER_COLUMNS (see docs/ODD.md)."""
        n, rate = self.n, self.ledger.discount_rate
        revenue, value0 = self.money()
        value = value0 / discount_factor(self.start[:n], rate)
        referrer_spell = self.referrer_spell[:n]
        referred_at = np.where(referrer_spell >= 0, self.start[:n], 0)
        # the referred spell's value is discounted to its own start; bring it back to the referrer's start
        gap = (referred_at - self.start[np.maximum(referrer_spell, 0)]).astype(np.float64)
        back = value * discount_factor(gap, rate)
        referral_value = np.bincount(
            referrer_spell[referrer_spell >= 0], weights=back[referrer_spell >= 0], minlength=n
        )[:n]
        ended = self.end[:n] >= 0
        frame = pd.DataFrame(
            {
                "spell": np.arange(n, dtype=np.int64),
                "customer": self.customer[:n],
                "supplier": _labelled(self.supplier[:n], names),
                "channel": _labelled(self.channel[:n], SPELL_CHANNELS),
                "referrer": pd.array(np.where(referrer_spell >= 0, self.referrer[:n], 0), dtype="Int64"),
                "referrer_spell": pd.array(referrer_spell, dtype="Int64"),
                "from_supplier": _labelled(self.from_supplier[:n], names),
                "heard_via": _labelled(self.heard_via[:n], CHANNELS),
                "start_step": self.start[:n].astype(np.int64),
                "end_step": pd.array(self.end[:n].astype(np.int64), dtype="Int64"),
                "end_reason": _labelled(np.where(ended, self.reason[:n], -1), END_REASONS),
                "referrals": self.referrals[:n].astype(np.int64),
                "revenue": revenue,
                "value": value,
                "referral_value": referral_value,
                "ambassador": self.ambassador[:n].copy(),
            }
        )
        frame.loc[referrer_spell < 0, "referrer"] = pd.NA
        frame.loc[referrer_spell < 0, "referrer_spell"] = pd.NA
        frame.loc[~ended, "end_step"] = pd.NA
        return frame[list(CUSTOMER_COLUMNS)]
