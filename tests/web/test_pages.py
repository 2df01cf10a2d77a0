"""Pages, exports, uploads and review through the web app, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nkwatch.ingest.originals import original_path
from nkwatch.review.audit import verify
from nkwatch.store.models import AuditEntry, Claim, Incident, Source
from nkwatch.web import create_app
from nkwatch.web.highlight import Span, highlight

from .helpers import HOSTILE, signed_in


def test_incident_list_filters_sort_and_page(app, world):
    _, _, w = world
    c, _ = signed_in(app, "viewer")
    everything = c.get("/api/incidents").json()
    assert everything["total"] == 3
    only = c.get("/api/incidents?act=execution").json()
    assert [i["id"] for i in only["items"]] == [w.unpublished] and only["items"][0]["place"] == "Hyesan"
    assert c.get("/api/incidents?place=cn").json()["total"] == 1  # places inside China count too
    assert c.get("/api/incidents?year_from=2024&year_to=2024").json()["total"] == 2
    assert c.get("/api/incidents?perpetrator=mss").json()["total"] == 1
    assert c.get("/api/incidents?status=publishable").json()["items"][0]["id"] == w.published
    assert c.get("/api/incidents?q=executed").json()["items"][0]["id"] == w.unpublished
    by_date = [i["when_start"] for i in c.get("/api/incidents?sort=-date").json()["items"]]
    assert by_date == sorted(by_date)
    paged = c.get("/api/incidents?per_page=2&page=2").json()
    assert len(paged["items"]) == 1 and paged["page"] == 2
    assert c.get("/api/incidents?sort=nonsense").status_code == 400
    page = c.get("/incidents?act=execution&sort=date").text
    assert w.unpublished in page and w.published not in page
    assert 'href="/incidents?act=execution&amp;sort=-date' in page  # sort links keep the filters: shareable


def test_exports_follow_the_filters(app, world):
    _, _, w = world
    c, _ = signed_in(app, "analyst")
    r = c.get("/export/claims?format=csv&act=execution")
    assert r.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [x["act"] for x in rows] == ["execution"] and rows[0]["quote"] == "guards executed two men in Hyesan"
    lines = [json.loads(x) for x in c.get("/export/claims?format=jsonl").text.splitlines()]
    assert len(lines) == 4 and {"id", "span", "quote", "status"} <= set(lines[0])
    incidents = c.get("/export/incidents?format=json&status=publishable").json()
    assert [i["id"] for i in incidents] == [w.published] and len(incidents[0]["sources"]) == 2
    assert c.get("/export/incidents?format=xml").status_code == 400
    assert "2" in c.get("/export?act=execution").text  # the page says how many the filters select


def test_public_mode_shows_published_incidents_only(world):
    url, originals, w = world
    app = create_app(url, originals=originals, public=True)
    c = TestClient(app, follow_redirects=False)
    listed = c.get("/api/incidents").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == w.published
    assert c.get("/api/incidents?status=machine").json()["total"] == 1  # a filter cannot widen it
    assert c.get(f"/incidents/{w.unpublished}").status_code == 404
    page = c.get(f"/incidents/{w.published}").text
    assert "forcibly repatriated 60 North Korean defectors" in page
    assert "Later, guards executed" not in page  # quotes only, never the text around them
    assert "/review" not in page and "/sources/" not in page
    for private in ("/claims", "/sources", f"/sources/{w.source}", "/review", "/upload", "/export"):
        assert c.get(private).status_code == 303, private
    overview = c.get("/").text
    assert "published incidents only" in overview and ">1</b> incidents" in overview
    app.state.nk.store.close()


def test_upload_keeps_the_original_extracts_and_links(app, world):
    _, originals, _ = world
    c, csrf = signed_in(app, "analyst")
    text = b"On 3 March 2024, state security agents publicly executed three people in Hyesan for distributing " \
           b"South Korean dramas, according to Daily NK."  # fmt: skip
    r = c.post("/api/sources", headers={"X-CSRF-Token": csrf},
               files=[("files", ("hyesan.txt", text, "text/plain")), ("files", ("empty.txt", b"", "text/plain"))],
               data={"kind": "news", "publisher": "Daily NK", "reliability": "B"})  # fmt: skip
    added, empty = r.json()["results"]
    assert added["status"] == "added" and added["claims"] >= 1 and empty["status"] == "failed"
    assert original_path(originals, added["source_id"]).read_bytes() == text
    src = c.get(f"/api/sources/{added['source_id']}").json()
    assert src["publisher"] == "Daily NK" and src["reliability"] == "B" and src["claims"]
    with app.state.nk.store.session() as s:
        assert all(s.scalars(select(Claim.incident_id).where(Claim.source_id == added["source_id"])))
    page = c.get(f"/sources/{added['source_id']}").text
    assert '<mark class="claim machine"' in page
    again = c.post("/upload", data={"csrf": csrf}, files=[("files", ("same.txt", text, "text/plain"))]).text
    assert "unchanged" in again


def test_review_merge_split_publish_through_pages(app, world):
    _, _, w = world
    c, csrf = signed_in(app, "editor")
    with app.state.nk.store.session() as s:
        torture = s.scalar(select(Incident.id).where(Incident.act == "torture"))
    r = c.post(f"/incidents/{w.unpublished}/merge", data={"csrf": csrf, "other": torture}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{w.unpublished}/merge?other={torture}"
    assert "Yes, merge" in c.get(r.headers["location"]).text  # a merge is confirmed on its own page first
    with app.state.nk.store.session() as s:
        assert s.get(Incident, torture) is not None
    r = c.post(f"/incidents/{w.unpublished}/merge", data={"csrf": csrf, "other": torture, "confirmed": "yes"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{w.unpublished}"
    with app.state.nk.store.session() as s:
        members = list(s.scalars(select(Claim.id).where(Claim.incident_id == w.unpublished)))
        assert s.get(Incident, torture) is None and len(members) == 2
    r = c.post(f"/incidents/{w.unpublished}/split", data={"csrf": csrf, "claim_ids": [w.claim]},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and "Split 1 claim" in c.get(r.headers["location"]).text
    assert c.post(f"/incidents/{w.unpublished}/split", data={"csrf": csrf, "claim_ids": ["x"]}).status_code == 400
    r = c.post(f"/incidents/{w.unpublished}/publish", data={"csrf": csrf}, follow_redirects=False)
    assert r.headers["location"] == f"/incidents/{w.unpublished}/publish"  # publishing asks for a note
    assert "1 of 1 independent source has no confirmed claim" in c.get(r.headers["location"]).text
    r = c.post(f"/incidents/{w.unpublished}/publish", data={"csrf": csrf, "note": "checked"})
    assert r.status_code == 400 and "has no confirmed claim" in r.text
    with app.state.nk.store.session() as s:
        rest = s.scalar(select(Claim.id).where(Claim.incident_id == w.unpublished))
    c.post(f"/review/claims/{rest}/confirm", data={"csrf": csrf})
    r = c.post(f"/incidents/{w.unpublished}/publish", data={"csrf": csrf, "note": "checked"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{w.unpublished}"
    row = c.post(f"/review/claims/{w.claim}/correct", headers={"HX-Request": "true", "X-CSRF-Token": csrf},
                 data={"act": "execution", "kind": "event", "when_start": "2024-05", "when_end": "",
                       "when_precision": "month", "victims_count": "3", "hedged_present": "1", "note": "date"})
    assert row.status_code == 200 and "Corrected" in row.text and row.text.lstrip().startswith("<tr")
    with app.state.nk.store.session() as s:
        claim = s.get(Claim, w.claim)
        assert claim.when["start"] == "2024-05" and claim.victims["count"] == 3 and claim.status == "reviewed"
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
        assert actions[-5:] == ["incident.merge", "incident.split", "claim.confirm", "incident.publish",
                                "claim.correct"]  # fmt: skip
        assert verify(s).ok


def test_the_correction_form_edits_figures_sentences_and_laws(app, world):
    _, _, w = world
    c, csrf = signed_in(app, "editor")
    form = c.get(f"/review/claims/{w.claim}/edit").text
    for field in ("punishment_type", "punishment_years", "law", "indicator", "value_min", "value_max", "period"):
        assert f'name="{field}"' in form
    assert "Reactionary Ideology and Culture Rejection Act" in form  # laws named, from the dictionary
    figure = {"csrf": csrf, "kind": "statistic", "indicator": "forced_repatriations", "value": "",
              "value_min": "2,000", "value_max": "3000", "unit": "people", "period": "2023",
              "punishment_type": "labour_camp", "punishment_years": "7", "law": "rirca_2020"}  # fmt: skip
    r = c.post(f"/review/claims/{w.claim}/correct", data=dict(figure, value_max="lots"))
    assert r.status_code == 400 and "value max: &#39;lots&#39; is not a number" in r.text
    r = c.post(f"/review/claims/{w.claim}/correct", data=dict(figure, law="made_up_act"))
    assert r.status_code == 400 and "is not a law the dictionary knows" in r.text
    with app.state.nk.store.session() as s:
        assert s.get(Claim, w.claim).value_max is None  # refused whole: nothing changed
    r = c.post(f"/review/claims/{w.claim}/correct", data=figure, follow_redirects=False)
    assert r.status_code == 303
    with app.state.nk.store.session() as s:
        claim = s.get(Claim, w.claim)
        assert (claim.kind, claim.indicator, claim.value_min, claim.value_max, claim.unit, claim.period) == (
            "statistic", "forced_repatriations", 2000, 3000, "people", "2023")
        assert claim.punishment == {"type": "labour_camp", "years": 7} and claim.law == "rirca_2020"
    again = c.get(f"/review/claims/{w.claim}/edit").text  # the form shows the corrected values
    assert 'name="value_min" inputmode="decimal" value="2000"' in again and 'value="rirca_2020" selected' in again


def test_source_text_is_escaped_and_highlighted(app, world):
    _, _, w = world
    c, _ = signed_in(app, "viewer")
    page = c.get(f"/sources/{w.hostile_source}").text
    assert "<script>window.__pwned" not in page and "&lt;script&gt;window.__pwned" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=" in page
    assert "Hostile &lt;b&gt;title&lt;/b&gt;" in page


def test_highlight_marks_overlapping_spans_and_escapes_each_piece():
    html = str(highlight("a <b> c & d", [Span("x", 2, 5, "machine"), Span("y", 2, 9, "reviewed")]))
    assert html == ('a <span class="anchor" id="c-x"></span><span class="anchor" id="c-y"></span>'
                    '<mark class="claim reviewed" data-claims="x y">&lt;b&gt;</mark>'
                    '<mark class="claim reviewed" data-claims="y"> c &amp;</mark> d')  # fmt: skip
    assert HOSTILE.startswith("Guards")


def test_overview_charts_link_to_what_is_behind_them(app, world):
    c, _ = signed_in(app, "viewer")
    page = c.get("/").text
    assert '<svg class="map"' in page and 'href="/incidents?place=kp-hyesan"' in page
    assert 'href="/incidents?category=detention_torture_execution&amp;year_from=2024&amp;year_to=2024' in page
    assert "Natural Earth" in page


def test_report_cites_every_source(app, world):
    _, _, w = world
    c, _ = signed_in(app, "viewer")
    page = c.get(f"/incidents/{w.published}/report").text
    for title in ("Daily report", "UN note"):
        assert title in page
    assert page.count("SHA-256:") == 2 and "2024-06-01" in page


def test_a_much_reported_incident_shows_its_first_claims_and_all_on_request(app, world):
    from nkwatch.link.run import link
    from nkwatch.web.pages import CLAIMS_SHOWN

    from ..factory import add_claim, add_source

    store = app.state.nk.store
    n = CLAIMS_SHOWN + 5
    for k in range(n):
        text = f"Report {k}: guards publicly executed 11 men in Chongjin on 3 May 2021."
        add_claim(store, add_source(store, f"wire {k}", text), text[len(f"Report {k}: "):], act="execution",
                  when="2021-05-03", precision="day", place="kp-chongjin", count=11)  # fmt: skip
    link(store)
    from sqlalchemy import select

    from nkwatch.store.models import Incident

    with store.session() as s:
        iid = s.scalar(select(Incident.id).where(Incident.n_claims == n))
    assert iid
    c, _ = signed_in(app, "viewer")
    page = c.get(f"/incidents/{iid}").text
    assert page.count('class="claim ') == CLAIMS_SHOWN and f"Show all {n}" in page
    every = c.get(f"/incidents/{iid}?claims=all").text
    assert every.count('class="claim ') == n and "Show all" not in every
    # Every link to a claim (facts, timeline) leads to it: on this page, or on the page with all claims.
    shown = set(re.findall(r'id="claim-(\w+)"', page))
    links = re.findall(r'href="(\?claims=all)?#claim-(\w+)"', page)
    assert len(links) >= n and {cid for _, cid in links} <= set(re.findall(r'id="claim-(\w+)"', every))
    assert all(bool(to_all) == (cid not in shown) for to_all, cid in links)
    assert any(to_all for to_all, _ in links) and "?claims=all#claim-" not in every
    report = c.get(f"/incidents/{iid}/report").text  # the printable report cites them all
    assert report.count("guards publicly executed 11 men") >= n


def test_an_upload_over_the_limit_is_refused_before_it_reaches_the_disk(world, tmp_path, monkeypatch):
    from .vault_helpers import TempFiles

    url, originals, _ = world
    a = create_app(url, originals=originals, max_upload_mb=1)
    c, csrf = signed_in(a, "analyst")
    with a.state.nk.store.session() as s:
        before = s.scalar(select(func.count()).select_from(Source))
    spy = TempFiles(monkeypatch, str(tmp_path))
    big = b"Guards beat returnees at the Sinuiju holding centre. " * 60_000  # 3.2 MB
    for path, data in (("/api/sources", {}), ("/upload", {"csrf": csrf})):
        r = c.post(path, headers={"X-CSRF-Token": csrf}, data=data, files=[("files", ("big.txt", big, "text/plain"))])
        assert r.status_code == 413 and "larger than the limit of 1 MB" in r.text and "nothing was stored" in r.text
    # A body without Content-Length is counted as it arrives and refused as soon as it passes the limit.
    boundary = "nkwatchboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode()  # fmt: skip
    chunks = [head] + [big[i:i + 65536] for i in range(0, len(big), 65536)] + [f"\r\n--{boundary}--\r\n".encode()]
    r = c.post("/api/sources", content=iter(chunks),
               headers={"X-CSRF-Token": csrf, "Content-Type": f"multipart/form-data; boundary={boundary}"})  # fmt: skip
    assert r.status_code == 413 and "nothing was stored" in r.json()["detail"]
    assert spy.made == []  # no temporary file: refused before the spool rolled over to disk
    with a.state.nk.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Source)) == before
    small = [("files", ("ok.txt", big[:500_000], "text/plain"))]
    r = c.post("/api/sources", headers={"X-CSRF-Token": csrf}, files=small)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "added"  # under the limit: taken
    a.state.nk.store.close()


def test_serve_passes_the_upload_limit_to_every_worker(world, monkeypatch):
    from nkwatch.web.server import app_from_env

    url, _, _ = world
    monkeypatch.setenv("NKWATCH_DB", url)
    monkeypatch.setenv("NKWATCH_WEB_MAX_UPLOAD_MB", "2")  # what `nkwatch serve --max-upload-mb 2` sets
    a = app_from_env()
    assert a.state.nk.max_upload_bytes == 2 * 1024 * 1024
    a.state.nk.store.close()


def test_the_api_reference_lists_every_api_route_offline(app):
    c, _ = signed_in(app, "viewer")
    page = c.get("/account/api")
    assert page.status_code == 200 and "<script" not in page.text.replace('<script src="/static/', "")
    spec = c.get("/api/openapi.json").json()
    api = {p: m for p, m in spec["paths"].items() if p.startswith("/api/")}
    for path, methods in api.items():
        for method in methods:
            assert f">{method.upper()}<" in page.text and f">{path}<" in page.text
    assert len(api) > 15 and ">/review<" not in page.text  # the API only, not the pages' routes
    assert "Incidents, filtered and sorted" in page.text  # a route's own description
    assert "http://" not in page.text.replace("http://127.0.0.1:8000", "")  # nothing fetched from outside
