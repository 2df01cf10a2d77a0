"""Planning a link: from a set of claims to their clusters, incident rows and possible duplicates.

Planning only computes (encode the claims, score candidate pairs, cluster, merge each cluster's fields); it
writes nothing and does not depend on what other partitions of the same run decided. nkwatch.link.run
writes a plan: it gives the clusters their incident ids (which must be unique across the run, so that part
is sequential), moves the claims and stores the rows. Because a plan stands alone, a full run plans its
partitions in worker processes while the main process writes the ones already planned (`plan_in_worker`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import numpy as np
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from nkwatch.link.cluster import cluster
from nkwatch.link.compare import CONFLICT_NAMES, candidates, explain
from nkwatch.link.incidents import SourceInfo, incident_row, rebuild
from nkwatch.link.records import build, persons
from nkwatch.link.rows import claim_rows
from nkwatch.link.sequels import FEW_VICTIMS
from nkwatch.store.db import Store
from nkwatch.store.models import Claim, Incident, LinkConstraint


@dataclass
class Plan:
    claim_ids: list[str]  # the claims, sorted by id; everything below indexes into this
    old_ids: list[str | None]  # the incident each claim had before the run
    lock: list[str | None]  # the incident a person placed it in (merge, split, publish), or None
    is_new: list[bool]  # claims an incremental run is placing (all of them in a full run)
    groups: list[list[int]]  # the clusters, as claim indices (smallest first), in order of their first claim
    # incident_row of each cluster, without its id, as if not yet reviewed (None: unchanged, not written)
    rows: list[dict[str, Any] | None]
    # unused since the review bonus comes only from confirmed claims, never from an incident's status
    as_reviewed: dict[int, tuple[float, dict]] = field(default_factory=dict)
    quotes: dict[int, list[str]] = field(default_factory=dict)  # few-victim events' quotes, for sequel links
    # possible duplicates: (cluster a, cluster b, conflicting field, [claim a, claim b], [value a, value b])
    proposals: list[tuple[int, int, str, list[str], list[Any]]] = field(default_factory=list)
    # the evidence for and against each proposal, by (cluster a, cluster b): {"for": {rule: weight}, "against": ...}
    evidence: dict[tuple[int, int], dict[str, dict[str, float]]] = field(default_factory=dict)


def plan(s: Session, claims: list[dict[str, Any]], new: set[str], *, full: bool,
         sources: dict[str, SourceInfo]) -> Plan:  # fmt: skip
    """Cluster `claims` (dicts of rows.CLAIM_COLUMNS) and make each cluster's incident row. Reads only the
    link constraints people set and the review status of the incidents the claims had."""
    if not claims:
        return Plan([], [], [], [], [], [])
    claims.sort(key=lambda c: c["id"])
    index = {c["id"]: i for i, c in enumerate(claims)}
    r, _ = build(claims)
    lock = [c["incident_id"] if c["link_locked"] else None for c in claims]
    must: list[tuple[int, int]] = []
    # Person-placed claims stay together; in an incremental run stored incidents keep their members too.
    keep_together: dict[str, list[int]] = {}
    for i, c in enumerate(claims):
        if c["incident_id"] and (c["link_locked"] or not full):
            keep_together.setdefault(c["incident_id"], []).append(i)
    for members in keep_together.values():
        must.extend((members[0], m) for m in members[1:])
    cannot: set[tuple[int, int]] = set()
    for con in s.scalars(select(LinkConstraint).where(LinkConstraint.kind.in_(("must", "cannot")))):
        a, b = index.get(con.claim_a), index.get(con.claim_b)  # people's decisions: few, read them all
        if a is not None and b is not None and con.kind == "cannot":
            cannot.add((a, b))
        elif a is not None and b is not None:
            must.append((a, b))
    only = None if full else np.array([c["id"] in new for c in claims])
    pairs = candidates(r, only=only)
    choosers = None
    if only is not None:  # stored claims keep their partner, unless they had none (see cluster)
        alone = _incidents_where(s, set(keep_together), Incident.n_claims == 1)
        choosers = only | np.array([c["incident_id"] in alone for c in claims])
    clusters = cluster(r, pairs, lock=lock, must=must, cannot=cannot, choosers=choosers)
    by_root = clusters.groups()
    roots = sorted(by_root, key=lambda root: by_root[root][0])
    groups = [by_root[root] for root in roots]
    where_is = {root: g for g, root in enumerate(roots)}
    out = Plan(claim_ids=[c["id"] for c in claims], old_ids=[c["incident_id"] for c in claims], lock=lock,
               is_new=[c["id"] in new for c in claims], groups=groups, rows=[])  # fmt: skip
    for g, members in enumerate(groups):
        if not full and not any(out.is_new[i] for i in members):
            # An incremental run compares only pairs with a new claim, so a cluster without one is a stored
            # incident as it was (its claims kept together): nothing of it is written.
            out.rows.append(None)
            continue
        member_claims = [claims[i] for i in members]
        reviewed = any(c["status"] == "reviewed" for c in member_claims)
        row = incident_row("", member_claims, sources, status="machine", reviewed=reviewed)
        out.rows.append(row)
        if row["kind"] == "event" and (row["count_max"] is None or row["count_max"] <= FEW_VICTIMS):
            out.quotes[g] = [c.get("quote") or "" for c in member_claims]
    # Pairs that agree on everything but one hard field, and pairs the evidence would link but for naming other
    # people or other grounds (kept apart, the reason stored): proposed to reviewers, first found first, with
    # the evidence for and against each (compare.explain).
    seen: set[tuple[int, int]] = set()
    found: list[tuple[int, int, int, int, int]] = []
    evidence: list[dict[str, dict[str, float]]] = []
    for p in (pairs, candidates(r, only=only, across_years=True)):
        first = len(found)
        keep, refused = p.proposed(), p.refused()
        kinds = np.where(refused, p.why_apart(), p.conflict)
        keep |= refused
        for a, b, conflict in zip(p.a[keep].tolist(), p.b[keep].tolist(), kinds[keep].tolist(), strict=True):
            ga, gb = where_is[clusters.find(a)], where_is[clusters.find(b)]
            if ga == gb or (min(ga, gb), max(ga, gb)) in seen:
                continue
            seen.add((min(ga, gb), max(ga, gb)))
            found.append((ga, gb, a, b, conflict))
        ab = np.array([f[2:4] for f in found[first:]], np.int64).reshape(-1, 2)
        evidence += explain(r, ab[:, 0], ab[:, 1], across_years=p.across_years)
    for (ga, gb, a, b, conflict), ev in zip(found, evidence, strict=True):
        name = CONFLICT_NAMES[conflict]
        ca, cb = rebuild(claims[a]), rebuild(claims[b])  # a stored cluster's claims were not merged above
        out.proposals.append((ga, gb, name, [ca["id"], cb["id"]], [_value(ca, name), _value(cb, name)]))
        out.evidence[(ga, gb)] = ev
    return out


def _value(c: dict[str, Any], name: str) -> Any:
    """What a claim says of the field a proposal is about: the people it names for "who"."""
    if name == "who":
        return sorted(set(persons(c.get("quote") or "").values()))
    return c.get(name)


def _incidents_where(s: Session, ids: set[str], cond: Any) -> set[str]:
    """Those of these stored incidents that meet `cond` (read 5,000 ids at a time)."""
    wanted, out = sorted(ids), set()
    for i in range(0, len(wanted), 5000):
        out |= set(s.scalars(select(Incident.id).where(Incident.id.in_(wanted[i:i + 5000]), cond)))
    return out


# --- partitions of a full run, planned in worker processes --------------------------------------------------

PARALLEL_FROM = 50_000  # claims: below this a full run takes seconds, and starting workers is most of it
Partition = tuple[str, tuple[str | None, ...]]  # ("acts", acts of one family) or ("indicator", (indicator,))


def partition_clause(p: Partition) -> Any:
    """The SQL condition of a partition: claims that can only ever share an incident with each other."""
    kind, values = p
    if kind == "acts":
        return and_(Claim.kind != "statistic", or_(*[Claim.act == a if a else Claim.act.is_(None) for a in values]))
    return and_(Claim.kind == "statistic", Claim.indicator == values[0] if values[0] else Claim.indicator.is_(None))


_WORKER: dict[str, Any] = {}


def _start_worker(url: str, sources: tuple[list[str], list[str], list[str | None]]) -> None:
    from nkwatch.store.db import open_store

    ids, grades, groups = sources
    _WORKER.update(store=open_store(url, migrate_schema=False),
                   sources={i: SourceInfo(i, r, g or i) for i, r, g in zip(ids, grades, groups, strict=True)})


def _columns(sources: dict[str, SourceInfo]) -> tuple[list[str], list[str], list[str | None]]:
    """The sources as three lists (a group that is the source itself as None): what each worker is sent,
    pickled several times faster than a dict of objects."""
    values = sources.values()
    return ([x.id for x in values], [x.reliability for x in values],
            [x.group if x.group != x.id else None for x in values])  # fmt: skip


def plan_partition(s: Session, p: Partition, sources: dict[str, SourceInfo]) -> tuple[Plan, int]:
    """Read one partition's claims and plan them as a full run does; also says how many claims it read."""
    claims = claim_rows(s, partition_clause(p))
    return plan(s, claims, {c["id"] for c in claims}, full=True, sources=sources), len(claims)


def plan_in_worker(p: Partition) -> tuple[Plan, int]:
    """plan_partition in a worker, from the last committed state (the run's own writes are to other
    partitions)."""
    with _WORKER["store"].session() as s:
        return plan_partition(s, p, _WORKER["sources"])


def workers_for(store: Store, n_claims: int) -> int:
    """Worker processes for a full run: up to 2 (the main process writes meanwhile) when the store is big
    enough to pay for starting them (a second or two each); none for an in-memory SQLite database, which
    another process cannot see. NKWATCH_LINK_WORKERS overrides."""
    if os.environ.get("NKWATCH_LINK_WORKERS"):
        return max(0, int(os.environ["NKWATCH_LINK_WORKERS"]))
    if store.dialect == "sqlite" and store.engine.url.database in (None, "", ":memory:"):
        return 0
    return min(2, os.cpu_count() or 1) if n_claims >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 else 0


def planned(parts: list[Partition], url: str, sources: dict[str, SourceInfo],
            workers: int) -> Iterator[tuple[Plan, int]]:  # fmt: skip
    """The plans of `parts`, in their order, computed by `workers` processes ahead of the caller."""
    # spawn, not fork: the parent holds an open transaction and its connections must not be shared.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_start_worker,
                             initargs=(url, _columns(sources))) as pool:  # fmt: skip
        futures: list[Future] = [pool.submit(plan_in_worker, p) for p in parts]
        for f in futures:
            yield f.result()
