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
    return [d.isoformat(), f"{d.day} {m} {d.year}", f"{m} {d.day}, {d.year}", f"{m} {d.day} {d.year}",
            f"{d.day:02}/{d.month:02}/{d.year}", f"{d.month:02}/{d.day:02}/{d.year}", f"{d.day}.{d.month}.{d.year}",
            f"{d.year}년 {d.month}월 {d.day}일", f"{d.year}.{d.month:02}.{d.day:02}"]  # fmt: skip


def identity_patterns(identity: dict[str, Any]) -> list[tuple[str, str]]:
    """(regex, mask) for every value of one identity, with the variants a text may use."""
    out: list[tuple[str, str]] = []
    for key in ("name", "name_hangul", "other_names"):
        for name in _values(identity.get(key)):
            out.append((_flex(name), NAME))
            parts = re.split(r"\s+", name.strip())
            if len(parts) > 1:  # the given name alone ("Chol-su"), and the name written surname last
                out.append((_flex(" ".join(parts[1:])), NAME))
                out.append((_flex(" ".join([*parts[1:], parts[0]])), NAME))
            elif re.fullmatch(r"[가-힣]{3,4}", name.strip()):
                out.append((re.escape(name.strip()[1:]), NAME))  # Hangul given name without the surname
    for v in _values(identity.get("date_of_birth")):
        out.extend((_flex(f), DATE) for f in _date_forms(v))
    for key in ("home_town", "address"):
        out.extend((_flex(v), PLACE) for v in _values(identity.get(key)))
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
    relation_name = rf"(\b(?:{relations})\s+)((?:[A-Z][a-z\-]+)(?:\s+[A-Z][a-z\-]+){{0,2}})"
    hangul = rf"[{lists['hangul_surnames']}][가-힣]{{1,2}}(?=\s?(?:씨|님|동지|선생|동무|아주머니|할머니|할아버지))"
    return [
        (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), CONTACT),
        (re.compile(r"(?<!\w)\+?\d[\d\s\-().]{7,}\d(?!\w)"), CONTACT),
        (re.compile(romanised), NAME),
        (re.compile(relation_name), NAME),
        (re.compile(hangul), NAME),
    ]


def _is_public(name: str) -> bool:
    norm = re.sub(r"[\s\-]+", " ", name).strip().lower()
    return any(norm == re.sub(r"[\s\-]+", " ", p).lower() for p in _lists()["public_figures"])


def redact(text: str, identities: list[dict[str, Any]] = ()) -> tuple[str, int]:  # type: ignore[assignment]
    """`text` with identity values and private persons' names masked, and how many masks were applied."""
    count = 0
    for identity in identities:
        for pattern, mask in identity_patterns(identity):
            text, n = re.subn(pattern, mask, text, flags=re.IGNORECASE)
            count += n
    # Public figures are shielded first so the generic name patterns leave them alone.
    shields: list[str] = []

    def shield(m: re.Match[str]) -> str:
        shields.append(m.group(0))
        return f"\x00{len(shields) - 1}\x00"

    publics = sorted(_lists()["public_figures"], key=len, reverse=True)
    text = re.sub("|".join(_flex(p) for p in publics), shield, text)
    for rx, mask in _generic():
        if rx.groups == 2:  # relation + name: keep the spacing, mask the name
            text, n = rx.subn(lambda m, mask=mask: m.group(1) + (m.group(2) if _is_public(m.group(2)) else mask), text)
        else:
            text, n = rx.subn(lambda m, mask=mask: m.group(0) if _is_public(m.group(0)) else mask, text)
        count += n
    text = re.sub(r"\x00(\d+)\x00", lambda m: shields[int(m.group(1))], text)
    return text, count
