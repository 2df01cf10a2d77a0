"""A full link planned by worker processes (nkwatch.link.plan) writes exactly what one process writes: the
same incidents with the same ids, members, merged fields and confidence, and the same proposals."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import select

from nkwatch.link.run import link
from nkwatch.store.models import Claim, DuplicateProposal, Incident

from .factory import publish_checked

ROOT = Path(__file__).resolve().parents[1]


def generate(url: str, n: int, *, seed: int = 5, new: bool = False) -> None:
    """bench/link.py's generator: realistic acts, dates, places and counts, 1-6 sources per occurrence."""
    spec = importlib.util.spec_from_file_location("bench_link", ROOT / "bench" / "link.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    mod.generate(url, n, seed=seed, new=new)


def _snapshot(store) -> tuple:  # noqa: ANN001
    with store.session() as s:
        claims = sorted(s.execute(select(Claim.id, Claim.incident_id)).all())
        incidents = sorted((i.id, i.kind, i.act, i.indicator, i.when_start, i.place_id, i.count_min, i.count_max,
                            i.value_min, i.value_max, i.n_claims, i.n_sources, i.n_independent,
                            round(i.confidence, 9), i.status, i.sequel_of, str(sorted((i.fields or {}).items())))
                           for i in s.scalars(select(Incident)))  # fmt: skip
        proposals = sorted(s.execute(select(DuplicateProposal.incident_a, DuplicateProposal.incident_b,
                                            DuplicateProposal.conflict)).all())  # fmt: skip
    return claims, incidents, proposals


def test_workers_write_what_one_process_writes(store, db_url):
    generate(db_url, 3000)
    link(store, full=True, workers=0)
    with store.session() as s:  # a person's decisions, which both kinds of run must keep
        iid = s.scalar(select(Incident.id).where(Incident.n_claims > 2).order_by(Incident.id))
        publish_checked(s, iid, actor="tester")  # confirmed and proposals settled first, as the rule asks
    link(store, full=True, workers=0)
    one = _snapshot(store)
    assert len(one[1]) > 300 and one[2]  # a real spread of incidents and some proposals
    link(store, full=True, workers=2)
    assert _snapshot(store) == one
    link(store, full=True, workers=2)  # and again: the same
    assert _snapshot(store) == one
