"""Reading pages: overview, incidents, incident (and its printable report), claims, sources, search."""

from __future__ import annotations

import math
from dataclasses import fields
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse
from markupsafe import Markup
from sqlalchemy import select

from nkwatch import vocab
from nkwatch.ingest.originals import original_path
from nkwatch.link.query import IncidentFilter, get_incident, incident_detail_and_sources, list_incidents, sequel_links
from nkwatch.review.audit import entries, head
from nkwatch.store.models import Claim, Incident
from nkwatch.store.queries import count_claims, get_claim, get_source, list_sources, page_claims
from nkwatch.store.search import search
from nkwatch.web import charts, present
from nkwatch.web.decide import withdrawn_notice
from nkwatch.web.highlight import Span, highlight
from nkwatch.web.overview import overview
from nkwatch.web.params import BadParameter, Paging, claim_filter, incident_filter, incident_paging, paging
from nkwatch.web.render import page
from nkwatch.web.security import Forbidden, Principal, require
from nkwatch.web.state import WebState, web_state

router = APIRouter()
READ = Depends(require("read"))
READ_PUBLIC = Depends(require("read", public=True))


def pages_for(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request, p: Principal = READ_PUBLIC) -> HTMLResponse:
    with web_state(request).store.session() as s:
        ov = overview(s, published_only=p.public)
    labels = {k: v for k, v in vocab.vocab()["categories"].items()}
    timeline = charts.stacked_years(
        ov.by_year, lambda y, c: f"/incidents?category={c}&year_from={y}&year_to={y}&sort=date", labels)
    place_map = charts.place_map(ov.by_place, lambda pid: f"/incidents?place={pid}")
    unplaced = sorted(((pid, n) for pid, n in ov.by_place.items() if charts.map_position(pid) is None),
                      key=lambda kv: -kv[1])  # fmt: skip
    indicators = []
    for name in sorted(ov.indicators, key=lambda k: -len(ov.indicators[k])):
        pts = [charts.Point(d["year"], d["low"], d["high"], f"/incidents/{d['incident_id']}",
                            f"{d['year']}: {present.count_text(d['low'], d['high'])} "
                            f"({d['n_sources']} source{'s' if d['n_sources'] != 1 else ''}; dated by {d['dated_by']})")
               for d in ov.indicators[name]]  # fmt: skip
        indicators.append((name, charts.indicator_chart(present.label(name), pts), len(pts)))
    return page(request, "overview.html", ov=ov, timeline=timeline, place_map=place_map, unplaced=unplaced,
                indicators=indicators, categories=labels, colours=charts.CATEGORY_COLOURS)  # fmt: skip


# The incident list and page are short reads (a few ms, most of it Python): they run on the event loop, not in
# the thread pool. A thread would hold the interpreter lock while the loop waits for it to read the next
# request, and the two hand it back and forth; at 20 concurrent clients that halved the pages served.
@router.get("/incidents", response_class=HTMLResponse)
async def incidents_page(request: Request, p: Principal = READ_PUBLIC) -> HTMLResponse:
    flt, pg = incident_filter(request, p), incident_paging(request)
    items, total = incident_list(request, flt, pg)
    st = web_state(request)  # the rows' HTML too, rendered once per page of results and mode
    rows_html = st.cache.get(("incident-rows", _list_key(flt, pg), p.public), lambda: Markup(
        st.templates.get_template("_incident_rows.html").render(rows=items, public=p.public)))
    return page(request, "incidents.html", rows=items, rows_html=rows_html, total=total, flt=flt, pg=pg,
                pages=pages_for(total, pg.per_page), places=_places())  # fmt: skip


def incident_list(request: Request, flt: IncidentFilter, pg: Paging) -> tuple[tuple[dict[str, Any], ...], int]:
    """One page of the incidents list (rows as present.incident_row makes them) and how many match in all; the
    page and the API share it through the read cache, so a list many people open is read once per change."""
    st = web_state(request)
    key = ("incidents", _list_key(flt, pg))

    def compute() -> tuple[tuple[dict[str, Any], ...], int]:
        with st.store.session() as s:
            rows, total = list_incidents(s, flt, limit=pg.per_page, offset=pg.offset, sort=pg.sort, light=True)
            return tuple(present.incident_row(i) for i in rows), total

    return st.cache.get(key, compute)


def _list_key(flt: IncidentFilter, pg: Paging) -> tuple:
    # `where` is public mode's consent condition: the same for every public visitor until the store changes
    return (*((f.name, getattr(flt, f.name)) for f in fields(flt) if f.name != "where"), flt.where is not None,
            pg.per_page, pg.offset, pg.sort)  # fmt: skip


@lru_cache(maxsize=1)
def _places() -> tuple[tuple[str, str], ...]:
    from nkwatch.extract.gazetteer import gazetteer

    g = gazetteer()
    order = {"country": 0, "border": 1, "province": 2, "city": 3, "county": 4, "facility": 5, "point": 6}
    return tuple((p.id, p.name) for p in sorted(g.places.values(), key=lambda p: (order.get(p.precision, 9), p.name)))


def _visible_incident(s: Any, p: Principal, ident: str) -> Incident:
    inc = get_incident(s, ident)
    if p.public and (inc.status != "publishable" or _withheld(s, inc.id)):
        raise LookupError(f"no incident with id {ident!r}")  # not "forbidden": its existence is not public
    return inc


def _withheld(s: Any, incident_id: str) -> bool:
    """Whether a public visitor must not see this incident: an export to the public would withhold its
    testimony (no consent, or fewer than k witnesses share its facts; nkwatch.vault.policy)."""
    from nkwatch.vault.policy import PUBLIC, withheld_incidents

    return incident_id in withheld_incidents(s, PUBLIC)


CLAIMS_SHOWN = 40  # claims an incident page shows with their context before "show all"


def _incident_context(request: Request, p: Principal, ident: str, *, all_claims: bool = True) -> dict[str, Any]:
    """What the incident page and its printable report show. It depends on the principal only through public
    mode (quotes without context, no history, links only to public incidents), so it is kept in the read
    cache per incident and mode; what depends on the role (review forms) is decided by the template."""
    st = web_state(request)
    return st.cache.get(("incident-page", ident, p.public, all_claims),
                        lambda: _incident_context_read(st, p, ident, all_claims))


def _incident_context_read(st: WebState, p: Principal, ident: str, all_claims: bool) -> dict[str, Any]:
    with st.store.session() as s:
        inc = _visible_incident(s, p, ident)
        detail, read = incident_detail_and_sources(s, inc)
        d, srcs = present.incident_out(p, detail, s), {x.id: x for x in read}
        claims = []
        for c in d["claims"] if all_claims else d["claims"][:CLAIMS_SHOWN]:
            src = srcs[c["source_id"]]
            before, quote, after = present.quote_in_context(src.text, c["span"]["start"], c["span"]["end"])
            if p.public or not quote:  # public: the quote alone, never the text around it
                before, quote, after = "", c["quote"], ""
            claims.append(dict(c, title=present.label(c["act"] or c["indicator"]), before=before, quote=quote,
                               after=after, page=src.page_of(c["span"]["start"]),
                               source_title=src.title or src.id[:12]))  # fmt: skip
        on_page = {c["id"] for c in claims}
        timeline = sorted(
            [((c["when"] or {}).get("start"), "happened",
              _said(present.label(c["act"] or c["indicator"]), (c["when"] or {}).get("text")),
              ("" if c["id"] in on_page else "?claims=all") + f"#claim-{c['id']}")
             for c in d["claims"] if (c["when"] or {}).get("start")]
            + [(x["published_at"], "reported", x["title"] or x["id"][:12], f"#src-{x['id']}") for x in d["sources"]
               if x["published_at"]], key=lambda t: (t[0] or "", t[1]))  # fmt: skip
        proposals = [dict(pr, exists=s.get(Incident, pr["other"]) is not None) for pr in d["proposals"]]
        history = [] if p.public else entries(s, target_id=inc.id, limit=20)
        audit_head = st.cache.get(("audit-head",), lambda: head(s))  # one per change of the store
        sources = [dict(x, url=srcs[x["id"]].url, filename=srcs[x["id"]].filename, kind=srcs[x["id"]].kind)
                   for x in d["sources"]]  # fmt: skip
        row = present.incident_row(inc)
        def shown(x: dict[str, Any] | None) -> bool:  # a public visitor follows links only to public incidents
            return bool(x) and (not p.public or (x["status"] == "publishable" and not _withheld(s, x["id"])))

        sequel_of, sequels = sequel_links(s, inc)
        sequel_of, sequels = (sequel_of if shown(sequel_of) else None), [x for x in sequels if shown(x)]
    return dict(inc=row, d=d, claims=claims, on_page=on_page, timeline=timeline, proposals=proposals, sources=sources,
                history=history, small_map=_small_map(row["place_id"]), audit_head=audit_head, sequel_of=sequel_of,
                sequels=sequels)  # fmt: skip


@lru_cache(maxsize=1024)
def _small_map(place_id: str | None) -> Markup | None:
    """The incident page's map: the same for every incident at one place, so drawn once per place."""
    pos = charts.map_position(place_id)
    if not pos:
        return None
    return charts.place_map({place_id: 1}, lambda pid: f"/incidents?place={pid}", highlight=pos[0], labels=1)


def _said(title: str, text: str | None) -> str:
    return f"{title}: “{text}”" if text else title


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_page(request: Request, incident_id: str, p: Principal = READ_PUBLIC) -> HTMLResponse:
    every = request.query_params.get("claims") == "all"
    if gone := withdrawn_notice(request, p, incident_id):  # public: a withdrawn incident says so, and when
        return gone
    return page(request, "incident.html", **_incident_context(request, p, incident_id, all_claims=every))


@router.get("/incidents/{incident_id}/report", response_class=HTMLResponse)
def incident_report(request: Request, incident_id: str, p: Principal = READ_PUBLIC) -> HTMLResponse:
    """The printable report, made for a submission: like an export it is for an audience (`audience=OHCHR`,
    public by default), and an incident holding testimony whose witness's consent does not cover that
    audience is refused whole, as nkwatch.vault.guard withholds it from exports."""
    from datetime import UTC, datetime

    from nkwatch.vault import ConsentError
    from nkwatch.vault.policy import audience, withheld_reason

    try:
        who = audience(request.query_params.get("audience"))
    except ConsentError as e:
        raise BadParameter(str(e)) from None
    with web_state(request).store.session() as s:
        inc = get_incident(s, incident_id)
        if reason := withheld_reason(s, inc.id, who):
            if p.public:
                raise LookupError(f"no incident with id {incident_id!r}")
            why = {"consent": f"its witness has not consented to sharing it with {who} (consent is recorded in "
                              f"the witness vault)",
                   "disclosure": "fewer than k witnesses share what it shows, so it could identify one (an export "
                                 f"to {who} withholds it too)"}[reason]  # fmt: skip
            raise Forbidden(f"This incident holds testimony that cannot go to {who}: {why}. No report can be made "
                            f"for {who}.")
    return page(request, "report.html", generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                **_incident_context(request, p, incident_id))  # fmt: skip


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request, p: Principal = READ) -> HTMLResponse:
    flt = claim_filter(request)
    flt.text = request.query_params.get("q") or None
    pg = paging(request, None, "source")
    with web_state(request).store.session() as s:
        rows = [present.claim_out(p, c) for c in page_claims(s, flt, limit=pg.per_page, offset=pg.offset)]
        total = count_claims(s, flt)
    return page(request, "claims.html", rows=rows, total=total, flt=flt, pg=pg, pages=pages_for(total, pg.per_page))


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(request: Request, claim_id: str, p: Principal = READ) -> HTMLResponse:
    with web_state(request).store.session() as s:
        c = get_claim(s, claim_id)
        src = c.source
        before, quote, after = present.quote_in_context(src.text, c.span_start, c.span_end, 600)
        history = [(h.at, h.status, h.actor, h.note) for h in c.history]
        ctx = dict(c=present.claim_out(p, c), src=present.source_out(p, src), before=before, quote=quote,
                   after=after, history=history, evidence=c.evidence, created_at=c.created_at,
                   extractor=c.extractor_version, page_no=src.page_of(c.span_start))  # fmt: skip
    return page(request, "claim.html", **ctx)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, p: Principal = READ) -> HTMLResponse:
    kind = request.query_params.get("kind") or None
    with web_state(request).store.session() as s:
        rows = [(present.source_out(p, src), n) for src, n in list_sources(s, kind=kind, limit=500)]
    return page(request, "sources.html", rows=rows, kind=kind)


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source_page(request: Request, source_id: str, p: Principal = READ) -> HTMLResponse:
    with web_state(request).store.session() as s:
        src = get_source(s, source_id)
        claims = list(s.scalars(select(Claim).where(Claim.source_id == src.id).order_by(Claim.span_start, Claim.id)))
        marked = highlight(src.text, [Span(c.id, c.span_start, c.span_end, c.status) for c in claims])
        ctx = dict(src=present.source_out(p, src), text=marked, claims=[present.claim_out(p, c) for c in claims],
                   has_original=original_path(web_state(request).originals, src.id).exists())  # fmt: skip
    return page(request, "source.html", **ctx)


@router.get("/sources/{source_id}/original")
def source_original(request: Request, source_id: str, p: Principal = READ) -> FileResponse:
    with web_state(request).store.session() as s:
        src = get_source(s, source_id)
        name, digest = src.filename or src.id, src.id
    path = original_path(web_state(request).originals, digest)
    if not path.exists():
        raise LookupError("the original file of this source is not in this server's originals folder")
    # Always a download, never shown inline: an original HTML file must not run in this site's origin.
    return FileResponse(path, media_type="application/octet-stream", filename=name,
                        headers={"X-Content-SHA256": digest, "Content-Security-Policy": "sandbox"})  # fmt: skip


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, p: Principal = READ) -> HTMLResponse:
    q = (request.query_params.get("q") or "").strip()
    with web_state(request).store.session() as s:
        hits = search(s, q, limit=50) if q else []
        claim_ids = [h.id for h in hits if h.kind == "claim"]
        incident_of = {cid: iid for cid, iid in s.execute(
            select(Claim.id, Claim.incident_id).where(Claim.id.in_(claim_ids)))} if claim_ids else {}  # fmt: skip
    return page(request, "search.html", q=q, hits=hits, incident_of=incident_of)
