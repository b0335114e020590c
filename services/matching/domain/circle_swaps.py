"""What swapping two members of different circles adds to the circles' total worth.

A circle's worth (see `circle_grouping`) is its distinct organisations, plus its distinct known
sectors, plus `goal_weight` x each member's summed goal similarity to the others, averaged. When
a (of circle A) and b (of circle B) swap, only A and B change, and the change splits into

    base[A, b] + base[B, a] - fm[A, a] - own[b] - (factor[A] + factor[B]) x sim[a, b]
    - (lone_org[a] + lone_org[b]) x [a's organisation is not b's]
    - (lone_sector[a] + lone_sector[b]) x [a's sector is not b's]

where factor[c] = 2 x goal_weight / (size of c - 1), fm[c, x] = factor[c] x x's summed
similarity to c's members, base[c, x] = fm[c, x] + [x's organisation is not in c] + [x's known
sector is not in c], own[x] = fm[x's circle, x], and lone_*[x] whether x is the only one of
their organisation (sector) in their circle. When a circle takes one member per organisation
the organisation terms cancel (a swap keeps every circle's count), and the rule decides which
swaps are allowed instead.

Why this shape: the local search asks for the gains of one member against everybody about a
dozen thousand times for 2,000 peers; with the terms above kept up to date (a swap rewrites two
rows and the entries of the two circles' members), each ask is a dozen array operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Num = npt.NDArray[np.float64]
Members = Ints | slice


@dataclass(frozen=True)
class SwapRules:
    """Which swaps a grouping's rules allow."""

    one_per_organisation: bool
    one_per_sector: bool


class SwapGains:
    """The gains of swaps among `n` placed members, kept current as swaps are made.

    Members are numbered 0..n-1 here; `organisations` and `sectors` are the circle x
    organisation and circle x sector counts, which the caller keeps current and which this
    reads again (two rows) after each swap.
    """

    def __init__(
        self,
        similarity: Num,
        circle: Ints,
        factor: Num,
        organisation: Ints,
        sector: Ints,
        organisations: Ints,
        sectors: Ints,
        rules: SwapRules,
    ) -> None:
        self.sim, self.circle, self.factor = similarity, circle, factor
        self.org, self.sec = organisation, sector
        self.has_sec = sector >= 0
        self._sec_at = np.maximum(sector, 0)
        self._organisations, self._sectors, self.rules = organisations, sectors, rules
        count = len(factor)
        onehot = np.zeros((count, len(circle)), dtype=np.float64)
        onehot[circle, np.arange(len(circle))] = 1.0
        self.fm = factor[:, None] * (onehot @ similarity)  # similarity is symmetric
        self.factor_of = factor[circle]
        self.org_in = organisations[:, organisation]
        self.sec_in = sectors[:, self._sec_at]
        # Who shares each organisation (sector), looked up rather than compared each time.
        self._same_org = {o: organisation == o for o in np.unique(organisation).tolist()}
        self._other_sec = {s: (sector != s).astype(np.float64) for s in np.unique(sector).tolist()}
        self.base = np.empty_like(self.fm)
        for c in range(count):
            self._base_row(c)
        everyone = np.arange(len(circle))
        self.own = np.empty(len(circle), dtype=np.float64)
        self.lone_org = np.empty(len(circle), dtype=np.float64)
        self.lone_sec = np.empty(len(circle), dtype=np.float64)
        self._members_changed(everyone)

    def gains(self, a: int, among: Members) -> Num:
        """What swapping a with each of `among` would add (-inf where not allowed, or in a's
        own circle)."""
        ca = int(self.circle[a])
        cb = self.circle[among]
        across = self.base[:, a].copy()
        across[ca] = -np.inf
        gain = self.base[ca, among] + across[cb]
        gain -= (self.factor[ca] + self.factor_of[among]) * self.sim[a, among]
        gain -= self.own[among]
        gain -= self.fm[ca, a]
        other_sector = self._other_sec[int(self.sec[a])][among]
        gain -= (self.lone_sec[a] + self.lone_sec[among]) * other_sector
        same_org = self._same_org[int(self.org[a])][among]
        if self.rules.one_per_organisation:
            # Allowed when b is of a's organisation, or neither circle holds the other's.
            free = (self.org_in[:, a] == 0)[cb] & (self.org_in[ca, among] == 0)
            gain = np.where(same_org | free, gain, -np.inf)
        else:
            gain -= (self.lone_org[a] + self.lone_org[among]) * ~same_org
        if self.rules.one_per_sector:
            free = (self.sec_in[:, a] == 0)[cb] & (self.sec_in[ca, among] == 0)
            gain = np.where((other_sector == 0) | free, gain, -np.inf)
        return gain

    def swapped(self, a: int, b: int, members: Ints) -> None:
        """a and b have swapped circles (the caller's counts already say so); `members` are
        everybody now in their two circles."""
        ca, cb = int(self.circle[a]), int(self.circle[b])
        self.circle[a], self.circle[b] = cb, ca
        self.factor_of[a], self.factor_of[b] = self.factor[cb], self.factor[ca]
        moved = self.sim[b] - self.sim[a]
        self.fm[ca] += self.factor[ca] * moved
        self.fm[cb] -= self.factor[cb] * moved
        for c in (ca, cb):
            self.org_in[c] = self._organisations[c, self.org]
            self.sec_in[c] = self._sectors[c, self._sec_at]
            self._base_row(c)
        self._members_changed(members)

    def _base_row(self, c: int) -> None:
        row = self.fm[c] + (self.has_sec & (self.sec_in[c] == 0))
        if not self.rules.one_per_organisation:
            row += self.org_in[c] == 0
        self.base[c] = row

    def _members_changed(self, members: Ints) -> None:
        circles = self.circle[members]
        self.own[members] = self.fm[circles, members]
        self.lone_org[members] = self.org_in[circles, members] == 1
        self.lone_sec[members] = self.has_sec[members] & (self.sec_in[circles, members] == 1)
