"""Pairwise precision and recall of "same incident" on the linkage development set.

    python dev/linkage/evaluate.py [-v]

Ingests dev/linkage/texts into a fresh store (coder included), detects copies, links, then compares with
gold.jsonl: each gold line (a quote and its incident label) is matched to the claim of its source whose
span overlaps it most (same act preferred). Over every pair of matched gold lines from different sources:
precision = pairs linked that the gold puts together / pairs linked; recall = pairs the gold puts
together that are linked / pairs the gold puts together. `end-to-end recall` also counts gold lines the
coder missed as unlinked.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from itertools import combinations
from pathlib import Path

from sqlalchemy import select

from nkwatch.ingest.pipeline import ingest_paths
from nkwatch.link.copies import detect_copies
from nkwatch.link.run import link
from nkwatch.store.db import open_store
from nkwatch.store.models import Claim, Source

HERE = Path(__file__).resolve().parent


def linked_set():  # noqa: ANN201 - (Store, LinkReport, gold lines)
    """The linkage set ingested into a fresh store, copies detected, fully linked; and its gold lines."""
    work = Path(tempfile.mkdtemp())
    store = open_store(str(work / "link.db"))
    ingest_paths(store, [HERE / "texts"], originals=work / "originals")
    detect_copies(store)
    report = link(store, full=True)
    gold = [json.loads(x) for x in (HERE / "gold.jsonl").read_text().splitlines() if x.strip()]
    return store, report, gold


def match_gold(s, gold: list[dict]) -> list[tuple[dict, Claim | None]]:  # noqa: ANN001 - a Session
    """Each gold line with the claim that best covers its quote (same act, same month, most overlap), if any."""
    by_file = {src.filename: src for src in s.scalars(select(Source))}
    claims_by_src: dict[str, list[Claim]] = {}
    for c in s.scalars(select(Claim)):
        claims_by_src.setdefault(c.source_id, []).append(c)
    matched = []
    for g in gold:
        src = by_file[g["source"]]
        i = src.text.find(g["quote"])
        best = None
        for c in claims_by_src.get(src.id, []) if i >= 0 else []:
            ov = max(0, min(c.span_end, i + len(g["quote"])) - max(c.span_start, i)) / len(g["quote"])
            # A sentence listing several occurrences gives one claim per occurrence: match on the date too.
            when_ok = bool(g.get("when")) and str((c.when or {}).get("start") or "").startswith(g["when"][:7])
            key = (c.act == g["act"], when_ok, ov)
            if ov > 0.25 and (best is None or key > best[0]):
                best = (key, c)
        matched.append((g, best[1] if best else None))
    return matched


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    store, report, gold = linked_set()
    with store.session() as s:
        matched = match_gold(s, gold)
    tp = fp = fn = fn_e2e = 0
    errors = []
    for (g1, c1), (g2, c2) in combinations(matched, 2):
        if g1["source"] == g2["source"]:
            continue
        same = g1["incident"] == g2["incident"]
        if c1 is None or c2 is None:
            fn_e2e += same
            continue
        linked = c1.incident_id is not None and c1.incident_id == c2.incident_id
        if linked and same:
            tp += 1
        elif linked:
            fp += 1
            errors.append(("FP", g1["incident"], g2["incident"], g1["quote"][:60], g2["quote"][:60]))
        elif same:
            fn += 1
            errors.append(("FN", g1["incident"], g2["incident"], g1["quote"][:60], g2["quote"][:60]))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    r_e2e = tp / (tp + fn + fn_e2e) if tp + fn + fn_e2e else 0.0
    n_matched = sum(c is not None for _, c in matched)
    print(f"link: {report.claims} claims, {report.incidents} incidents, {report.proposals} proposals")
    print(f"gold lines matched to a claim: {n_matched}/{len(gold)}")
    print(f"pairwise precision {p:.3f}  recall {r:.3f}  (tp {tp}, fp {fp}, fn {fn})")
    print(f"end-to-end recall {r_e2e:.3f} (gold pairs whose claims the coder missed count as missed)")
    if a.verbose:
        seen = set()
        for e in errors:
            key = e[:3]
            if key not in seen:
                seen.add(key)
                print("  ", *e)
        for g, c in matched:
            if c is None:
                print("   unmatched:", g["incident"], "|", g["quote"][:90])
    return 0


if __name__ == "__main__":
    sys.exit(main())
