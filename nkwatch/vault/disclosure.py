"""Disclosure control: nothing derived from testimonies goes out unless at least k witnesses share what it shows.

A published incident told by a witness says, to anyone who reads it, "one of the people this group
interviewed was there, then, and saw this". A state service that knows who left which town when can use
that to single out the witness (and punish their family). So before testimony-derived material is
published or exported for anyone outside, this module counts the witnesses in the vault who share the
combination of quasi-identifiers it would show:

- the **place** (as stored; then its province, its region, the country),
- the **time** (as stored; then the year, a five-year period, the decade),
- the **event** (the act, or the indicator of a statistic),
- and, where a publication describes the witness, **sex** and **age band** (from the sealed identity, so
  only with the vault unlocked; unknown never counts as a match).

A witness shares the combination when one of the claims of their testimonies matches it at the same level
of detail. Fewer than `k` (default 5) such witnesses: the material is generalised one step at a time along
`LADDER` until k share it, or refused when even the country and the decade are too few. Every decision has an
explanation a person can act on ("shared by 1 witness; at region north-east and 2015-2019 by 6").

The check reads only the clear tables (testimony claims, interviews' pseudonyms): a locked vault still lets
editors publish what passes, and never needs to decrypt anything for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nkwatch.extract.gazetteer import gazetteer
from nkwatch.store.models import Claim, Incident
from nkwatch.vault.models import Interview

K_DEFAULT = 5

# Regions of North Korea used to generalise a province (the usual north-east / north-west / ... split).
REGIONS: dict[str, tuple[str, str]] = {
    "kp-north-hamgyong": ("kp-region-north-east", "north-east North Korea"),
    "kp-south-hamgyong": ("kp-region-north-east", "north-east North Korea"),
    "kp-ryanggang": ("kp-region-north-east", "north-east North Korea"),
    "kp-rason": ("kp-region-north-east", "north-east North Korea"),
    "kp-north-pyongan": ("kp-region-north-west", "north-west North Korea"),
    "kp-chagang": ("kp-region-north-west", "north-west North Korea"),
    "kp-pyongyang": ("kp-region-west", "west-central North Korea"),
    "kp-south-pyongan": ("kp-region-west", "west-central North Korea"),
    "kp-nampo": ("kp-region-west", "west-central North Korea"),
    "kp-north-hwanghae": ("kp-region-south-west", "south-west North Korea"),
    "kp-south-hwanghae": ("kp-region-south-west", "south-west North Korea"),
    "kp-kaesong": ("kp-region-south-west", "south-west North Korea"),
    "kp-kangwon": ("kp-region-east", "east North Korea"),
}
PLACE_LEVELS = ("place", "province", "region", "country", "hidden")
TIME_LEVELS = ("date", "year", "period", "decade", "hidden")
# Generalisation steps, tried in order (each cumulative): personal details go first, then place and time
# alternately, coarsest last. (place, time, age, sex) levels; age 0 = ten-year band, 1 = twenty, 2 = hidden.
LADDER: tuple[tuple[int, int, int, int], ...] = (
    (0, 0, 0, 0), (0, 0, 1, 0), (0, 0, 2, 0), (0, 0, 2, 1),
    (1, 0, 2, 1), (1, 1, 2, 1), (2, 1, 2, 1), (2, 2, 2, 1), (3, 2, 2, 1), (3, 3, 2, 1),
)  # fmt: skip


@dataclass(frozen=True)
class Shown:
    """The quasi-identifiers one piece of published material shows (None: not shown)."""

    event: str | None
    place_id: str | None = None
    when: str | None = None  # ISO date as precise as known: "2019", "2019-04", "2019-04-03"
    sex: str | None = None
    age_band: str | None = None  # "30-39"


@dataclass(frozen=True)
class Person:
    """One witness as the check sees them: the events of their testimonies, and sex and age band if known."""

    witness: str
    events: frozenset[tuple[str | None, str | None, str | None]]  # (event, place_id, when)
    sex: str | None = None
    age_band: str | None = None


@dataclass
class Decision:
    ok: bool  # may go out (as is when `levels` is all zeros, else generalised)
    count: int  # witnesses sharing what goes out
    k: int
    levels: tuple[int, int, int, int]
    shown: dict[str, Any] = field(default_factory=dict)  # the values that go out, generalised
    explanation: str = ""

    @property
    def generalised(self) -> bool:
        return self.ok and any(self.levels)


def province_of(place_id: str | None) -> str | None:
    """The province (or special city, or border) that holds a place: the ancestor just under the country."""
    if not place_id:
        return None
    chain = gazetteer().ancestors(place_id)
    if not chain:
        return place_id
    return chain[-2] if len(chain) >= 2 else chain[-1]


def country_of(place_id: str | None) -> str | None:
    chain = gazetteer().ancestors(place_id) if place_id else []
    return chain[-1] if chain else place_id


def gen_place(place_id: str | None, level: int) -> str | None:
    if place_id is None or level >= 4:
        return None
    if level == 0:
        return place_id
    province = province_of(place_id)
    if level == 1:
        return province
    if level == 2:
        return REGIONS.get(province or "", (country_of(place_id), ""))[0]
    return country_of(place_id)


def gen_time(when: str | None, level: int) -> str | None:
    if not when or level >= 4:
        return None
    year = when[:4]
    if level == 0:
        return when
    if not year.isdigit():
        return None
    if level == 1:
        return year
    y = int(year)
    if level == 2:
        lo = y - y % 5
        return f"{lo}-{lo + 4}"
    return f"{y - y % 10}s"


def age_band(date_of_birth: str | None, at_year: int | None = None, width: int = 10) -> str | None:
    """The age band ("30-39") of someone born on `date_of_birth`, in `at_year` (default: this year)."""
    try:
        born = date.fromisoformat(str(date_of_birth))
    except ValueError:
        return None
    age = (at_year or date.today().year) - born.year
    lo = age - age % width
    return f"{lo}-{lo + width - 1}"


def _gen_age(band: str | None, level: int) -> str | None:
    if band is None or level >= 2:
        return None
    if level == 0:
        return band
    lo = int(band.split("-")[0])
    lo -= lo % 20
    return f"{lo}-{lo + 19}"


def _key(shown: Shown, levels: tuple[int, int, int, int]) -> tuple[Any, ...]:
    pl, tl, al, sl = levels
    return (shown.event, gen_place(shown.place_id, pl), gen_time(shown.when, tl), _gen_age(shown.age_band, al),
            None if sl else shown.sex)  # fmt: skip


def _shares(p: Person, shown: Shown, levels: tuple[int, int, int, int]) -> bool:
    pl, tl, al, sl = levels
    want = _key(shown, levels)
    if want[3] is not None and _gen_age(p.age_band, al) != want[3]:
        return False
    if want[4] is not None and p.sex != want[4]:
        return False
    for event, place, when in p.events:
        if event != want[0]:
            continue
        if want[1] is not None and gen_place(place, pl) != want[1]:
            continue
        if want[2] is not None and gen_time(when, tl) != want[2]:
            continue
        return True
    return False


def _describe(shown: Shown, levels: tuple[int, int, int, int]) -> dict[str, Any]:
    event, place, when, age, sex = _key(shown, levels)
    g = gazetteer()
    name = None
    if place:
        p = g.get(place)
        name = p.name if p else next((n for rid, n in REGIONS.values() if rid == place), place)
    return {k: v for k, v in {"event": event, "place_id": place, "place": name, "when": when, "age_band": age,
                              "sex": sex}.items() if v is not None}  # fmt: skip


def _words(d: dict[str, Any]) -> str:
    return ", ".join(str(d[k]) for k in ("event", "place", "when", "sex", "age_band") if k in d) or "nothing"


def check(shown: Shown, people: Iterable[Person], *, k: int = K_DEFAULT, generalise: bool = True) -> Decision:
    """Whether `shown` is shared by at least `k` of `people`; if not and `generalise`, the least general
    version that is (or a refusal). Pure: the caller gathers `people` (see `population`)."""
    people = list(people)
    first: Decision | None = None
    for levels in LADDER if generalise else LADDER[:1]:
        if any(levels) and all(a == b for a, b in zip(_key(shown, levels), _key(shown, LADDER[0]), strict=True)):
            continue  # this step changes nothing that is shown (e.g. no age shown to widen)
        n = sum(_shares(p, shown, levels) for p in people)
        d = Decision(n >= k, n, k, levels, _describe(shown, levels))
        if first is None:
            first = d
        if d.ok:
            break
    assert first is not None
    plural = lambda n: f"{n} witness" + ("" if n == 1 else "es")  # noqa: E731
    at_first = (f"what it shows ({_words(first.shown)}) is shared by {plural(first.count)} in the vault, "
                f"fewer than k={k}")  # fmt: skip
    if first.ok:
        first.explanation = f"shared by {plural(first.count)} (k={k}): may be shown as it is"
        return first
    if d.ok:
        d.explanation = f"{at_first}; generalised to {_words(d.shown)}, it is shared by {plural(d.count)}"
        return d
    d.explanation = (at_first + (f"; even as {_words(d.shown)} only {plural(d.count)}" if generalise else "")
                     + ": it cannot be shown without putting the witness at risk")  # fmt: skip
    return Decision(False, d.count, k, d.levels, d.shown, d.explanation)


# --- the store side ----------------------------------------------------------------------------------------


def _claim_key(c: Claim) -> tuple[str | None, str | None, str | None]:
    return (c.act or c.indicator, c.place_id, (c.when or {}).get("start"))


def testimony_witnesses(s: Session) -> dict[str, str]:
    """Testimony source id -> the witness's pseudonym."""
    return {sid: wid for sid, wid in s.execute(select(Interview.source_id, Interview.witness_id)) if sid}


def population(s: Session, identities: Mapping[str, Mapping[str, Any]] | None = None) -> list[Person]:
    """Every witness with the events of their testimonies' claims (rejected claims left out); sex and age band
    come from `identities` (nkwatch.vault.records.identities, vault unlocked) when given."""
    by_source = testimony_witnesses(s)
    events: dict[str, set[tuple[str | None, str | None, str | None]]] = {w: set() for w in by_source.values()}
    if by_source:
        q = select(Claim).where(Claim.source_id.in_(list(by_source)), Claim.status != "rejected")
        for c in s.scalars(q):
            events[by_source[c.source_id]].add(_claim_key(c))
    out = []
    for wid, ev in sorted(events.items()):
        ident = (identities or {}).get(wid) or {}
        out.append(Person(wid, frozenset(ev), ident.get("sex"), age_band(ident.get("date_of_birth"))))
    return out


def check_incident(s: Session, inc: Incident, *, k: int = K_DEFAULT, generalise: bool = True,
                   people: list[Person] | None = None) -> Decision | None:  # fmt: skip
    """The decision for an incident with testimony claims, or None when no testimony contributes to it."""
    by_source = testimony_witnesses(s)
    if not by_source:
        return None
    n = s.scalar(select(Claim.id).where(Claim.incident_id == inc.id, Claim.source_id.in_(list(by_source)),
                                        Claim.status != "rejected").limit(1))  # fmt: skip
    if n is None:
        return None
    shown = Shown(inc.act or inc.indicator, inc.place_id, inc.when_start)
    return check(shown, population(s) if people is None else people, k=k, generalise=generalise)


def publish_refusal(s: Session, inc: Incident, *, k: int = K_DEFAULT) -> str | None:
    """Why `inc` may not be published as it is (a sentence), or None when it may. Publishing shows the
    incident's own place and date on public pages, so only an ungeneralised pass allows it."""
    d = check_incident(s, inc, k=k)
    if d is None or (d.ok and not d.generalised):
        return None
    return (f"incident {inc.id} is told by testimony, and {d.explanation}. Public pages would show its exact "
            "place and date, so it is not published; exports generalise it as described, and it can be published "
            "once more witnesses share its place and time")  # fmt: skip


def guard_incident_rows(s: Session, rows: Iterable[dict[str, Any]], *, k: int = K_DEFAULT,
                        report: dict[str, int] | None = None) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Export lines (nkwatch.link.query.export_row) for an audience outside the organisation: a line with
    testimony sources goes out as it is, generalised (place, date and the merged `where`/`when` replaced, a
    `disclosure` note added), or not at all. `report` counts "generalised" and "withheld"."""
    by_source = testimony_witnesses(s)
    people = population(s) if by_source else []
    report = report if report is not None else {}
    decided: dict[Shown, Decision] = {}
    for row in rows:
        if not by_source or not set(row.get("sources") or ()) & set(by_source):
            yield row
            continue
        shown = Shown(row.get("act") or row.get("indicator"), row.get("place_id"), row.get("when_start"))
        if shown not in decided:
            decided[shown] = check(shown, people, k=k)
        d = decided[shown]
        if not d.ok:
            report["withheld"] = report.get("withheld", 0) + 1
            continue
        if d.generalised:
            report["generalised"] = report.get("generalised", 0) + 1
            row = _generalised_row(row, d)
        yield row


def _generalised_row(row: dict[str, Any], d: Decision) -> dict[str, Any]:
    pl, tl = d.levels[0], d.levels[1]
    out = dict(row)
    if pl:
        place = d.shown.get("place_id")
        out["place_id"] = place
        name = d.shown.get("place")
        out["where"] = {"place_id": place, "name": name, "precision": PLACE_LEVELS[pl]} if place else None
    if tl:
        when = d.shown.get("when")
        start, end = _span(when, tl)
        out["when_start"], out["when_end"], out["when_precision"] = start, end, "year" if when else None
        out["when"] = {"start": start, "end": end, "precision": TIME_LEVELS[tl]} if when else None
    out["disclosure"] = {"k": d.k, "shared_by": d.count, "generalised": {"place": PLACE_LEVELS[pl],
                                                                          "time": TIME_LEVELS[tl]}}  # fmt: skip
    return out


def _span(when: str | None, level: int) -> tuple[str | None, str | None]:
    if not when:
        return None, None
    if level == 1:
        return when, when
    if level == 2:
        lo, hi = when.split("-")
        return lo, hi
    lo = when[:4]
    return lo, str(int(lo) + 9)


def guard_claims(s: Session, claims: Iterable[Claim], *, k: int = K_DEFAULT,
                 report: dict[str, int] | None = None) -> Iterator[Claim]:  # fmt: skip
    """Claims for an audience outside the organisation: a testimony claim goes out only when k witnesses share
    its own event, place and date (its quote cannot be generalised, so it is withheld otherwise)."""
    by_source = testimony_witnesses(s)
    people = population(s) if by_source else []
    report = report if report is not None else {}
    for c in claims:
        if c.source_id in by_source:
            act, place, when = _claim_key(c)
            if not check(Shown(act, place, when), people, k=k, generalise=False).ok:
                report["withheld"] = report.get("withheld", 0) + 1
                continue
        yield c

