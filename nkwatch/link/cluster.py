"""Clustering linked pairs into incidents without ever merging contradictory claims.

Union-find over the linked pairs, strongest first. Each cluster keeps what its members pin down: the
intersection of their precise time intervals (months), the camp or detention centre it names, and the
person-made lock it carries; two clusters are joined only when those stay consistent. A claim with a vague
date (or none: a practice) also joins only a cluster whose every place is compatible with every place of its
own (one inside the other, or in another country): dated claims may name several places of one occurrence
(a mass repatriation through Tumen and Hunchun), but a chain of year-dated claims must not gather a year's
arrests from 30 towns, nor a chain of practice claims make one practice of reports from Hyesan and Kaesong.
Two clusters that both name Korean people (in Latin script), none of them the same, are not joined either: a
claim naming Ri Yong Jin must not reach Kim Yong Jin's execution through a claim that names no one.
"""

from __future__ import annotations

import numpy as np

from nkwatch.link.compare import Pairs
from nkwatch.link.records import Records


class Clusters:
    def __init__(self, r: Records, lock: list[str | None], cannot: set[tuple[int, int]]):
        n = len(r.ids)
        self.parent = list(range(n))
        # Plain Python lists (tolist): indexing numpy arrays one element at a time is slow.
        self.t_lo = np.where(r.t_precise, r.t_lo, -(10**9)).tolist()
        self.t_hi = np.where(r.t_precise, r.t_hi, 10**9).tolist()
        self.facility = r.facility.tolist()
        self.named = r.named_sig.tolist()  # the Korean names its members write in Latin script (records.persons)
        self.lock = list(lock)
        self.cannot = cannot  # pairs of claim indices a person split apart
        self.cannot_members = {i for pair in cannot for i in pair}
        self.members: dict[int, list[int]] = {}
        self._place = r.place
        self._paths: dict[int, set[tuple[int, ...]]] = {}  # root -> its members' place paths, when asked

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int, *, force: bool = False, places: bool = False) -> bool:
        """Join the clusters of a and b unless that would contradict (see the module); `places` also asks
        that their places agree."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if places and not self._places_agree(ra, rb):
            return False
        if not force:
            if self.lock[ra] and self.lock[rb] and self.lock[ra] != self.lock[rb]:
                return False  # two incidents a person set apart
            lo, hi = max(self.t_lo[ra], self.t_lo[rb]), min(self.t_hi[ra], self.t_hi[rb])
            if lo > hi:
                return False  # two different months or days
            fa, fb = self.facility[ra], self.facility[rb]
            if fa >= 0 and fb >= 0 and fa != fb:
                return False  # two different camps or detention centres
            if self._split_apart(ra, rb):
                return False
            na, nb = self.named[ra], self.named[rb]
            if na and nb and not na & nb:
                return False  # they name other people: other victims (Kim Yong Jin is not Ri Yong Jin)
        else:
            lo, hi = max(self.t_lo[ra], self.t_lo[rb]), min(self.t_hi[ra], self.t_hi[rb])
        # Keep the smaller index as root: deterministic whatever the order of equal-score pairs.
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.t_lo[ra], self.t_hi[ra] = lo, hi
        if self.facility[ra] < 0:
            self.facility[ra] = self.facility[rb]
        self.named[ra] |= self.named[rb]
        self.lock[ra] = self.lock[ra] or self.lock[rb]
        ma, mb = self.members.pop(ra, [ra]), self.members.pop(rb, [rb])
        self.members[ra] = ma + mb
        pa, pb = self._paths.pop(ra, None), self._paths.pop(rb, None)
        if pa is not None and pb is not None:
            self._paths[ra] = pa | pb
        return True

    def paths(self, root: int) -> set[tuple[int, ...]]:
        """The distinct place paths (root first, undefined levels left out) of a cluster's members."""
        got = self._paths.get(root)
        if got is None:
            rows = self._place[self.members.get(root, [root])].tolist()
            got = self._paths[root] = {tuple(x for x in row if x >= 0) for row in rows}
        return got

    def _places_agree(self, ra: int, rb: int) -> bool:
        # Places of two countries may be the two ends of one crossing (Hyesan and Changbai): not a conflict.
        return all(p[:len(q)] == q[:len(p)] or p[0] != q[0] for p in self.paths(ra) for q in self.paths(rb)
                   if p and q)

    def _split_apart(self, ra: int, rb: int) -> bool:
        if not self.cannot:
            return False
        ma, mb = self.members.get(ra, [ra]), self.members.get(rb, [rb])
        if not (self.cannot_members.intersection(ma) and self.cannot_members.intersection(mb)):
            return False
        sa, sb = set(ma), set(mb)
        return any((x in sa and y in sb) or (x in sb and y in sa) for x, y in self.cannot)

    def groups(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return out


def cluster(r: Records, pairs: Pairs, *, lock: list[str | None], must: list[tuple[int, int]],
            cannot: set[tuple[int, int]], choosers: np.ndarray | None = None) -> Clusters:  # fmt: skip
    """Join person-made links first, then machine links from the strongest down.

    A claim dated to the day or month is an anchor: anchors join freely (their dates guard them), and so do
    statistics (one indicator and period is one incident, its values a range). A claim with a vaguer date, or
    none, joins only its single best partner, so that it can never bridge two occurrences ("executions in
    2013" must not chain December's execution to November's).

    `choosers` (bool per claim; default all) are the vague claims that may choose a partner. An incremental
    run scores only pairs with a new claim, so a stored claim's best pair among them is not its best pair: it
    keeps the partner a previous run chose (its incident), unless it had none."""
    c = Clusters(r, lock, cannot)
    for a, b in must:
        c.union(a, b, force=True)
    keep = pairs.linked()
    a, b, s = pairs.a[keep], pairs.b[keep], pairs.score[keep]
    order = np.lexsort((np.maximum(a, b), np.minimum(a, b), -s))
    a, b, s = a[order], b[order], s[order]
    anchor = (r.t_precise & ~r.t_assumed) | (r.kind == 2)
    both = anchor[a] & anchor[b]
    find, union = c.find, c.union
    for i, j in zip(a[both].tolist(), b[both].tolist(), strict=True):
        if find(i) != find(j):  # most pairs of a well-reported occurrence are joined already: skip the call
            union(i, j)
    # Vague claims: the best dated partner if there is one, else the best vague one. Pairs are strongest
    # first; each pair is looked at from both ends, and the first row per vague claim wins.
    va, vb = a[~both], b[~both]
    rank = np.arange(len(va))
    choose = ~anchor if choosers is None else ~anchor & choosers
    xs = np.concatenate([va[choose[va]], vb[choose[vb]]])
    ys = np.concatenate([vb[choose[va]], va[choose[vb]]])
    ranks = np.concatenate([rank[choose[va]], rank[choose[vb]]])
    order = np.lexsort((ranks, ~anchor[ys], xs))
    xs, ys = xs[order], ys[order]
    first = np.ones(len(xs), bool)
    first[1:] = xs[1:] != xs[:-1]
    for x, y in zip(xs[first].tolist(), ys[first].tolist(), strict=True):
        c.union(x, y, places=True)
    return c
