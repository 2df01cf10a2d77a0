#!/usr/bin/env python3
"""Validate and count the held-out linkage TEST set (dev/eval/linkage/test).

Adapted from dev/linkage/check.py; standard library only. Differences:
- the occurrence list is read from incidents.jsonl (role "occurrence") instead of being hard-coded;
- gold lines carry `kind` (event|pattern|statistic);
- copies.jsonl lines are {"copy", "of", "how"} with how in syndication|translation|rewrite;
- passages may be English or Korean;
- split rule: every occurrence and distractor must have happened in an ODD year (checked on the
  `when` values of its gold lines).

Usage: python3 dev/eval/linkage/test/check.py      (exit status 1 on any error)
"""
import itertools
import json
import os
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
TEXTS = os.path.join(HERE, "texts")

META_FIELDS = {"kind", "title", "publisher", "url", "published_at", "language", "reliability"}
KINDS = {"news", "ngo_report", "un_report", "government", "testimony", "statistical_table", "other"}
CLAIM_KINDS = {"event", "pattern", "statistic"}
LANGS = {"en", "ko"}
ROLES = {"occurrence", "distractor", "background"}
HOWS = {"syndication", "translation", "rewrite"}
ACTS = {
    "surveillance", "information_control", "discrimination", "movement_restriction",
    "forced_repatriation", "border_killing", "forced_relocation", "food_deprivation", "arrest",
    "detention", "sentence", "execution", "torture", "sexual_violence", "death_in_custody",
    "forced_labour", "collective_punishment", "enforced_disappearance", "abduction", "other",
}
DATE_RE = re.compile(r"^(\d{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
LABEL_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
GOLD_KEYS = {"source", "quote", "incident", "kind", "act", "when"}
GOLD_OPTIONAL = {"note"}

errors = []


def err(msg):
    errors.append(msg)


def load_jsonl(path):
    rows = []
    if not os.path.exists(path):
        err("%s: missing" % os.path.basename(path))
        return rows
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
    numbers = defaultdict(list)
    for f in texts:
        if not re.match(r"^\d{2}_[a-z0-9-]+_[a-z0-9-]+\.txt$", f):
            err(f"texts/{f}: name is not NN_outlet_slug.txt")
        numbers[f[:2]].append(f)
        with open(os.path.join(TEXTS, f), encoding="utf-8") as fh:
            body[f] = fh.read()
        if not 200 <= len(body[f]) <= 2000:
            err("texts/%s: %d characters (want 200-2000)" % (f, len(body[f])))
        if "\n\n\n" in body[f] or body[f].startswith("\n") or not body[f].endswith("\n"):
            err(f"texts/{f}: paragraph joins are not single blank lines / no final newline")
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
        if m.get("language") not in LANGS:
            err("{}.meta.json: language {!r}".format(f, m.get("language")))
        if m.get("reliability") not in set("ABCDEF"):
            err("{}.meta.json: reliability {!r}".format(f, m.get("reliability")))
    for nn, fs in numbers.items():
        if len(fs) > 1:
            err("texts: number %s used twice: %s" % (nn, ", ".join(fs)))
    for f in os.listdir(TEXTS):
        if f.endswith(".txt.meta.json") and f[: -len(".meta.json")] not in body:
            err(f"texts/{f}: sidecar without text")
    urls = defaultdict(list)
    for f, m in meta.items():
        urls[m.get("url")].append(f)
    for _u, fs in urls.items():
        if len(fs) > 1:
            err("url used by several passages: %s" % ", ".join(fs))

    # --- incidents
    incidents = {}
    for n, r in load_jsonl(os.path.join(HERE, "incidents.jsonl")):
        where = "incidents.jsonl:%d" % n
        if set(r) != {"incident", "role", "resembles", "summary"}:
            err(f"{where}: keys {sorted(r)}")
            continue
        if r["incident"] in incidents:
            err("{}: duplicate label {}".format(where, r["incident"]))
        if r["role"] not in ROLES:
            err("{}: role {!r}".format(where, r["role"]))
        if not str(r["summary"]).strip():
            err(f"{where}: empty summary")
        incidents[r["incident"]] = r
    for lab, r in incidents.items():
        res = r["resembles"]
        if res is not None and res not in incidents:
            err(f"incidents.jsonl: {lab} resembles unknown label {res}")
        if r["role"] == "distractor" and res is None:
            err(f"incidents.jsonl: distractor {lab} resembles nothing")
    MAIN = {lab for lab, r in incidents.items() if r["role"] == "occurrence"}
    DISTRACT = {lab for lab, r in incidents.items() if r["role"] == "distractor"}

    # --- gold
    gold = load_jsonl(os.path.join(HERE, "gold.jsonl"))
    seen = set()
    by_incident = defaultdict(list)
    whens = defaultdict(list)
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
        if g["incident"] not in incidents:
            err("{}: label {} not in incidents.jsonl".format(where, g["incident"]))
        if g["kind"] not in CLAIM_KINDS:
            err("{}: kind {!r}".format(where, g["kind"]))
        if g["act"] not in ACTS:
            err("{}: act {!r}".format(where, g["act"]))
        w = g["when"]
        if w is not None:
            if not date_ok(w):
                err(f"{where}: when {w!r}")
            elif src in meta and date_ok(meta[src].get("published_at")) and not not_after(w, meta[src]["published_at"]):
                err("{}: when {} is after published_at {}".format(where, w, meta[src]["published_at"]))
            else:
                whens[g["incident"]].append((where, w))
        key = (src, q, g["incident"], g["act"])
        if key in seen:
            err(f"{where}: duplicate line")
        seen.add(key)
        by_incident[g["incident"]].append((src, q))
    used = {g["source"] for _, g in gold}
    for f in body:
        if f not in used:
            err(f"texts/{f}: no gold line")
    for lab in incidents:
        if lab not in by_incident:
            err(f"incidents.jsonl: {lab} has no gold line")

    # --- split rule: occurrences and distractors happened in odd years
    for lab in MAIN | DISTRACT:
        for where, w in whens.get(lab, []):
            if int(w[:4]) % 2 == 0:
                err(f"{where}: {lab} dated {w}, an even year (test part takes odd years only)")

    # --- occurrences: 2 to 10 distinct sources
    for inc in sorted(MAIN):
        srcs = {s for s, _ in by_incident.get(inc, [])}
        if not 2 <= len(srcs) <= 10:
            err("occurrence %s has %d distinct source(s) (want 2-10)" % (inc, len(srcs)))

    # --- copies
    copy_pairs = set()
    for n, c in load_jsonl(os.path.join(HERE, "copies.jsonl")):
        where = "copies.jsonl:%d" % n
        if set(c) != {"copy", "of", "how"}:
            err(f"{where}: keys {sorted(c)}")
            continue
        if c["copy"] not in body or c["of"] not in body:
            err(f"{where}: unknown file")
        if c["copy"] == c["of"]:
            err(f"{where}: a file cannot copy itself")
        if c["how"] not in HOWS:
            err("{}: how {!r}".format(where, c["how"]))
        copy_pairs.add(frozenset((c["copy"], c["of"])))

    # --- counts
    pos = pos_indep = neg = 0
    src_pairs = set()
    lines = [(g["source"], g["incident"]) for _, g in gold if g.get("source") in body]
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

    ko_occ = sorted(inc for inc in MAIN
                    if any(meta.get(s, {}).get("language") == "ko" for s, _ in by_incident.get(inc, []))
                    and any(meta.get(s, {}).get("language") == "en" for s, _ in by_incident.get(inc, [])))
    print("passages:           %d (%d Korean, %d with a copy relation)" % (
        len(body), sum(1 for m in meta.values() if m.get("language") == "ko"), len({f for p in copy_pairs for f in p})))
    print("gold lines:         %d" % len(gold))
    print("labels:             %d (%d occurrences, %d distractors, %d background)" % (
        len(incidents), len(MAIN), len(DISTRACT), len(incidents) - len(MAIN) - len(DISTRACT)))
    print("copy pairs:         %d" % len(copy_pairs))
    print("same-incident gold pairs across sources:      %d" % pos)
    print("  of which between non-copy sources:          %d" % pos_indep)
    print("different-incident gold pairs across sources: %d" % neg)
    print("source pairs sharing an incident:             %d" % len(src_pairs))
    print("occurrences with Korean and English sources:  %d (%s)" % (len(ko_occ), ", ".join(ko_occ)))
    print()
    print("%-46s %-11s %7s %6s" % ("incident", "role", "sources", "lines"))
    order = {"occurrence": 0, "distractor": 1, "background": 2}
    for inc in sorted(by_incident, key=lambda i: (order.get(incidents.get(i, {}).get("role"), 3), i)):
        rows = by_incident[inc]
        print("%-46s %-11s %7d %6d" % (inc, incidents.get(inc, {}).get("role", "?"), len({s for s, _ in rows}), len(rows)))
    if errors:
        print("\n%d error(s):" % len(errors))
        for e in errors:
            print("  " + e)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
