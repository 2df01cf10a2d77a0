"""The gate on every export: testimony material goes out only as consent and the disclosure check allow.

`nkwatch.export.write_claims` and `write_incidents` pass what they write through `claims_for` and
`incident_rows_for`, with the audience they are given ("public" unless the caller says otherwise), so an
export path that knows nothing about the vault (the CLI, the web's /export and /api routes) is still safe:

- material from a witness whose *current* consent does not cover the audience is left out (consent is read
  at each export, so a withdrawal applies to the next one);
- for anyone outside the organisation (any audience but "internal"), a testimony claim goes out only when
  at least k witnesses share its event, place and date (its quote cannot be generalised), and an incident
  told by testimony goes out as it is, generalised (place → province → region → country, date → year →
  period → decade), or not at all (nkwatch.vault.disclosure);
- an incident that holds a withheld testimony's claims is withheld whole, since its merged place, date and
  counts may come from those claims.

The checks read clear tables only (pseudonyms, consent, claims): no key is needed, a locked vault exports
safely. Without any testimony in the store they cost one query per export.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy.orm import Session, object_session

from nkwatch.store.db import active_session
from nkwatch.store.models import Claim
from nkwatch.vault import disclosure
from nkwatch.vault.records import blocked_sources

INTERNAL = "internal"


def claims_for(claims: Iterable[Claim], audience: str = "public", *, k: int = disclosure.K_DEFAULT,
               report: dict[str, int] | None = None) -> Iterator[Claim]:  # fmt: skip
    """`claims` without the testimony claims `audience` may not have (streamed)."""
    report = report if report is not None else {}
    ready = False
    by_source: dict[str, str] = {}
    blocked: set[str] = set()
    people: list[disclosure.Person] = []
    decided: dict[disclosure.Shown, bool] = {}
    for c in claims:
        if not ready:  # set up on the first claim, from its own session
            s = object_session(c) or active_session()
            if s is not None:
                by_source = disclosure.testimony_witnesses(s)
                if by_source:
                    blocked = blocked_sources(s, audience)
                    people = disclosure.population(s) if audience != INTERNAL else []
            ready = True
        if c.source_id in by_source:
            if c.source_id in blocked:
                report["withheld_consent"] = report.get("withheld_consent", 0) + 1
                continue
            if audience != INTERNAL:
                shown = disclosure.Shown(c.act or c.indicator, c.place_id, (c.when or {}).get("start"))
                if shown not in decided:  # many claims share a combination: count each once
                    decided[shown] = disclosure.check(shown, people, k=k, generalise=False).ok
                if not decided[shown]:
                    report["withheld_disclosure"] = report.get("withheld_disclosure", 0) + 1
                    continue
        yield c


def incident_rows_for(rows: Iterable[dict[str, Any]], audience: str = "public", *, session: Session | None = None,
                      k: int = disclosure.K_DEFAULT,
                      report: dict[str, int] | None = None) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Export lines of incidents (nkwatch.link.query.incident_export) as `audience` may have them."""
    s = session or active_session()
    if s is None:  # no store to ask: rows from outside a store session carry no testimony nkwatch wrote
        yield from rows
        return
    by_source = disclosure.testimony_witnesses(s)
    if not by_source:
        yield from rows
        return
    report = report if report is not None else {}
    blocked = blocked_sources(s, audience)

    def consented() -> Iterator[dict[str, Any]]:
        for row in rows:
            if set(row.get("sources") or ()) & blocked:
                report["withheld_consent"] = report.get("withheld_consent", 0) + 1
                continue
            yield row

    if audience == INTERNAL:
        yield from consented()
        return
    yield from disclosure.guard_incident_rows(s, consented(), k=k, report=report)
