"""Mask the names of private persons, and every identity value of the witness, in testimony text.

Runs before any part of a testimony leaves the vault: the masked text is what becomes a source, its
claims' quotes and its full-text index. Masking is deliberately greedy (a masked surname in an ordinary
sentence costs a word; a missed name can cost a life). Word lists are data: `data/redaction.toml`.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from nkwatch.vault import spelling

NAME, DATE, PLACE, CONTACT = "[name withheld]", "[date withheld]", "[place withheld]", "[contact withheld]"
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]  # fmt: skip


@cache
def _lists() -> dict[str, Any]:
    with resources.files("nkwatch").joinpath("data/redaction.toml").open("rb") as f:
        return tomllib.load(f)


def _flex(value: str) -> str:
    """A regex for `value` that tolerates other spacing, hyphens and case ("Chol-su" = "Chol Su" = "CHOLSU")."""
    parts = [re.escape(p) for p in re.split(r"[\s\-‐‑–]+", value.strip()) if p]
    return r"[\s\-‐‑–]*".join(parts)


def _date_forms(value: str) -> list[str]:
    """Regexes for a date of birth in every common written form: day-month-year, month-day-year and
    year-month-day; month as a number, a name or an abbreviation; ordinals ("14th"); two- or four-digit years
    ("3/14/87", "14.03.87"); "14th of March"; Korean (87년 3월 14일); compact (870314, 19870314)."""
    try:
        d = date.fromisoformat(value.strip())
    except ValueError:
        return [re.escape(value)]
    name = _MONTHS[d.month - 1]
    sept = r"|Sept\.?" if d.month == 9 else ""
    month_word = rf"(?:{name}|{name[:3]}\.?{sept})(?![A-Za-z])"
    day = rf"0?{d.day}(?:st|nd|rd|th)?"
    year = rf"(?:{d.year}|'?{d.year % 100:02d})"
    nb, na = r"(?<![\d])", r"(?![\d])"
    sep, num_sep = r"(?:\s*[,/.\-]\s*|\s+)(?:of\s+)?", r"\s*[/.\-]\s*"
    yy, mm, dd = f"{d.year % 100:02d}", f"{d.month:02d}", f"{d.day:02d}"
    return [
        nb + day + sep + month_word + sep + year + na,  # 14th March 1987, 14-Mar-87, 14th of March, 1987
        month_word + sep + day + sep + year + na,  # March 14th, 1987; Mar. 14 87
        nb + day + num_sep + rf"0?{d.month}" + num_sep + year + na,  # 14/3/1987, 14.03.87
        nb + rf"0?{d.month}" + num_sep + day + num_sep + year + na,  # 3/14/87
        nb + year + num_sep + rf"0?{d.month}" + num_sep + rf"0?{d.day}" + na,  # 1987-03-14, 87.3.14
        nb + rf"(?:{d.year}|{yy})년\s*0?{d.month}월\s*0?{d.day}일",  # 1987년 3월 14일
        nb + rf"(?:{d.year}|{yy}){mm}{dd}" + na,  # 19870314, 870314 (a registration number's first half)
        d.isoformat(),
    ]


def _bounded(pattern: str, value: str) -> str:
    """`pattern` that cannot match inside a longer Latin word ("Ri" must not mask "during")."""
    v = value.strip()
    head = r"(?<![A-Za-z])" if v[:1].isascii() and v[:1].isalpha() else ""
    tail = r"(?![A-Za-z])" if v[-1:].isascii() and v[-1:].isalpha() else ""
    return head + pattern + tail


def _names(identity: dict[str, Any]) -> list[str]:
    """Every name of the witness and of the relatives recorded with them (family_in_dprk)."""
    names = [n for key in ("name", "name_hangul", "other_names") for n in _values(identity.get(key))]
    family = identity.get("family_in_dprk")
    for rel in family if isinstance(family, list) else []:
        if isinstance(rel, dict):
            names += [n for key in ("name", "name_hangul", "other_names") for n in _values(rel.get(key))]
    return names


def identity_patterns(identity: dict[str, Any]) -> list[tuple[str, str]]:
    """(regex, mask) for the values of one identity that regexes find: dates of birth and contacts. Names
    and places are found by spelling (see `identity_spans`)."""
    out: list[tuple[str, str]] = []
    for v in _values(identity.get("date_of_birth")):
        out.extend((f, DATE) for f in _date_forms(v))
    for v in _values(identity.get("contact")):
        out.append((_flex(v), CONTACT))
        digits = re.sub(r"\D", "", v)
        if len(digits) >= 6:
            out.append((r"[\s\-\.\(\)]*".join(digits), CONTACT))
        for part in re.split(r"\s*[/;,]\s*|\s+or\s+", v):  # "+82 10 5550 3381 / drusk@example.org"
            if "@" in part:
                out.append((re.escape(part.strip()), CONTACT))
    # Longest first, so a whole contact is masked before a part of it could match inside it.
    return sorted({(p, m) for p, m in out if p}, key=lambda pm: -len(pm[0]))


def identity_keys(identity: dict[str, Any]) -> tuple[dict[str, str], set[str]]:
    """The spelling keys of the names and places of one identity (key -> mask), and the Hangul forms of its
    names that are masked wherever they stand."""
    keys: dict[str, str] = {}
    hangul: set[str] = set()
    for key in ("home_town", "address"):
        for v in _values(identity.get(key)):
            keys |= dict.fromkeys(spelling.value_keys(v), PLACE)
    for name in _names(identity):
        keys |= dict.fromkeys(spelling.value_keys(name) | spelling.given_name_keys(name), NAME)
        hangul |= spelling.hangul_forms(name)
    return keys, hangul


def _values(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, list | tuple):
        return [str(x) for x in v if str(x).strip()]
    return [str(v)] if str(v).strip() and len(str(v).strip()) >= 2 else []


@cache
def _generic() -> list[tuple[re.Pattern[str], str]]:
    lists = _lists()
    surnames = "|".join(sorted({re.escape(s) for s in lists["surnames"]}, key=len, reverse=True))
    syll = r"[A-Z][a-z]{1,6}"
    # Romanised Korean names: surname + hyphenated or two-part given name ("Kim Chol-su", "Ri Yong Ho").
    romanised = rf"\b(?:{surnames})\s+{syll}(?:-[a-z]{{1,6}}|\s+{syll}\b)"
    relations = "|".join(re.escape(r) for r in lists["relations"])
    # Not a name: a sentence going on after the relation word ("my friend. In April ...", "my uncle In 2019").
    stop = "|".join(["In", "On", "At", "The", "And", "But", "When", "After", "Before", "During", "Then", *_MONTHS])
    relation_name = rf"(\b(?:{relations})\s+)((?!(?:{stop})\b)(?:[A-Z][a-z\-]+)(?:\s+[A-Z][a-z\-]+){{0,2}})"
    hangul = rf"[{lists['hangul_surnames']}][가-힣]{{1,2}}(?=\s?(?:씨|님|동지|선생|동무|아주머니|할머니|할아버지))"
    kin = "|".join(lists["hangul_relations"])
    hangul_relation = rf"((?:{kin})\s+)([{lists['hangul_surnames']}][가-힣]{{1,2}})"
    return [
        # Anchored at the start of a run and bounded: "[\w.+-]+@" alone retried at every position of a long
        # word is quadratic (50,000 Hangul syllables took 7 s).
        (re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+"), CONTACT),
        (re.compile(r"(?<!\w)\+?\d[\d\s\-().]{7,}\d(?!\w)"), CONTACT),
        (re.compile(romanised), NAME),
        (re.compile(relation_name), NAME),
        (re.compile(hangul), NAME),
        (re.compile(hangul_relation), NAME),
    ]


def _is_public(name: str) -> bool:
    norm = re.sub(r"[\s\-]+", " ", name).strip().lower()
    return any(norm == re.sub(r"[\s\-]+", " ", p).lower() for p in _lists()["public_figures"])


def mask_identities(text: str, identities: list[dict[str, Any]]) -> tuple[str, int]:
    """`text` with the values of `identities` masked (no name patterns), and how many masks were applied."""
    count = 0
    for identity in identities:
        for pattern, mask in identity_patterns(identity):
            text, n = re.subn(pattern, mask, text, flags=re.IGNORECASE)
            count += n
        keys, hangul = identity_keys(identity)
        spans = spelling.find(text, keys, hangul)
        if spans:
            masks = [_mask_of(text[a:b], keys, hangul) for a, b in spans]
            for (a, b), mask in zip(reversed(spans), reversed(masks), strict=True):
                text = text[:a] + mask + text[b:]
            count += len(spans)
    return text, count


def _mask_of(found: str, keys: dict[str, str], hangul: set[str]) -> str:
    """The mask for a span `spelling.find` returned: a place stays a place, everything else is a name."""
    words = spelling.WORDS.findall(found)
    return PLACE if words and keys.get(spelling.name_key(words)) == PLACE else NAME


def redact(text: str, identities: list[dict[str, Any]] = ()) -> tuple[str, int]:  # type: ignore[assignment]
    """`text` with identity values and private persons' names masked, and how many masks were applied."""
    text, count = mask_identities(text, list(identities))
    # Public figures are shielded first so the generic name patterns leave them alone.
    shields: list[str] = []

    def shield(m: re.Match[str]) -> str:
        shields.append(m.group(0))
        return f"\x00{len(shields) - 1}\x00"

    publics = sorted(_lists()["public_figures"], key=len, reverse=True)
    text = re.sub("|".join(_flex(p) for p in publics), shield, text)
    found: set[str] = set()  # names the patterns masked: masked again wherever else the text names them

    def masked(name: str, mask: str) -> str:
        if _is_public(name):
            return name
        if mask == NAME:
            found.add(name)
        return mask

    for rx, mask in _generic():
        if rx.groups == 2:  # relation + name: keep the spacing, mask the name
            text, n = rx.subn(lambda m, mask=mask: m.group(1) + masked(m.group(2), mask), text)
        else:
            text, n = rx.subn(lambda m, mask=mask: masked(m.group(0), mask), text)
        count += n
    for pattern in _echoes(found):
        text, n = re.subn(pattern, NAME, text)
        count += n
    text = re.sub(r"\x00(\d+)\x00", lambda m: shields[int(m.group(1))], text)
    return text, count


def _echoes(names: set[str]) -> list[str]:
    """Patterns for other mentions of names found by pattern ("my friend Zeltrana Vossbeck ... Vossbeck said"):
    the whole name, and each Latin part alone that is neither a common surname nor a capitalised common word."""
    surnames = {x.casefold() for x in _lists()["surnames"]}
    common = {"in", "on", "at", "the", "and", "but", "when", "after", "before", "during", "then",
              *(m.casefold() for m in _MONTHS)}  # fmt: skip
    out = set()
    for name in names:
        out.add(_bounded(_flex(name), name))
        for part in re.split(r"[\s]+", name.strip()):
            if len(part) >= 3 and part.isascii() and part.casefold() not in surnames | common:
                out.add(_bounded(re.escape(part), part))
    return sorted(out, key=len, reverse=True)
