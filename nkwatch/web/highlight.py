"""A source's text as HTML with every claim's span marked, built from the claims' character offsets.

Every piece of the source text is escaped before it is joined with markup, so text that looks like HTML
(`<script>`, `<img onerror=...>`) is shown as the characters it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    claim_id: str
    start: int
    end: int
    status: str  # machine | reviewed | rejected: the mark's colour says it


def highlight(text: str, spans: Iterable[Span]) -> Markup:
    """`text` split at every span boundary; each piece inside one or more spans becomes a <mark> naming them.

    Overlapping claims (one sentence, several acts) share marks; the first span starting at a position gets
    the anchor `c-<id>` that links from the claim list jump to.
    """
    spans = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    anchors = {}
    for s in sorted(spans, key=lambda s: (s.start, s.claim_id)):
        anchors.setdefault(s.start, []).append(s.claim_id)
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        for cid in anchors.get(a, []):
            out.append(f'<span class="anchor" id="c-{escape(cid)}"></span>')
        piece = escape(text[a:b])
        inside = [s for s in spans if s.start <= a and b <= s.end]
        if not inside:
            out.append(str(piece))
            continue
        ids = " ".join(escape(s.claim_id) for s in inside)
        status = "rejected" if all(s.status == "rejected" for s in inside) else (
            "reviewed" if any(s.status == "reviewed" for s in inside) else "machine")
        out.append(f'<mark class="claim {status}" data-claims="{ids}">{piece}</mark>')
    return Markup("".join(out))
