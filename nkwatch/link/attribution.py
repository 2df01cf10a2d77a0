"""Attribution: which publisher a text credits ("Source: Yonhap", "(AP) --", "Copyright ... Radio Free Asia"),
the canonical name of a publisher, and the groups of sources that are not independent of one another.

nkwatch.link.copies detects copies by their text and records each as `Source.derived_from` / `derivation`; it
uses `attribution` to orient a copy (a source that credits another publisher is the copy) and to link a
crediting source to a stored story of that publisher. What a derivation means for corroboration is decided
here, in `independence_groups`: sources that derive from one original, or credit the same publisher, count once.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

# Attribution lines are looked for in the first and last characters only: datelines and bylines open a
# story, credit lines close it; a long report that cites Yonhap in its footnotes is not a Yonhap copy.
HEAD_CHARS = 400
TAIL_CHARS = 600
NOT_STORED = "(original not stored)"


# --- publishers -------------------------------------------------------------------------------------------

# Canonical name -> the names a text or a publisher field uses. Upper-case acronyms match case-sensitively
# ("AP", never "ap"). HRW is added to the brief's list: NGO releases are rewritten as news.
ALIASES: dict[str, tuple[str, ...]] = {
    "Yonhap": ("Yonhap News Agency", "Yonhap News", "Yonhap", "연합뉴스"),
    "AP": ("The Associated Press", "Associated Press", "AP"),
    "AFP": ("Agence France-Presse", "Agence France Presse", "AFP"),
    "RFA": ("Radio Free Asia", "RFA"),
    "Reuters": ("Thomson Reuters", "Reuters"),
    "NK News": ("NK News", "NKNews"),
    "Daily NK": ("Daily NK", "DailyNK"),
    "KCNA": ("Korean Central News Agency", "KCNA"),
    "HRW": ("Human Rights Watch", "HRW"),
}


def _key(name: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", unicodedata.normalize("NFKC", name).lower()).split())


_CANON = {_key(alias): canon for canon, aliases in ALIASES.items() for alias in aliases}
_CANON.update({_key(c): c for c in ALIASES})


def _alias_pattern() -> str:
    names = sorted({a for aliases in ALIASES.values() for a in aliases}, key=len, reverse=True)
    parts = []
    for n in names:
        body = r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", n))
        parts.append(f"(?-i:{body})" if n.isupper() else body)
    return r"(?P<ag>" + "|".join(parts) + r")(?!\w)"


_AG = _alias_pattern()
_THE = r"(?:the\s+)?"
# (region, pattern) in order of trust; the first that matches names the credited publisher.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [(where, re.compile(p, re.I | re.M)) for where, p in [
    ("both", rf"^[^\w\n]*sources?\s*:\s*{_THE}{_AG}[^\w\n]*$"),  # "Source: Yonhap News Agency" (one source)
    ("both", rf"originally\s+(?:published|appeared|posted|ran)\s+(?:by|on|in|at|with)\s+{_THE}{_AG}"),
    ("tail", rf"(?:used|republished|reprinted|reproduced)\s+with\s+(?:the\s+)?permission\s+(?:of|from)\s+{_THE}{_AG}"),
    ("tail", rf"(?:copyright|\(c\)|©)[^\n]{{0,60}}?(?<!\w){_THE}{_AG}"),
    ("tail", rf"reporting\s+by\s+{_THE}{_AG}"),
    ("tail", rf"\bvia\s+{_THE}{_AG}[^\w\n]*$"),  # "via RFA" closing a line
    ("tail", rf"(?:--|[—–])\s*{_THE}{_AG}[^\w]*\Z"),  # "— Yonhap" closing the text
    ("tail", rf"^[^\w\n]*{_THE}{_AG}[^\w\n]*\Z"),  # "Yonhap News Agency" alone on the last line
    ("both", rf"\(\s*{_AG}\s*\)\s*(?:--|[—–:-]|$)"),  # dateline "SEOUL, Oct. 13 (Yonhap) --", "... (Yonhap)"
    ("head", rf"^\s*by\s+{_THE}{_AG}(?:\s+staff)?[^\w\n]*$"),  # byline "By Human Rights Watch"
    ("head", rf"^\W*according\s+to\s+{_THE}{_AG}"),  # a lede that opens on its source: a rewrite
    ("tail", r"\((?P<reuters>reporting\s+by\s[^)]*;\s*editing\s+by)"),  # Reuters' own credit style
]]  # fmt: skip


def canonical_publisher(name: str | None) -> str | None:
    """The canonical agency a publisher field names ("Yonhap News Agency" -> "Yonhap"), else None.

    Only the publisher's own name counts: "Korea News Gazette (Yonhap News Agency copy)" is the Gazette."""
    if not name:
        return None
    primary = re.split(r"\s*[(,;|]", name.strip(), maxsplit=1)[0]
    key = _key(primary)
    return _CANON.get(key) or _CANON.get(key.removeprefix("the "))


def _acronym_definition(text: str, m: re.Match[str], canon: str) -> bool:
    """'Radio Free Asia (RFA)' defines an acronym: the long name just before the parenthesis."""
    before = _key(text[max(0, m.start() - 60):m.start()])
    return any(_key(a) in before for a in ALIASES[canon] if not a.isupper())


def attribution(text: str) -> str | None:
    """The canonical publisher a text credits ("Source: Yonhap" -> "Yonhap"), or None.

    Credit lines are looked for in the first HEAD_CHARS and the last TAIL_CHARS characters only."""
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text).strip()
    head, tail = text[:HEAD_CHARS], text[-TAIL_CHARS:]
    for where, pattern in _PATTERNS:
        for region in ((head, tail) if where == "both" else (head,) if where == "head" else (tail,)):
            for m in pattern.finditer(region):
                if m.groupdict().get("reuters"):
                    return "Reuters"
                canon = _CANON.get(_key(m.group("ag")))
                if canon and not (m.group(0).lstrip().startswith("(") and _acronym_definition(region, m, canon)):
                    return canon
    return None


_ATTRIBUTION_RE = re.compile(r"^attribution: (?P<p>.+?)(?: \(original not stored\))?(?: \(via [0-9a-f]+\))?$")


def independence_groups(sources: list[tuple[str, str | None, str | None]]) -> dict[str, str]:
    """Group sources that are not independent of one another: `sources` holds (id, derived_from, derivation).

    Two sources are in one group when they derive from the same original (or one from the other), or when
    both credit the same publisher by an attribution line ("attribution: Yonhap", with or without a stored
    original). Returns source id -> group key; the number of independent sources of a set is the number of
    distinct keys. A key is the group's attribution ("wire:Yonhap") if it has one, else its smallest id.
    """
    up: dict[str, str] = {}

    def find(x: str) -> str:
        up.setdefault(x, x)
        while up[x] != x:
            up[x] = up[up[x]]
            x = up[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            up[max(ra, rb)] = min(ra, rb)

    for sid, derived_from, derivation in sources:
        if derived_from:  # most sources derive from nothing: only these, and what they point at, enter `up`
            union(sid, derived_from)
        m = _ATTRIBUTION_RE.match(derivation) if derivation else None
        if m:
            union(sid, f"wire:{m.group('p')}")
    members: dict[str, list[str]] = defaultdict(list)
    for x in list(up):
        members[find(x)].append(x)
    key = {r: min(xs, key=lambda n: (not n.startswith("wire:"), n)) for r, xs in members.items()}
    return {sid: key[find(sid)] if sid in up else sid for sid, _, _ in sources}
