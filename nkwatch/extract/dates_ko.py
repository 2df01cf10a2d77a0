"""Korean date expressions, resolved against the publication date like the English grammar (dates.py).

Forms: 2023년 8월 30일, 2023년 8월, 2023년, 2023년 말 (a qualifier: 초/초반 = months 01..04, 중순/중반 = 05..08,
말/말경/연말 = 09..12, 상반기 = 01..06, 하반기 = 07..12, as in English "early/mid/late"); 지난해 (작년), 올해 (금년),
재작년, each optionally with a month and day (올해 3월, 지난해 12월 5일); 41년 전, 3개월 전, 2주 전; 지난달, 이달
(이번 달), with a day or a qualifier (지난달 말); 3월 1일 and 지난 3월 (the most recent such month or day; 지난 =
strictly before the publication month); 지난 9일 (the most recent 9th of a month not after the publication date).
A suffix 부터, 이후, 이래 opens the date ("since"), 까지 closes it ("until"). Numbers are written in digits, as Korean
news writes them. 어제 and 오늘 are left out: in news they date the telling (a hearing, a report) more often than
the act, and the tuning passages scored lower with them.
"""

from __future__ import annotations

import datetime as dt
import re

from nkwatch.extract.dates import DateMention, find_dates

__all__ = ["dates", "find_korean_dates"]

_QUAL = {"초": (1, 4), "초반": (1, 4), "연초": (1, 4), "중순": (5, 8), "중반": (5, 8), "말": (9, 12), "말경": (9, 12),
         "연말": (9, 12), "후반": (9, 12), "상반기": (1, 6), "하반기": (7, 12)}  # fmt: skip
# Inside a month, the same words mean days: 초 = 1..10, 중순 = 11..20, 말 = 21..end.
_MONTH_QUAL = {"초": (1, 10), "초순": (1, 10), "중순": (11, 20), "말": (21, 31), "말경": (21, 31), "하순": (21, 31)}
_Q = r"(?:\s?(?P<{n}>초반|초순|초|중순|중반|하순|말경|말|후반|상반기|하반기)(?![했하한씀]))?"  # not 말했다
_M = r"(?P<{n}>1[0-2]|0?[1-9])\s?월"
_D = r"(?P<{n}>3[01]|[12][0-9]|0?[1-9])\s?일"
_RX = re.compile(
    r"(?<![0-9.,])(?:"
    rf"(?P<abs>(?P<y>(?:19|20)[0-9]{{2}})\s?년도?(?:\s?{_M.format(n='m')}(?:\s?{_D.format(n='d')})?)?{_Q.format(n='q')})"
    rf"|(?P<rel>(?P<ry>지난해|작년|올해|금년|재작년)(?:\s?{_M.format(n='rm')}(?:\s?{_D.format(n='rd')})?)?"
    rf"{_Q.format(n='rq')})"
    rf"|(?P<relm>(?P<rmw>지난\s?달|이달|이번\s?달)(?:\s?{_D.format(n='md')})?{_Q.format(n='mq')})"
    rf"|(?P<mon>(?P<last>지난\s)?{_M.format(n='om')}(?:\s?{_D.format(n='od')})?{_Q.format(n='oq')})"
    rf"|(?P<day>지난\s?{_D.format(n='dd')})"
    r"|(?P<ago>(?P<ago_n>[1-9][0-9]?)\s?(?P<ago_u>년|개월|달|주|일)\s?전)(?![국부체원문쟁])"
    r")(?P<suf>\s?(?:부터|이후|이래|까지))?"
)
_NOT_DATE_AFTER = re.compile(r"(?:간|째)(?![첩부])|\s?(?:동안|만에|이내|씩)")  # 15일간, 3일 동안 (not 9일 간첩)
_YEAR_WORDS = {"지난해": -1, "작년": -1, "올해": 0, "금년": 0, "재작년": -2}


def _ym(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}"


def _last_day(y: int, m: int) -> int:
    return ((dt.date(y + m // 12, m % 12 + 1, 1)) - dt.timedelta(days=1)).day


def _point(y: int, m: int | None, d: str | None, q: str | None) -> tuple[str, str, str] | None:
    """(start, end, precision) of a year with an optional month, day and qualifier."""
    if m is None:
        if q:
            lo, hi = _QUAL[q]
            return _ym(y, lo), _ym(y, hi), "season"
        return str(y), str(y), "year"
    if d:
        try:
            day = dt.date(y, m, int(d)).isoformat()
        except ValueError:
            return None
        return day, day, "day"
    if q in _MONTH_QUAL:
        lo, hi = _MONTH_QUAL[q]
        hi = min(hi, _last_day(y, m))
        return f"{_ym(y, m)}-{lo:02d}", f"{_ym(y, m)}-{hi:02d}", "day"
    return _ym(y, m), _ym(y, m), "month"


def _resolve(g: dict[str, str | None], ref: dt.date | None) -> tuple[str, str, str, bool] | None:
    if g["abs"]:
        p = _point(int(g["y"]), int(g["m"]) if g["m"] else None, g["d"], g["q"])  # type: ignore[arg-type]
        return None if p is None else (*p, False)
    if ref is None:
        return None
    if g["rel"]:
        y = ref.year + _YEAR_WORDS[g["ry"]]  # type: ignore[index]
        p = _point(y, int(g["rm"]) if g["rm"] else None, g["rd"], g["rq"])
    elif g["relm"]:
        shift = -1 if g["rmw"].startswith("지난") else 0  # type: ignore[union-attr]
        n = ref.year * 12 + ref.month - 1 + shift
        p = _point(n // 12, n % 12 + 1, g["md"], g["mq"])
    elif g["mon"]:
        m = int(g["om"])  # type: ignore[arg-type]
        if g["last"]:  # 지난 3월: strictly before the publication month
            y = ref.year if m < ref.month else ref.year - 1
        else:  # 3월, 3월 1일: the most recent, the publication month included
            y = ref.year if (m, int(g["od"] or 1)) <= (ref.month, ref.day) else ref.year - 1
        p = _point(y, m, g["od"], g["oq"])
    elif g["ago"]:  # 41년전, 3개월 전, 2주 전, 5일 전
        n, unit = int(g["ago_n"]), g["ago_u"]  # type: ignore[arg-type]
        if unit == "년":
            return str(ref.year - n), str(ref.year - n), "year", True
        if unit in ("개월", "달"):
            k = ref.year * 12 + ref.month - 1 - n
            return _ym(k // 12, k % 12 + 1), _ym(k // 12, k % 12 + 1), "month", True
        day = (ref - dt.timedelta(days=n * (7 if unit == "주" else 1))).isoformat()
        return day, day, "day", True
    else:  # 지난 9일: the most recent 9th not after the publication date
        d = int(g["dd"])  # type: ignore[arg-type]
        y, m = ref.year, ref.month
        if d > ref.day:
            y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        p = _point(y, m, str(d), None)
    return None if p is None else (*p, True)


def find_korean_dates(text: str, reference: dt.date | None = None) -> list[DateMention]:
    """Korean date expressions in `text`, left to right (see the module)."""
    out = []
    for m in _RX.finditer(text):
        g = m.groupdict()
        if (g["day"] or g["od"] or g["rd"] or g["md"]) and _NOT_DATE_AFTER.match(text, m.end()):
            continue  # 15일간, 3일 동안: a duration
        p = _resolve(g, reference)
        if p is None:
            continue
        start, end, precision, relative = p
        suf = (g["suf"] or "").strip()
        relation = "since" if suf in ("부터", "이후", "이래") else "until" if suf == "까지" else "at"
        out.append(DateMention(None if relation == "until" else start, None if relation == "since" else end,
                               precision, m.group(0), m.start(), m.end(), relation, relative))  # fmt: skip
    return out


def dates(text: str, reference: dt.date | None = None) -> list[DateMention]:
    """The English grammar's dates and the Korean ones, left to right, a Korean one winning an overlap."""
    ko = find_korean_dates(text, reference)
    if not ko:
        return find_dates(text, reference)
    en = [d for d in find_dates(text, reference) if not any(d.begin < k.stop and k.begin < d.stop for k in ko)]
    return sorted(ko + en, key=lambda d: d.begin)
