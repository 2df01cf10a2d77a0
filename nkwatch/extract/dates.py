"""Date expressions in English report prose, resolved to partial ISO dates.

A small, deterministic grammar in the spirit of the TABARI/PETRARCH date handling: one regex compiled at
import finds candidate expressions ("on 26 April 2024", "in late 2025", "since 2020", "last April",
"the 1990s", "2019-21") and one handler per form turns a match into a `DateMention`. Forms that need the
publication date ("last year", "in April", "February 6th", "on Tuesday") are resolved against `reference`
and dropped when there is none, because a guess would be worse than nothing in an evidence record.

Ranges are built in a second pass from two adjacent points ("from 2015 to 2018", "between 2019 and 2021"),
so every point form can take part in a range without doubling the grammar.

Conventions (documented here because callers rely on them):
- season qualifiers: early/beginning/start = months 01..04, mid/middle = 05..08, late/end/latter part =
  09..12, first half = 01..06, second half = 07..12, Q1..Q4 = calendar quarters; seasons are northern
  (spring 03..05, summer 06..08, autumn/fall 09..11, winter YYYY = YYYY-12..YYYY+1-02);
- decades: "the 1990s" = 1990..1999; early = 0..3, mid = 3..6, late = 6..9 (precision stays "decade");
- "in April" = the most recent April not after the reference month; "last April" = strictly before it;
  "6 February" = the most recent such day not after the reference; "on Tuesday" = the most recent
  Tuesday strictly before the reference;
- relation: "since/from/after X" -> since (end None); "until/till/by/before/as of X" -> until (start None);
  two joined points -> between; anything else -> at (future forms such as "next year" included);
- bare years count only in 1945..2039 and not as part of a larger number, an amount ("$2025"), a
  document symbol ("A/HRC/25/63", "resolution 2270") or a count ("2023 people").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from nkwatch.extract.numbers import SYMBOL_BEFORE, UNIT_AFTER, anchored_scan, number_word, starters

__all__ = ["DateMention", "find_dates"]


@dataclass(frozen=True)
class DateMention:
    start: str | None  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"; None when open at the start ("until 2019")
    end: str | None  # same; None when open-ended ("since 2020")
    precision: str  # "day" | "month" | "season" | "year" | "decade"
    text: str  # the matched text
    begin: int  # offsets in the input: text == input[begin:stop]
    stop: int
    relation: str  # "at" | "since" | "until" | "between"
    relative: bool  # resolved against the reference date


_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_WEEKDAYS = {d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                          "sunday"])}  # fmt: skip
# (first month, last month, year offset of the last month)
_SEASONS = {"spring": (3, 5, 0), "summer": (6, 8, 0), "autumn": (9, 11, 0), "fall": (9, 11, 0),
            "winter": (12, 2, 1)}  # fmt: skip
_QUALIFIERS = {"early": (1, 4), "beginning": (1, 4), "start": (1, 4), "mid": (5, 8), "middle": (5, 8),
               "late": (9, 12), "end": (9, 12), "latter part": (9, 12), "first half": (1, 6),
               "second half": (7, 12), "latter half": (7, 12), "q1": (1, 3), "q2": (4, 6), "q3": (7, 9),
               "q4": (10, 12), "first quarter": (1, 3), "second quarter": (4, 6), "third quarter": (7, 9),
               "fourth quarter": (10, 12)}  # fmt: skip
_DECADE_PART = {None: (0, 9), "early": (0, 3), "mid": (3, 6), "late": (6, 9)}
_RELATION = {"since": "since", "from": "since", "after": "since", "starting in": "since",
             "beginning in": "since", "until": "until", "till": "until", "by": "until", "before": "until",
             "as of": "until", "up to": "until", "through": "until"}  # fmt: skip
_PRECISION_RANK = {"day": 0, "month": 1, "season": 2, "year": 3, "decade": 4}

# Months are case-sensitive (Title case): "may", "march" and "mar" are ordinary words in lower case.
_MON = (r"(?-i:January|February|March|April|May|June|July|August|September|October|November|December"
        r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?")  # fmt: skip
_WD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_YC = r"(?:19[0-9][0-9]|20[0-3][0-9])"
_Y = _YC + r"(?![\w%]|[.,][0-9])"  # a year, not the start of a longer number
_D = r"(?:3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?(?![\w%]|[.,:][0-9])"
_QUAL = (r"early|beginning|start|mid|middle|late|end|latter\s+part|first\s+half|second\s+half|latter\s+half"
         r"|q[1-4]|(?:first|second|third|fourth)\s+quarter")  # fmt: skip
_SMALLNUM = r"[0-9]{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty"

_PRE = (r"in|on|at|during|throughout|within|over|since|from|after|starting\s+in|beginning\s+in|until|till|by"
        r"|before|as\s+of|up\s+to|through|between")  # fmt: skip

# One alternative per form; each is a named group and `m.lastgroup` names the handler. Longer forms come
# first because Python's alternation is first-match, not longest-match.
_RX = re.compile(
    rf"""(?<![\w$€£¥₩#/.,:-])
    (?:(?P<pre>{_PRE})\s+)?
    (?:(?P<the>the)\s+)?
    (?:
      (?P<iso>(?P<iso_y>{_YC})-(?P<iso_m>0[1-9]|1[0-2])-(?P<iso_d>0[1-9]|[12][0-9]|3[01])(?![\w-]))
    | (?P<dmy>(?:{_WD},?\s+)?(?:the\s+)?(?P<dmy_d>{_D})\s+(?:of\s+)?(?P<dmy_m>{_MON}),?\s+(?P<dmy_y>{_Y}))
    | (?P<mdy>(?:{_WD},?\s+)?(?P<mdy_m>{_MON})\s+(?P<mdy_d>{_D}),?\s+(?P<mdy_y>{_Y}))
    | (?P<yrange>(?P<yr_a>{_YC})\s*[-–—/]\s*(?P<yr_b>(?:19|20)?[0-9][0-9])(?![\w%-]|[.,][0-9]))
    | (?P<my>(?:(?P<my_q>{_QUAL})(?:\s*-\s*|\s+)(?:of\s+)?)?(?P<my_m>{_MON}),?\s+(?:of\s+)?(?P<my_y>{_Y}))
    | (?P<decade>(?:(?P<dec_q>early|mid|late)(?:\s*-\s*|\s+))?
         (?:(?P<dec_y>(?:19|20)[0-9]0)|'(?P<dec_s>[0-9]0))'?s\b)
    | (?P<qyear>(?P<qy_q>{_QUAL})(?:\s*-\s*|\s+)(?:of\s+)?(?P<qy_y>{_Y}))
    | (?P<season>(?:(?P<s_mod>this\s+past|last|this|past)\s+)?(?:(?:early|mid|late)[\s-]+)?
         (?P<s_name>spring|summer|autumn|fall|winter)\b(?:\s+(?:of\s+)?(?P<s_y>{_Y}))?)
    | (?P<relyear>(?P<ry_mod>(?:earlier|later|early|late)\s+(?:this|last)|this\s+past|last|this|next|past)
         \s+(?P<ry_unit>year|month|week)\b)
    | (?P<ago>(?P<ago_n>{_SMALLNUM})\s+(?P<ago_u>decade|year|month|week|day)s?\s+ago\b)
    | (?P<span>(?:past|last|previous)\s+(?:(?P<sp_n>{_SMALLNUM})\s+)?(?P<sp_u>decades?|years|months)\b)
    | (?P<dm>(?:{_WD},?\s+)?(?:the\s+)?(?P<dm_d>{_D})\s+(?:of\s+)?(?P<dm_m>{_MON}))
    | (?P<md>(?:{_WD},?\s+)?(?P<md_m>{_MON})\s+(?P<md_d>{_D}))
    | (?P<month>(?:(?P<mo_mod>this\s+past|last|this|next)\s+)?(?:(?P<mo_q>early|mid|late)(?:\s*-\s*|\s+))?
         (?P<mo_m>{_MON}))
    | (?P<weekday>(?:last\s+)?(?P<wd>{_WD})\b)
    | (?P<year>(?P<y>{_Y}))
    )""",
    re.IGNORECASE | re.VERBOSE,
)

_JOIN_FROM = re.compile(r"\s*(?:-|–|—|to|through|thru|till|until)\s+(?:the\s+)?|\s*[-–—]\s*", re.IGNORECASE)
_JOIN_BETWEEN = re.compile(r"\s+and\s+(?:the\s+)?", re.IGNORECASE)


def _ym(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}"


def _add_months(y: int, m: int, k: int) -> tuple[int, int]:
    n = y * 12 + (m - 1) + k
    return n // 12, n % 12 + 1


def _month_no(s: str) -> int:
    return _MONTHS[s.rstrip(".").lower()]


def _day_no(s: str) -> int:
    """26 from "26", "26th"."""
    return int(s[:2]) if s[:2].isdigit() else int(s[0])


def _count(s: str | None) -> int | None:
    if s is None:
        return 1
    s = s.lower()
    if s.isdigit():
        return int(s)
    return 1 if s in ("a", "an") else number_word(s)


# A resolved point: (start, end, precision, relative, month, day) - month/day kept for range repair.
_Point = tuple[str, str, str, bool, int | None, int | None]


def _day_month(m: int, d: int, ref: dt.date | None) -> _Point | None:
    """The most recent (month, day) not after the reference."""
    if ref is None:
        return None
    for y in (ref.year, ref.year - 1, ref.year - 2, ref.year - 3, ref.year - 4):
        try:
            day = dt.date(y, m, d)
        except ValueError:
            continue
        if day <= ref:
            return day.isoformat(), day.isoformat(), "day", True, m, d
    return None


def _full_day(y: str, m: str, d: str) -> _Point | None:
    try:
        day = dt.date(int(y), _month_no(m) if not m.isdigit() else int(m), _day_no(d))
    except ValueError:
        return None
    return day.isoformat(), day.isoformat(), "day", False, None, None


def _resolve(g: dict[str, str | None], kind: str, ref: dt.date | None) -> _Point | None:  # noqa: C901
    """Turn one matched form into a point; None rejects the match."""
    if kind == "iso":
        return _full_day(g["iso_y"], g["iso_m"], g["iso_d"])  # type: ignore[arg-type]
    if kind == "dmy":
        return _full_day(g["dmy_y"], g["dmy_m"], g["dmy_d"])  # type: ignore[arg-type]
    if kind == "mdy":
        return _full_day(g["mdy_y"], g["mdy_m"], g["mdy_d"])  # type: ignore[arg-type]
    if kind == "yrange":
        a, b = int(g["yr_a"]), g["yr_b"] or ""  # type: ignore[arg-type]
        end = int(b) if len(b) == 4 else a // 100 * 100 + int(b)
        if a < end <= a + 99 and a >= 1945:
            return str(a), str(end), "year", False, None, None
        if len(b) == 2 and 1 <= int(b) <= 12:  # "2024-04": an ISO month
            return _ym(a, int(b)), _ym(a, int(b)), "month", False, None, None
        return None
    if kind == "my":
        y, mo = int(g["my_y"]), _month_no(g["my_m"])  # type: ignore[arg-type]
        return _ym(y, mo), _ym(y, mo), "month", False, None, None
    if kind == "decade":
        base = int(g["dec_y"]) if g["dec_y"] else (1900 if int(g["dec_s"]) >= 30 else 2000) + int(g["dec_s"])  # type: ignore[arg-type]
        lo, hi = _DECADE_PART[(g["dec_q"] or "").lower() or None]
        return str(base + lo), str(base + hi), "decade", False, None, None
    if kind == "qyear":
        y = int(g["qy_y"])  # type: ignore[arg-type]
        lo, hi = _QUALIFIERS[re.sub(r"\s+", " ", g["qy_q"].lower())]  # type: ignore[union-attr]
        return _ym(y, lo), _ym(y, hi), "season", False, None, None
    if kind == "season":
        first, last, wrap = _SEASONS[g["s_name"].lower()]  # type: ignore[union-attr]
        if g["s_y"]:
            y, relative = int(g["s_y"]), False
        elif g["s_mod"] and ref is not None:
            relative = True
            mod = g["s_mod"].lower()
            y = ref.year - 1 if ref.month <= 2 and wrap else ref.year  # the instance containing or nearest
            if mod != "this":  # last / past: the most recent one that has ended
                end_y, end_m = y + wrap, last
                if (end_y, end_m) >= (ref.year, ref.month):
                    y -= 1
        else:
            return None
        return _ym(y, first), _ym(y + wrap, last), "season", relative, None, None
    if ref is None:
        return None  # everything below is relative to the publication date
    if kind == "relyear":
        mod = re.sub(r"\s+", " ", g["ry_mod"].lower())  # type: ignore[union-attr]
        unit = g["ry_unit"].lower()  # type: ignore[union-attr]
        shift = -1 if "last" in mod or mod == "past" else 1 if mod == "next" else 0
        if unit == "year":
            y = ref.year + shift
            if mod == "past":
                return str(y), str(ref.year), "year", True, None, None
            if mod.startswith(("early", "late")):
                lo, hi = _QUALIFIERS[mod.split()[0]]
                return _ym(y, lo), _ym(y, hi), "season", True, None, None
            return str(y), str(y), "year", True, None, None
        if unit == "month":
            y, mo = _add_months(ref.year, ref.month, shift)
            return _ym(y, mo), _ym(y, mo), "month", True, None, None
        monday = ref - dt.timedelta(days=ref.weekday()) + dt.timedelta(weeks=shift)
        end = min(monday + dt.timedelta(days=6), ref) if shift == 0 else monday + dt.timedelta(days=6)
        return monday.isoformat(), end.isoformat(), "day", True, None, None
    if kind == "ago":
        n = _count(g["ago_n"])
        if n is None:
            return None
        unit = g["ago_u"].lower()  # type: ignore[union-attr]
        if unit in ("year", "decade"):
            y = ref.year - n * (10 if unit == "decade" else 1)
            return str(y), str(y), "year", True, None, None
        if unit == "month":
            y, mo = _add_months(ref.year, ref.month, -n)
            return _ym(y, mo), _ym(y, mo), "month", True, None, None
        day = ref - dt.timedelta(days=n * (7 if unit == "week" else 1))
        return day.isoformat(), day.isoformat(), "day", True, None, None
    if kind == "span":
        n = _count(g["sp_n"])
        unit = g["sp_u"].lower()  # type: ignore[union-attr]
        if n is None or (unit in ("years", "months") and g["sp_n"] is None):
            return None  # "the past years": no bound
        if unit.startswith("decade"):
            return str(ref.year - 10 * n), str(ref.year), "decade", True, None, None
        if unit == "years":
            return str(ref.year - n), str(ref.year), "year", True, None, None
        y, mo = _add_months(ref.year, ref.month, -n)
        return _ym(y, mo), _ym(ref.year, ref.month), "month", True, None, None
    if kind in ("dm", "md"):
        return _day_month(_month_no(g[kind + "_m"]), _day_no(g[kind + "_d"]), ref)  # type: ignore[union-attr]
    if kind == "month":
        mo = _month_no(g["mo_m"])  # type: ignore[arg-type]
        mod = (g["mo_mod"] or "").lower()
        if not (mod or g["mo_q"] or g["pre"]):
            return None  # a bare month name is too often a name or a word ("August", "May")
        if mod == "this":
            y = ref.year
        elif mod == "next":
            y = ref.year if mo > ref.month else ref.year + 1
        elif mod:  # last / this past: strictly before the reference month
            y = ref.year if mo < ref.month else ref.year - 1
        else:  # "in April": the most recent April, the current one included
            y = ref.year if mo <= ref.month else ref.year - 1
        return _ym(y, mo), _ym(y, mo), "month", True, mo, None
    if kind == "weekday":
        # "on Friday" in a story dated a Friday is that day (news is written the day it happens);
        # "last Friday" is the week before.
        back = (ref.weekday() - _WEEKDAYS[g["wd"].lower()]) % 7  # type: ignore[union-attr]
        if g["weekday"].lower().startswith("last") and back == 0:
            back = 7
        day = ref - dt.timedelta(days=back)
        return day.isoformat(), day.isoformat(), "day", True, None, None
    return None


def _bare_year_ok(text: str, begin: int, stop: int, pre: bool) -> bool:
    """A lone 4-digit number is a year unless it is a symbol ("resolution 2270") or a count ("2023 people");
    after a preposition ("in 2023 women were...") it is a year whatever follows."""
    if not 1945 <= int(text[begin:stop]) <= 2039:
        return False
    if SYMBOL_BEFORE.search(text, max(0, begin - 14), begin):
        return False
    return pre or not UNIT_AFTER.match(text, stop)


# An internal mention: (DateMention fields..., pre, core_begin, month, day) kept for the range pass.
@dataclass
class _Hit:
    start: str | None
    end: str | None
    precision: str
    begin: int
    stop: int
    relative: bool
    kind: str  # the grammar form that matched
    pre: str
    core: int  # where the text after the preposition starts
    month: int | None
    day: int | None


# Every date expression contains one of these (see numbers.anchored_scan for why this is fast).
_ANCHORS = re.compile("|".join(dict.fromkeys(
    [f"{d}[0-9]*" for d in "0123456789"]
    + ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    + [v for w in ["spring", "summer", "autumn", "fall", "winter", "year", "month", "week", "decade", "ago",
                   *_WEEKDAYS] for v in (w, w.capitalize())])))  # fmt: skip


_STARTS = starters(
    str.split(
        "in on at during throughout within over since from after starting beginning until till by before "
        "as up through between the early start mid middle late end latter first second third fourth q1 q2 "
        "q3 q4 this last past next previous earlier later a an one two three four five six seven eight "
        "nine ten eleven twelve fifteen twenty spring summer autumn fall winter"
    ) + list(_WEEKDAYS) + list(_MONTHS),
    "0123456789'")


def _hit(text: str, m: re.Match[str], ref: dt.date | None) -> _Hit | None:
    kind = m.lastgroup or ""
    g = m.groupdict()
    if kind == "year":
        b, e = m.start("y"), m.end("y")
        point: _Point | None = None
        if _bare_year_ok(text, b, e, g["pre"] is not None):
            point = (text[b:e], text[b:e], "year", False, None, None)
    else:
        point = _resolve(g, kind, ref)
    if point is None:
        return None
    pre = " ".join(g["pre"].lower().split()) if g["pre"] else ""
    core = m.end("pre") + 1 if g["pre"] else m.start()
    start, end, precision, relative, month, day = point
    return _Hit(start, end, precision, m.start(), m.end(), relative, kind, pre, core, month, day)


def _scan(text: str, ref: dt.date | None) -> list[_Hit]:
    return anchored_scan(text, _RX, _ANCHORS, _STARTS, lambda m: _hit(text, m, ref), lambda h: h.stop)


def _join(text: str, a: _Hit, b: _Hit) -> bool:
    """Whether two adjacent points form one range ("from 2015 to 2018", "between 2019 and 2021")."""
    if a.pre == "between":
        return b.pre == "" and _JOIN_BETWEEN.fullmatch(text, a.stop, b.begin) is not None
    if a.pre not in ("", "from", "since", "in", "during"):
        return False
    if b.pre in ("until", "till", "through", "up to"):
        return text[a.stop:b.begin].strip() == ""
    return b.pre == "" and _JOIN_FROM.fullmatch(text, a.stop, b.begin) is not None


def _repair(a: _Hit, b: _Hit) -> str | None:
    """'from April to June 2024': a relative month or day borrows the year of the explicit end."""
    if not a.relative or b.relative or a.month is None or b.start is None:
        return a.start
    y = int(b.start[:4])
    if b.start[5:7] and a.month > int(b.start[5:7]):
        y -= 1
    return _ym(y, a.month) if a.day is None else f"{_ym(y, a.month)}-{a.day:02d}"


def find_dates(text: str, reference: dt.date | None = None) -> list[DateMention]:
    """All date expressions in `text`, left to right, non-overlapping (longest match wins).

    `reference` is the source's publication date; expressions that need it are resolved against it and
    dropped when it is None."""
    hits = _scan(text, reference)
    out: list[DateMention] = []
    i = 0
    while i < len(hits):
        a = hits[i]
        if i + 1 < len(hits) and _join(text, a, hits[i + 1]):
            b = hits[i + 1]
            start = _repair(a, b)
            relative = a.relative and b.relative if start != a.start else a.relative or b.relative
            precision = max(a.precision, b.precision, key=_PRECISION_RANK.__getitem__)
            out.append(DateMention(start, b.end, precision, text[a.begin:b.stop], a.begin, b.stop, "between",
                                   relative))  # fmt: skip
            i += 2
            continue
        relation = "between" if a.kind == "yrange" and a.precision == "year" else _RELATION.get(a.pre, "at")
        start = None if relation == "until" else a.start
        end = None if relation == "since" else a.end
        out.append(DateMention(start, end, a.precision, text[a.begin:a.stop], a.begin, a.stop, relation,
                               a.relative))  # fmt: skip
        i += 1
    return out
