"""Plain text: decoded and given \\n newlines, otherwise kept exactly as written (no reflow).

Claim offsets point into this text, and people check claims against the original file, so the text is not
rewrapped or trimmed: a line here is a line there.
"""

from __future__ import annotations

from nkwatch.ingest.readers._base import Document, decode_text, normalise_newlines, require_text
from nkwatch.ingest.readers._budget import DEFAULT_BUDGET, Budget, check


def read_text(data: bytes, budget: Budget = DEFAULT_BUDGET) -> Document:
    text = decode_text(data)
    check(budget, "chars", len(text))
    return require_text(Document(text=normalise_newlines(text), format="text"))
