"""The read cache (nkwatch.web.cache): pages and the API answer from memory between changes, and never serve
what a change made stale: a change by another process (here, another store on the same database), a review in
the app, a sign-out, a disabled account or a changed role takes effect on the very next request."""

from __future__ import annotations

from sqlalchemy import select, update

from nkwatch.store.db import open_store
from nkwatch.store.models import Incident
from nkwatch.web import accounts

from ..factory import confirm_sources
from .helpers import signed_in


def _other_process(url: str):  # noqa: ANN202 - a Store: what a CLI command run beside the server would open
    return open_store(url)


def test_generation_moves_with_every_commit_by_anyone(world):
    url, _, _ = world
    watcher, writer = open_store(url), open_store(url)
    try:
        g1 = watcher.generation()
        assert watcher.generation() == g1  # nothing committed: the same
        with writer.session() as s:
            s.execute(update(Incident).values(confidence=Incident.confidence))
        g2 = watcher.generation()
        assert g2 != g1
        with watcher.session() as s:  # its own commits count too
            s.execute(update(Incident).values(confidence=Incident.confidence))
        assert watcher.generation() != g2
    finally:
        watcher.close()
        writer.close()


def test_lists_and_pages_are_served_from_memory_until_the_store_changes(app, world):
    url, _, w = world
    cache = app.state.nk.cache
    c, _ = signed_in(app, "viewer")
    first = c.get("/api/incidents").json()
    hits = cache.hits
    assert c.get("/api/incidents").json() == first and cache.hits > hits  # the same answer, from memory
    c.get("/incidents")  # shows (and clears) the sign-in message
    page = c.get(f"/incidents/{w.unpublished}").text
    assert "Execution" in page and c.get(f"/incidents/{w.unpublished}").text == page

    other = _other_process(url)  # a change made outside the app: an analyst's CLI run
    try:
        with other.session() as s:
            s.execute(update(Incident).where(Incident.id == w.unpublished).values(confidence=0.123))
    finally:
        other.close()
    rows = {r["id"]: r for r in c.get("/api/incidents").json()["items"]}
    assert rows[w.unpublished]["confidence"] == 0.123
    assert "0.12" in c.get(f"/incidents/{w.unpublished}").text
    assert "0.12" in c.get("/incidents").text


def test_a_review_in_the_app_shows_at_once(app, world):
    _, _, w = world
    ed, csrf = signed_in(app, "editor")
    assert "to review" in ed.get(f"/incidents/{w.unpublished}").text
    with app.state.nk.store.session() as s:
        confirm_sources(s, w.unpublished)  # what the publication rule asks first
    r = ed.post(f"/incidents/{w.unpublished}/publish", data={"csrf": csrf, "note": "checked"}, follow_redirects=False)
    assert r.status_code in (200, 303)
    rows = {r["id"]: r for r in ed.get("/api/incidents").json()["items"]}
    assert rows[w.unpublished]["status"] == "publishable"
    assert "to review" not in ed.get(f"/incidents/{w.unpublished}").text.split("<h2>Claims")[0]


def test_sign_out_disable_and_role_change_apply_to_the_next_request(app, world):
    url, _, _ = world
    c, csrf = signed_in(app, "editor")
    assert c.get("/api/me").json()["role"] == "editor"
    assert c.get("/api/me").json()["role"] == "editor"  # now from memory
    other = _other_process(url)
    try:
        with other.session() as s:
            accounts.set_role(s, accounts.get_user(s, "editor"), "viewer")
        assert c.get("/api/me").json()["role"] == "viewer"
        with other.session() as s:
            s.execute(update(accounts.User).where(accounts.User.username == "editor").values(disabled=True))
        assert c.get("/api/me").status_code == 401
    finally:
        other.close()

    v, csrf = signed_in(app, "viewer")
    assert v.get("/api/me").status_code == 200
    cookie = v.cookies.get("nkw_session")
    v.post("/logout", data={"csrf": csrf})
    v.cookies.set("nkw_session", cookie)  # the old cookie, replayed
    assert v.get("/api/me").status_code == 401


def test_a_revoked_token_stops_at_once(app, world):
    url, _, _ = world
    store = app.state.nk.store
    with store.session() as s:
        row, token = accounts.create_token(s, accounts.get_user(s, "analyst"), "script")
        token_id = row.id
    h = {"Authorization": f"Bearer {token}"}
    from fastapi.testclient import TestClient

    c = TestClient(app)
    assert c.get("/api/incidents", headers=h).status_code == 200
    assert c.get("/api/incidents", headers=h).status_code == 200
    other = _other_process(url)
    try:
        with other.session() as s:
            s.execute(update(accounts.ApiToken).where(accounts.ApiToken.id == token_id).values(revoked=True))
            assert s.scalar(select(accounts.ApiToken.revoked).where(accounts.ApiToken.id == token_id))
    finally:
        other.close()
    assert c.get("/api/incidents", headers=h).status_code == 401
