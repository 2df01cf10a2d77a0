"""Pairwise evidence between claims of one block, computed for all candidate pairs at once.

Candidates: claims sorted by (block, time, province) and each compared with its `window` successors, so
the work grows linearly with the number of claims. Rules (weights, thresholds) are data: link_rules.toml.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nkwatch.link.records import Records, rules

NO_CONFLICT, WHEN_CONFLICT, WHERE_CONFLICT, WHO_DIFFERS, WHY_DIFFERS = 0, 1, 2, 3, 4
# WHO_DIFFERS and WHY_DIFFERS are not hard conflicts: a pair whose evidence would link it but for naming other
# people (or other grounds) is kept apart and proposed to reviewers, with that reason (`Pairs.refused`).
WHO_BIT, WHY_BIT = 1, 2
CONFLICT_NAMES = {WHEN_CONFLICT: "when", WHERE_CONFLICT: "where", WHO_DIFFERS: "who", WHY_DIFFERS: "grounds"}


@dataclass
class Pairs:
    a: np.ndarray  # claim indices
    b: np.ndarray
    score: np.ndarray  # evidence that a and b report the same occurrence
    conflict: np.ndarray  # NO_CONFLICT, WHEN_CONFLICT or WHERE_CONFLICT (exactly one hard field differs)
    across_years: bool = False
    # contradictions (bits: WHO_BIT other people named, WHY_BIT other grounds); one byte a pair, as the
    # million-claim link holds tens of millions of pairs
    doubt: np.ndarray | None = None

    def why_apart(self) -> np.ndarray:
        """WHO_DIFFERS or WHY_DIFFERS (who first) where a contradiction counted, else NO_CONFLICT."""
        d = self.doubt if self.doubt is not None else np.zeros(len(self.a), np.int8)
        return np.where(d & WHO_BIT, WHO_DIFFERS, np.where(d & WHY_BIT, WHY_DIFFERS, NO_CONFLICT)).astype(np.int8)

    def refused(self) -> np.ndarray:
        """Pairs that the evidence would link but for a contradiction in who or why: kept apart, and proposed
        to reviewers with that reason."""
        if self.doubt is None or self.across_years:
            return np.zeros(len(self.a), bool)
        w, t = rules()["weights"], rules()["link_threshold"]
        against = (np.where(self.doubt & WHO_BIT, w["persons_differ"], 0.0)
                   + np.where(self.doubt & WHY_BIT, w["grounds_differ"], 0.0))  # fmt: skip
        # Naming other people keeps two claims apart whatever else they share (nkwatch.link.cluster refuses it).
        return ((self.conflict == NO_CONFLICT) & (against < 0) & (self.score - against >= t)
                & ((self.score < t) | ((self.doubt & WHO_BIT) != 0)))  # fmt: skip

    def linked(self) -> np.ndarray:
        if self.across_years:
            return np.zeros(len(self.a), bool)
        return (self.conflict == NO_CONFLICT) & (self.score >= rules()["link_threshold"])

    def proposed(self) -> np.ndarray:
        key = "propose_across_years_threshold" if self.across_years else "propose_threshold"
        return (self.conflict != NO_CONFLICT) & (self.score >= rules()[key])


def candidates(r: Records, window: int | None = None, only: np.ndarray | None = None,
               *, across_years: bool = False) -> Pairs:
    """Score every pair of neighbours within `window` in (block, time, province) order.

    `only` (bool per claim) keeps just the pairs touching those claims: an incremental run scores the new
    claims against their neighbours, not the whole store again. `across_years` compares counted events of
    one act and about the same count whatever their year, to find the same occurrence dated differently
    by two sources (those pairs are only ever proposed to reviewers, never linked).
    """
    window = window or rules()["across_years_window" if across_years else "window"]
    blocks = r.count_block if across_years else r.block
    order = np.lexsort((r.place[:, 1], r.t_lo, blocks))
    out_a, out_b, out_s, out_c, out_d = [], [], [], [], []
    for k in range(1, window + 1):
        if k >= len(order):
            break
        a, b = order[:-k], order[k:]
        keep = (blocks[a] == blocks[b]) & (blocks[a] >= 0) & r.linkable[a] & r.linkable[b]
        if only is not None:
            keep &= only[a] | only[b]
        a, b = a[keep], b[keep]
        if not len(a):
            continue
        score, conflict, doubt = _score(r, a, b, across_years)
        if across_years:  # only the very same count makes a year's difference worth a reviewer's look
            same = (r.c_lo[a] == r.c_hi[a]) & (r.c_lo[b] == r.c_hi[b]) & (r.c_lo[a] == r.c_lo[b])
            score = np.where(same, score, -np.inf)
        out_a.append(a)
        out_b.append(b)
        out_s.append(score)
        out_c.append(conflict)
        out_d.append(doubt)
    if not out_a:
        empty = np.empty(0, np.int64)
        return Pairs(empty, empty, np.empty(0), np.empty(0, np.int8), across_years, np.empty(0, np.int8))
    return Pairs(np.concatenate(out_a), np.concatenate(out_b), np.concatenate(out_s), np.concatenate(out_c),
                 across_years, np.concatenate(out_d))  # fmt: skip


def explain(r: Records, a: np.ndarray, b: np.ndarray, *,
            across_years: bool = False) -> list[dict[str, dict[str, float]]]:  # fmt: skip
    """The evidence for and against each pair (a[k], b[k]), by the names of the rules (link_rules.toml
    [weights]) and the weight each gave: what a reviewer sees beside a proposal."""
    terms: dict[str, np.ndarray] = {}
    if len(a):
        _score(r, np.asarray(a), np.asarray(b), across_years, terms=terms)
    out: list[dict[str, dict[str, float]]] = [{"for": {}, "against": {}} for _ in range(len(a))]
    for name in sorted(terms):
        values = terms[name]
        for k in np.flatnonzero(values).tolist():
            v = round(float(values[k]), 2)
            out[k]["for" if v > 0 else "against"][name] = v
    return out


def _score(r: Records, a: np.ndarray, b: np.ndarray, across_years: bool = False,
           terms: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Score, hard conflict, and the contradictions in who or why (WHO_BIT, WHY_BIT) of each pair. With
    `terms`, also records the weight each rule gave each pair."""
    w, lim = rules()["weights"], rules()["limits"]
    score = np.full(len(a), w["same_act"])

    def add(name: str, cond: np.ndarray) -> None:
        term = np.where(cond, w[name], 0.0)
        score[:] += term
        if terms is not None:
            terms[name] = term

    if terms is not None:
        terms["same_act"] = score.copy()
    event = r.kind[a] == 0
    pattern = r.kind[a] == 1

    # Time: overlap at each side's precision; two different months or days is a hard conflict.
    known = (r.t_lo[a] >= 0) & (r.t_lo[b] >= 0)
    overlap = known & (r.t_lo[a] <= r.t_hi[b]) & (r.t_lo[b] <= r.t_hi[a])
    # The dates as stated: a date told relative to the report ("last month") reaches towards the report's month
    # (records.build); an overlap only through that reach is weaker evidence than the same stated month.
    stated = known & (r.t_lo[a] <= r.t_stated_hi[b]) & (r.t_lo[b] <= r.t_stated_hi[a])
    precise = r.t_precise[a] & r.t_precise[b]
    if across_years:  # a year or two apart, same count: one occurrence that two sources date differently?
        when_conflict = event & known & ~overlap & (np.abs(r.t_lo[a] - r.t_lo[b]) <= 2 * 366)
        far_apart = ~when_conflict
    else:
        when_conflict = event & known & ~overlap & precise & ~(r.t_assumed[a] | r.t_assumed[b])
        far_apart = event & known & ~overlap & ~when_conflict  # years apart, or outside the assumed weeks
    statistic = r.kind[a] == 2
    assumed = r.t_assumed[a] | r.t_assumed[b]
    # A pattern has no date to disagree on; statistics share a block only with the same indicator and period.
    add("same_practice", pattern)
    add("same_period", statistic)
    # Overlap means little at year precision (many executions in 2013), much at day or month precision.
    add("time_precise_match", overlap & stated & precise & ~assumed)
    add("time_relative", overlap & ~stated & precise & ~assumed)
    add("time_overlap", overlap & ~precise & ~assumed)
    add("time_assumed", overlap & assumed)
    add("same_day", (r.t_day[a] >= 0) & (r.t_day[a] == r.t_day[b]))

    # Place: compatible when the paths agree wherever both are defined. Two different camps or detention
    # centres is a hard conflict; other differences count against a pair but do not forbid it (a mass
    # repatriation goes through Tumen, Hunchun and Dandong at once, and sources name different ones).
    pa, pb = r.place[a], r.place[b]
    both = (pa >= 0) & (pb >= 0)
    differ = both & (pa != pb)
    compatible = ~differ.any(axis=1)
    where_conflict = event & (r.facility[a] >= 0) & (r.facility[b] >= 0) & (r.facility[a] != r.facility[b])
    add("place_differs", differ[:, 1:].any(axis=1) & ~where_conflict)
    placed = both[:, 0]
    specific = compatible & (pa[:, 2] >= 0) & (pb[:, 2] >= 0)
    add("place_compatible", compatible & placed)
    add("place_specific_match", specific)

    # Victim counts: soft evidence only ("60" and "about 200" can be one incident).
    counted = (r.c_lo[a] > 0) & (r.c_lo[b] > 0)
    f, far = lim["count_factor"], lim["count_far_factor"]
    near = counted & (r.c_lo[a] <= r.c_hi[b] * f) & (r.c_lo[b] <= r.c_hi[a] * f)
    distant = counted & ((r.c_lo[a] > r.c_hi[b] * far) | (r.c_lo[b] > r.c_hi[a] * far))
    add("count_compatible", near & event)
    exact = counted & (r.c_lo[a] == r.c_hi[a]) & (r.c_lo[b] == r.c_hi[b]) & (r.c_lo[a] == r.c_lo[b])
    add("same_count", exact & event)
    add("count_far", distant & event)

    # Wording: estimated overlap of the quotes' content words.
    inter = np.bitwise_count(r.sig[a] & r.sig[b]).sum(axis=1)
    union = np.bitwise_count(r.sig[a] | r.sig[b]).sum(axis=1)
    overlap_words = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    score += w["wording"] * overlap_words
    if terms is not None:
        terms["wording"] = w["wording"] * overlap_words
    add("shared_name", (r.name_sig[a] & r.name_sig[b]) != 0)
    add("same_source", r.src[a] == r.src[b])

    # Who: the same person in any spelling or script is evidence for; two claims naming Korean people, none of
    # them the same, are about other victims (Kim Yong Jin's execution is not Ri Yong Jin's). Why: both give
    # grounds, different ones. Contradictions are evidence against, not a hard conflict; a pair they alone keep
    # apart is proposed to reviewers (Pairs.refused).
    add("shared_person", (r.person_sig[a] & r.person_sig[b]) != 0)
    who = ((r.named_sig[a] != 0) & (r.named_sig[b] != 0) & ((r.named_sig[a] & r.named_sig[b]) == 0)
           & ((r.person_sig[a] & r.person_sig[b]) == 0))  # fmt: skip
    why = (r.grounds[a] >= 0) & (r.grounds[b] >= 0) & (r.grounds[a] != r.grounds[b]) & event
    add("persons_differ", who)
    add("grounds_differ", why)
    doubt = (who.astype(np.int8) * WHO_BIT) | (why.astype(np.int8) * WHY_BIT)

    # Two acts of one group ("executed at sea" and "shot dead"): more evidence needed, and two different days
    # are two occurrences (an arrest on the 8th, the execution on the 12th), whatever the month.
    other_act = r.act[a] != r.act[b]
    score -= np.where(other_act, r.act_penalty[a], 0.0)
    if terms is not None:
        terms["act_group_penalty"] = -np.where(other_act, r.act_penalty[a], 0.0)
    days_apart = other_act & (r.t_day[a] >= 0) & (r.t_day[b] >= 0) & (np.abs(r.t_day[a] - r.t_day[b]) > 1)
    far_apart = far_apart | days_apart

    conflict = np.full(len(a), 0, np.int8)
    n_conflicts = when_conflict.astype(np.int8) + where_conflict.astype(np.int8)
    conflict[when_conflict & (n_conflicts == 1)] = WHEN_CONFLICT
    conflict[where_conflict & (n_conflicts == 1)] = WHERE_CONFLICT
    if terms is not None:  # hard conflicts have no weight: -1 marks them
        terms["when_conflict"] = -when_conflict.astype(float)
        terms["where_conflict"] = -where_conflict.astype(float)
    # Two hard conflicts, or years apart: not the same occurrence, and not worth a reviewer's time.
    score[(n_conflicts > 1) | far_apart] = -np.inf
    return score, conflict, doubt
