#!/usr/bin/env python3
"""Check that the held-out evaluation parts stay apart (standard library only).

    python dev/eval/check_split.py            # exit 1 on any error
    python dev/eval/check_split.py --write    # rewrite the publisher lists of split.toml from the sidecars

`split.toml` names each part (folder, language group, role) and the publishers it holds. A publisher is the
organisation that wrote the text, read from the sidecars' `publisher` field with the carrier dropped:
"X (via Y)", "X (as republished by Y)", "X, via ReliefWeb" all count as X.

Errors:
- a sidecar's publisher is not listed for its claims part in split.toml (or a listed one is used by no passage);
- a publisher or a URL is in two parts of one language (en test and en tune; ko test and ko tune);
- a test-part publisher (or one of its aliases) is named in a sidecar of dev/claims/texts or dev/linkage/texts;
- a test-part URL is in dev/claims/texts or dev/linkage/texts;
- a linkage test incident label or URL is in the linkage tune part.
Warnings: a URL shared by any two sidecars under dev/ (copies within a linkage part are expected), and a
linkage part's publishers differing from split.toml (those parts are split by occurrence, not publisher).
dev/eval/en/staging/ is not a part and is ignored.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEV = HERE.parent
ROOT = DEV.parent
TOML = HERE / "split.toml"
IGNORED = (HERE / "en" / "staging",)
DEV_FOLDERS = (DEV / "claims" / "texts", DEV / "linkage" / "texts")

# Words that mark the carrier of a copy rather than its author.
CARRIER = re.compile(
    r"\b(via|as (?:republished|stored|catalogued|reproduced|quoted) by|republished|excerpted on)\b", re.IGNORECASE
)
PAREN = re.compile(r"\s*\(([^()]*)\)")
ACRONYM = re.compile(r"^[A-Z][A-Za-z]{1,7}$")


def normalise_publisher(raw: str) -> str:
    """The author of a passage: `raw` without the notes that name the site carrying the copy."""
    name = PAREN.sub(lambda m: "" if CARRIER.search(m.group(1)) else m.group(0), raw.strip())
    while True:  # trailing ", via Y" or "; press release as stored by Y"
        m = re.search(r"\s*[,;]([^,;]*)$", name)
        if not m or not CARRIER.search(m.group(1)):
            return name.strip()
        name = name[: m.start()]


def name_keys(publisher: str) -> set[str]:
    """Short forms used to spot a publisher inside another sidecar's publisher field: the name before any
    comma without its parentheses ("UK Government"), and acronyms given in parentheses ("OHCHR")."""
    head = re.split(r"[,;]", PAREN.sub("", publisher))[0]
    head = re.sub(r"^the\s+", "", head.strip(), flags=re.IGNORECASE)
    keys = {" ".join(head.lower().split())}
    keys |= {m.lower() for m in PAREN.findall(publisher) if ACRONYM.match(m.strip())}
    return {k for k in keys if k}


def mentions(key: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(key) + r"(?!\w)", text.lower()) is not None


def normalise_url(url: str) -> str:
    u = url.strip().split("#")[0]
    u = re.sub(r"^https?://", "", u, flags=re.IGNORECASE)
    host, _, rest = u.partition("/")
    host = host.lower().removeprefix("www.")
    return (host + ("/" + rest if rest else "")).rstrip("/")


@dataclass
class Passage:
    file: Path
    publisher: str  # normalised
    raw_publisher: str
    url: str  # normalised


@dataclass
class Part:
    name: str
    folder: Path
    group: str  # en, ko or linkage
    role: str  # test or tune
    listed: list[str]
    passages: list[Passage] = field(default_factory=list)

    @property
    def publishers(self) -> set[str]:
        return {p.publisher for p in self.passages}

    def urls(self) -> dict[str, Path]:
        return {p.url: p.file for p in self.passages if p.url}


def read_passages(texts: Path) -> list[Passage]:
    out = []
    for side in sorted(texts.glob("*.meta.json")) if texts.is_dir() else []:
        meta = json.loads(side.read_text(encoding="utf-8"))
        raw = str(meta.get("publisher") or "")
        out.append(Passage(side, normalise_publisher(raw), raw, normalise_url(str(meta.get("url") or ""))))
    return out


@dataclass
class Split:
    parts: list[Part]
    aliases: dict[str, list[str]]  # test publisher -> other names of it
    distinct: dict[str, list[str]]  # test publisher -> sidecar publishers judged by hand to be other bodies


def load_split(toml: Path) -> Split:
    data = tomllib.loads(toml.read_text(encoding="utf-8"))
    parts = []
    for name, spec in data.get("parts", {}).items():
        part = Part(name, ROOT / spec["dir"], spec["group"], spec["role"], list(spec.get("publishers", [])))
        part.passages = read_passages(part.folder / "texts")
        parts.append(part)
    tables = {k: {p: list(v) for p, v in data.get(k, {}).items()} for k in ("aliases", "distinct")}
    return Split(parts, tables["aliases"], tables["distinct"])


def linkage_labels(folder: Path) -> set[str]:
    labels: set[str] = set()
    for name in ("gold.jsonl", "incidents.jsonl"):
        path = folder / name
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    labels.add(json.loads(line)["incident"])
    return labels


def rel(p: Path) -> str:
    return str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)


def check(split: Split) -> tuple[list[str], list[str]]:
    parts = split.parts
    errors: list[str] = []
    warnings: list[str] = []
    # 1. split.toml lists exactly the publishers of each part.
    for part in parts:
        unlisted = sorted(part.publishers - set(part.listed))
        unused = sorted(set(part.listed) - part.publishers)
        report = warnings if part.group == "linkage" else errors
        for pub in unlisted:
            files = [p.file.name for p in part.passages if p.publisher == pub]
            report.append(f"{part.name}: publisher {pub!r} ({', '.join(files)}) is not listed in split.toml")
        for pub in unused:
            report.append(f"{part.name}: split.toml lists {pub!r} but no passage has it")
    # 2. Parts of one language share no publisher and no URL.
    for a, b in combinations(parts, 2):
        if a.group != b.group:
            continue
        if a.group != "linkage":
            for pub in sorted(a.publishers & b.publishers):
                errors.append(f"publisher {pub!r} is in both {a.name} and {b.name}")
            for pa in a.passages:
                for pb in b.passages:
                    if pa.publisher != pb.publisher and name_keys(pa.publisher) & name_keys(pb.publisher):
                        warnings.append(f"similar publishers: {pa.publisher!r} ({a.name}) and "
                                        f"{pb.publisher!r} ({b.name})")  # fmt: skip
        ua, ub = a.urls(), b.urls()
        for url in sorted(set(ua) & set(ub)):
            errors.append(f"URL {url} is in both {a.name} ({ua[url].name}) and {b.name} ({ub[url].name})")
    # 3. Test publishers and URLs are absent from the development sets.
    dev = [p for folder in DEV_FOLDERS for p in read_passages(folder)]
    dev_urls = {p.url: p.file for p in dev if p.url}
    for part in parts:
        if part.role != "test":
            continue
        if part.group != "linkage":
            for pub in sorted(part.publishers):
                keys = name_keys(pub) | {k.lower() for k in split.aliases.get(pub, [])}
                for p in dev:
                    if p.raw_publisher in split.distinct.get(pub, []):
                        continue
                    hit = sorted(k for k in keys if mentions(k, p.raw_publisher))
                    if hit:
                        errors.append(f"{part.name} publisher {pub!r} is named in {rel(p.file)} "
                                      f"({p.raw_publisher!r}, matched {hit})")  # fmt: skip
        for url, file in sorted(part.urls().items()):
            if url in dev_urls:
                errors.append(f"{part.name} URL {url} ({file.name}) is also in {rel(dev_urls[url])}")
    # 4. Linkage: the tune part reuses no test incident label.
    for test in (p for p in parts if p.group == "linkage" and p.role == "test"):
        test_labels = linkage_labels(test.folder)
        for tune in (p for p in parts if p.group == "linkage" and p.role == "tune"):
            for label in sorted(test_labels & linkage_labels(tune.folder)):
                errors.append(f"linkage label {label!r} of {test.name} is also in {tune.name}")
    # 5. Any URL in two sidecars anywhere under dev/ (a warning: copies are legitimate within a part).
    seen: dict[str, list[Path]] = {}
    for side in sorted(DEV.rglob("*.meta.json")):
        if any(side.is_relative_to(x) for x in IGNORED):
            continue
        try:
            url = normalise_url(str(json.loads(side.read_text(encoding="utf-8")).get("url") or ""))
        except (json.JSONDecodeError, AttributeError):
            warnings.append(f"{rel(side)}: unreadable sidecar")
            continue
        if url:
            seen.setdefault(url, []).append(side)
    for url, files in sorted(seen.items()):
        if len(files) > 1:
            warnings.append(f"URL {url} is in {len(files)} sidecars: " + ", ".join(rel(f) for f in files))
    return errors, warnings


def write_toml(split: Split, path: Path) -> None:
    """Rewrite split.toml with each part's publishers as the sidecars give them (folders and tables kept)."""
    q = json.dumps  # a JSON string is a valid TOML basic string
    lines = [
        "# The parts of the held-out evaluation sets and their publishers (dev/eval/README.md).",
        '# A publisher is the author, not the carrier: "X (via Y)" counts as X. Checked by check_split.py;',
        "# `python dev/eval/check_split.py --write` rewrites the publisher lists from the sidecars.",
        "# Linkage parts are split by occurrence, not by publisher: their lists are for information.",
        "",
    ]
    for part in split.parts:
        lines += [f"[parts.{part.name}]", f"dir = {q(rel(part.folder))}", f"group = {q(part.group)}",
                  f"role = {q(part.role)}", "publishers = ["]  # fmt: skip
        lines += [f"  {q(pub, ensure_ascii=False)}," for pub in sorted(part.publishers)]
        lines += ["]", ""]
    lines += ["# Other names of test publishers, looked for in dev/claims and dev/linkage sidecars too.", "[aliases]"]
    lines += [f"{q(k, ensure_ascii=False)} = {q(v, ensure_ascii=False)}" for k, v in split.aliases.items()]
    lines += [
        "",
        "# Sidecar publishers that look like a test publisher but were checked by hand to be another body.",
        "[distinct]",
    ]
    lines += [f"{q(k, ensure_ascii=False)} = {q(v, ensure_ascii=False)}" for k, v in split.distinct.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--toml", type=Path, default=TOML)
    ap.add_argument("--write", action="store_true", help="rewrite the publisher lists from the sidecars")
    ap.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    a = ap.parse_args()
    split = load_split(a.toml)
    if a.write:
        write_toml(split, a.toml)
        print(f"wrote {rel(a.toml)}")
        split = load_split(a.toml)
    errors, warnings = check(split)
    if not a.quiet:
        for w in warnings:
            print("warning:", w)
        for part in split.parts:
            print(
                f"{part.name:13} {len(part.passages):3} passages {len(part.publishers):3} publishers  {rel(part.folder)}"
            )
    for e in errors:
        print("ERROR:", e)
    print(f"{len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
