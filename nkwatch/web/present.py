"""How claims, sources and incidents are shown: the one place that turns stored rows into what a page or the
API gives out.

Pages and /api both go through these functions, so a rule about what a viewer may see (e.g. the witness
vault's redaction of identifying details, or public mode showing only published incidents) is written once
here: `claim_out`, `source_out` and `incident_out` take the principal for that reason.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from nkwatch import vocab
from nkwatch.extract.gazetteer import gazetteer
from nkwatch.store.models import Claim, Incident, Source
from nkwatch.web.security import Principal

CONTEXT_CHARS = 280
LABELS = {"crypto_theft_usd": "Crypto theft (US$)", "food_insecure": "Food insecurity", "mss": "State security (MSS)",
          "mosc": "Police (MoSS)", "kpa_border_guard": "Border guards", "prc_authorities": "Chinese authorities",
          "dprk_state": "North Korean state", "un_report": "UN report", "ngo_report": "NGO report"}  # fmt: skip


def label(value: str | None) -> str:
    """A vocabulary id as words: forced_repatriation -> Forced repatriation."""
    if not value:
        return ""
    if value in LABELS:
        return LABELS[value]
    v = vocab.vocab()
    for table in ("categories", "institutions"):
        if value in v[table]:
            return v[table][value]
    return value.replace("_", " ").capitalize()


def place_name(place_id: str | None) -> str:
    if not place_id:
        return ""
    p = gazetteer().get(place_id)
    return p.name if p else place_id


def count_text(lo: float | None, hi: float | None) -> str:
    if lo is None and hi is None:
        return ""
    lo_s = f"{lo:,.0f}" if lo is not None else "?"
    hi_s = f"{hi:,.0f}" if hi is not None else "?"
    return lo_s if lo_s == hi_s else f"{lo_s}–{hi_s}"


def when_text(start: str | None, end: str | None = None) -> str:
    if not start:
        return ""
    return start if not end or end == start else f"{start} – {end}"


def incident_title(inc: Incident | dict[str, Any]) -> str:
    get = inc.get if isinstance(inc, dict) else lambda k: getattr(inc, k)
    what = label(get("act") or get("indicator")) or "Incident"
    kind = get("kind")
    return what + (" (practice)" if kind == "pattern" else " (figure)" if kind == "statistic" else "")


def incident_row(inc: Incident) -> dict[str, Any]:
    """One line of the incidents list (page and API)."""
    stat = inc.kind == "statistic"
    return {
        "id": inc.id, "title": incident_title(inc), "kind": inc.kind, "act": inc.act, "indicator": inc.indicator,
        "category": inc.category, "when": when_text(inc.when_start, inc.when_end), "when_start": inc.when_start,
        "year": inc.year, "place_id": inc.place_id, "place": place_name(inc.place_id),
        "perpetrator_id": inc.perpetrator_id, "perpetrator": label(inc.perpetrator_id),
        "victim_group": inc.victim_group,
        "count": count_text(inc.value_min, inc.value_max) if stat else count_text(inc.count_min, inc.count_max),
        "n_claims": inc.n_claims, "n_sources": inc.n_sources, "n_independent": inc.n_independent,
        "confidence": inc.confidence, "status": inc.status,
    }  # fmt: skip


def source_out(p: Principal, src: Source, *, with_text: bool = False) -> dict[str, Any]:
    out = {
        "id": src.id, "kind": src.kind, "title": src.title, "publisher": src.publisher, "url": src.url,
        "published_at": src.published_at, "captured_at": src.captured_at.isoformat() if src.captured_at else None,
        "language": src.language, "reliability": src.reliability, "filename": src.filename, "format": src.format,
        "size_bytes": src.size_bytes, "derived_from": src.derived_from, "derivation": src.derivation,
    }  # fmt: skip
    if with_text and not p.public:  # public visitors see quotes of published incidents, never whole texts
        out["text"] = src.text
    return out


def claim_out(p: Principal, c: Claim) -> dict[str, Any]:
    """A claim as the spec writes it (the export line), plus what pages show beside it."""
    from nkwatch.export import claim_json

    d = claim_json(c)
    d["rule"] = c.rule
    d["title"] = label(c.act or c.indicator)
    return d


def quote_in_context(text: str, start: int, end: int, n: int = CONTEXT_CHARS) -> tuple[str, str, str]:
    """The text before the quote, the quote, and the text after it, cut at word boundaries."""
    a, b = max(0, start - n), min(len(text), end + n)
    before, after = text[a:start], text[end:b]
    if a > 0 and " " in before:
        before = "…" + before[before.index(" ") + 1:]
    if b < len(text) and " " in after:
        after = after[:after.rindex(" ")] + "…"
    return before, text[start:end], after


def incident_out(p: Principal, detail: dict[str, Any], s: Session) -> dict[str, Any]:
    """An incident as `nkwatch.link.query.incident_detail` gives it, cut to what `p` may see. A public visitor
    gets no proposals, and only the testimony claims (and their sources) that an export to the public would
    carry: the same check, at read time (nkwatch.vault.policy.visible_claims)."""
    if p.public:
        from nkwatch.vault.policy import PUBLIC, visible_claims

        claims = visible_claims(s, detail["claims"], PUBLIC)
        kept = {c["source_id"] for c in claims}
        detail = dict(detail, proposals=[], claims=claims, sources=[x for x in detail["sources"] if x["id"] in kept])
    return detail


def marked(snippet: str) -> Markup:
    """A search snippet (matches inside [ ]) as HTML: every piece escaped, matches in <mark>."""
    parts = re.split(r"\[([^\]]*)\]", snippet)
    return Markup("".join(f"<mark>{escape(p)}</mark>" if i % 2 else str(escape(p)) for i, p in enumerate(parts)))


def http_url(url: str | None) -> bool:
    """Only web addresses become links: a `javascript:` or `data:` URL in a document's metadata stays text."""
    return bool(url) and url.lower().startswith(("http://", "https://"))  # type: ignore[union-attr]
