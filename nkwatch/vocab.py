"""The controlled vocabularies of the claim model (spec/claims.md), loaded from data/vocab.toml.

Everything that validates or displays an act, a ground, an institution, a victim group or an indicator
asks this module, so a vocabulary change is one edit to one data file.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def vocab() -> dict[str, Any]:
    with resources.files("nkwatch").joinpath("data/vocab.toml").open("rb") as f:
        return tomllib.load(f)


def terms(name: str) -> list[str]:
    """The allowed values of one vocabulary, e.g. terms("acts") or terms("source_kinds")."""
    v = vocab()[name]
    return list(v) if isinstance(v, dict) else list(v)


def category_of(act: str | None) -> str | None:
    """The UN Commission of Inquiry category an act falls under."""
    return vocab()["acts"].get(act) if act else None


def check(name: str, value: str | None, *, field: str | None = None) -> str | None:
    """Return `value` if it is in vocabulary `name` (None passes); raise ValueError with the choices otherwise."""
    if value is None:
        return None
    allowed = terms(name)
    if value not in allowed:
        raise ValueError(f"{field or name}: {value!r} is not one of {', '.join(allowed)}")
    return value
