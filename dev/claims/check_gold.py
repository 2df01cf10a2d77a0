#!/usr/bin/env python3
"""Validate the hand-annotated claim sets in this folder (standard library only).

    python dev/claims/check_gold.py [--dir DIR] [--spec CLAIMS_MD] [-q]

For every gold-*.jsonl in DIR (default: this script's folder) it checks that

- each line parses as a JSON object with `source`, `quote`, `kind`, `hedged`;
- the source file exists in DIR/texts/ and its FILE.meta.json sidecar is valid
  (kind, reliability, ISO published_at, language);
- `quote` is an exact substring of the source text (UTF-8);
- kind / act / indicator / grounds / perpetrator.id / victims.group / punishment.type /
  when.precision / where.precision are in the vocabularies of spec/claims.md;
- events and patterns carry an `act` and no `indicator`; statistics the reverse, with a value;
- counts and ranges are sane (count_min <= count_max, value_min <= value_max);
- no claim is an exact duplicate of another.

It prints one line per problem, then counts per gold file and kind (and per act/indicator),
and exits 1 when there was any error. The vocabularies are written out below as they stand in
claims.md; with --spec (or when ../../nkwatch/data/vocab.toml is found) they are compared with
that file too, so a change to the spec that is not mirrored here is reported.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

# The controlled vocabularies of spec/claims.md.
SOURCE_KINDS = {"un_report", "ngo_report", "news", "testimony", "government", "other"}
RELIABILITY = set("ABCDEF")
KINDS = {"event", "pattern", "statistic"}
ACTS = {
    "surveillance", "information_control", "discrimination", "movement_restriction", "forced_repatriation",
    "border_killing", "forced_relocation", "food_deprivation", "arrest", "detention", "sentence", "execution",
    "torture", "sexual_violence", "death_in_custody", "forced_labour", "collective_punishment",
    "enforced_disappearance", "abduction", "other",
}
GROUNDS = {"foreign_media", "religion", "defection", "communication", "political", "economic", "dereliction",
           "association", "other", "unknown"}
INSTITUTIONS = {"dprk_state", "mss", "mosc", "kpa_border_guard", "group_109", "court", "party", "prc_authorities",
                "russia_authorities", "other"}
VICTIM_GROUPS = {"escapees", "women", "children", "officials", "prisoners", "religious", "families", "workers",
                 "foreign_nationals", "general_population", "other"}
INDICATORS = {"defector_arrivals", "political_prisoners", "forced_repatriations", "executions", "crypto_theft_usd",
              "food_insecure", "other"}
PUNISHMENT_TYPES = {"labour_camp", "reeducation", "political_prison_camp", "death", "prison", "other"}
WHEN_PRECISIONS = {"day", "month", "season", "year", "decade"}
WHERE_PRECISIONS = {"country", "province", "county", "city", "facility", "border", "point"}

FIELDS = {"source", "quote", "kind", "act", "indicator", "grounds", "when", "where", "perpetrator", "victims",
          "punishment", "law", "hedged", "value", "value_min", "value_max", "unit", "period", "span", "status", "id",
          "source_id", "note"}
META_FIELDS = {"kind", "title", "publisher", "url", "published_at", "reliability", "language"}
ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
PLACE_ID = re.compile(r"^[a-z]{2}(-[a-z0-9]+)*$|^camp-\d+[a-z]?$|^border-[a-z]{2}-[a-z]{2}$")
LAW_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def compare_with_vocab_toml(path: Path) -> list[str]:
    """Differences between the sets above and nkwatch/data/vocab.toml (the code's copy of the spec)."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    pairs = {
        "source_kinds": (SOURCE_KINDS, set(data.get("source_kinds", []))),
        "claim_kinds": (KINDS, set(data.get("claim_kinds", []))),
        "acts": (ACTS, set(data.get("acts", {}))),
        "grounds": (GROUNDS, set(data.get("grounds", {}))),
        "institutions": (INSTITUTIONS, set(data.get("institutions", {}))),
        "victim_groups": (VICTIM_GROUPS, set(data.get("victim_groups", {}))),
        "punishment_types": (PUNISHMENT_TYPES, set(data.get("punishment_types", []))),
    }
    out = []
    for name, (ours, theirs) in pairs.items():
        if theirs and ours != theirs:
            out.append(f"vocabulary {name} differs from {path}: only here {sorted(ours - theirs)}, "
                       f"only there {sorted(theirs - ours)}")
    return out


def compare_with_spec(path: Path) -> list[str]:
    """Identifiers in backticks of claims.md that this script does not know (a rough check)."""
    text = path.read_text(encoding="utf-8")
    out = []
    sections = {
        "### `grounds`": GROUNDS,
        "### Perpetrator institutions (ids)": INSTITUTIONS,
        "### Victim groups": VICTIM_GROUPS,
    }
    for head, known in sections.items():
        i = text.find(head)
        if i < 0:
            continue
        j = text.find("\n### ", i + len(head))
        chunk = text[i + len(head): j if j > 0 else None]
        found = set(re.findall(r"`([a-z_0-9]+)`", chunk))
        if found - known:
            out.append(f"{path.name} {head!r} has ids this script does not know: {sorted(found - known)}")
    return out


def number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def check_meta(meta_path: Path) -> list[str]:
    errs = []
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return [f"{meta_path.name}: unreadable sidecar ({e})"]
    if not isinstance(meta, dict):
        return [f"{meta_path.name}: sidecar is not a JSON object"]
    unknown = set(meta) - META_FIELDS
    if unknown:
        errs.append(f"{meta_path.name}: unknown sidecar fields {sorted(unknown)}")
    if meta.get("kind") not in SOURCE_KINDS:
        errs.append(f"{meta_path.name}: kind {meta.get('kind')!r} not in {sorted(SOURCE_KINDS)}")
    if meta.get("reliability") not in RELIABILITY:
        errs.append(f"{meta_path.name}: reliability {meta.get('reliability')!r} not A..F")
    if not ISO_DATE.match(str(meta.get("published_at") or "")):
        errs.append(f"{meta_path.name}: published_at {meta.get('published_at')!r} is not YYYY[-MM[-DD]]")
    if not re.fullmatch(r"[a-z]{2}", str(meta.get("language") or "")):
        errs.append(f"{meta_path.name}: language {meta.get('language')!r} is not an ISO 639-1 code")
    for k in ("title", "url"):
        if not meta.get(k):
            errs.append(f"{meta_path.name}: {k} is empty")
    return errs


def check_claim(c: dict, text: str) -> list[str]:
    errs = []
    unknown = set(c) - FIELDS
    if unknown:
        errs.append(f"unknown fields {sorted(unknown)}")
    quote = c.get("quote")
    if not isinstance(quote, str) or not quote.strip():
        errs.append("quote is empty")
    elif quote not in text:
        errs.append(f"quote is not an exact substring of {c.get('source')}: {quote[:70]!r}")
    kind = c.get("kind")
    if kind not in KINDS:
        errs.append(f"kind {kind!r} not in {sorted(KINDS)}")
    if kind == "statistic":
        if c.get("indicator") not in INDICATORS:
            errs.append(f"indicator {c.get('indicator')!r} not in {sorted(INDICATORS)}")
        if c.get("act") is not None:
            errs.append("a statistic has no act")
        if not any(number(c.get(k)) for k in ("value", "value_min", "value_max")):
            errs.append("a statistic needs value, value_min or value_max")
        if not c.get("unit"):
            errs.append("a statistic needs a unit")
    elif kind in ("event", "pattern"):
        if c.get("act") not in ACTS:
            errs.append(f"act {c.get('act')!r} not in the act vocabulary")
        if c.get("indicator") is not None:
            errs.append(f"a {kind} has no indicator")
    for k in ("value", "value_min", "value_max"):
        if c.get(k) is not None and not number(c.get(k)):
            errs.append(f"{k} is not a number")
    if number(c.get("value_min")) and number(c.get("value_max")) and c["value_min"] > c["value_max"]:
        errs.append("value_min > value_max")
    if c.get("grounds") is not None and c["grounds"] not in GROUNDS:
        errs.append(f"grounds {c['grounds']!r} not in {sorted(GROUNDS)}")
    if not isinstance(c.get("hedged"), bool):
        errs.append("hedged must be true or false")
    law = c.get("law")
    if law is not None and not (isinstance(law, str) and LAW_ID.match(law)):
        errs.append(f"law {law!r} is not a short snake_case id")
    p = c.get("perpetrator")
    if p is not None and (not isinstance(p, dict) or p.get("id") not in INSTITUTIONS):
        errs.append(f"perpetrator {p!r}: id not in {sorted(INSTITUTIONS)}")
    v = c.get("victims")
    if v is not None:
        if not isinstance(v, dict):
            errs.append("victims is not an object")
        else:
            if v.get("group") is not None and v["group"] not in VICTIM_GROUPS:
                errs.append(f"victims.group {v['group']!r} not in {sorted(VICTIM_GROUPS)}")
            for k in ("count", "count_min", "count_max"):
                if v.get(k) is not None and not (isinstance(v[k], int) and not isinstance(v[k], bool) and v[k] >= 0):
                    errs.append(f"victims.{k} is not a non-negative integer")
            if isinstance(v.get("count_min"), int) and isinstance(v.get("count_max"), int) and v["count_min"] > v["count_max"]:
                errs.append("victims.count_min > victims.count_max")
    pu = c.get("punishment")
    if pu is not None:
        if not isinstance(pu, dict) or pu.get("type") not in PUNISHMENT_TYPES:
            errs.append(f"punishment {pu!r}: type not in {sorted(PUNISHMENT_TYPES)}")
        elif pu.get("years") is not None and not number(pu["years"]):
            errs.append("punishment.years is not a number")
    w = c.get("when")
    if w is not None:
        if not isinstance(w, dict):
            errs.append("when is not an object")
        else:
            for k in ("start", "end"):
                if w.get(k) is not None and not ISO_DATE.match(str(w[k])):
                    errs.append(f"when.{k} {w[k]!r} is not YYYY[-MM[-DD]]")
            if w.get("precision") not in WHEN_PRECISIONS:
                errs.append(f"when.precision {w.get('precision')!r} not in {sorted(WHEN_PRECISIONS)}")
            if w.get("start") and w.get("end") and str(w["start"]) > str(w["end"]) and not str(w["end"]).startswith(str(w["start"])):
                errs.append("when.start is after when.end")
    wh = c.get("where")
    if wh is not None:
        if not isinstance(wh, dict):
            errs.append("where is not an object")
        else:
            if wh.get("place_id") is not None and not PLACE_ID.match(str(wh["place_id"])):
                errs.append(f"where.place_id {wh['place_id']!r} is not a place slug (kp, cn, kp-hyesan, camp-15 ...)")
            if wh.get("precision") is not None and wh["precision"] not in WHERE_PRECISIONS:
                errs.append(f"where.precision {wh['precision']!r} not in {sorted(WHERE_PRECISIONS)}")
    return errs


def main() -> int:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=here, help="folder holding gold-*.jsonl and texts/")
    ap.add_argument("--spec", type=Path, help="spec/claims.md to compare the vocabularies with")
    ap.add_argument("-q", "--quiet", action="store_true", help="only problems and totals")
    a = ap.parse_args()

    problems: list[str] = []
    warnings: list[str] = []
    toml = here.parent.parent / "nkwatch" / "data" / "vocab.toml"
    if toml.exists():
        warnings += compare_with_vocab_toml(toml)
    if a.spec:
        if a.spec.exists():
            warnings += compare_with_spec(a.spec)
        else:
            problems.append(f"--spec {a.spec} does not exist")

    texts_dir = a.dir / "texts"
    golds = sorted(a.dir.glob("gold-*.jsonl"))
    if not golds:
        problems.append(f"no gold-*.jsonl in {a.dir}")
    texts: dict[str, str | None] = {}
    checked_meta: set[str] = set()
    totals: Counter = Counter()
    report = []
    for gold in golds:
        per_kind: Counter = Counter()
        per_label: Counter = Counter()
        sources: set[str] = set()
        seen: dict[str, int] = {}
        for n, line in enumerate(gold.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{gold.name}:{n}"
            try:
                c = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"{where}: not JSON ({e})")
                continue
            if not isinstance(c, dict):
                problems.append(f"{where}: not a JSON object")
                continue
            src = c.get("source")
            if not isinstance(src, str) or not src:
                problems.append(f"{where}: no source")
                continue
            if src not in texts:
                path = texts_dir / src
                try:
                    texts[src] = path.read_bytes().decode("utf-8")
                except FileNotFoundError:
                    texts[src] = None
                except UnicodeDecodeError:
                    texts[src] = None
                    problems.append(f"{where}: {src} is not UTF-8")
            text = texts[src]
            if text is None:
                problems.append(f"{where}: source file texts/{src} not found or unreadable")
                continue
            if src not in checked_meta:
                checked_meta.add(src)
                meta = texts_dir / (src + ".meta.json")
                if meta.exists():
                    problems += [f"{where}: {e}" for e in check_meta(meta)]
                else:
                    warnings.append(f"{where}: no sidecar texts/{src}.meta.json")
            problems += [f"{where}: {e}" for e in check_claim(c, text)]
            key = json.dumps(c, sort_keys=True, ensure_ascii=False)
            if key in seen:
                warnings.append(f"{where}: exact duplicate of line {seen[key]}")
            seen.setdefault(key, n)
            sources.add(src)
            kind = c.get("kind")
            per_kind[kind] += 1
            per_label[(kind, c.get("indicator") if kind == "statistic" else c.get("act"))] += 1
        totals.update(per_kind)
        report.append((gold.name, len(sources), per_kind, per_label))

    for w in warnings:
        print("warning:", w)
    for p in problems:
        print("ERROR:", p)
    for name, nsrc, per_kind, per_label in report:
        total = sum(per_kind.values())
        kinds = ", ".join(f"{k} {per_kind[k]}" for k in ("event", "pattern", "statistic") if per_kind[k])
        print(f"{name}: {total} claims in {nsrc} sources ({kinds})")
        if not a.quiet:
            for (kind, label), cnt in sorted(per_label.items(), key=lambda x: (str(x[0][0]), -x[1], str(x[0][1]))):
                print(f"    {kind:9} {str(label):24} {cnt}")
    if texts_dir.is_dir():
        used = set(texts)
        unused = sorted(p.name for p in texts_dir.glob("*.txt") if p.name not in used)
        if unused and not a.quiet:
            print(f"texts without gold claims ({len(unused)}): {', '.join(unused)}")
    print("total:", ", ".join(f"{k} {totals[k]}" for k in ("event", "pattern", "statistic")),
          f"= {sum(totals.values())}", "| OK" if not problems else f"| {len(problems)} error(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
