"""Quantities in English (and a little Korean) report prose: counts, ranges, bounds, money, durations.

A deterministic grammar: one regex compiled at import finds a number with its modifier and range
("more than 500", "2,000-3,000", "between 2,000 and 3,000", "$1.34 billion", "Sixty-two", "hundreds of
thousands", "270여"), a second one reads the unit that follows ("people", "North Korean defectors",
"years", "percent", "명"). Things that look like numbers but are not counts are refused: ordinals ("6th",
"second"), years standing as dates ("in 2024"), days of dates ("26 April"), document symbols
("A/HRC/25/63", "resolution 2270", "Camp 14") and a lone "one" ("one of the").

Conventions (callers rely on them):
- exact "60" -> value 60; "about/around/some/roughly/approximately/an estimated/~ 200" -> value 200, approx;
- "more than/over/at least/upwards of 38", "38 or more", "38+", "270여" -> min 38, value None;
- "up to/fewer than/less than/under/at most 2" -> max 2; "nearly/almost/close to 300" -> max 300, approx;
- "as many as 500" -> value 500, approx (a high estimate, not a bound);
- ranges "2,000-3,000", "2,000 to 3,000", "between 2,000 and 3,000", "two or three" -> min/max;
- vague counts are ranges: several 2..9, a few / a handful 2..5, dozens 13..99 (anything above a dozen
  that is not a hundred), hundreds 100..999, thousands 1000..9999, tens of thousands 10^4..10^5-1,
  hundreds of thousands 10^5..10^6-1, millions 10^6..10^7-1; "several hundred" 200..900; 수백 100..999;
- units: "people" (a person noun follows), "usd", "krw", "kpw", "cny", "eur", "jpy", "years", "months",
  "weeks", "days", "hours", "decades", "percent", "tonnes", "incidents", "age" ("15-year-old"), else None;
  `noun` is the head noun that follows, lower case, also when it is not a unit ("floods"); `text` covers
  the unit words but not a non-unit noun;
- a year-like number (1945..2039, no comma) counts only with a count unit and no date preposition before
  it ("2024 people", not "in 2024", "up to 2019" or "2019-2021").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

__all__ = ["SYMBOL_BEFORE", "UNIT_AFTER", "Quantity", "anchored_scan", "find_quantities", "number_word",
           "starters"]


@dataclass(frozen=True)
class Quantity:
    value: float | None  # exact or approximate single value
    min: float | None  # lower bound
    max: float | None  # upper bound
    unit: str | None  # see the module docstring
    noun: str | None  # the head noun that follows, lower case
    approx: bool  # about, around, some, roughly, nearly, ~ ...
    text: str
    begin: int  # offsets in the input: text == input[begin:stop]
    stop: int


def _words(s: str) -> list[str]:
    """Word lists are written as one string: easier to read and to extend."""
    return s.split()


_UNITS = {w: i for i, w in enumerate(_words(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"))}  # fmt: skip
_TENS = {w: 10 * (i + 2)
         for i, w in enumerate(_words("twenty thirty forty fifty sixty seventy eighty ninety"))}  # fmt: skip
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_NW = "|".join(sorted([*_UNITS, *_TENS, "hundred", "dozen", *_SCALES], key=len, reverse=True))
_TOKEN = re.compile(rf"{_NW}|a|an|and", re.IGNORECASE)


def _parse_words(tokens: list[str]) -> tuple[int, int] | None:
    """(value, tokens used) for the longest valid prefix of number-word tokens, or None."""
    total = current = 0
    used = 0
    last = ""  # the class of the last token: unit, tens, hundred, scale, dozen
    prev_scale = 10**15
    best: tuple[int, int] | None = None
    for i, raw in enumerate(tokens):
        t = raw.lower()
        if t in ("a", "an"):
            if i != 0:
                break
            current, last = 1, "a"
            continue
        if t == "and":
            if last not in ("hundred", "scale"):
                break
            continue
        if t in _UNITS or t in _TENS:
            v = _UNITS.get(t, _TENS.get(t, 0))
            if last == "tens" and t in _UNITS and 0 < v < 10 or last in ("", "hundred", "scale"):
                current += v
            else:
                break
            last = "tens" if t in _TENS else "unit"
        elif t == "hundred":
            if last not in ("", "a", "unit", "tens") or current % 100 != current or current == 0 and last:
                break
            current = (current or 1) * 100
            last = "hundred"
        elif t == "dozen":
            if last not in ("a", "unit", "tens"):
                break
            current *= 12
            last = "dozen"
        else:
            scale = _SCALES[t]
            if scale >= prev_scale or last in ("", "scale"):
                break
            total += (current or 1) * scale
            current, prev_scale, last = 0, scale, "scale"
        used = i + 1
        if last != "a":
            best = (total + current, used)
    return best


def number_word(s: str) -> int | None:
    """The value of a spelled-out number ("twenty-three", "one hundred and five", "two million") or None."""
    tokens = re.split(r"[\s-]+", s.strip())
    if not tokens or not all(_TOKEN.fullmatch(t) for t in tokens):
        return None
    parsed = _parse_words(tokens)
    return parsed[0] if parsed and parsed[1] == len(tokens) else None


_VAGUE = {
    "hundreds of thousands": (10**5, 10**6 - 1), "tens of thousands": (10**4, 10**5 - 1),
    "hundreds of millions": (10**8, 10**9 - 1), "tens of millions": (10**7, 10**8 - 1),
    "thousands": (1000, 9999), "hundreds": (100, 999), "millions": (10**6, 10**7 - 1),
    "billions": (10**9, 10**10 - 1), "dozens": (13, 99), "several": (2, 9), "a few": (2, 5),
    "a handful": (2, 5), "several hundred": (200, 900), "several thousand": (2000, 9000),
    "several dozen": (24, 108), "a few hundred": (200, 500), "a few thousand": (2000, 5000),
    "a few dozen": (24, 60), "수십": (10, 99), "수백": (100, 999), "수천": (1000, 9999),
    "수만": (10**4, 10**5 - 1),
    "수십만": (10**5, 10**6 - 1), "수백만": (10**6, 10**7 - 1),
}  # fmt: skip
_VAGUE_RX = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in sorted(_VAGUE, key=len, reverse=True))

_MIN_MODS = {"more than", "over", "at least", "upwards of", "in excess of", "no fewer than", "no less than",
             "not less than", "well over", "just over", "slightly more than", "a minimum of", "exceeding",
             ">", "≥", ">="}  # fmt: skip
_MAX_MODS = {"up to", "fewer than", "less than", "under", "at most", "no more than", "not more than",
             "below", "a maximum of", "just under", "<", "≤", "<="}  # fmt: skip
_NEAR_MODS = {"nearly", "almost", "close to", "just short of"}  # approximate upper bounds
_APPROX_MODS = {"about", "around", "some", "roughly", "approximately", "approx.", "approx", "an estimated",
                "estimated", "circa", "ca.", "~", "≈", "약", "as many as", "as few as", "an average of",
                "on average"}  # fmt: skip
_MODS = "|".join(
    re.escape(k).replace(r"\ ", r"\s+") for k in sorted(_MIN_MODS | _MAX_MODS | _NEAR_MODS | _APPROX_MODS,
                                                        key=len, reverse=True))  # fmt: skip
_CURRENCY = {"$": "usd", "us$": "usd", "usd": "usd", "₩": "krw", "krw": "krw", "€": "eur", "£": "gbp",
             "rmb": "cny", "¥": "cny"}  # fmt: skip
_SCALE_WORDS = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12,
                "k": 10**3, "m": 10**6, "mn": 10**6, "b": 10**9, "bn": 10**9, "tn": 10**12, "천": 10**3,
                "만": 10**4, "억": 10**8}  # fmt: skip

_DIGITS = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
_WORDS = rf"(?:a\s+(?=(?:hundred|thousand|million|billion|dozen)\b))?(?:{_NW})\b(?:(?:[\s-]+|(?<=ndred|usand|llion)\s+and\s+)(?:{_NW})\b)*"  # noqa: E501
_SCALE = r"\s*(?:hundred|thousand|million|billion|trillion)\b|\s?(?:bn|mn|tn)\b|(?:k|m|b)\b|\s?[천만억]"
_CUR = r"US\s?\$\s?|\$\s?|USD\s?|₩\s?|KRW\s?|€\s?|£\s?|RMB\s?|¥\s?"

_RX = re.compile(
    rf"""(?<![\w$€£¥₩.,/#:\-–—])
    (?:(?P<mod>{_MODS})(?:(?<=[~≈<>≤≥=약])\s*|\s+))?
    (?:(?P<between>between|from)\s+)?
    (?:
      (?P<vague>{_VAGUE_RX})\b
    | (?P<cur>{_CUR})?(?P<a>{_DIGITS}|{_WORDS})(?![0-9]|[.,:][0-9])(?:(?P<ascale>{_SCALE})|(?![A-Za-z_]))
      (?:(?P<sep>\s*[-–—]\s*|\s+(?:to|and|or)\s+)(?P<cur2>{_CUR})?(?P<b>{_DIGITS}|{_WORDS})(?![0-9]|[.,:][0-9])
         (?:(?P<bscale>{_SCALE})|(?![A-Za-z_])))?
      (?P<post>\+|\s+or\s+more\b|\s+or\s+so\b|-plus\b|\s*-odd\b|\s?여)?
    )""",
    re.IGNORECASE | re.VERBOSE,
)

_PERSON = (
    r"people|persons?|individuals?|men|man|women|woman|children|child|boys?|girls?|defectors?|escapees?"
    r"|refugees?|asylum[\s-]seekers?|(?:north\s+|south\s+)?koreans|prisoners?|detainees?|inmates?|workers?"
    r"|labou?rers?|officials?|cadres?|soldiers?|residents?|citizens?|civilians?|victims?|returnees?"
    r"|students?|family\s+members|abductees?|fishermen|fishers|crew(?:\s+members)?|christians?|believers?"
    r"|farmers?|traders?|smugglers?|brokers?|minors?|teenagers?|adults?|survivors?|witnesses|nationals?"
    r"|migrants?|deportees?|repatriates?|orphans?|mothers?|girls|missionaries|pastors?|guards?|troops"
    r"|peoples?|infants?|babies|elderly|seniors|patients?|persons\s+with\s+disabilities"
)  # fmt: skip
_ADJ = (
    r"north[\s-]korean|south[\s-]korean|chinese|japanese|russian|korean|foreign|female|male|young|elderly"
    r"|former|other|more|additional|political|alleged|suspected|christian|catholic|new|unaccompanied"
    r"|missing|detained|repatriated|forcibly\s+repatriated|captured|arrested|unidentified|ordinary"
)  # fmt: skip
_UNIT_RX = re.compile(
    rf"""(?P<percent>\s?%|\s+per\s?cent\b|\s+percent\b|\s+pct\b)
    | (?P<age>-years?-old\b|\s+years?\s+old\b)
    | (?P<dur>(?:\s+|-)(?P<dur_w>years?|yrs?|months?|weeks?|days?|hours?|decades?)\b)
    | (?P<kpw>\s+north\s+korean\s+won\b|\s+KPW\b)
    | (?P<krw>\s+(?:south\s+korean\s+)?won\b|\s+KRW\b)
    | (?P<usd>\s+(?:us\s+|american\s+)?dollars\b|\s+USD\b)
    | (?P<cny>\s+(?:chinese\s+)?yuan\b|\s+RMB\b)
    | (?P<eur>\s+euros?\b)
    | (?P<jpy>\s+(?:japanese\s+)?yen\b)
    | (?P<tonnes>\s+(?:metric\s+)?(?:tonnes?|tons?)\b|\s?MT\b)
    | (?P<incidents>\s+(?:incidents?|cases)\b)
    | (?P<people>(?:\s+of(?:\s+(?:the|these|those))?)?(?:\s+(?:{_ADJ}))?(?:\s+(?:{_ADJ}))?
        \s+(?P<person>{_PERSON})\b)
    | (?P<ko>\s?(?P<ko_u>명|년|개월|일|달러|원|톤|건|%))
    """,
    re.IGNORECASE | re.VERBOSE,
)
_KO_UNITS = {"명": "people", "년": "years", "개월": "months", "일": "days", "달러": "usd", "원": "krw",
             "톤": "tonnes", "건": "incidents", "%": "percent"}  # fmt: skip
_DUR = {"ye": "years", "yr": "years", "mo": "months", "we": "weeks", "da": "days", "ho": "hours",
        "de": "decades"}  # fmt: skip
_AGO = re.compile(r"\s+ago\b", re.IGNORECASE)
_KO_BOUND = re.compile(r"\s?(?P<ko_min>이상|넘는|넘게)|\s?(?P<ko_max>이하|미만)")
_NEXT_WORD = re.compile(r"\s+([A-Za-z][a-z]+(?:-[a-z]+)*)")
_STOP = frozenset(
    _words(
        "a an the of and or to in on at by for from with without into onto over under than as is are was "
        "were be been being has have had do does did will would shall should can could may might must "
        "that which who whom whose this these those it its they them their there here he she his her we "
        "our you your i me my not no per since until till during after before while when where why how "
        "alone each every all both more most less least only also even just still again ago later earlier "
        "more times time out up down off about around across against among between through via percent"
    )
)  # fmt: skip
# A number followed by these is a day of a date or a clock time, not a count.
_NOT_COUNT_AFTER = re.compile(
    r"\s*[ap]\.?m\b\.?|\s+(?:of\s+)?(?-i:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b"
)
_MONTH_BEFORE = re.compile(
    r"(?-i:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?\s+$"
)
# A number right after one of these words is a name or a document symbol, not a count.
SYMBOL_BEFORE = re.compile(
    r"(?:resolutions?|res\.|no\.|nos\.|number|articles?|art\.|paragraphs?|para\.|chapter|section|pages?|pp?\."
    r"|annex|table|figure|fig\.|camp|unit|bureau|room|route|flight|item|rule|decree|vol\.|volume|issue"
    r"|covid|level|phase|grade|class|district|block|building|gate|platform|line|size|model|version)\s*$",
    re.IGNORECASE,
)
_DATE_PREP = re.compile(r"(?:in|since|during|until|till|by|from|before|after|of|early|late|mid|spring|summer"
                        r"|autumn|fall|winter)[\s-]+(?:the\s+)?$", re.IGNORECASE)  # fmt: skip
# A count unit right after a number (used by the date grammar: "2023 people" is not a year).
UNIT_AFTER = re.compile(
    rf"\s?%|\s+(?:per\s?cent|percent|dollars|won|yuan|tonnes?|tons?|incidents|cases|years|months|days)\b"
    rf"|(?:\s+(?:{_ADJ}))?\s+(?:{_PERSON})\b",
    re.IGNORECASE,
)


def _num(s: str) -> Decimal | None:
    s = s.replace(",", "")
    if s[0].isdigit():
        return Decimal(s)
    v = number_word(s)
    return None if v is None else Decimal(v)


def _scale(s: str | None) -> int:
    return _SCALE_WORDS[s.strip().lower()] if s else 1


def _is_year(s: str) -> bool:
    return len(s) == 4 and s.isdigit() and 1945 <= int(s) <= 2039


def _unit(text: str, pos: int) -> tuple[str | None, str | None, int]:
    """(unit, noun, end) of the unit words at `pos`; (None, next noun or None, pos) when there are none."""
    u = _UNIT_RX.match(text, pos)
    if u is None:
        w = _NEXT_WORD.match(text, pos)
        noun = w.group(1).lower() if w and w.group(1).lower() not in _STOP else None
        return None, noun, pos
    kind = u.lastgroup
    word = u.group(0).strip(" -").lower()
    if kind == "people":
        return "people", re.sub(r"\s+", " ", u.group("person").lower()), u.end()
    if kind == "dur":
        w = u.group("dur_w").lower()
        return _DUR[w[:2]], w, u.end()
    if kind == "ko":
        return _KO_UNITS[u.group("ko_u")], u.group("ko_u"), u.end()
    if kind == "age":
        return "age", "year-old" if "-" in word else "years old", u.end()
    return kind, re.sub(r"\s+", " ", word), u.end()


def _prefix_words(raw: str) -> tuple[int, int] | None:
    """(value, length in characters) of the longest valid spelled-out number at the start of `raw`."""
    toks = list(_TOKEN.finditer(raw))
    parsed = _parse_words([t.group(0) for t in toks])
    return None if parsed is None else (parsed[0], toks[parsed[1] - 1].end())


def _quantity(text: str, m: re.Match[str]) -> Quantity | None:  # noqa: C901 - one grammar, one place
    """Build the quantity for one match, or None when it is not a count (a year, a date, a symbol...)."""
    g = m.groupdict()
    begin = m.start()
    mod = " ".join(g["mod"].lower().split()) if g["mod"] else None
    ranged = g["between"]
    cur = None
    if g["vague"]:
        lo, hi = _VAGUE[" ".join(g["vague"].lower().split())]
        value, vmin, vmax = None, Decimal(lo), Decimal(hi)
        stop, raw, sa, post = m.end(), g["vague"], None, None
        if ranged:
            begin = m.start("vague")
    else:
        raw, sa, post, b_raw = g["a"], g["ascale"], g["post"], g["b"]
        cur = _CURRENCY.get("".join(g["cur"].split()).lower()) if g["cur"] else None
        a = _num(raw)
        if a is None:  # "a hundred and two hundred": keep the longest valid spelled-out prefix
            prefix = _prefix_words(raw)
            if prefix is None:
                return None
            a, raw = Decimal(prefix[0]), raw[: prefix[1]]
            sa = post = b_raw = None
        if sa and sa.strip().lower() in ("k", "m", "b") and not cur:
            return None  # "100m" without a currency is a distance or a typo
        value, vmin, vmax = a * _scale(sa), None, None
        stop = m.end("ascale") if sa else m.start("a") + len(raw)
        if b_raw:
            b = _num(b_raw)
            ok_sep = (g["sep"].strip().lower() == "and") == (ranged == "between")
            if b is not None and ok_sep:
                sb = _scale(g["bscale"])
                sa_ = _scale(sa) if sa else (sb if a <= b else 1)  # "2 to 3 million": the scale is shared
                lo, hi = a * sa_, b * sb
                if hi > lo:
                    value, vmin, vmax = None, lo, hi
                    stop = m.end("bscale") if g["bscale"] else m.end("b")
                    if _is_year(raw) and _is_year(b_raw) and not cur:
                        return None  # "2019-2021", "from 2015 to 2018": years
        if post and stop == m.start("post"):
            p = post.strip().lower()
            if p in ("or so", "-odd"):
                mod = mod or "about"
            elif vmin is None and vmax is None:  # "38+", "38 or more", "270여"
                value, vmin = None, value
            stop = m.end("post")
        if ranged and vmin is None and vmax is None:
            if mod:
                return None
            begin = m.start("cur") if g["cur"] else m.start("a")  # "between 60 people": no range after all
        # Refuse what is not a count: a lone "one", times, days of dates, document symbols.
        if raw.lower() in ("one", "an", "a") and not _UNIT_RX.match(text, stop):
            return None
        if _NOT_COUNT_AFTER.match(text, stop) or _MONTH_BEFORE.search(text, max(0, begin - 12), begin):
            return None
        if SYMBOL_BEFORE.search(text, max(0, begin - 14), begin):
            return None
    unit, noun, stop2 = _unit(text, stop)
    # A year-like number is a date ("in 2024", "up to 2019") unless a count unit follows and no date
    # preposition precedes ("2024 people").
    if g["a"] and _is_year(raw) and vmin is None and vmax is None and not (cur or sa) and (
            unit is None or _DATE_PREP.search(text, max(0, begin - 12), begin)):
        return None
    if unit in ("years", "months", "weeks", "days", "decades") and _AGO.match(text, stop2):
        return None  # "two years ago" is a date, not a duration
    if unit is None:
        unit = cur
    elif cur and unit == "usd":
        unit = cur  # "$5 dollars" stays usd; "₩5 won" gives krw from either
    stop = stop2
    if unit in ("people", "incidents") and g["a"] and vmin is None and vmax is None:
        k = _KO_BOUND.match(text, stop)  # "500명 이상"
        if k:
            value, vmin, vmax = (None, value, None) if k.group("ko_min") else (None, None, value)
            stop = k.end()
    approx = False
    if mod in _MIN_MODS:
        if value is not None:
            value, vmin = None, value
        vmax = None
    elif mod in _MAX_MODS or mod in _NEAR_MODS:
        if value is not None:
            value, vmax = None, value
        elif vmin is not None and vmax is None:  # "nearly 270여명": an upper and a lower cue; keep the number
            value, vmax, approx = vmin, None, True
        vmin = None
        approx = approx or mod in _NEAR_MODS
    elif mod in _APPROX_MODS:
        approx = True
    return Quantity(
        value=None if value is None else float(value),
        min=None if vmin is None else float(vmin),
        max=None if vmax is None else float(vmax),
        unit=unit, noun=noun, approx=approx, text=text[begin:stop], begin=begin, stop=stop,
    )  # fmt: skip


# Every quantity contains one of these; the full grammar is only tried at word starts shortly before one,
# which is what makes the scan fast (a case-sensitive alternation of literals lets `re` skip most positions).
_ANCHOR_WORDS = [*_UNITS, *_TENS, *_words("hundred thousand million billion dozen several few handful")]
_ANCHORS = re.compile("|".join(
    [f"{d}[0-9]*" for d in "0123456789"] + ["수"] + [v for w in _ANCHOR_WORDS for v in (w, w.capitalize())]))
_T = TypeVar("_T")


def starters(words: list[str], chars: str) -> re.Pattern[str]:
    """A regex for the places a match can start: one of `words` (lower, Title or upper case) or of `chars`.

    Case-sensitive literals, so that `re` can skip positions by their first character; whether the place
    is at a word start is checked by the caller."""
    variants = sorted({v for w in words for v in (w, w.capitalize(), w.upper())}, key=len, reverse=True)
    # a flat alternation whose every branch starts with a literal: `re` then skips on the first character
    singles = [re.escape(c) + ("[0-9]*" if c.isdigit() else "") for c in chars]  # a digit run is one start
    return re.compile("|".join([re.escape(w) + r"(?!\w)" for w in variants] + singles))


def anchored_scan(text: str, rx: re.Pattern[str], anchors: re.Pattern[str], starts: re.Pattern[str],
                  build: Callable[[re.Match[str]], _T | None], stop: Callable[[_T], int],
                  lookback: int = 40) -> list[_T]:  # fmt: skip
    """Left-to-right, non-overlapping matches of `rx` that `build` accepts.

    `rx.match` is tried only at word starts where `starts` matches, at most `lookback` characters before an
    anchor. That is the same as a plain search loop when every match starts where `starts` matches and
    contains a stand-alone anchor no further than `lookback` from its start, and many times faster on
    prose, because a case-sensitive alternation of literals (the anchors) lets `re` skip most positions
    in C.
    """
    out: list[_T] = []
    tried = 0  # every start before this has been tried
    match, candidates = rx.match, starts.finditer
    for a in anchors.finditer(text):
        s = a.start()
        if s and text[s].isalpha() and text[s - 1].isascii() and text[s - 1].isalnum():
            continue  # a word anchor inside a longer word ("ten" in "often") is never part of a match
        while tried <= s:
            # endpos leaves room for a starter word that begins at the anchor and runs past it
            for w in candidates(text, max(tried, s - lookback), s + 16):
                i = w.start()
                if i > s:
                    tried = s + 1
                    break
                if i and (text[i - 1].isalnum() or text[i - 1] == "_"):
                    continue  # inside a word ("within" holds "in")
                m = match(text, i)
                item = build(m) if m is not None else None
                if item is not None:
                    out.append(item)
                    tried = stop(item)
                    break
            else:
                tried = s + 1
    return out


_STARTS = starters(
    [w.split()[0] for w in (*_MIN_MODS, *_MAX_MODS, *_NEAR_MODS, *_APPROX_MODS, *_VAGUE) if w[0].isalpha()]
    + [*_UNITS, *_TENS, "hundred", "thousand", "million", "billion", "dozen", "between", "from", "us", "usd",
       "krw", "rmb", "a", "an"], "0123456789$~<>≈≤≥€£¥₩약수")  # fmt: skip

def find_quantities(text: str) -> list[Quantity]:
    """All quantities in `text`, left to right, non-overlapping, longest match first."""
    return anchored_scan(text, _RX, _ANCHORS, _STARTS, lambda m: _quantity(text, m), _stop)


def _stop(q: Quantity) -> int:
    return q.stop
