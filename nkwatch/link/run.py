"""Link claims into incidents: a full run over the store, or an incremental run over new claims.

Incremental: claims without an incident are compared with the stored claims of their own blocks only;
stored incidents keep their ids and members, and grow or merge when a new claim connects them. A full run
recomputes every cluster from scratch and gives the same incidents for the same data. Neither ever moves
a claim a person placed (merge, split, publish lock it) nor merges what a person split apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, text
from sqlalchemy.orm import Session

from nkwatch.extract.gazetteer import gazetteer
from nkwatch.link.apart import kept_apart
from nkwatch.link.attribution import independence_groups
from nkwatch.link.incidents import SourceInfo, incident_id, incident_row
from nkwatch.link.plan import Partition, Plan, plan, plan_partition, planned, workers_for
from nkwatch.link.records import ACT_FAMILIES, act_family, link_kind
from nkwatch.link.rows import claim_rows, claim_rows_any
from nkwatch.link.sequels import FEW_VICTIMS, Collector, update_full, update_incremental
from nkwatch.store.db import Store
from nkwatch.store.models import Claim, DuplicateProposal, Incident, Source, utcnow

PRACTICE_SAMPLE = 20  # stored claims of a practice an incremental run compares new pattern claims with
@dataclass
class LinkReport:
    claims: int = 0  # claims considered
    assigned: int = 0  # claims whose incident changed
    incidents: int = 0  # incidents written
    removed: int = 0  # incidents that no longer have claims
    proposals: int = 0  # possible duplicates proposed to reviewers
    sequels: int = 0  # incidents whose sequel_of changed (nkwatch.link.sequels)


def link(store: Store, *, full: bool = False, workers: int | None = None) -> LinkReport:
    """Link new claims (or, with full=True, all claims) into incidents, in one transaction.

    A full run goes act by act (and indicator by indicator): claims of different acts never share an
    incident, so memory stays at the size of the largest act, not of the whole store."""
    with store.session() as s:
        if not full:
            claims, new = _load(s, full=False)
            if not new:
                return LinkReport(claims=len(claims))
            collect = Collector()
            r = _link(s, claims, new, full=False, taken=set(), sources=_source_info(claims), collect=collect)
            r.sequels = update_incremental(s, collect.nodes, collect.gone)
            return r
        total = LinkReport()
        collect = Collector()
        taken: set[str] = set()
        every_source = _all_sources(s)  # read once, not once per act
        kept: set[str] = set()
        parts = _partitions(s)
        n_claims = s.scalar(select(func.count()).select_from(Claim)) or 0
        workers = workers_for(store, n_claims) if workers is None else workers
        if workers:  # planned by worker processes, in order, while this one writes what is planned
            url = store.engine.url.render_as_string(hide_password=False)
            plans = planned(parts, url, every_source, workers)
        else:
            plans = (plan_partition(s, p, every_source) for p in parts)
        for pl, n in plans:
            if not n:
                continue
            r = _write(s, pl, full=True, taken=taken, collect=collect)
            kept |= taken
            for k in ("claims", "assigned", "incidents", "removed", "proposals"):
                setattr(total, k, getattr(total, k) + getattr(r, k))
        stale = set(s.scalars(select(Incident.id))) - kept
        if stale:
            _delete_incidents(s, stale)
        total.removed += len(stale)
        # Sequels join incidents of different acts, so they are decided once every partition is written.
        total.sequels = update_full(s, collect.nodes)
        return total


def _partitions(s: Session) -> list[Partition]:
    """Groups of claims that can never share an incident: the acts of one family, or one indicator."""
    acts = s.scalars(select(Claim.act).where(Claim.kind != "statistic").distinct()).all()
    indicators = s.scalars(select(Claim.indicator).where(Claim.kind == "statistic").distinct()).all()
    families: dict[str | None, list[str | None]] = {}
    for a in sorted(acts, key=str):
        families.setdefault(act_family(a), []).append(a)
    return ([("acts", tuple(members)) for members in families.values()]
            + [("indicator", (i,)) for i in sorted(indicators, key=str)])  # fmt: skip


def _move_claims(s: Session, moves: list[dict[str, str]]) -> None:
    """Set claims' incident ids: through a temporary table and one UPDATE ... FROM when there are many
    (a million single-row updates is most of a first full link), row by row when there are few."""
    if len(moves) < 1000:
        t = Claim.__table__
        s.connection().execute(t.update().where(t.c.id == bindparam("cid")).values(incident_id=bindparam("iid")),
                               moves)  # fmt: skip
        return
    s.execute(text("CREATE TEMP TABLE IF NOT EXISTS link_moves (cid VARCHAR(32) PRIMARY KEY, iid VARCHAR(32))"))
    s.execute(text("DELETE FROM link_moves"))
    s.connection().execute(text("INSERT INTO link_moves (cid, iid) VALUES (:cid, :iid)"), moves)
    s.execute(text("UPDATE claims SET incident_id = link_moves.iid FROM link_moves WHERE claims.id = link_moves.cid"))
    s.execute(text("DELETE FROM link_moves"))


def _delete_incidents(s: Session, ids: set[str]) -> None:
    ids_list = list(ids)
    for i in range(0, len(ids_list), 5000):
        chunk = ids_list[i:i + 5000]
        s.execute(delete(Incident).where(Incident.id.in_(chunk)))
        s.execute(delete(DuplicateProposal).where(DuplicateProposal.incident_a.in_(chunk) |
                                                  DuplicateProposal.incident_b.in_(chunk)))  # fmt: skip


def _place(c: dict[str, Any]) -> str | None:
    return c.get("place_id")


def _load(s: Session, full: bool) -> tuple[list[dict[str, Any]], set[str]]:
    new = claim_rows(s, Claim.incident_id.is_(None), with_sources=True)
    if not new:
        return [], set()
    # The stored claims that may share an incident with the new ones: events of the same act in the same
    # month (or dated only to that year), a sample of the same practice (a pattern incident has many
    # claims; a few are enough to join it), a sample of statistics of the same indicator and period.
    # Proposals across years are made by full runs only.
    conds = []
    g = gazetteer()
    for act, year, month, place in sorted({(c["act"], _year(c), _month(c), _place(c)) for c in new
                                           if link_kind(c) == "event"}, key=str):  # fmt: skip
        if year is None:
            continue
        family = [a for a in (act, *ACT_FAMILIES) if act_family(a) == act_family(act)]
        same = and_(Claim.kind == "event", Claim.act.in_(sorted(set(family), key=str)), Claim.year == year)
        if place and place in g.places:
            # Only places that can be the same: this one, those around it, those inside it, or none.
            near = {p for p in g.places if place in g.ancestors(p)} | set(g.ancestors(place))
            same = and_(same, or_(Claim.place_id.in_(sorted(near)), Claim.place_id.is_(None),
                                  Claim.place_id.in_(("kp", "cn", "border-kp-cn", "border-kp-ru"))))  # fmt: skip
        if not month:
            conds.append(same)
            continue
        # Two reads along ix_claims_link_block (act, year, month, place): the same month, and those dated to the year.
        conds.append(and_(same, Claim.month == month))
        conds.append(and_(same, Claim.month.is_(None), Claim.when["precision"].as_string() == "year"))
    for ind in sorted({c["indicator"] for c in new if c["kind"] == "statistic" and link_kind(c) == "event"}):
        # The size of one occurrence (records.OCCURRENCE_INDICATORS, a theft): the stored figures of its years (or
        # of none), which link as events do. Few: such figures are rare beside counts over a period.
        years = sorted({y for c in new if c["indicator"] == ind for y in (_year(c), _year_published(c)) if y})
        conds.append(and_(Claim.kind == "statistic", Claim.indicator == ind,
                          or_(Claim.year.in_(years), Claim.year.is_(None))))  # fmt: skip
    stored = claim_rows_any(s, [and_(Claim.incident_id.is_not(None), c) for c in conds], True) if conds else []
    for act, grounds in sorted({(c["act"], c["grounds"]) for c in new if link_kind(c) == "pattern"}, key=str):
        q = and_(Claim.incident_id.is_not(None), Claim.kind == "pattern", Claim.act == act,
                 Claim.grounds == grounds if grounds else Claim.grounds.is_(None))  # fmt: skip
        stored += claim_rows(s, q, limit=PRACTICE_SAMPLE, with_sources=True)
    for ind, period in sorted({(c["indicator"], c["period"]) for c in new if c["kind"] == "statistic"
                               and c["period"]}, key=str):  # fmt: skip
        # One indicator and period is one incident: a sample joins it, and _complete_partial reads all its values.
        stored += claim_rows(s, and_(Claim.incident_id.is_not(None), Claim.kind == "statistic", Claim.indicator == ind,
                                Claim.period == period), limit=PRACTICE_SAMPLE, with_sources=True)  # fmt: skip
    return stored + new, {c["id"] for c in new}


def _month(c: dict[str, Any]) -> str | None:
    w = c.get("when") or {}
    return str(w["start"])[:7] if w.get("precision") in ("day", "month") and w.get("start") else None


def _year_published(c: dict[str, Any]) -> int | None:
    start = str(c.get("published_at") or "")[:4]
    return int(start) if start.isdigit() else None


def _year(c: dict[str, Any]) -> int | None:
    start = str((c.get("when") or {}).get("start") or "")[:4]
    return int(start) if start.isdigit() else None


def _link(s: Session, claims: list[dict[str, Any]], new: set[str], full: bool, taken: set[str],
          sources: dict[str, SourceInfo] | None = None, collect: Collector | None = None) -> LinkReport:  # fmt: skip
    if sources is None:
        sources = _sources(s, {c["source_id"] for c in claims})
    return _write(s, plan(s, claims, new, full=full, sources=sources), full=full, taken=taken, collect=collect)


def _write(s: Session, pl: Plan, *, full: bool, taken: set[str], collect: Collector | None) -> LinkReport:
    """Store a plan: ids for its clusters, claims moved, incident rows written, duplicates proposed."""
    existing = {}
    old_ids = sorted({i for i in pl.old_ids if i})
    for i in range(0, len(old_ids), 5000):
        existing.update({r.id: r for r in s.execute(select(Incident.id, Incident.status, Incident.created_at,
                                                           Incident.sequel_of, Incident.n_claims)
                                                    .where(Incident.id.in_(old_ids[i:i + 5000])))})  # fmt: skip
    light = [{"id": cid, "incident_id": old} for cid, old in zip(pl.claim_ids, pl.old_ids, strict=True)]
    groups = {members[0]: members for members in pl.groups}
    before = set(taken)
    ids = _assign_ids(groups, light, pl.lock, taken)
    # A person may have merged claims of two acts into one incident: its id then comes up in two
    # partitions of a full run. Its row is written once, then recomputed from all its claims at the end.
    spanning = {ids[r] for r in groups if ids[r] in before}
    report = LinkReport(claims=len(pl.claim_ids))
    now = utcnow()
    changed = [{"cid": pl.claim_ids[i], "iid": ids[members[0]]} for members in pl.groups for i in members
               if pl.old_ids[i] != ids[members[0]]]  # fmt: skip
    if changed:
        _move_claims(s, changed)
    report.assigned = len(changed)
    rows, quotes = [], []
    for g, members in enumerate(pl.groups):
        iid = ids[members[0]]
        if iid in spanning or not (full or any(pl.is_new[i] or pl.old_ids[i] != iid for i in members)):
            continue
        old, planned_row = existing.get(iid), pl.rows[g]
        if planned_row is None:
            raise RuntimeError(f"link: incident {iid} changed but was planned as unchanged")  # a bug, not data
        row = dict(planned_row, id=iid, status=old.status if old else "machine", updated_at=now,
                   created_at=old.created_at if old else now, sequel_of=old.sequel_of if old else None)  # fmt: skip
        if row["status"] != "machine" and g in pl.as_reviewed:
            row["confidence"], row["confidence_breakdown"] = pl.as_reviewed[g]
            row["n_independent"] = row["confidence_breakdown"]["independent_sources"]
        rows.append(row)
        quotes.append(pl.quotes.get(g, ()))
    if not full:  # before the rows are stored: some may be computed again from all their claims
        for k, row_quotes in _complete_partial(s, pl, ids, existing, rows).items():
            quotes[k] = row_quotes
    if collect is not None:
        for row, row_quotes in zip(rows, quotes, strict=True):
            collect.add(row, [{"quote": q} for q in row_quotes])
    if rows:
        row_ids = [r["id"] for r in rows]
        for i in range(0, len(rows), 5000):
            s.execute(delete(Incident).where(Incident.id.in_(row_ids[i:i + 5000])))
        for i in range(0, len(rows), 5000):
            s.connection().execute(Incident.__table__.insert(), rows[i:i + 5000])
    report.incidents = len(rows)
    gone = set(existing) - set(ids.values())
    if gone and not full:  # a full run removes what no partition kept, once at the end
        _delete_incidents(s, gone)
        report.removed = len(gone)
        if collect is not None:
            collect.gone |= gone
    report.proposals = _propose(s, pl, ids)
    if spanning:
        refresh_incidents(s, spanning)
    return report


def _all_sources(s: Session) -> dict[str, SourceInfo]:
    rows = s.execute(select(Source.id, Source.reliability, Source.derived_from, Source.derivation)).all()
    groups = independence_groups([(r.id, r.derived_from, r.derivation) for r in rows])
    return {r.id: SourceInfo(r.id, r.reliability, groups.get(r.id, r.id)) for r in rows}


def _complete_partial(s: Session, pl: Plan, ids: dict[int, str], existing: dict[str, Any],
                      rows: list[dict[str, Any]]) -> dict[int, list[str]]:
    """An incremental run reads only the stored claims in the new claims' blocks, so an incident may be in its
    plan with part of its claims. Those it did not read follow the ones it did (when their incident merged into
    another), and a row about to be written from part of its claims is made again from all of them (in place).
    Returns, for each row made again, the quotes of its claims (for sequel links)."""
    loaded = Counter(o for o in pl.old_ids if o)
    partial = {o for o, n in loaded.items() if o in existing and (existing[o].n_claims or 0) > n}
    if not partial:
        return {}
    follow, redo = {}, set()
    for members in pl.groups:
        iid = ids[members[0]]
        for i in members:
            old = pl.old_ids[i]
            if old in partial:
                redo.add(iid)
                if old != iid:
                    follow[old] = iid
    if follow:
        t = Claim.__table__
        move = t.update().where(t.c.incident_id == bindparam("old")).values(incident_id=bindparam("new"))
        s.connection().execute(move, [{"old": o, "new": n} for o, n in sorted(follow.items())])
    at = {row["id"]: k for k, row in enumerate(rows) if row["id"] in redo}
    # Quotes are the bulk of a claim row; only a figure's row (its values' text) and an event that may have few
    # victims (names in its quotes, for sequel links) use them. All its claims can only raise a count.
    quoted = {iid for iid, k in at.items() if rows[k]["kind"] == "statistic" or (
        rows[k]["kind"] == "event" and (rows[k]["count_max"] is None or rows[k]["count_max"] <= FEW_VICTIMS))}
    claims: list[dict[str, Any]] = []
    for wanted, quotes in ((sorted(quoted), True), (sorted(set(at) - quoted), False)):
        for i in range(0, len(wanted), 5000):  # one read for all of them, not one per incident
            claims += claim_rows(s, Claim.incident_id.in_(wanted[i:i + 5000]), with_sources=True, quotes=quotes)
    by_incident: dict[str, list[dict[str, Any]]] = {}
    for c in claims:
        by_incident.setdefault(c["incident_id"], []).append(c)
    sources = _source_info(claims)
    out = {}
    for iid, k in at.items():
        members, row = by_incident[iid], rows[k]
        reviewed = any(c["status"] == "reviewed" for c in members)
        rows[k] = dict(row, **incident_row(iid, members, sources, status=row["status"], reviewed=reviewed))
        out[k] = [c.get("quote") or "" for c in members]
    return out


def _source_info(claims: list[dict[str, Any]]) -> dict[str, SourceInfo]:
    """The sources of claims read `with_sources`."""
    rows = {c["source_id"]: c for c in claims}
    groups = independence_groups([(k, r["derived_from"], r["derivation"]) for k, r in rows.items()])
    return {k: SourceInfo(k, r["reliability"], groups.get(k, k)) for k, r in rows.items()}


def _sources(s: Session, ids: set[str]) -> dict[str, SourceInfo]:
    wanted = sorted(ids)
    rows = []
    for i in range(0, len(wanted), 5000):  # SQLite takes at most 32,766 parameters in one statement
        rows += s.execute(select(Source.id, Source.reliability, Source.derived_from, Source.derivation)
                          .where(Source.id.in_(wanted[i:i + 5000]))).all()  # fmt: skip
    groups = independence_groups([(r.id, r.derived_from, r.derivation) for r in rows])
    return {r.id: SourceInfo(r.id, r.reliability, groups.get(r.id, r.id)) for r in rows}


def _assign_ids(groups: dict[int, list[int]], claims: list[dict[str, Any]], lock: list[str | None],
                taken: set[str]) -> dict[int, str]:  # fmt: skip
    """Keep ids stable: a person's incident keeps its id; otherwise the stored incident most members had;
    otherwise a new id fixed by the cluster's first claim. `taken` holds ids given out earlier in this run."""
    ids: dict[int, str] = {}
    # Deterministic order: the biggest clusters choose first, then by their first claim id.
    for root in sorted(groups, key=lambda r: (-len(groups[r]), claims[groups[r][0]]["id"])):
        members = groups[root]
        locked = sorted({lock[i] for i in members if lock[i]})
        if locked:  # a person's incident keeps its id, even across the partitions of a full run
            choice = locked[0]
        else:
            votes = Counter(claims[i]["incident_id"] for i in members if claims[i]["incident_id"])
            ranked = sorted(votes, key=lambda k: (-votes[k], k))
            choice = next((k for k in ranked if k not in taken), None)
            if choice is None:
                first = min(claims[i]["id"] for i in members)
                choice = incident_id([first])
                salt = 0
                while choice in taken:  # an id another cluster keeps: derive a fresh one, deterministically
                    salt += 1
                    choice = incident_id([f"{first}#{salt}"])
        taken.add(choice)
        ids[root] = choice
    return ids


def _propose(s: Session, pl: Plan, ids: dict[int, str]) -> int:
    """The plan's possible duplicates (pairs that agree on everything but one hard field), between the
    incidents its clusters became; those already proposed are not proposed again."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for ga, gb, name, claim_ids, values in pl.proposals:
        ia, ib = ids[pl.groups[ga][0]], ids[pl.groups[gb][0]]
        found.setdefault((min(ia, ib), max(ia, ib)), {"field": name, "claims": claim_ids, "values": values,
                                                      "groups": (ga, gb) if ia < ib else (gb, ga)})  # fmt: skip
        found[(min(ia, ib), max(ia, ib))].setdefault("evidence", pl.evidence.get((ga, gb)))  # for and against
    # A pair a person kept apart ("different incidents", a split) is not proposed again (nkwatch.link.apart).
    sides = {k: tuple([pl.claim_ids[i] for i in pl.groups[g]] for g in d.pop("groups")) for k, d in found.items()}
    for k in kept_apart(s, sides):
        del found[k]
    if not found:
        return 0
    ids_seen = sorted({x for pair in found for x in pair})
    known: set[tuple[str, str]] = set()
    for i in range(0, len(ids_seen), 5000):
        chunk = ids_seen[i:i + 5000]
        known |= {(a, b) for a, b in s.execute(select(DuplicateProposal.incident_a, DuplicateProposal.incident_b)
                                               .where(DuplicateProposal.incident_a.in_(chunk)))}  # fmt: skip
    rows = [{"incident_a": a, "incident_b": b, "conflict": d["field"], "detail": d, "status": "open",
             "created_at": utcnow()} for (a, b), d in sorted(found.items()) if (a, b) not in known]  # fmt: skip
    if rows:
        s.execute(insert(DuplicateProposal), rows)
    return len(rows)


def refresh_incidents(s: Session, incident_ids: set[str]) -> None:
    """Recompute merged fields and confidence of these incidents from their current claims (after a review);
    an incident left without claims is deleted."""
    for iid in sorted(i for i in incident_ids if i):
        claims = claim_rows(s, Claim.incident_id == iid)
        old = s.get(Incident, iid)
        if not claims:
            if old is not None:
                s.delete(old)
            continue
        sources = _sources(s, {c["source_id"] for c in claims})
        status = old.status if old else "machine"
        reviewed = any(c["status"] == "reviewed" for c in claims)
        row = incident_row(iid, claims, sources, status=status, reviewed=reviewed)
        row.update(updated_at=utcnow(), created_at=old.created_at if old else utcnow(),
                   sequel_of=old.sequel_of if old else None)  # fmt: skip
        if old is None:
            s.add(Incident(**row))
        else:
            for k, v in row.items():
                setattr(old, k, v)
    s.flush()
