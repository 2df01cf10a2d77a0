"""Pairwise evidence between claims of one block, computed for all candidate pairs at once.

Candidates: claims sorted by (block, time, province) and each compared with its `window` successors, so
the work grows linearly with the number of claims. Rules (weights, thresholds) are data: link_rules.toml.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nkwatch.link.records import Records, rules

NO_CONFLICT, WHEN_CONFLICT, WHERE_CONFLICT = 0, 1, 2
CONFLICT_NAMES = {WHEN_CONFLICT: "when", WHERE_CONFLICT: "where"}


@dataclass
class Pairs:
    a: np.ndarray  # claim indices
    b: np.ndarray
    score: np.ndarray  # evidence that a and b report the same occurrence
    conflict: np.ndarray  # NO_CONFLICT, WHEN_CONFLICT or WHERE_CONFLICT (exactly one hard field differs)
    across_years: bool = False

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
    out_a, out_b, out_s, out_c = [], [], [], []
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
        score, conflict = _score(r, a, b, across_years)
        if across_years:  # only the very same count makes a year's difference worth a reviewer's look
            same = (r.c_lo[a] == r.c_hi[a]) & (r.c_lo[b] == r.c_hi[b]) & (r.c_lo[a] == r.c_lo[b])
            score = np.where(same, score, -np.inf)
        out_a.append(a)
        out_b.append(b)
        out_s.append(score)
        out_c.append(conflict)
    if not out_a:
        empty = np.empty(0, np.int64)
        return Pairs(empty, empty, np.empty(0), np.empty(0, np.int8), across_years)
    return Pairs(np.concatenate(out_a), np.concatenate(out_b), np.concatenate(out_s), np.concatenate(out_c),
                 across_years)


def _score(r: Records, a: np.ndarray, b: np.ndarray, across_years: bool = False) -> tuple[np.ndarray, np.ndarray]:
    w, lim = rules()["weights"], rules()["limits"]
    score = np.full(len(a), w["same_act"])
    event = r.kind[a] == 0
    pattern = r.kind[a] == 1

    # Time: overlap at each side's precision; two different months or days is a hard conflict.
    known = (r.t_lo[a] >= 0) & (r.t_lo[b] >= 0)
    overlap = known & (r.t_lo[a] <= r.t_hi[b]) & (r.t_lo[b] <= r.t_hi[a])
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
    score += np.where(pattern, w["same_practice"], 0.0)
    score += np.where(statistic, w["same_period"], 0.0)
    # Overlap means little at year precision (many executions in 2013), much at day or month precision.
    score += np.where(overlap & precise & ~assumed, w["time_precise_match"], 0.0)
    score += np.where(overlap & ~precise & ~assumed, w["time_overlap"], 0.0)
    score += np.where(overlap & assumed, w["time_assumed"], 0.0)
    score += np.where((r.t_day[a] >= 0) & (r.t_day[a] == r.t_day[b]), w["same_day"], 0.0)

    # Place: compatible when the paths agree wherever both are defined. Two different camps or detention
    # centres is a hard conflict; other differences count against a pair but do not forbid it (a mass
    # repatriation goes through Tumen, Hunchun and Dandong at once, and sources name different ones).
    pa, pb = r.place[a], r.place[b]
    both = (pa >= 0) & (pb >= 0)
    differ = both & (pa != pb)
    compatible = ~differ.any(axis=1)
    where_conflict = event & (r.facility[a] >= 0) & (r.facility[b] >= 0) & (r.facility[a] != r.facility[b])
    score += np.where(differ[:, 1:].any(axis=1) & ~where_conflict, w["place_differs"], 0.0)
    placed = both[:, 0]
    specific = compatible & (pa[:, 2] >= 0) & (pb[:, 2] >= 0)
    score += np.where(compatible & placed, w["place_compatible"], 0.0)
    score += np.where(specific, w["place_specific_match"], 0.0)

    # Victim counts: soft evidence only ("60" and "about 200" can be one incident).
    counted = (r.c_lo[a] > 0) & (r.c_lo[b] > 0)
    f, far = lim["count_factor"], lim["count_far_factor"]
    near = counted & (r.c_lo[a] <= r.c_hi[b] * f) & (r.c_lo[b] <= r.c_hi[a] * f)
    distant = counted & ((r.c_lo[a] > r.c_hi[b] * far) | (r.c_lo[b] > r.c_hi[a] * far))
    score += np.where(near & event, w["count_compatible"], 0.0)
    exact = counted & (r.c_lo[a] == r.c_hi[a]) & (r.c_lo[b] == r.c_hi[b]) & (r.c_lo[a] == r.c_lo[b])
    score += np.where(exact & event, w["same_count"], 0.0)
    score += np.where(distant & event, w["count_far"], 0.0)

    # Wording: estimated overlap of the quotes' content words.
    inter = np.bitwise_count(r.sig[a] & r.sig[b]).sum(axis=1)
    union = np.bitwise_count(r.sig[a] | r.sig[b]).sum(axis=1)
    score += w["wording"] * np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    score += np.where((r.name_sig[a] & r.name_sig[b]) != 0, w["shared_name"], 0.0)
    score += np.where(r.src[a] == r.src[b], w["same_source"], 0.0)

    # Two acts of one group ("executed at sea" and "shot dead"): more evidence needed, and two different days
    # are two occurrences (an arrest on the 8th, the execution on the 12th), whatever the month.
    other_act = r.act[a] != r.act[b]
    score -= np.where(other_act, r.act_penalty[a], 0.0)
    days_apart = other_act & (r.t_day[a] >= 0) & (r.t_day[b] >= 0) & (np.abs(r.t_day[a] - r.t_day[b]) > 1)
    far_apart = far_apart | days_apart

    conflict = np.full(len(a), 0, np.int8)
    n_conflicts = when_conflict.astype(np.int8) + where_conflict.astype(np.int8)
    conflict[when_conflict & (n_conflicts == 1)] = WHEN_CONFLICT
    conflict[where_conflict & (n_conflicts == 1)] = WHERE_CONFLICT
    # Two hard conflicts, or years apart: not the same occurrence, and not worth a reviewer's time.
    score[(n_conflicts > 1) | far_apart] = -np.inf
    return score, conflict
