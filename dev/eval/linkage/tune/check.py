#!/usr/bin/env python3
"""Validate the linkage TUNING set in this folder (standard library only).

Adapted from dev/linkage/check.py; the occurrence list is read from incidents.jsonl.

Checks:
  * every text in texts/ is named NN_outlet_slug.txt, is 200-2000 characters, has a sidecar with exactly
    the 7 source fields and valid values (language en or ko), and carries at least one gold line;
  * every gold line names an existing text, its quote is an exact substring of that text, its
    kind / act / when / incident fields are well formed, and `when` is not after publication;
  * split rule of this part: every `when` and every year in an incident label is an EVEN year;
  * incidents.jsonl has one line per label used in gold.jsonl (and no other), with a valid role;
    a distractor names the incident it resembles; `resembles` names an existing label;
  * each occurrence is reported by 2 to 10 distinct sources; targets: >= 13 occurrences,
    >= 8 distractors, >= 5 occurrences with a Korean-language source beside an English one;
  * copies.jsonl names existing texts, never a text as a copy of itself;
  * SOURCES.md has a row for every text; no URL twice; no URL or publisher of dev/linkage, and no
    publisher or URL of a test part (dev/eval/*/test), is used here.
Then prints counts: sources, incidents, gold lines, same-incident gold pairs across sources
(all, and counting only pairs whose sources are not copies of each other), negative pairs.

Usage: python3 dev/eval/linkage/tune/check.py      (exit status 1 on any error)
"""
import glob
import itertools
import json
import os
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
TEXTS = os.path.join(HERE, "texts")
DEV = os.path.abspath(os.path.join(HERE, "..", "..", ".."))  # .../dev

META_FIELDS = {"kind", "title", "publisher", "url", "published_at", "language", "reliability"}
KINDS = {"news", "ngo_report", "un_report", "government", "testimony", "other"}
CLAIM_KINDS = {"event", "pattern", "statistic"}
ACTS = {
    "surveillance", "information_control", "discrimination", "movement_restriction",
    "forced_repatriation", "border_killing", "forced_relocation", "food_deprivation", "arrest",
    "detention", "sentence", "execution", "torture", "sexual_violence", "death_in_custody",
    "forced_labour", "collective_punishment", "enforced_disappearance", "abduction", "other",
}
ROLES = {"occurrence", "distractor", "background"}
HOW = {"syndication", "translation", "rewrite"}
DATE_RE = re.compile(r"^(\d{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
LABEL_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LABEL_YEAR_RE = re.compile(r"(?<![0-9])((?:19|20)\d\d)(?![0-9])")
GOLD_KEYS = {"source", "quote", "incident", "kind", "act", "when"}
GOLD_OPTIONAL = {"note"}
MIN_OCC, MIN_DISTRACTORS, MIN_KO_OCC = 13, 8, 5

errors = []
warnings = []


def err(msg):
    errors.append(msg)


def load_jsonl(path, required=True):
    rows = []
    if not os.path.exists(path):
        if required:
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


def norm_pub(p):
    """The organisation part of a publisher string, lower-cased: 'X (via Y)' -> 'x'."""
    return re.split(r"\s*[(,]", p.strip(), maxsplit=1)[0].strip().lower()


def other_sets():
    """Publishers and URLs of dev/linkage and of the test parts, from their sidecars."""
    dev_pubs, test_pubs, urls = set(), set(), {}
    for pattern, bucket in ((os.path.join(DEV, "linkage", "texts", "*.meta.json"), dev_pubs),
                            (os.path.join(DEV, "eval", "*", "test", "texts", "*.meta.json"), test_pubs)):
        for mp in glob.glob(pattern):
            try:
                with open(mp, encoding="utf-8") as fh:
                    m = json.load(fh)
            except (OSError, ValueError):
                continue
            if m.get("publisher"):
                bucket.add(norm_pub(m["publisher"]))
            if m.get("url"):
                urls[m["url"]] = os.path.relpath(mp, DEV)
    return dev_pubs, test_pubs, urls


def main():
    # --- sources and sidecars
    texts = sorted(f for f in os.listdir(TEXTS) if f.endswith(".txt"))
    for f in sorted(os.listdir(TEXTS)):
        if not f.endswith(".txt") and not f.endswith(".txt.meta.json"):
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
        if m.get("language") not in ("en", "ko"):
            err("{}.meta.json: language {!r}".format(f, m.get("language")))
        if m.get("reliability") not in set("ABCDEF"):
            err("{}.meta.json: reliability {!r}".format(f, m.get("reliability")))
    for f in os.listdir(TEXTS):
        if f.endswith(".txt.meta.json") and f[: -len(".meta.json")] not in body:
            err(f"texts/{f}: sidecar without text")

    # --- publishers and URLs against dev/linkage and the test parts
    dev_pubs, test_pubs, other_urls = other_sets()
    seen_urls = {}
    for f, m in sorted(meta.items()):
        url, pub = m.get("url", ""), norm_pub(m.get("publisher", ""))
        if url in seen_urls:
            err(f"{f}: url also used by {seen_urls[url]}")
        seen_urls[url] = f
        if url in other_urls:
            err(f"{f}: url already used in {other_urls[url]}")
        if pub in dev_pubs:
            err(f"{f}: publisher {m['publisher']!r} is a dev/linkage publisher")
        if pub in test_pubs:
            err(f"{f}: publisher {m['publisher']!r} is a test-part publisher")

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
        inc = str(g["incident"])
        if not LABEL_RE.match(inc):
            err("{}: bad incident label {!r}".format(where, g["incident"]))
        if g["kind"] not in CLAIM_KINDS:
            err("{}: kind {!r}".format(where, g["kind"]))
        if g["act"] not in ACTS:
            err("{}: act {!r}".format(where, g["act"]))
        w = g["when"]
        if w is not None:
            if not date_ok(w):
                err(f"{where}: when {w!r}")
            else:
                if int(w[:4]) % 2:
                    err(f"{where}: when {w} is in an odd year (this part takes even years only)")
                if src in meta and date_ok(meta[src].get("published_at")) and not not_after(w, meta[src]["published_at"]):
                    err("{}: when {} is after published_at {}".format(where, w, meta[src]["published_at"]))
        key = (src, q, inc, g["act"])
        if key in seen:
            err(f"{where}: duplicate line")
        seen.add(key)
        by_incident[inc].append((src, q))
    used = {g["source"] for _, g in gold}
    for f in body:
        if f not in used:
            err(f"texts/{f}: no gold line")

    # --- incidents
    incidents = {}
    for n, r in load_jsonl(os.path.join(HERE, "incidents.jsonl")):
        where = "incidents.jsonl:%d" % n
        if set(r) != {"incident", "role", "resembles", "summary"}:
            err(f"{where}: keys {sorted(r)}")
            continue
        lab = r["incident"]
        if lab in incidents:
            err(f"{where}: {lab} listed twice")
        incidents[lab] = r
        if r["role"] not in ROLES:
            err(f"{where}: role {r['role']!r}")
        if not str(r["summary"]).strip():
            err(f"{where}: empty summary")
        for y in LABEL_YEAR_RE.findall(lab):
            if int(y) % 2:
                err(f"{where}: label {lab} names an odd year")
    for lab, r in incidents.items():
        if r["resembles"] is not None and r["resembles"] not in incidents:
            err(f"incidents.jsonl: {lab} resembles unknown label {r['resembles']!r}")
        if r["role"] == "distractor" and not r["resembles"]:
            err(f"incidents.jsonl: distractor {lab} must name the occurrence it resembles")
        if lab not in by_incident:
            err(f"incidents.jsonl: {lab} has no gold line")
    for lab in by_incident:
        if lab not in incidents:
            err(f"gold.jsonl: label {lab} is not in incidents.jsonl")
    occurrences = sorted(lab for lab, r in incidents.items() if r["role"] == "occurrence")
    distractors = sorted(lab for lab, r in incidents.items() if r["role"] == "distractor")
    ko_occ = []
    for inc in occurrences:
        srcs = {s for s, _ in by_incident.get(inc, [])}
        if not 2 <= len(srcs) <= 10:
            err("occurrence %s has %d distinct source(s) (want 2-10)" % (inc, len(srcs)))
        langs = {meta[s]["language"] for s in srcs if s in meta}
        if {"ko", "en"} <= langs:
            ko_occ.append(inc)
    if len(occurrences) < MIN_OCC:
        err("%d occurrences (target %d)" % (len(occurrences), MIN_OCC))
    if len(distractors) < MIN_DISTRACTORS:
        err("%d distractors (target %d)" % (len(distractors), MIN_DISTRACTORS))
    if len(ko_occ) < MIN_KO_OCC:
        err("%d occurrences with Korean and English sources (target %d)" % (len(ko_occ), MIN_KO_OCC))

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
        if c["how"] not in HOW:
            err(f"{where}: how {c['how']!r}")
        copy_pairs.add(frozenset((c["copy"], c["of"])))

    # --- SOURCES.md
    sp = os.path.join(HERE, "SOURCES.md")
    if not os.path.exists(sp):
        err("SOURCES.md: missing")
    else:
        with open(sp, encoding="utf-8") as fh:
            sources_md = fh.read()
        for f in body:
            if f"`{f}`" not in sources_md:
                err(f"SOURCES.md: no row for {f}")

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

    langs = defaultdict(int)
    for m in meta.values():
        langs[m.get("language")] += 1
    print("sources:            %d (%s; %d with a copy relation)" % (
        len(body), ", ".join("%s %d" % kv for kv in sorted(langs.items())), len({f for p in copy_pairs for f in p})))
    print("gold lines:         %d" % len(gold))
    print("incidents:          %d (%d occurrences, %d distractors, %d background)" % (
        len(incidents), len(occurrences), len(distractors), len(incidents) - len(occurrences) - len(distractors)))
    print("occurrences with Korean + English sources: %d (%s)" % (len(ko_occ), ", ".join(ko_occ)))
    print("copy pairs:         %d" % len(copy_pairs))
    print("same-incident gold pairs across sources:      %d" % pos)
    print("  of which between non-copy sources:          %d" % pos_indep)
    print("different-incident gold pairs across sources: %d" % neg)
    print("source pairs sharing an incident:             %d" % len(src_pairs))
    print()
    print("%-52s %-11s %7s %6s" % ("incident", "role", "sources", "lines"))
    order = {"occurrence": 0, "distractor": 1, "background": 2}
    for inc in sorted(by_incident, key=lambda i: (order.get(incidents.get(i, {}).get("role"), 3), i)):
        rows = by_incident[inc]
        print("%-52s %-11s %7d %6d" % (inc, incidents.get(inc, {}).get("role", "?"), len({s for s, _ in rows}), len(rows)))
    if errors:
        print("\n%d error(s):" % len(errors))
        for e in errors:
            print("  " + e)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
