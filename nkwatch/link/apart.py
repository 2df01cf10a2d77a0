"""People's decisions that two incidents are different, as the linker respects them when it proposes duplicates.

A reviewer who says "different incidents" (nkwatch.review.decisions), or splits claims off an incident, stores
`cannot` link constraints between the claims of the two sides. Clustering never joins such claims
(nkwatch.link.cluster); this module keeps the pair from being proposed as a possible duplicate again, even when
re-linking has given one side another id.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from nkwatch.store.models import LinkConstraint


def kept_apart(s: Session, sides: dict[tuple[str, str], tuple[Iterable[str], Iterable[str]]]) -> set[tuple[str, str]]:
    """The keys of `sides` (incident pair -> the claim ids of each) that a person has kept apart: a `cannot`
    constraint joins a claim of one side to a claim of the other."""
    if not sides:
        return set()
    pairs: set[tuple[str, str]] = set()
    for a, b in s.execute(select(LinkConstraint.claim_a, LinkConstraint.claim_b)
                          .where(LinkConstraint.kind == "cannot")):  # people's decisions: few, read them all
        pairs.update(((a, b), (b, a)))
    if not pairs:
        return set()
    members = {a for a, _ in pairs}
    out = set()
    for key, (xs, ys) in sides.items():
        mine, theirs = [x for x in xs if x in members], {y for y in ys if y in members}
        if mine and theirs and any((x, y) in pairs for x in mine for y in theirs):
            out.add(key)
    return out
