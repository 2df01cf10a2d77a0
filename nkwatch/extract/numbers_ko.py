"""Korean counts the English number grammar (numbers.py) does not read on its own.

numbers.py already reads 270여명 (at least 270), 수백 명 (100..999), 500명 이상, 약 200명 and 1만 명. Here: numbers
written with the myriad and thousand signs in parts (3만 4천여 명 = at least 34,000; 3만4천명; 1만2000명), vague
counts glued to their counter (수십명 = 10..99, 수백여 명), and 가량/정도/쯤 after a count (10만 명가량: about
100,000), and the counter 인 of headlines (주민 3인 총살). `quantities` returns both grammars' quantities, a
Korean one winning where they overlap.
"""

from __future__ import annotations

import re

from nkwatch.extract.numbers import Quantity, find_quantities

__all__ = ["find_korean_quantities", "quantities"]

_SCALES = {"만": 10_000, "천": 1_000, "백": 100, "십": 10}
_PART = r"[0-9][0-9,]*(?:\.[0-9]+)?\s?[만천백]"
_RX = re.compile(
    rf"(?<![0-9.,])(?P<num>(?:{_PART}\s?)+(?:[0-9][0-9,]*(?![0-9]))?|[0-9][0-9,]*)(?P<yeo>\s?여)?"
    r"(?P<unit>\s?(?:명|건|차례)|인(?![가-힣]))(?P<about>\s?(?:가량|정도|쯤|안팎))?(?P<bound>\s?(?:이상|넘게|넘는|이하|미만))?"
    r"|(?P<vague>수(?:십만|백만|십|백|천|만))(?P<vyeo>\s?여)?(?P<vunit>\s?(?:명|건))"
)
_VAGUE = {"수십": (10, 99), "수백": (100, 999), "수천": (1_000, 9_999), "수만": (10_000, 99_999),
          "수십만": (100_000, 999_999), "수백만": (1_000_000, 9_999_999)}  # fmt: skip
_UNITS = {"명": "people", "인": "people", "건": "incidents", "차례": "incidents"}


def _value(num: str) -> float | None:
    """34000 from "3만 4천", 12000 from "1만2000"."""
    total = 0.0
    rest = num.replace(",", "").replace(" ", "")
    for m in re.finditer(r"([0-9]+(?:\.[0-9]+)?)([만천백]?)", rest):
        if not m.group(0):
            continue
        total += float(m.group(1)) * _SCALES.get(m.group(2), 1)
    return total or None


def find_korean_quantities(text: str) -> list[Quantity]:
    out = []
    for m in _RX.finditer(text):
        if m.group("vague"):
            lo, hi = _VAGUE[m.group("vague")]
            out.append(Quantity(None, float(lo), float(hi), _UNITS[m.group("vunit").strip()], m.group("vunit").strip(),
                                False, m.group(0), m.start(), m.end()))  # fmt: skip
            continue
        num = m.group("num")
        if not re.search(r"[만천백]", num) and not m.group("about") and m.group("unit") != "인":
            continue  # a plain "270명": the English grammar reads it (주민 3인 is read here)
        v = _value(num)
        if v is None:
            continue
        unit = m.group("unit").strip()
        value, lo, hi = v, None, None
        bound = (m.group("bound") or "").strip()
        if m.group("yeo") or bound in ("이상", "넘게", "넘는"):
            value, lo = None, v
        elif bound in ("이하", "미만"):
            value, hi = None, v
        out.append(Quantity(value, lo, hi, _UNITS[unit], unit, bool(m.group("about")), m.group(0), m.start(),
                            m.end()))  # fmt: skip
    return out


def quantities(text: str) -> list[Quantity]:
    """The English grammar's quantities and the Korean ones, left to right."""
    ko = find_korean_quantities(text)
    if not ko:
        return find_quantities(text)
    en = [q for q in find_quantities(text) if not any(q.begin < k.stop and k.begin < q.stop for k in ko)]
    return sorted(ko + en, key=lambda q: q.begin)
