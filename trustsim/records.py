"""Referral records: one row per customer spell — who bought from whom, how they were won, by
whom, for how long, and what the spell earned (`customers.parquet`).

Models: customer lifetime value and customer referral value are different things (Kumar,
Petersen & Leone 2007, 2010): a spell's `value` is the discounted profit it earns, its
`referral_value` the value of the spells it brought in by recommendation. Referral chains,
referrals per ambassador and the value of customers by acquisition channel (Villanueva, Yoo &
Hanssens 2008) are read from these records.

State like any other: the model's phases write it (a spell starts when a customer is won and
ends when it switches or leaves the market), :meth:`Spells.table` reads it into the public table.
Arrays grow by doubling, so recording costs a few array writes per acquisition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trustsim.mechanisms.channels import CHANNELS
from trustsim.mechanisms.money import discount_factor

SWITCH, INITIAL = len(CHANNELS), len(CHANNELS) + 1
"""Channel codes beyond CHANNELS: won from a rival by the switching rule; a customer at step 0."""
SPELL_CHANNELS: tuple[str, ...] = (*CHANNELS, "switch", "initial")
"""What won a spell, by code: a recommendation, review, ad or banner, a switch, or the initial market."""
SWITCHED, LEFT = 0, 1
END_REASONS: tuple[str, ...] = ("switch", "left")
"""Why a spell ended: the customer switched to a rival, or left the market (turnover)."""

CUSTOMER_COLUMNS: tuple[str, ...] = (
    "spell", "customer", "supplier", "channel", "referrer", "referrer_spell", "from_supplier", "heard_via",
    "start_step", "end_step", "end_reason", "referrals", "revenue", "value", "referral_value", "ambassador",
)
"""Columns of `customers.parquet`, one row per customer spell (docs/ODD.md, 'Referral records')."""

_GROWN = ("customer", "supplier", "channel", "referrer", "referrer_spell", "from_supplier", "heard_via",
          "start", "end", "reason", "referrals", "revenue", "value0", "ambassador")


@dataclass
class Spells:
    """The spells recorded so far (struct of arrays; the first `n` rows are in use).

    `value0` is each spell's profit discounted to step 0 of the run; :meth:`table` reports it
    discounted to the spell's own start (its lifetime value at acquisition).
    """

    discount_rate: float
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
    revenue: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    value0: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
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
        for name, values in (("customer", customer), ("supplier", supplier), ("channel", channel),
                             ("referrer", referrer), ("referrer_spell", referrer_spell),
                             ("from_supplier", from_supplier), ("heard_via", heard_via)):
            getattr(self, name)[ids] = values
        self.start[ids] = step
        self.end[ids] = -1
        self.reason[ids] = -1
        self.referrals[ids] = 0
        self.revenue[ids] = 0.0
        self.value0[ids] = 0.0
        self.ambassador[ids] = False
        self.n += k
        credited = referrer_spell[referrer_spell >= 0]
        np.add.at(self.referrals, credited, 1)
        return ids

    def end_spells(self, spells: np.ndarray, step: int, reason: int) -> None:
        """Close these spells (ids < 0 are ignored): at `step`, for `reason` (SWITCHED or LEFT)."""
        spells = spells[spells >= 0]
        self.end[spells] = step
        self.reason[spells] = reason

    def earn(self, spells: np.ndarray, revenue: np.ndarray, margin: np.ndarray, step: int) -> None:
        """Each of these (current) spells earns `revenue` and `margin` (revenue - its cost) this step."""
        self.revenue[spells] += revenue
        self.value0[spells] += margin * discount_factor(step, self.discount_rate)

    def mark_ambassadors(self, spells: np.ndarray) -> None:
        """These spells reached the ambassador rung of the loyalty ladder (MODEL_BRIEF §2.11)."""
        self.ambassador[spells] = True

    def table(self, names: list[str]) -> pd.DataFrame:
        """The public table: one row per spell, columns CUSTOMER_COLUMNS (see docs/ODD.md)."""
        n = self.n
        value = self.value0[:n] / discount_factor(self.start[:n], self.discount_rate)
        referrer_spell = self.referrer_spell[:n]
        referred_at = np.where(referrer_spell >= 0, self.start[:n], 0)
        # the referred spell's value is discounted to its own start; bring it back to the referrer's start
        gap = (referred_at - self.start[np.maximum(referrer_spell, 0)]).astype(np.float64)
        back = value * discount_factor(gap, self.discount_rate)
        referral_value = np.bincount(referrer_spell[referrer_spell >= 0], weights=back[referrer_spell >= 0],
                                     minlength=n)[:n]
        ended = self.end[:n] >= 0
        frame = pd.DataFrame({
            "spell": np.arange(n, dtype=np.int64),
            "customer": self.customer[:n],
            "supplier": pd.Categorical.from_codes(self.supplier[:n].astype(np.int64), categories=list(names)),
            "channel": pd.Categorical.from_codes(self.channel[:n].astype(np.int64), categories=list(SPELL_CHANNELS)),
            "referrer": pd.array(np.where(referrer_spell >= 0, self.referrer[:n], 0), dtype="Int64"),
            "referrer_spell": pd.array(referrer_spell, dtype="Int64"),
            "from_supplier": pd.Categorical.from_codes(self.from_supplier[:n].astype(np.int64),
                                                       categories=list(names)),
            "heard_via": pd.Categorical.from_codes(self.heard_via[:n].astype(np.int64), categories=list(CHANNELS)),
            "start_step": self.start[:n].astype(np.int64),
            "end_step": pd.array(self.end[:n].astype(np.int64), dtype="Int64"),
            "end_reason": pd.Categorical.from_codes(np.where(ended, self.reason[:n], -1).astype(np.int64),
                                                    categories=list(END_REASONS)),
            "referrals": self.referrals[:n].astype(np.int64),
            "revenue": self.revenue[:n].copy(),
            "value": value,
            "referral_value": referral_value,
            "ambassador": self.ambassador[:n].copy(),
        })
        frame.loc[referrer_spell < 0, "referrer"] = pd.NA
        frame.loc[referrer_spell < 0, "referrer_spell"] = pd.NA
        frame.loc[~ended, "end_step"] = pd.NA
        return frame[list(CUSTOMER_COLUMNS)]
