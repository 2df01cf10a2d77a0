"""Ids as people type them: a whole id or its first characters, for every command and page that takes one.

Claims, sources and incidents are named by long ids (24 or 64 hex digits, `inc-` and 12 hex digits). Everywhere
one is asked for, an unambiguous prefix of at least MIN_PREFIX characters will do, and an incident's `inc-` may
be left off (`8be50c` finds `inc-8be50c...`). One function, `full_id`, answers for all of them, so a prefix that
works in one command works in every other and on the web; `resolve` returns the row itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

MIN_PREFIX = 4
SHOWN = 3  # ids listed in the message for an ambiguous prefix

# table name -> (a noun, its plural, the tag every id of that kind starts with)
KINDS: dict[str, tuple[str, str, str]] = {
    "claims": ("claim", "claims", ""),
    "sources": ("source", "sources", ""),
    "incidents": ("incident", "incidents", "inc-"),
}


class NotFound(LookupError):
    """No row has this id or an id starting with it (or the prefix is too short to look for)."""


class Ambiguous(NotFound):
    """A prefix shared by several ids; the message lists some and asks for more characters."""


def full_id(session: Session, column: Any, ident: str, *, noun: str, plural: str, tag: str = "") -> str:
    """The one id in `column` that is `ident` or starts with it (or with `tag` + ident).

    Raises NotFound (no such id, or fewer than MIN_PREFIX characters) or Ambiguous (several ids start so), each
    with a message for a person."""
    raw = (ident or "").strip()
    key = raw.lower()
    bare = key[len(tag):] if tag and key.startswith(tag) else key
    if len(bare) < MIN_PREFIX:
        raise NotFound(f"{noun} id {raw!r} is too short: give at least {MIN_PREFIX} characters")
    for whole in dict.fromkeys((raw, key)):  # a whole id (links, the API): found by its index, no prefix search
        if session.scalar(select(column).where(column == whole).limit(1)) is not None:
            return whole
    starts = [column.startswith(key, autoescape=True)]
    if tag and not key.startswith(tag):
        starts.append(column.startswith(tag + key, autoescape=True))
    where = or_(*starts)
    found = list(session.scalars(select(column).where(where).distinct().order_by(column).limit(SHOWN + 1)))
    if not found:
        raise NotFound(f"no {noun} with id {raw!r} (or an id starting with it)")
    if len(found) > 1:
        n = len(found) if len(found) <= SHOWN else session.scalar(select(func.count(func.distinct(column)))
                                                                   .where(where))  # fmt: skip
        shown = ", ".join(found[:SHOWN]) + (", ..." if n > SHOWN else "")
        raise Ambiguous(f"{raw} matches {n} {plural}: {shown}; give more characters")
    return found[0]


def resolve(session: Session, model: Any, ident: str) -> Any:
    """The claim, source or incident (any model in KINDS) whose id is `ident` or starts with it."""
    noun, plural, tag = KINDS[model.__tablename__]
    return session.get(model, full_id(session, model.id, ident, noun=noun, plural=plural, tag=tag))
