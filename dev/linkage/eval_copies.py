#!/usr/bin/env python3
"""Precision and recall of copy detection (nkwatch.link.copies) on the linkage development set.

Loads texts/*.txt with their sidecars into a temporary SQLite store (ids are the SHA-256 of the file bytes,
as ingest makes them; every text captured at the same instant, so direction rests on published_at), runs
detect_copies, and compares with copies.jsonl:
  * copy pairs: two sources are a predicted copy pair when they derive from the same stored original (or one
    from the other); gold pairs are copies.jsonl, closed the same way. Unordered.
  * direction: of the gold pairs found, how many have the copy deriving from the original.
  * attributions without a stored original, and the independence groups they make, are listed.

Usage: .venv/bin/python dev/linkage/eval_copies.py   (standard library + nkwatch only)
"""
import hashlib
import itertools
import json
import os
import sys
import tempfile
from datetime import UTC, datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from nkwatch.link.copies import detect_copies, independence_groups  # noqa: E402
from nkwatch.store.db import open_store  # noqa: E402
from nkwatch.store.models import Source  # noqa: E402

TEXTS = os.path.join(HERE, "texts")
CAPTURED = datetime(2025, 1, 1, tzinfo=UTC)


def load():
    """[(file, id, text, meta)] for every text of the set."""
    out = []
    for name in sorted(os.listdir(TEXTS)):
        if not name.endswith(".txt"):
            continue
        with open(os.path.join(TEXTS, name), "rb") as f:
            raw = f.read()
        with open(os.path.join(TEXTS, name + ".meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
        out.append((name, hashlib.sha256(raw).hexdigest(), raw.decode("utf-8"), meta))
    return out


def gold_pairs():
    with open(os.path.join(HERE, "copies.jsonl"), encoding="utf-8") as f:
        return [(j["source"], j["copy_of"]) for j in map(json.loads, f)]


def closure(edges, names):
    """Unordered pairs of names joined by edges (union-find)."""
    up = {n: n for n in names}

    def find(x):
        while up[x] != x:
            up[x] = up[up[x]]
            x = up[x]
        return x

    for a, b in edges:
        up[find(a)] = find(b)
    groups = {}
    for n in names:
        groups.setdefault(find(n), []).append(n)
    return {frozenset(p) for g in groups.values() for p in itertools.combinations(sorted(g), 2)}


def insert(store, docs):
    with store.session() as s:
        for name, sid, text, meta in docs:
            s.add(Source(id=sid, kind=meta.get("kind") or "news", title=meta.get("title") or None,
                         publisher=meta.get("publisher"), url=meta.get("url"), published_at=meta.get("published_at"),
                         captured_at=CAPTURED, language=meta.get("language"), reliability=meta.get("reliability") or "F",
                         text=text, filename=name, format="txt", size_bytes=len(text.encode("utf-8"))))


def evaluate(store, docs):
    """Run detection on a store holding `docs`; return a dict of the measures and the details."""
    links = detect_copies(store)
    name_of = {sid: name for name, sid, _, _ in docs}
    names = [name for name, _, _, _ in docs]
    with store.session() as s:
        rows = s.query(Source.id, Source.derived_from, Source.derivation).all()
    derived = {name_of[r.id]: (name_of.get(r.derived_from), r.derivation) for r in rows}
    predicted = closure([(a, d) for a, (d, _) in derived.items() if d], names)
    gold_list = gold_pairs()
    gold = closure(gold_list, names)
    tp = predicted & gold
    right_way = [(c, o) for c, o in gold_list if derived[c][0] == o]
    groups = independence_groups([(r.id, r.derived_from, r.derivation) for r in rows])
    return {
        "links": links, "derived": derived, "predicted": predicted, "gold": gold, "tp": tp,
        "precision": len(tp) / len(predicted) if predicted else 1.0,
        "recall": len(tp) / len(gold) if gold else 1.0,
        "direction": (len(right_way), len([p for p in gold_list if frozenset(p) in tp])),
        "groups": {name_of[k]: (name_of.get(v, v)) for k, v in groups.items()},
    }


def main():
    docs = load()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(os.path.join(tmp, "copies.db"))
        insert(store, docs)
        r = evaluate(store, docs)
        again = detect_copies(store)
        store.close()
    print(f"sources: {len(docs)}   gold copy pairs: {len(r['gold'])}   predicted: {len(r['predicted'])}")
    print(f"precision {r['precision']:.3f}   recall {r['recall']:.3f}   "
          f"direction right {r['direction'][0]}/{r['direction'][1]}   second run identical: {again == r['links']}")
    print("\nlinks written:")
    for name, (orig, why) in sorted(r["derived"].items()):
        if orig or why:
            mark = "" if orig is None else ("  ok" if frozenset((name, orig)) in r["gold"] else "  FALSE")
            print(f"  {name[:44]:44} <- {(orig or '-')[:44]:44} {why}{mark}")
    for p in sorted(r["gold"] - r["predicted"], key=sorted):
        print("  missed:", " / ".join(sorted(p)))
    shared = {}
    for name, key in r["groups"].items():
        shared.setdefault(key, []).append(name)
    print("\nindependence groups with more than one source:")
    for key, members in sorted(shared.items(), key=lambda kv: sorted(kv[1])):
        if len(members) > 1:
            print(f"  {key[:20]:20} {', '.join(sorted(m[:2] for m in members))}")


if __name__ == "__main__":
    main()
