"""Pairwise precision and recall of "same incident" on a linkage set.

    python dev/linkage/evaluate.py [-v]              # the development set (dev/linkage)
    python dev/linkage/evaluate.py --set tune -v     # a held-out part: dev/eval/linkage/{tune,test}
    python dev/linkage/evaluate.py --set dev --set tune --set test

Ingests the set's texts into a fresh store (coder included), detects copies, links, then compares with its
gold.jsonl: each gold line (a quote and its incident label) is matched to the claim of its source whose
span overlaps it most (same act preferred). Over every pair of matched gold lines from different sources:
precision = pairs linked that the gold puts together / pairs linked; recall = pairs the gold puts
together that are linked / pairs the gold puts together. The end-to-end figures also count gold lines the
coder missed as unlinked (their pairs are missed, never linked).

-v lists wrong pairs and unmatched gold lines; it is refused for the test part, from which only the figures
may be read (dev/eval/README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from sqlalchemy import select

from nkwatch.ingest.pipeline import ingest_paths
from nkwatch.link.copies import detect_copies
from nkwatch.link.run import LinkReport, link
from nkwatch.store.db import Store, open_store
from nkwatch.store.models import Claim, Source

HERE = Path(__file__).resolve().parent
EVAL = HERE.parent / "eval" / "linkage"
SETS = {"dev": HERE, "tune": EVAL / "tune", "test": EVAL / "test"}
TEST_SETS = {"test"}


def linked_set(folder: Path = HERE) -> tuple[Store, LinkReport, list[dict]]:
    """The linkage set in `folder` (texts/ and gold.jsonl) ingested into a fresh store, copies detected,
    fully linked; and its gold lines."""
    work = Path(tempfile.mkdtemp())
    store = open_store(str(work / "link.db"))
    ingest_paths(store, [folder / "texts"], originals=work / "originals")
    detect_copies(store)
    report = link(store, full=True)
    gold = [json.loads(x) for x in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    return store, report, gold


def match_gold(s, gold: list[dict]) -> list[tuple[dict, Claim | None]]:  # noqa: ANN001 - a Session
    """Each gold line with the claim that best covers its quote (same act, same month, most overlap), if any.
    A gold line whose source is not in the store (not ingested, or stored under another file name) gets None."""
    by_file = {src.filename: src for src in s.scalars(select(Source))}
    claims_by_src: dict[str, list[Claim]] = {}
    for c in s.scalars(select(Claim)):
        claims_by_src.setdefault(c.source_id, []).append(c)
    matched = []
    for g in gold:
        src = by_file.get(g["source"])
        i = src.text.find(g["quote"]) if src is not None else -1
        best = None
        for c in claims_by_src.get(src.id, []) if src is not None and i >= 0 else []:
            ov = max(0, min(c.span_end, i + len(g["quote"])) - max(c.span_start, i)) / len(g["quote"])
            # A sentence listing several occurrences gives one claim per occurrence: match on the date too.
            when_ok = bool(g.get("when")) and str((c.when or {}).get("start") or "").startswith(g["when"][:7])
            key = (c.act == g["act"], when_ok, ov)
            if ov > 0.25 and (best is None or key > best[0]):
                best = (key, c)
        matched.append((g, best[1] if best else None))
    return matched


@dataclass
class PairScore:
    """Pairwise "same incident" counts over gold lines of different sources."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    fn_unmatched: int = 0  # gold pairs with a gold line the coder missed
    errors: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    @staticmethod
    def f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def recall_e2e(self) -> float:
        n = self.tp + self.fn + self.fn_unmatched
        return self.tp / n if n else 0.0


def score_pairs(matched: list[tuple[dict, Claim | None]]) -> PairScore:
    sc = PairScore()
    for (g1, c1), (g2, c2) in combinations(matched, 2):
        if g1["source"] == g2["source"]:
            continue
        same = g1["incident"] == g2["incident"]
        if c1 is None or c2 is None:
            sc.fn_unmatched += same
            continue
        linked = c1.incident_id is not None and c1.incident_id == c2.incident_id
        if linked and same:
            sc.tp += 1
        elif linked:
            sc.fp += 1
            sc.errors.append(("FP", g1["incident"], g2["incident"], g1["quote"][:60], g2["quote"][:60]))
        elif same:
            sc.fn += 1
            sc.errors.append(("FN", g1["incident"], g2["incident"], g1["quote"][:60], g2["quote"][:60]))
    return sc


@dataclass
class LinkageResult:
    name: str
    report: LinkReport
    gold: int
    matched: list[tuple[dict, Claim | None]]
    pairs: PairScore


def evaluate(name: str, folder: Path) -> LinkageResult:
    store, report, gold = linked_set(folder)
    with store.session() as s:
        matched = match_gold(s, gold)
        pairs = score_pairs(matched)
    return LinkageResult(name, report, len(gold), matched, pairs)


def print_result(r: LinkageResult, verbose: bool) -> None:
    sc = r.pairs
    n_matched = sum(c is not None for _, c in r.matched)
    print(f"== {r.name}")
    print(f"link: {r.report.claims} claims, {r.report.incidents} incidents, {r.report.proposals} proposals")
    print(f"gold lines matched to a claim: {n_matched}/{r.gold}")
    print(f"pairwise precision {sc.precision:.3f}  recall {sc.recall:.3f}  F1 {sc.f1(sc.precision, sc.recall):.3f}"
          f"  (tp {sc.tp}, fp {sc.fp}, fn {sc.fn})")  # fmt: skip
    print(f"end-to-end precision {sc.precision:.3f}  recall {sc.recall_e2e:.3f}  "
          f"F1 {sc.f1(sc.precision, sc.recall_e2e):.3f}  (+{sc.fn_unmatched} gold pairs whose claims the coder "
          "missed count as missed)")  # fmt: skip
    if verbose:
        seen = set()
        for e in sc.errors:
            key = e[:3]
            if key not in seen:
                seen.add(key)
                print("  ", *e)
        for g, c in r.matched:
            if c is None:
                print("   unmatched:", g["incident"], "|", g["quote"][:90])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", dest="sets", action="append", choices=list(SETS),
                    help="dev (default), tune or test; repeatable")  # fmt: skip
    ap.add_argument("-v", "--verbose", action="store_true", help="list wrong pairs and unmatched gold lines")
    a = ap.parse_args()
    names = a.sets or ["dev"]
    tests = [n for n in names if n in TEST_SETS]
    if a.verbose and tests:
        print(f"refused: --verbose would list the pairs and misses of the linkage {', '.join(tests)} part. From a "
              "test part only the figures may be read (dev/eval/README.md); use --set tune to look at errors.",
              file=sys.stderr)  # fmt: skip
        return 2
    for name in names:
        print_result(evaluate(name, SETS[name]), a.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
