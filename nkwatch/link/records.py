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
    src: np.ndarray  # int32 source index
    act: np.ndarray  # int32 act code (claims of one block may differ in act when their acts form a group)
    act_penalty: np.ndarray  # float: evidence a pair of two different acts of this claim's group lacks
    kind: np.ndarray  # int8: 0 event, 1 pattern, 2 statistic
    linkable: np.ndarray  # bool: False for claims that stand alone (a statistic without a period)
    place_names: list[str]


# Acts that can be one occurrence, from link_rules.toml ([[act_groups]]): "arrest" -> "arrest+detention".
ACT_FAMILIES = {a: "+".join(g["acts"]) for g in rules()["act_groups"] for a in g["acts"]}
ACT_PENALTY = {a: float(g.get("penalty", 0.0)) for g in rules()["act_groups"] for a in g["acts"]}


def act_family(act: str | None) -> str | None:
    """The act, or the family of acts that may report one occurrence."""
    return ACT_FAMILIES.get(act or "", act)


def link_kind(c: dict[str, Any]) -> str:
    """The kind a claim links as. A pattern the coder called one only for want of a date or of counted
    victims ("China repatriates North Koreans" in a headline) may be an occurrence: it links as an event."""
    if c["kind"] == "pattern" and str(c.get("rule") or "").startswith("pattern.undated"):
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
        return ("e", act_family(c.get("act")), year or None)
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
        src[i] = sources.setdefault(c["source_id"], len(sources))
        act[i] = acts.setdefault(c.get("act"), len(acts))
        act_penalty[i] = ACT_PENALTY.get(c.get("act") or "", 0.0)
        kind[i] = KIND_CODE[lk]
        if c["kind"] == "statistic" and not c.get("period"):
            linkable[i] = False
    recs = Records([c["id"] for c in claims], [c["source_id"] for c in claims], block, count_block, t_lo, t_hi,
                   t_precise, t_assumed, t_day, place, facility, c_lo, c_hi, sig, name_sig, src, act, act_penalty,
                   kind, linkable, list(places))  # fmt: skip
    return recs, blocks


def _range(c: dict[str, Any]) -> tuple[float | None, float | None]:
    if c["kind"] == "statistic":
        vals = [v for v in (c.get("value"), c.get("value_min"), c.get("value_max")) if v is not None]
    else:
        v = c.get("victims") or {}
        vals = [x for x in (v.get("count"), v.get("count_min"), v.get("count_max")) if x is not None]
    return (min(vals), max(vals)) if vals else (None, None)
