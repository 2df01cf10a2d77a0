#!/usr/bin/env python3
"""Validate the linkage development set in this folder (standard library only).

Checks:
  * every text in texts/ has a sidecar with exactly the 7 source fields and valid values;
  * every gold line names an existing text, its quote is an exact substring of that text,
    and its act / when / incident fields are well formed; `when` is not after publication;
  * every text is 200-2000 characters and carries at least one gold line;
  * each main incident (MAIN below) has quotes from at least 2 distinct sources,
    and each unrelated incident is not one of them;
  * copies.jsonl names existing texts, never a text as a copy of itself.
Then prints counts: sources, incidents, gold lines, same-incident gold pairs across sources
(all, and counting only pairs whose sources are not copies of each other), and source pairs.

Usage: python3 dev/linkage/check.py            (exit status 1 on any error)
"""
import itertools
import json
import os
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
TEXTS = os.path.join(HERE, "texts")

# The main occurrences: each must be reported by at least two distinct sources.
MAIN = {
    "repat-2023-10-09",
    "repat-2023-09-18",
    "repat-2023-08-29",
    "repat-2024-04-26",
    "repat-2021-07-14",
    "jang-execution-2013-12-12",
    "warmbier-sentence-2016-03-16",
    "fishermen-deportation-2019-11-07",
    "official-killed-at-sea-2020-09-22",
    "exec-2022-10-hyesan-teens",
    "exec-2013-11-03-seven-cities",
    "sentence-2022-teens-12-years-kdrama",
}

META_FIELDS = {"kind", "title", "publisher", "url", "published_at", "language", "reliability"}
KINDS = {"news", "ngo_report", "un_report", "government"}
ACTS = {
    "surveillance", "information_control", "discrimination", "movement_restriction",
    "forced_repatriation", "border_killing", "forced_relocation", "food_deprivation", "arrest",
    "detention", "sentence", "execution", "torture", "sexual_violence", "death_in_custody",
    "forced_labour", "collective_punishment", "enforced_disappearance", "abduction", "other",
}
DATE_RE = re.compile(r"^(\d{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
LABEL_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
GOLD_KEYS = {"source", "quote", "incident", "act", "when"}
GOLD_OPTIONAL = {"note"}

errors = []


def err(msg):
    errors.append(msg)


def load_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append((n, json.loads(line)))
            except json.JSONDecodeError as e:
                err("%s:%d: bad JSON (%s)" % (os.path.basename(path), n, e))
    return rows


def date_ok(s):
    return isinstance(s, str) and DATE_RE.match(s) is not None


def not_after(when, published):
    """True when `when` (any precision) does not start after `published` (any precision)."""
    k = min(len(when), len(published))
    return when[:k] <= published[:k]


def main():
    # --- sources and sidecars
    texts = sorted(f for f in os.listdir(TEXTS) if f.endswith(".txt"))
    others = sorted(f for f in os.listdir(TEXTS) if not f.endswith(".txt") and not f.endswith(".txt.meta.json"))
    for f in others:
        err(f"texts/{f}: unexpected file")
    body, meta = {}, {}
    for f in texts:
        if not re.match(r"^\d{2}_[a-z0-9-]+_[a-z0-9-]+\.txt$", f):
            err(f"texts/{f}: name is not NN_outlet_slug.txt")
        with open(os.path.join(TEXTS, f), encoding="utf-8") as fh:
            body[f] = fh.read()
        if not 200 <= len(body[f]) <= 2000:
            err("texts/%s: %d characters (want 200-2000)" % (f, len(body[f])))
        mp = os.path.join(TEXTS, f + ".meta.json")
        if not os.path.exists(mp):
            err(f"texts/{f}: no sidecar")
            continue
        with open(mp, encoding="utf-8") as fh:
            m = json.load(fh)
        meta[f] = m
        if set(m) != META_FIELDS:
            err(f"{f}.meta.json: fields {sorted(m)} (want exactly {sorted(META_FIELDS)})")
        if m.get("kind") not in KINDS:
            err("{}.meta.json: kind {!r}".format(f, m.get("kind")))
        for k in ("title", "publisher", "url"):
            if not isinstance(m.get(k), str):
                err(f"{f}.meta.json: {k} is not a string")
        if not m.get("publisher"):
            err(f"{f}.meta.json: empty publisher")
        if not str(m.get("url", "")).startswith(("http://", "https://")):
            err("{}.meta.json: url {!r}".format(f, m.get("url")))
        if not date_ok(m.get("published_at")):
            err("{}.meta.json: published_at {!r}".format(f, m.get("published_at")))
        if m.get("language") != "en":
            err("{}.meta.json: language {!r}".format(f, m.get("language")))
        if m.get("reliability") not in set("ABCDEF"):
            err("{}.meta.json: reliability {!r}".format(f, m.get("reliability")))
    for f in os.listdir(TEXTS):
        if f.endswith(".txt.meta.json") and f[: -len(".meta.json")] not in body:
            err(f"texts/{f}: sidecar without text")

    # --- gold
    gold = load_jsonl(os.path.join(HERE, "gold.jsonl"))
    seen = set()
    by_incident = defaultdict(list)
    for n, g in gold:
        where = "gold.jsonl:%d" % n
        keys = set(g)
        if not keys >= GOLD_KEYS or keys - GOLD_KEYS - GOLD_OPTIONAL:
            err(f"{where}: keys {sorted(keys)}")
            continue
        src, q = g["source"], g["quote"]
        if src not in body:
            err(f"{where}: unknown source {src!r}")
            continue
        if not isinstance(q, str) or not q.strip():
            err(f"{where}: empty quote")
        elif q not in body[src]:
            err(f"{where}: quote is not an exact substring of {src}: {q[:70]!r}")
        if not LABEL_RE.match(str(g["incident"])):
            err("{}: bad incident label {!r}".format(where, g["incident"]))
        if g["act"] not in ACTS:
            err("{}: act {!r}".format(where, g["act"]))
        w = g["when"]
        if w is not None:
            if not date_ok(w):
                err(f"{where}: when {w!r}")
            elif src in meta and date_ok(meta[src].get("published_at")) and not not_after(w, meta[src]["published_at"]):
                err("{}: when {} is after published_at {}".format(where, w, meta[src]["published_at"]))
        key = (src, q, g["incident"], g["act"])
        if key in seen:
            err(f"{where}: duplicate line")
        seen.add(key)
        by_incident[g["incident"]].append((src, q))
    used = {g["source"] for _, g in gold}
    for f in body:
        if f not in used:
            err(f"texts/{f}: no gold line")

    # --- main incidents
    for inc in sorted(MAIN):
        srcs = {s for s, _ in by_incident.get(inc, [])}
        if len(srcs) < 2:
            err("main incident %s has %d distinct source(s)" % (inc, len(srcs)))
    unrelated = sorted(set(by_incident) - MAIN)

    # --- copies
    copy_pairs = set()
    cpath = os.path.join(HERE, "copies.jsonl")
    for n, c in load_jsonl(cpath) if os.path.exists(cpath) else []:
        where = "copies.jsonl:%d" % n
        if set(c) != {"source", "copy_of", "evidence"}:
            err(f"{where}: keys {sorted(c)}")
            continue
        if c["source"] not in body or c["copy_of"] not in body:
            err(f"{where}: unknown file")
        if c["source"] == c["copy_of"]:
            err(f"{where}: a file cannot copy itself")
        if not str(c["evidence"]).strip():
            err(f"{where}: no evidence")
        copy_pairs.add(frozenset((c["source"], c["copy_of"])))

    # --- counts
    pos = pos_indep = neg = 0
    src_pairs = set()
    lines = [(g["source"], g["incident"]) for _, g in gold]
    for (s1, i1), (s2, i2) in itertools.combinations(lines, 2):
        if s1 == s2:
            continue
        if i1 == i2:
            pos += 1
            src_pairs.add((frozenset((s1, s2)), i1))
            if frozenset((s1, s2)) not in copy_pairs:
                pos_indep += 1
        else:
            neg += 1

    print("sources:            %d (%d with a copy relation)" % (len(body), len({f for p in copy_pairs for f in p})))
    print("gold lines:         %d" % len(gold))
    print("incidents:          %d (%d main, %d other: related-but-distinct or unrelated)" % (len(by_incident), len(MAIN & set(by_incident)), len(unrelated)))
    print("copy pairs:         %d" % len(copy_pairs))
    print("same-incident gold pairs across sources:      %d" % pos)
    print("  of which between non-copy sources:          %d" % pos_indep)
    print("different-incident gold pairs across sources: %d" % neg)
    print("source pairs sharing an incident:             %d" % len(src_pairs))
    print()
    print("%-38s %7s %6s" % ("incident", "sources", "lines"))
    for inc in sorted(by_incident, key=lambda i: (i not in MAIN, i)):
        rows = by_incident[inc]
        print("%-38s %7d %6d%s" % (inc, len({s for s, _ in rows}), len(rows), "" if inc in MAIN else "  (not main)"))
    if errors:
        print("\n%d error(s):" % len(errors))
        for e in errors:
            print("  " + e)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
