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
    try:
        d = date.fromisoformat(value.strip())
    except ValueError:
        return [value]
    m = _MONTHS[d.month - 1]
    forms = [d.isoformat(), f"{d.day} {m} {d.year}", f"{m} {d.day}, {d.year}", f"{m} {d.day} {d.year}",
             f"{d.day} {m[:3]} {d.year}", f"{m[:3]} {d.day}, {d.year}", f"{d.day}-{d.month}-{d.year}",
             f"{d.year}년 {d.month}월 {d.day}일", f"{d.year}.{d.month}.{d.day}"]  # fmt: skip
    # Numeric forms with and without leading zeros, day first and month first, any of / . - as separator.
    for a, b in ((d.day, d.month), (d.month, d.day)):
        forms.append(rf"(?<!\d)0?{a}\s*[/.\-]\s*0?{b}\s*[/.\-]\s*{d.year}(?!\d)")
    forms.append(rf"(?<!\d){d.year}\s*[/.\-]\s*0?{d.month}\s*[/.\-]\s*0?{d.day}(?!\d)")
    return forms


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
    """(regex, mask) for every value of one identity, with the variants a text may use."""
    out: list[tuple[str, str]] = []
    surnames = {x.casefold() for x in _lists()["surnames"]}
    for name in _names(identity):
        out.append((_bounded(_flex(name), name), NAME))
        parts = re.split(r"[\s,]+", name.strip())
        if len(parts) > 1:  # the name written the other way round ("Qinmarsh Tervalo", "Pak, Chol-su")
            out.append((_bounded(r"[\s,]*".join(_flex(p) for p in [*parts[1:], parts[0]]), name), NAME))
            # Each part alone, except a common Korean surname: "Kim" alone names millions, "Chol-su" or
            # "Tervalo" alone may name the witness.
            out += [(_bounded(_flex(p), p), NAME) for p in parts if len(p) >= 2 and p.casefold() not in surnames]
        elif re.fullmatch(r"[가-힣]{3,4}", name.strip()):
            out.append((re.escape(name.strip()[1:]), NAME))  # Hangul given name without the surname
    for v in _values(identity.get("date_of_birth")):
        out.extend((f if "\\" in f else _flex(f), DATE) for f in _date_forms(v))
    for key in ("home_town", "address"):
        out.extend((_bounded(_flex(v), v), PLACE) for v in _values(identity.get(key)))
    for v in _values(identity.get("contact")):
        out.append((_flex(v), CONTACT))
        digits = re.sub(r"\D", "", v)
        if len(digits) >= 6:
            out.append((r"[\s\-\.\(\)]*".join(digits), CONTACT))
    # Longest first, so "Kim Chol-su" is masked whole before "Chol-su" could match inside it.
    return sorted({(p, m) for p, m in out if p}, key=lambda pm: -len(pm[0]))


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
    return text, count


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
