"""Precision and recall of sequel links (nkwatch.link.sequels) on the linkage development set.

    python dev/linkage/eval_sequels.py [-v]

Ingests dev/linkage/texts into a fresh store, detects copies, links in full (which sets `sequel_of`), then
labels each incident with the gold labels of the gold lines matched to its claims (as evaluate.py matches
them). A predicted link "B is a sequel of A" is right when some label of A and some label of B form a pair
in sequels.jsonl (the coder sometimes merges two occurrences into one incident, which then has two labels);
wrong when both incidents have labels and none forms a pair; unjudged when either has no gold line.
Recall: gold pairs found by some predicted link / gold pairs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from nkwatch.store.models import Incident

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from evaluate import linked_set, match_gold  # noqa: E402


def labels_by_incident(s, gold: list[dict]) -> dict[str, Counter]:  # noqa: ANN001
    out: dict[str, Counter] = {}
    for g, c in match_gold(s, gold):
        if c is not None and c.incident_id:
            out.setdefault(c.incident_id, Counter())[g["incident"]] += 1
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    store, report, gold = linked_set()
    pairs = {(p["earlier"], p["later"]) for p in map(json.loads, (HERE / "sequels.jsonl").read_text().splitlines())}
    with store.session() as s:
        labels = labels_by_incident(s, gold)
        links = [(i.sequel_of, i.id, i.act) for i in s.scalars(select(Incident).where(Incident.sequel_of.is_not(None))
                                                               .order_by(Incident.id))]  # fmt: skip
        acts = dict(s.execute(select(Incident.id, Incident.act)).all())
    right = wrong = unjudged = 0
    found: set[tuple[str, str]] = set()
    lines = []
    for earlier, later, act in links:
        le, ll = labels.get(earlier, Counter()), labels.get(later, Counter())
        hit = {(x, y) for x in le for y in ll} & pairs
        if hit:
            right += 1
            found |= hit
            verdict = "right"
        elif le and ll:
            wrong += 1
            verdict = "WRONG"
        else:
            unjudged += 1
            verdict = "unjudged"
        lines.append(f"  {verdict:8} {earlier} ({acts.get(earlier)}: {dict(le)}) -> {later} ({act}: {dict(ll)})")
    p = right / (right + wrong) if right + wrong else 0.0
    r = len(found) / len(pairs)
    print(f"link: {report.claims} claims, {report.incidents} incidents, {len(links)} sequel links")
    print(f"sequel precision {p:.3f} ({right} right, {wrong} wrong, {unjudged} unjudged)  "
          f"recall {r:.3f} ({len(found)} of {len(pairs)} gold pairs)")  # fmt: skip
    if a.verbose:
        print("\n".join(lines))
        for e, later in sorted(pairs - found):
            print(f"  missed   {e} -> {later}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
