"""Sequel links between incidents: the later sentence, execution or repatriation of people an earlier incident
arrested or detained (spec/claims.md, "Incident": a later occurrence to the same people is a new incident,
linked to the first as its sequel).

After linking, each event incident gets `sequel_of`: the earlier incident it follows, or none. A pair needs
  * an act order that makes sense (FOLLOWS: arrest or detention, then a sentence, an execution, a
    repatriation ...; a sentence, then an execution), never two incidents of one act (or act family);
  * the later one strictly after the earlier one (interval against interval, so "2022" is not after
    "2022-03"), within WINDOW_DAYS;
  * evidence that the victims are the same people, strongest first:
      3  one sentence of one source reports both (the coder gave it a claim per act: "four days after his
         arrest, Jang was tried and executed"); the sentence itself puts custody first, so a custody claim
         dated by that sentence may be up to a month off in either direction;
      2  the same named person in the quotes of both, when both have few victims (a named person among 500
         returnees says nothing about the 500); or one short report (a source with few incidents, not a
         compendium) tells both, with overlapping victim counts, compatible places, within a year;
      1  the same exact count, group and specific place within a year (weak: taken only when it is the one
         candidate and nothing stronger competes);
  * victim counts that do not contradict (no further apart than COUNT_FACTOR).
The earlier incident kept is the strongest evidence, then the most recent, then the larger id: deterministic.

A reviewer's choice (`nkwatch review sequel`) is kept as a LinkConstraint of kind "sequel" (claim_a: a claim
of the incident, claim_b: a claim of the earlier one) or "nosequel" (claim_b empty); their claims are locked,
so their incident ids survive re-linking, and the machine never changes those incidents' `sequel_of`.

Cost: only incident rows and the quotes of incidents with few victims are looked at, through indexes by
source, name and (place, group, count); never all pairs. A full run decides every incident; an incremental
run decides the incidents it touched and fills in those still without a sequel that now have one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, literal, select, update
from sqlalchemy.orm import Session

from nkwatch.extract.gazetteer import gazetteer
from nkwatch.link.records import _COMMON_NAMES, interval
from nkwatch.store.models import Claim, Incident, LinkConstraint

# later act -> the acts it may follow. A DAG (nothing follows a sentence but an execution, death or labour; nothing
# comes before an arrest), so sequel links never form a cycle.
_CUSTODY = frozenset({"arrest", "detention"})
FOLLOWS: dict[str, frozenset[str]] = {
    "sentence": _CUSTODY,
    "execution": _CUSTODY | {"sentence"},
    "death_in_custody": _CUSTODY | {"sentence"},
    "forced_labour": _CUSTODY | {"sentence"},
    "forced_repatriation": _CUSTODY,
    "torture": _CUSTODY,
    "enforced_disappearance": _CUSTODY,
}
ACTS = frozenset(FOLLOWS) | _CUSTODY
WINDOW_DAYS = 3 * 365 + 1
SENTENCE_SLACK_DAYS = 31  # two acts told in one sentence: its dates may be a month off either way
SAME_REPORT_DAYS = 366  # a short report or the weak match: the later act within a year
FEW_VICTIMS = 3  # up to this many victims, a person named in the quotes is taken to be one of them
NAME_CAP = 30  # a name in more incidents than this (a leader, a spokesman) identifies no victim
NAME_CLAIMS = 10 * NAME_CAP  # ... or in more claims than this (an incremental run looks no further)
SHORT_REPORT = 4  # a source with more incidents than this is a compendium: sharing it says nothing
COUNT_FACTOR = 4.0
VAGUE_GROUPS = frozenset({None, "general_population", "other"})
SPECIFIC = frozenset({"city", "county", "facility", "point"})
CO_SENTENCE, STRONG, WEAK = 3, 2, 1

_CAPS = re.compile(r"[A-Z][a-z]+(?:-[a-z]+)?(?:\s+[A-Z][a-z]+(?:-[a-z]+)?)+")
# Words that start with a capital in these reports without naming a person (titles, bodies, places).
_NOT_NAMES = _COMMON_NAMES | frozenset("""american student university virginia supreme court administration prime
minister president chief defence defense spokesman spokeswoman general secretary chairman sentences sentenced
executes executed repatriated deported arrested liberation front national intelligence service central agency
party politburo military army navy force province city county camp detention center centre prison stadium
airport international customs office police security bureau public court tribunal hard labor labour years
years' prison mr mrs ms dr rights group network union missionary foundation institute committee world
xi jinping moon jae-in yoon suk-yeol trump obama biden abe""".split())


def _place_words() -> frozenset[str]:
    g = gazetteer()
    return frozenset(w.lower() for p in g.places.values() for w in re.split(r"[\s-]+", p.name or "") if w)


def person_names(quotes: Iterable[str]) -> dict[str, str]:
    """Names of people in the quotes, normalised, each with a spelling to search for: runs of two to four
    capitalised words none of which is a common word or a place ("Otto Warmbier"; "Jang Song Thaek" and
    "Jang Song-thaek" are both "jangsongthaek")."""
    stop = _NOT_NAMES | _place_words_cached()
    out: dict[str, str] = {}
    for q in quotes:
        for m in _CAPS.finditer(q):
            run: list[str] = []
            for w in [*m.group(0).split(), ""]:  # "" flushes the last run
                lw = w.lower()
                if w and lw not in stop and lw.replace("-", "") not in stop:
                    run.append(lw)
                    continue
                for i in range(len(run)):  # every sub-run of two or more words, so a headline's extra words
                    for j in range(i + 2, min(len(run), i + 4) + 1):  # ("Student Otto Warmbier") still match
                        key = "".join(run[i:j]).replace("-", "")
                        if len(key) >= 6:
                            out.setdefault(key, " ".join(run[i:j]).replace("-", " "))
                run = []
    return out


_PLACE_WORDS: frozenset[str] | None = None


def _place_words_cached() -> frozenset[str]:
    global _PLACE_WORDS
    if _PLACE_WORDS is None:
        _PLACE_WORDS = _place_words()
    return _PLACE_WORDS


@dataclass(slots=True)
class Node:
    """An event incident as the sequel pass sees it."""

    id: str
    act: str
    lo: int  # first and last day of its date (ordinal)
    hi: int
    precise: bool  # day or month precision
    place: str | None
    group: str | None
    cmin: int | None
    cmax: int | None
    sources: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict)  # normalised name -> a spelling to search for
    sentences: frozenset[int] = field(default_factory=frozenset)  # hashes of (source id, quote)

    @property
    def few(self) -> bool:
        return self.cmax is None or self.cmax <= FEW_VICTIMS


def make_node(row: Any, sources: Iterable[str], quotes: Iterable[str] | None) -> Node | None:
    """A Node from an incident row (a dict from incident_row, or a row with the same attributes), or None
    when it can have no sequel link (not an event, an act outside FOLLOWS, no date)."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    if get("kind") != "event" or get("act") not in ACTS or not get("when_start"):
        return None
    lo, hi, precise = interval({"start": get("when_start"), "end": get("when_end"),
                                "precision": get("when_precision")})  # fmt: skip
    if lo < 0:
        return None
    cmax = get("count_max")
    few = cmax is None or cmax <= FEW_VICTIMS
    return Node(get("id"), get("act"), lo, hi, precise, get("place_id"), get("victim_group"), get("count_min"), cmax,
                tuple(sorted(set(sources))), person_names(quotes) if few and quotes is not None else {})


class Collector:
    """Gathers the event incidents a link run writes (called from run._link with each row and its claims)."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.gone: set[str] = set()  # incidents an incremental run merged away

    def add(self, row: dict[str, Any], claims: list[dict[str, Any]]) -> None:
        if row["kind"] != "event" or row["act"] not in ACTS:
            return
        few = row["count_max"] is None or row["count_max"] <= FEW_VICTIMS
        n = make_node(row, row["fields"]["sources"], [c.get("quote") or "" for c in claims] if few else None)
        if n is not None:
            self.nodes[n.id] = n


# --- deciding ------------------------------------------------------------------------------------------------


def _counts_ok(e: Node, later: Node) -> bool:
    if e.cmin is None or later.cmin is None:
        return True
    lo, hi = max(e.cmin, later.cmin), min(e.cmax or e.cmin, later.cmax or later.cmin)
    return lo <= hi or lo <= COUNT_FACTOR * max(hi, 1)


def _groups_ok(e: Node, later: Node) -> bool:
    return e.group in VAGUE_GROUPS or later.group in VAGUE_GROUPS or e.group == later.group


def _path(place: str | None) -> list[str]:
    return gazetteer().ancestors(place) if place and place in gazetteer().places else []


def _places_ok(a: str | None, b: str | None) -> bool:
    """Same place, one inside the other, or unknown; a border matches either side."""
    if not a or not b:
        return True
    pa, pb = _path(a), _path(b)
    if a in pb or b in pa:
        return True
    g = gazetteer()
    for x, other in ((a, pb), (b, pa)):
        if x in g.places and g.places[x].precision == "border":  # "border-kp-cn": either country
            sides = set(x.removeprefix("border-").split("-"))
            if sides & set(other):
                return True
    return False


def _in_north_korea(place: str | None) -> bool:
    g = gazetteer()
    return bool(place) and place in g.places and g.places[place].precision != "border" and "kp" in _path(place)


def _order(e: Node, later: Node, evidence: int) -> bool:
    """`later` after `e` within the window: strictly, or (one sentence telling both) within a month."""
    if later.lo - e.lo > WINDOW_DAYS:
        return False
    if later.lo > e.hi:
        return True
    # Custody told in the sentence of what followed it takes that sentence's date. A sentence and an execution told
    # together and dated alike are one occurrence (a summary trial and the shooting), not a sequel.
    return (evidence == CO_SENTENCE and e.act in _CUSTODY and e.precise and later.precise
            and abs(later.lo - e.lo) <= SENTENCE_SLACK_DAYS)


def _allowed(e: Node, later: Node) -> bool:
    if e.act not in FOLLOWS.get(later.act, ()):
        return False
    # A repatriation follows custody abroad (China, Russia, the South, a border), never an arrest inside the North.
    return not (later.act == "forced_repatriation" and _in_north_korea(e.place))


def _pairs(nodes: dict[str, Node]) -> dict[tuple[str, str], int]:
    """(earlier id, later id) -> strongest evidence, from the indexes by sentence, name, source and (place,
    group, count): only incidents that share something are ever compared."""
    found: dict[tuple[str, str], int] = {}

    def offer(bucket: Iterable[str], evidence: int) -> None:
        members = sorted(set(bucket))
        for x in members:
            for y in members:
                if x != y and found.get((x, y), 0) < evidence and _allowed(nodes[x], nodes[y]):
                    found[(x, y)] = evidence

    by: dict[str, dict[Any, list[str]]] = {"sentence": defaultdict(list), "name": defaultdict(list),
                                           "source": defaultdict(list), "weak": defaultdict(list)}  # fmt: skip
    for n in nodes.values():
        for k in n.sentences:
            by["sentence"][k].append(n.id)
        for k in n.names:
            by["name"][k].append(n.id)
        for k in n.sources:
            by["source"][k].append(n.id)
        if n.cmin is not None and n.cmin == n.cmax and n.group not in VAGUE_GROUPS and _specific(n.place):
            by["weak"][(n.place, n.group, n.cmin)].append(n.id)
    for bucket in by["sentence"].values():
        if len(bucket) > 1:
            offer(bucket, CO_SENTENCE)
    for bucket in by["name"].values():
        if 1 < len(bucket) <= NAME_CAP:
            offer([i for i in bucket if nodes[i].few], STRONG)
    for bucket in by["source"].values():
        if 1 < len(bucket) <= SHORT_REPORT:
            offer(bucket, STRONG)
    for bucket in by["weak"].values():
        if len(bucket) > 1:
            offer(bucket, WEAK)
    return found


def _specific(place: str | None) -> bool:
    g = gazetteer()
    return bool(place) and place in g.places and g.places[place].precision in SPECIFIC


def _valid(e: Node, later: Node, evidence: int) -> bool:
    if not _order(e, later, evidence) or not _counts_ok(e, later):
        return False
    if evidence == CO_SENTENCE:
        return True
    shared_name = bool(e.names.keys() & later.names.keys()) and e.few and later.few
    if shared_name:
        return True
    # A short report telling both, or the weak match: victims and places must agree too, and closely: an article
    # often recalls an older case of other people ("last year, a man was sentenced ...") beside its news.
    overlap = e.cmin is None or later.cmin is None or max(e.cmin, later.cmin) <= min(e.cmax or e.cmin,
                                                                                 later.cmax or later.cmin)
    return (overlap and later.lo - e.lo <= SAME_REPORT_DAYS and _groups_ok(e, later)
            and _places_ok(e.place, later.place))


def decide(nodes: dict[str, Node], later_ids: Iterable[str] | None = None) -> dict[str, str]:
    """later id -> the earlier incident it is a sequel of, for the incidents in `later_ids` (default: all)."""
    best: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)
    wanted = set(nodes) if later_ids is None else set(later_ids)
    for (eid, lid), evidence in _pairs(nodes).items():
        if lid in wanted and _valid(nodes[eid], nodes[lid], evidence):
            e = nodes[eid]
            best[lid].append((evidence, e.lo, e.hi, eid))
    out: dict[str, str] = {}
    for lid, options in best.items():
        top = max(options)
        if top[0] == WEAK and len(options) > 1:  # weak evidence only when nothing else competes
            continue
        out[lid] = top[3]
    return out


# --- reading and writing the store ------------------------------------------------------------------------------

_LIGHT = (Incident.id, Incident.kind, Incident.act, Incident.when_start, Incident.when_end, Incident.when_precision,
          Incident.place_id, Incident.victim_group, Incident.count_min, Incident.count_max,
          Incident.sequel_of)  # fmt: skip


def _chunks(ids: Iterable[str], n: int = 5000) -> Iterable[list[str]]:
    ids = sorted(ids)
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def load_nodes(s: Session, ids: Iterable[str]) -> dict[str, Node]:
    """Nodes of these incidents, read from the store (their rows, and their claims' sources and quotes)."""
    rows: dict[str, Any] = {}
    for chunk in _chunks(ids):
        rows.update({r.id: r for r in s.execute(select(*_LIGHT).where(Incident.id.in_(chunk),
                                                                      Incident.kind == "event",
                                                                      Incident.act.in_(sorted(ACTS))))})  # fmt: skip
    claims: dict[str, list[tuple[str, str]]] = defaultdict(list)
    # Quotes (for the names in them) only of incidents with few victims: the only ones make_node reads them for.
    few = {iid for iid, r in rows.items() if r.count_max is None or r.count_max <= FEW_VICTIMS}
    for wanted, quote in ((few, Claim.quote), (set(rows) - few, literal(""))):
        for chunk in _chunks(wanted):
            q = select(Claim.incident_id, Claim.source_id, quote).where(Claim.incident_id.in_(chunk),
                                                                         Claim.status != "rejected")  # fmt: skip
            for iid, sid, text in s.execute(q):
                claims[iid].append((sid, text))
    out = {}
    for iid, r in rows.items():
        n = make_node(r, [c[0] for c in claims[iid]], [c[1] for c in claims[iid]])
        if n is not None:
            out[iid] = n
    return out


def add_sentences(s: Session, nodes: dict[str, Node]) -> None:
    """Fill in the sentence keys of incidents that share a source with another (few: reading every quote of a
    full run again would cost as much as the link itself)."""
    users: dict[str, set[str]] = defaultdict(set)
    for n in nodes.values():
        for src in n.sources:
            users[src].add(n.id)
    shared = sorted(src for src, ids in users.items() if len(ids) > 1 and _may_pair({nodes[i].act for i in ids}))
    keys: dict[str, set[int]] = defaultdict(set)
    for chunk in _chunks(shared, 2000):
        for iid, sid, quote in s.execute(select(Claim.incident_id, Claim.source_id, Claim.quote)
                                         .where(Claim.source_id.in_(chunk), Claim.incident_id.is_not(None),
                                                Claim.status != "rejected")):  # fmt: skip
            if iid in nodes:
                keys[iid].add(hash((sid, quote)))
    for iid, k in keys.items():
        nodes[iid].sentences = frozenset(k)


def _may_pair(acts: set[str]) -> bool:
    """Whether incidents of these acts can include an earlier one and its sequel (one report of one occurrence,
    split by the linker into incidents of one act, cannot)."""
    return any(FOLLOWS.get(a, frozenset()) & acts for a in acts)


def reviewer_choices(s: Session) -> dict[str, str | None]:
    """incident id -> the earlier incident a person chose for it (None: a person said it is no sequel)."""
    cons = list(s.scalars(select(LinkConstraint).where(LinkConstraint.kind.in_(("sequel", "nosequel")))
                          .order_by(LinkConstraint.id)))  # fmt: skip
    if not cons:
        return {}
    wanted = sorted({c.claim_a for c in cons} | {c.claim_b for c in cons if c.claim_b})
    where: dict[str, str | None] = {}
    for chunk in _chunks(wanted):
        where.update(dict(s.execute(select(Claim.id, Claim.incident_id).where(Claim.id.in_(chunk))).all()))
    out: dict[str, str | None] = {}
    for c in cons:  # in order: the latest decision about an incident wins
        iid = where.get(c.claim_a)
        if iid:
            out[iid] = where.get(c.claim_b) if c.kind == "sequel" else None
    return out


def _write(s: Session, want: dict[str, str | None], current: dict[str, str | None]) -> int:
    changes = [{"iid": i, "seq": v} for i, v in sorted(want.items()) if current.get(i) != v]
    if changes:
        t = Incident.__table__
        s.connection().execute(update(t).where(t.c.id == bindparam("iid")).values(sequel_of=bindparam("seq")),
                               changes)  # fmt: skip
    return len(changes)


def update_full(s: Session, collected: dict[str, Node]) -> int:
    """After a full link: decide every incident again; returns how many sequel_of values changed."""
    add_sentences(s, collected)
    want: dict[str, str | None] = dict(decide(collected))
    current = dict(s.execute(select(Incident.id, Incident.sequel_of).where(Incident.sequel_of.is_not(None))).all())
    for iid in current:  # links that no longer hold (or point to an incident gone) are cleared
        want.setdefault(iid, None)
    for iid, earlier in reviewer_choices(s).items():
        if iid in current or iid in collected or earlier is not None:
            want[iid] = earlier
    return _write(s, want, current)


def update_incremental(s: Session, collected: dict[str, Node], gone: set[str]) -> int:
    """After an incremental link: decide the touched incidents, and fill in (or repair) the sequel of incidents
    that share evidence with them; other stored links stay until the next full run."""
    touched = dict(collected)
    others = _neighbours(s, touched, gone) - set(touched)
    nodes = {**load_nodes(s, others), **touched}
    add_sentences(s, nodes)
    current: dict[str, str | None] = {}
    for chunk in _chunks(nodes):
        current.update(dict(s.execute(select(Incident.id, Incident.sequel_of).where(Incident.id.in_(chunk))).all()))
    decided = decide(nodes)
    want: dict[str, str | None] = {}
    for iid in nodes:
        if iid in touched or current.get(iid) is None or current.get(iid) in gone or current.get(iid) in touched:
            want[iid] = decided.get(iid)
    for iid, earlier in reviewer_choices(s).items():
        if iid in want:
            want[iid] = earlier
    n = _write(s, want, current)
    for chunk in _chunks(gone):  # links to incidents merged away that nothing above repaired
        s.execute(update(Incident).where(Incident.sequel_of.in_(chunk)).values(sequel_of=None))
    return n


def _neighbours(s: Session, touched: dict[str, Node], gone: set[str]) -> set[str]:
    """Stored incidents that may pair with the touched ones: sharing a source, a name or a (place, group, count),
    or whose sequel_of points at a touched or vanished incident."""
    from nkwatch.store.search import claims_matching

    out: set[str] = set()
    acts: dict[str, set[str]] = defaultdict(set)  # source -> the acts of the touched incidents it reports
    for n in touched.values():
        for src in n.sources:
            acts[src].add(n.act)
    for chunk in _chunks(acts, 2000):
        q = select(Claim.source_id, Claim.incident_id, Claim.act).where(Claim.source_id.in_(chunk),
                                                                          Claim.incident_id.is_not(None)).distinct()
        # Only an incident whose act can come before or after a touched one's can pair with it (see _allowed).
        out |= {iid for src, iid, act in s.execute(q) if any(_may_pair({act, a}) for a in acts[src])}
    spelling = {k: v for n in touched.values() if n.few for k, v in n.names.items()}
    found: list[list[str]] = []
    for name in sorted(spelling)[:200]:  # a bounded number of look-ups, through the full-text index
        ids = claims_matching(s, f'"{spelling[name]}"', NAME_CLAIMS + 1)
        if len(ids) <= NAME_CLAIMS:  # a name in more claims is too common to identify a victim
            found.append(ids)
    incident: dict[str, str | None] = {}
    for chunk in _chunks({c for ids in found for c in ids}):
        incident.update(s.execute(select(Claim.id, Claim.incident_id).where(Claim.id.in_(chunk))).tuples().all())
    for ids in found:
        hits = {incident[c] for c in ids if incident.get(c)}
        if len(hits) <= NAME_CAP:
            out |= hits
    weak = sorted({(n.place, n.group, n.cmin) for n in touched.values() if n.cmin is not None and n.cmin == n.cmax
                   and n.group not in VAGUE_GROUPS and _specific(n.place)}, key=str)  # fmt: skip
    for place, group, count in weak:
        out |= set(s.scalars(select(Incident.id).where(and_(Incident.place_id == place, Incident.victim_group == group,
                                                            Incident.count_min == count,
                                                            Incident.count_max == count))))  # fmt: skip
    pointing = sorted(set(touched) | gone)
    for chunk in _chunks(pointing):
        out |= set(s.scalars(select(Incident.id).where(Incident.sequel_of.in_(chunk))))
    return out

