"""Sessions, CSRF, sign-in rate limits, API tokens and response headers (on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from nkwatch.store.models import ApiToken, AuditEntry, LoginAttempt, WebSession
from nkwatch.web import accounts

from .helpers import PASSWORD, signed_in


def _login_form(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)


def _login(client: TestClient, user: str, password: str, **kw):  # noqa: ANN003, ANN202
    return client.post("/login", data={"username": user, "password": password, "csrf": _login_form(client)},
                       follow_redirects=False, **kw)  # fmt: skip


def test_session_cookie_is_httponly_strict_and_stored_hashed(app):
    c = TestClient(app)
    r = _login(c, "editor", PASSWORD)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    token = c.cookies["nkw_session"]
    with app.state.nk.store.session() as s:
        ids = list(s.scalars(select(WebSession.id)))
    assert accounts.sha256(token) in ids and token not in ids


def test_sign_out_ends_the_session_on_the_server(app):
    c, csrf = signed_in(app, "viewer")
    token = c.cookies["nkw_session"]
    assert c.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    thief = TestClient(app, cookies={"nkw_session": token}, follow_redirects=False)
    assert thief.get("/incidents").status_code == 303  # back to sign in: the old cookie is worthless


def test_expired_and_disabled_sessions_are_refused(app):
    c, _ = signed_in(app, "viewer")
    assert c.get("/api/me").status_code == 200
    with app.state.nk.store.session() as s:
        s.execute(update(WebSession).values(expires_at=accounts.utcnow() - timedelta(minutes=1)))
    assert c.get("/api/me").status_code == 401
    c, _ = signed_in(app, "analyst")
    with app.state.nk.store.session() as s:
        accounts.set_disabled(s, accounts.get_user(s, "analyst"), True)
    assert c.get("/api/me").status_code == 401
    assert _login(TestClient(app), "analyst", PASSWORD).status_code == 401


def test_wrong_password_and_unknown_user_read_the_same(app):
    a = _login(TestClient(app), "editor", "not the password")
    b = _login(TestClient(app), "nobody", "not the password")
    assert a.status_code == b.status_code == 401
    assert "Wrong user name or password" in a.text and "Wrong user name or password" in b.text


def test_state_changes_need_the_csrf_token(app, world):
    _, _, w = world
    c, csrf = signed_in(app, "editor")
    url = f"/review/claims/{w.claim}/confirm"
    assert c.post(url, follow_redirects=False).status_code == 403
    assert c.post(url, data={"csrf": "forged"}, follow_redirects=False).status_code == 403
    assert c.post(url, headers={"X-CSRF-Token": "forged"}, follow_redirects=False).status_code == 403
    assert c.post(url, data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert c.post(url, headers={"X-CSRF-Token": csrf, "HX-Request": "true"}).status_code == 200
    with app.state.nk.store.session() as s:
        actors = list(s.scalars(select(AuditEntry.actor).where(AuditEntry.target_id == w.claim)))
    # the signed-in user is the actor; the second confirmation of a confirmed claim records nothing (idempotent)
    assert actors == ["editor"]


def test_every_state_changing_route_refuses_a_missing_csrf_token(app, world):
    from .test_authz import concrete, routes

    c, _ = signed_in(app, "admin")
    for method, path, _ in routes(app):
        if method == "POST" and path != "/login":
            r = c.post(concrete("GET", path, world[2]), data={"other": "x"}, follow_redirects=False)
            assert r.status_code == 403, f"{path}: {r.status_code}"


def test_sign_in_is_rate_limited_by_user_name(app):
    c = TestClient(app)
    for _ in range(accounts.MAX_FAILS_USER):
        assert _login(c, "editor", "wrong").status_code == 401
    r = _login(c, "editor", PASSWORD)  # the right password no longer helps for a while
    assert r.status_code == 429 and "too many" in r.text.lower()
    assert _login(c, "viewer", PASSWORD).status_code == 303  # other users are not locked out


def test_sign_in_is_rate_limited_by_address(app):
    c = TestClient(app)
    for i in range(accounts.MAX_FAILS_ADDRESS):
        _login(c, f"guess{i}", "wrong")
    assert _login(c, "viewer", PASSWORD).status_code == 429
    with app.state.nk.store.session() as s:
        keys = set(s.scalars(select(LoginAttempt.key)))
    assert "ip:testclient" in keys


def test_sign_in_form_has_its_own_csrf_check(app):
    c = TestClient(app)
    c.get("/login")
    r = c.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf": "forged"}, follow_redirects=False)
    assert r.status_code == 403 and "nkw_session" not in c.cookies


def test_api_tokens(app, world):
    _, _, w = world
    c, csrf = signed_in(app, "editor")
    page = c.post("/account/tokens", data={"csrf": csrf, "name": "notebook"}).text
    token = re.search(r'id="new-token">([^<]+)<', page).group(1)
    assert token.startswith("nkw_")
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/me").json()["username"] == "editor"
    assert api.get("/api/incidents").json()["total"] >= 2
    # No CSRF token with a bearer token: nothing is sent by the browser on its own.
    assert api.post(f"/api/claims/{w.claim}/confirm", json={"note": "checked"}).json()["status"] == "reviewed"
    with app.state.nk.store.session() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.name == "notebook"))
        assert row.token_hash == accounts.sha256(token) and row.last_used_at is not None
        tid = row.id
    c.post(f"/account/tokens/{tid}/revoke", data={"csrf": csrf})
    assert api.get("/api/me").status_code == 401
    assert TestClient(app, headers={"Authorization": "Bearer nkw_made_up"}).get("/api/me").status_code == 401


def test_a_viewer_token_cannot_review(app, world):
    _, _, w = world
    with app.state.nk.store.session() as s:
        _, token = accounts.create_token(s, accounts.get_user(s, "viewer"), "t")
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert api.post(f"/api/claims/{w.claim}/reject", json={}).status_code == 403
    assert api.get(f"/api/claims/{w.claim}").json()["status"] == "machine"


def test_security_headers(app):
    r = TestClient(app).get("/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in r.text.replace('<script src="', "")  # no inline script on any page


def test_passwords_are_argon2id(app):
    with app.state.nk.store.session() as s:
        assert accounts.get_user(s, "viewer").password_hash.startswith("$argon2id$")


def test_head_answers_as_get_without_a_body_and_with_the_same_rights(app, world):
    _, _, w = world
    c, _ = signed_in(app, "viewer")
    for path in ("/incidents", f"/incidents/{w.published}", "/api/incidents", f"/sources/{w.source}/original"):
        got, head = c.get(path), c.head(path)
        assert head.status_code == got.status_code == 200 and head.content == b"" and got.content
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-security-policy"] == got.headers["content-security-policy"]
    anonymous = TestClient(app)
    assert anonymous.head("/api/incidents").status_code == 401
    assert anonymous.head("/incidents", follow_redirects=False).status_code == 303
    assert c.head("/review").status_code == 403  # a viewer may not review, whatever the method
