"""Extract: turn a source text into claims (spec/claims.md) with a deterministic, explainable coder.

`extract_claims` is a pure function of the text and its publication date: the same dictionaries give the
same claims with the same ids, which is what lets `extract --all` re-run without duplicating anything.
"""

from __future__ import annotations

import hashlib

from nkwatch.extract.coder import EXTRACTOR_VERSION, TooManyClaims, extract_claims

__all__ = ["EXTRACTOR_VERSION", "TooManyClaims", "claim_id", "extract_claims"]


def claim_id(source_id: str, start: int, end: int, kind: str, label: str | None) -> str:
    """A stable id: the same assertion in the same source always gets the same id."""
    key = f"{source_id}:{start}:{end}:{kind}:{label or ''}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]
