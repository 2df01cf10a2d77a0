"""Consent in the web app's public mode, and the audience of an export as a user types it.

Exports are gated by nkwatch.vault.guard (inside nkwatch.export's writers). The public mode of the web app
shows published incidents as pages, not as an export, so it asks here instead: an incident holding a claim
from a testimony whose witness's *current* consent does not cover "public" is left out of every public list,
count, chart and page, read on each request, so a withdrawal after publication applies at once. As in the
guard, such an incident is withheld whole: its stored place, date and counts may come from those claims.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from nkwatch.store.models import Claim, Incident
from nkwatch.vault.errors import ConsentError
from nkwatch.vault.records import blocked_sources

PUBLIC, INTERNAL = "public", "internal"
_BODY = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._\-]{0,63}")

__all__ = ["INTERNAL", "PUBLIC", "audience", "blocked_sources", "incident_clause", "incident_withheld"]


def audience(value: str | None) -> str:
    """A checked audience: "public" (the default), "internal", or the name of a body such as "OHCHR"."""
    v = (value or PUBLIC).strip()
    if v.casefold() in (PUBLIC, INTERNAL):
        return v.casefold()
    if not _BODY.fullmatch(v):
        raise ConsentError("the audience is 'public', 'internal' or the name of a body (letters, digits, "
                           "spaces, '.', '_' or '-', up to 64 characters), e.g. OHCHR")  # fmt: skip
    return v


def incident_clause(blocked: Collection[str]) -> ColumnElement[bool] | None:
    """A WHERE clause leaving out incidents with a claim from a blocked source, or None when none is blocked."""
    if not blocked:
        return None
    return Incident.id.not_in(select(Claim.incident_id).where(Claim.source_id.in_(list(blocked)),
                                                              Claim.incident_id.is_not(None)))  # fmt: skip


def incident_withheld(s: Session, incident_id: str, blocked: Collection[str]) -> bool:
    """Whether the incident has a claim from a blocked source."""
    if not blocked:
        return False
    return s.scalar(select(Claim.id).where(Claim.incident_id == incident_id,
                                           Claim.source_id.in_(list(blocked))).limit(1)) is not None  # fmt: skip
