"""Claims as columns of numbers, so that linking a million of them is array arithmetic, not Python loops.

Each claim becomes: a block (what may be compared at all), a time interval in days, a place path in the
gazetteer's hierarchy, a victim-count range, and a 128-bit word signature of its quote.
"""

from __future__ import annotations

import calendar
import re
import tomllib
import zlib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from nkwatch.extract.gazetteer import gazetteer
from nkwatch.text.spelling import WORDS, _lists, name_key, word_key

PRECISE = {"day", "month"}
KIND_CODE = {"event": 0, "pattern": 1, "statistic": 2}
_WORD = re.compile(r"[a-z0-9가-힣]{4,}")
_STOP = frozenset("that with from this have were said been their they which about after into more than also "
                  "other some there these those when where while will would could should according".split())
UNKNOWN = -1


@cache
def rules() -> dict[str, Any]:
    """data/link_rules.toml: weights, thresholds and the groups of acts that may report one occurrence."""
    with resources.files("nkwatch").joinpath("data/link_rules.toml").open("rb") as f:
        return tomllib.load(f)


def interval(when: dict[str, Any] | None, *, month_grain: bool = False) -> tuple[int, int, bool]:
    """(first day, last day, precise) of a `when`; (-1, -1, False) when unknown.

    With `month_grain`, a day is widened to its month: sources often disagree by a few days on one
    occurrence (the day it happened, the day it was announced), but two different months are two."""
    if not when or not when.get("start"):
        return UNKNOWN, UNKNOWN, False
    start, end = str(when["start"]), str(when.get("end") or when["start"])
    if month_grain:
        start, end = start[:7], end[:7]
    try:
        lo = _first_day(start)
        hi = _last_day(end)
    except ValueError:
        return UNKNOWN, UNKNOWN, False
    return lo, max(lo, hi), when.get("precision") in PRECISE


# A date told relative to the report ("last month", "late last year", 지난달): sources confuse the month it
# happened with the month it was reported, so it reaches up to the report's month (see `build`).
_RELATIVE = re.compile(r"\b(?:last|past|previous|this)\s+(?:month|year|week)\b|\brecently\b|\bearlier this\b|"
                       r"지난달|지난해|작년|지난주|최근|이달", re.I)


def relative_date(when: dict[str, Any] | None) -> bool:
    """Whether a `when` was resolved from a phrase relative to the report's date ("last month")."""
    return bool(when) and bool(_RELATIVE.search(str(when.get("text") or "")))


def _first_day(iso: str) -> int:
    parts = [int(p) for p in iso.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1).toordinal()


def _last_day(iso: str) -> int:
    parts = [int(p) for p in iso.split("-")]
    y, m = parts[0], parts[1] if len(parts) > 1 else 12
    d = parts[2] if len(parts) > 2 else calendar.monthrange(y, m)[1]
    return date(y, m, d).toordinal()


def place_path(place_id: str | None) -> tuple[str, ...]:
    """Root-first chain of enclosing places; borders are left out, so a border matches either side."""
    if not place_id:
        return ()
    g = gazetteer()
    chain = [p for p in reversed(g.ancestors(place_id)) if g.places[p].precision != "border"]
    return tuple(chain)


_NAME = re.compile(r"\b[A-Z][a-z]{3,}(?:[-'][A-Za-z]+)?\b")
# Capitalised words too common in these reports to tell two occurrences apart.
_COMMON_NAMES = frozenset("""north south korea korean koreans china chinese kim jong the this that these those they
there their then when what where which while with from after before since during according reports report
human rights watch united nations state ministry security people government pyongyang seoul beijing
unification special rapporteur commission inquiry council amnesty international party workers leader regime
authorities officials sources source news agency radio free asia daily yonhap reuters associated press
monday tuesday wednesday thursday friday saturday sunday january february march april june july august
september october november december asian games""".split())


def names(quote: str) -> int:
    """64-bit set of the rarer capitalised words of a quote (people, ships, units): two quotes naming
    Jang Song Thaek or Otto Warmbier share bits."""
    bits = 0
    for w in _NAME.findall(quote):
        lw = w.lower()
        if lw not in _COMMON_NAMES:
            bits |= 1 << (zlib.crc32(lw.encode()) & 63)
    return bits


# People named in a quote, as keys that do not depend on spelling or script (nkwatch.text.spelling): "Kim Yong
# Jin", "Kim Yong-jin" and 김용진 are one key. A Korean name is a surname (data/redaction.toml) followed by one or
# two given-name words (Latin script), or a three-syllable word, maybe followed by a particle (Hangul). Leaders
# quoted in every report name no one in particular. Other names (Matthew Miller) are left to `names`: their
# Hangul transcriptions (밀러) cannot be keyed back.
_HANGUL_WORD = re.compile(r"[가-힣]{3,}")
_KO_TAILS = frozenset(("", "이", "가", "은", "는", "을", "를", "의", "도", "와", "과", "에게", "씨", "에", "로", "으로",
                       "이가", "이는", "이도", "이를", "이의"))  # fmt: skip
_NOT_PERSON = frozenset("""north south korea korean koreans china chinese the this that united nations front department
ministry party province county city river court supreme people's peoples workers army state security agency news
network group bridge exchange police national assembly central committee tv daily radio free asia times post
human rights watch international amnesty council commission islands island mount lake street""".split())
_LEADERS = ("Kim Jong Un", "Kim Jong Il", "Kim Il Sung", "Kim Yo Jong", "Moon Jae In", "Yoon Suk Yeol")
# Common Korean words that begin with a surname's syllable (이번, 정부, 한국): not names.
_KO_NOT_NAMES = frozenset("""이번에 이같이 이날은 이후에 이상의 이유로 이어서 이들은 이들이 이들의
정부는 정부가 정부의 정례브 최고인 최고재 최대비 최근에 한국의 한국에
한국드 한국으 장소는 신고로 조선중 조선노 조사를 조치를 주민들 주민에
주민을 노동교 노동당 전국을 전국적 전원회 공개처 공개총 국가정 국정원
국회정 국제사 김정은 김여정 김일성 김정일 안팎이 유엔인 유엔은 박해를
황해남 황해북 함경북 함경남 양강도 자강도 평안북 평안남 강원도 남포시
신의주 혜산시 개성시 평양시 문제로 문화어 성경을 방역을 반역죄 연합뉴
소식통 정치국 조국반 임시로 홍수로 홍수피 여성들 남성이 남성은""".split())


@cache
def _leader_keys() -> frozenset[str]:
    return frozenset(name_key(WORDS.findall(n)) for n in _LEADERS)


@cache
def _latin_surnames() -> frozenset[str]:
    return frozenset(w for w in _lists()["surnames"] if w.isascii())


_SHORT_CAP = re.compile(r"\b[A-Z][a-z]{1,4}\b")
# After a surname: one or two capitalised given-name words, or one hyphenated ("Yong Jin", "Yong-jin").
_GIVEN = r"\s+([A-Z][a-z]+)(?:-([A-Za-z][a-z]*)|\s+([A-Z][a-z]+))?\b"


@cache
def _after(surname: str) -> re.Pattern[str]:
    return re.compile(r"\b" + re.escape(surname) + _GIVEN)


def persons(quote: str) -> dict[str, str]:
    """The Korean people a quote names: key -> the name as written."""
    out: dict[str, str] = {}
    matches = [(w, m) for w in sorted(_latin_surnames().intersection(_SHORT_CAP.findall(quote)))
               for m in _after(w).finditer(quote)]  # fmt: skip
    end = -1
    for surname, m in sorted(matches, key=lambda x: x[1].start()):
        if m.start() < end:  # "Jong Un" inside "Kim Jong Un"
            continue
        end = m.end()
        first, hyphened, second = m.groups()
        if first.lower() in _NOT_PERSON or first.lower() in _COMMON_NAMES:
            continue
        given, written = [first], f"{surname} {first}"
        if hyphened:
            given.append(hyphened)
            written += "-" + hyphened
        elif second and second.lower() not in _NOT_PERSON and second.lower() not in _COMMON_NAMES:
            given.append(second)
            written += " " + second
        key = name_key([surname, *given])
        if key not in _leader_keys():
            out.setdefault(key, written)
    if not quote.isascii():
        for m in _HANGUL_WORD.finditer(quote):
            w = m.group()
            if w[0] in _lists()["hangul_surnames"] and w[3:] in _KO_TAILS and w[:3] not in _KO_NOT_NAMES:
                key = word_key(w[:3], first=True)
                if key.startswith("@") and key not in _leader_keys():
                    out.setdefault(key, w[:3])
    return out


def person_bits(keys: Any) -> int:
    """64-bit set of person keys (one bit each)."""
    bits = 0
    for k in keys:
        bits |= 1 << (zlib.crc32(k.encode()) & 63)
    return bits


_WORD_BIT: dict[str, int] = {}  # word -> its bit in a signature (0 for stop words): words recur, hashing is slow
_LOW64 = (1 << 64) - 1


def signature(quote: str) -> tuple[int, int]:
    """128-bit set-of-words signature: the overlap of two signatures estimates the overlap of their words."""
    bits = 0
    for w in set(_WORD.findall(quote.lower())):
        b = _WORD_BIT.get(w)
        if b is None:
            if len(_WORD_BIT) > 1_000_000:  # a bound on memory, whatever the texts
                _WORD_BIT.clear()
            b = _WORD_BIT[w] = 0 if w in _STOP else 1 << (zlib.crc32(w.encode()) & 127)
        bits |= b
    return bits & _LOW64, bits >> 64


@dataclass
class Records:
    """Column arrays over n claims, plus the per-claim values clustering and merging need."""

    ids: list[str]
    source_ids: list[str]
    block: np.ndarray  # int64: claims in different blocks are never compared
    count_block: np.ndarray  # int64: counted events by act and count magnitude (-1: none), for proposals
    t_lo: np.ndarray
    t_hi: np.ndarray
    t_precise: np.ndarray  # bool
    t_assumed: np.ndarray  # bool: no date in the claim; the interval is the weeks before publication
    t_day: np.ndarray  # the exact day for day-precise claims, -1 otherwise
    place: np.ndarray  # (n, 4) int32 place path ids, -1 where undefined
    facility: np.ndarray  # int32 id of a named camp or detention centre, -1 otherwise
    c_lo: np.ndarray  # victim count or statistic value range, -1 unknown
    c_hi: np.ndarray
    sig: np.ndarray  # (n, 2) uint64
    name_sig: np.ndarray  # uint64: rarer proper names in the quote
    person_sig: np.ndarray  # uint64: the people the quote names, in any spelling or script (`persons`)
    named_sig: np.ndarray  # uint64: the Korean names written in Latin script: those a contradiction is read from
    grounds: np.ndarray  # int32 code of the claim's grounds, -1 when none
    t_stated_hi: np.ndarray  # the last day of the date as stated, before a relative date's reach (`build`)
    src: np.ndarray  # int32 source index
    act: np.ndarray  # int32 act code (claims of one block may differ in act when their acts form a group)
    act_penalty: np.ndarray  # float: evidence a pair of two different acts of this claim's group lacks
    kind: np.ndarray  # int8: 0 event, 1 pattern, 2 statistic
    linkable: np.ndarray  # bool: False for claims that stand alone (a statistic without a period)
    place_names: list[str]


# Acts that can be one occurrence, from link_rules.toml ([[act_groups]]): "arrest" -> "arrest+detention".
ACT_FAMILIES = {a: "+".join(g["acts"]) for g in rules()["act_groups"] for a in g["acts"]}
ACT_PENALTY = {a: float(g.get("penalty", 0.0)) for g in rules()["act_groups"] for a in g["acts"]}


# Indicators whose figure is the size of one occurrence (a theft of "$625 million"), not a count over a period:
# such a statistic links as an event of that occurrence, its figure compared as a victim count is.
OCCURRENCE_INDICATORS = frozenset(rules().get("occurrence_indicators", ()))


def link_act(c: dict[str, Any]) -> str | None:
    """The act a claim links under: its act, or the indicator of an occurrence's figure."""
    if c["kind"] == "statistic" and c.get("indicator") in OCCURRENCE_INDICATORS:
        return c["indicator"]
    return c.get("act")


def act_family(act: str | None) -> str | None:
    """The act, or the family of acts that may report one occurrence."""
    return ACT_FAMILIES.get(act or "", act)


def link_kind(c: dict[str, Any]) -> str:
    """The kind a claim links as. A pattern the coder called one only for want of a date or of counted
    victims ("China repatriates North Koreans" in a headline) may be an occurrence: it links as an event."""
    if c["kind"] == "pattern" and str(c.get("rule") or "").startswith("pattern.undated"):
        return "event"
    if c["kind"] == "statistic" and c.get("indicator") in OCCURRENCE_INDICATORS:
        return "event"
    return c["kind"]


def block_key(c: dict[str, Any]) -> tuple:
    """What a claim may be compared with: events by act and year, statistics by indicator and period,
    patterns by act, ground and country (a standing practice reported by many sources is one incident)."""
    kind = link_kind(c)
    if kind == "statistic":
        return ("s", c.get("indicator"), c.get("period"))
    if kind == "event":
        when = c.get("when") or {}
        year = str(when.get("start") or c.get("published_at") or "")[:4]
        return ("e", act_family(link_act(c)), year or None)
    path = place_path(c.get("place_id"))
    return ("p", c.get("act"), c.get("grounds"), path[0] if path else None)


def build(claims: list[dict[str, Any]]) -> tuple[Records, dict[tuple, int]]:
    """Encode claims (dicts with id, source_id, kind, act, indicator, when, where, victims, value*, quote)."""
    n = len(claims)
    blocks: dict[tuple, int] = {}
    places: dict[str, int] = {}
    sources: dict[str, int] = {}
    block = np.empty(n, np.int64)
    count_block = np.full(n, -1, np.int64)
    count_blocks: dict[tuple, int] = {}
    t_lo = np.empty(n, np.int64)
    t_hi = np.empty(n, np.int64)
    t_precise = np.zeros(n, bool)
    t_assumed = np.zeros(n, bool)
    t_day = np.full(n, UNKNOWN, np.int64)
    place = np.full((n, 4), UNKNOWN, np.int32)
    facility = np.full(n, UNKNOWN, np.int32)
    c_lo = np.full(n, -1.0)
    c_hi = np.full(n, -1.0)
    sig = np.zeros((n, 2), np.uint64)
    name_sig = np.zeros(n, np.uint64)
    person_sig = np.zeros(n, np.uint64)
    named_sig = np.zeros(n, np.uint64)
    grounds = np.full(n, UNKNOWN, np.int32)
    grounds_codes: dict[str, int] = {}
    who_bits: dict[str, tuple[int, int]] = {}
    t_stated_hi = np.empty(n, np.int64)
    src = np.empty(n, np.int32)
    act = np.empty(n, np.int32)
    act_penalty = np.zeros(n)
    acts: dict[str | None, int] = {}
    kind = np.empty(n, np.int8)
    linkable = np.ones(n, bool)
    path_cache: dict[str | None, tuple[str, ...]] = {}
    for i, c in enumerate(claims):
        block[i] = blocks.setdefault(block_key(c), len(blocks))
        t_lo[i], t_hi[i], t_precise[i] = interval(c.get("when"), month_grain=True)
        t_stated_hi[i] = t_hi[i]
        if t_lo[i] >= 0 and c.get("published_at") and relative_date(c.get("when")):
            # "Last month" in a report of the 4th: the month it happened, or the month it was reported (sources
            # retelling an occurrence of the last days of a month). Near the start of the report's month such a
            # date reaches up to it (but no further: a report cannot tell of a later event); later in the month,
            # "last month" means last month.
            published = str(c["published_at"])[:10]
            if len(published) < 10 or int(published[8:10]) <= rules()["limits"]["relative_reach_days"]:
                pub = interval({"start": published, "precision": "day"}, month_grain=True)[1]
                if pub > t_hi[i]:
                    t_hi[i] = min(pub, t_hi[i] + 31 * rules()["limits"]["relative_months"])
        day = (c.get("when") or {}).get("precision") == "day"
        t_day[i] = _first_day(str(c["when"]["start"])) if day else UNKNOWN
        lk = link_kind(c)
        if t_lo[i] < 0 and lk == "event" and c.get("published_at"):
            # An undated event in a report is most likely recent news: the 90 days before publication.
            pub = interval({"start": c["published_at"], "precision": "day"})[1]
            if pub >= 0:
                t_lo[i], t_hi[i], t_assumed[i] = pub - 90, pub, True
        pid = c.get("place_id")
        path = path_cache.get(pid)
        if path is None:
            path = path_cache[pid] = place_path(pid)
        for level, p in enumerate(path[:4]):
            place[i, level] = places.setdefault(p, len(places))
        if pid and gazetteer().places[pid].precision == "facility":
            facility[i] = places.setdefault(pid, len(places))
        lo, hi = _range(c)
        if lo is not None:
            c_lo[i], c_hi[i] = lo, hi
            if lk == "event" and lo > 0:
                key = (c.get("act"), int(np.log2(lo) * 2))  # half-octaves: 60 and 70 meet, 60 and 200 don't
                count_block[i] = count_blocks.setdefault(key, len(count_blocks))
        sig[i] = signature(c.get("quote") or "")
        name_sig[i] = names(c.get("quote") or "")
        quote = c.get("quote") or ""
        bits = who_bits.get(quote)
        if bits is None:  # a quote repeated (headline and lede, wire copies) is read once
            who = persons(quote)
            bits = who_bits[quote] = (person_bits(who), person_bits(k for k, v in who.items() if v.isascii()))
        person_sig[i], named_sig[i] = bits
        if c.get("grounds"):
            grounds[i] = grounds_codes.setdefault(c["grounds"], len(grounds_codes))
        src[i] = sources.setdefault(c["source_id"], len(sources))
        act[i] = acts.setdefault(link_act(c), len(acts))
        act_penalty[i] = ACT_PENALTY.get(link_act(c) or "", 0.0)
        kind[i] = KIND_CODE[lk]
        if c["kind"] == "statistic" and not c.get("period") and lk != "event":
            linkable[i] = False
    _inherit_names(named_sig, src, act, ~t_assumed)
    recs = Records([c["id"] for c in claims], [c["source_id"] for c in claims], block, count_block, t_lo, t_hi,
                   t_precise, t_assumed, t_day, place, facility, c_lo, c_hi, sig, name_sig, person_sig, named_sig,
                   grounds, t_stated_hi, src, act, act_penalty, kind, linkable, list(places))  # fmt: skip
    return recs, blocks


def _inherit_names(named: np.ndarray, src: np.ndarray, act: np.ndarray, dated: np.ndarray) -> None:
    """An event claim of an article that names no one and gives no date at all ("North Korea executed top
    officials with an anti-aircraft gun") is about the people the article's other claims of that act name (Ri
    Yong Jin): it takes their names, for the contradiction with other people's claims only (in place). A claim
    with a date of its own, even a year, may be the background of another occurrence: it keeps its own."""
    if not len(named) or not named.any():
        return
    group = src.astype(np.int64) * (int(act.max()) + 1) + act
    order = np.argsort(group, kind="stable")
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    union = np.bitwise_or.reduceat(named[order], starts)
    per_claim = np.empty_like(named)
    per_claim[order] = np.repeat(union, np.diff(np.r_[starts, len(g)]))
    take = (named == 0) & ~dated
    named[take] = per_claim[take]


def _range(c: dict[str, Any]) -> tuple[float | None, float | None]:
    if c["kind"] == "statistic":
        vals = [v for v in (c.get("value"), c.get("value_min"), c.get("value_max")) if v is not None]
    else:
        v = c.get("victims") or {}
        vals = [x for x in (v.get("count"), v.get("count_min"), v.get("count_max")) if x is not None]
    return (min(vals), max(vals)) if vals else (None, None)
