"""Every route, every role: the expected status, from a table. A route without a row fails the test.

Columns: anonymous, viewer, analyst, editor, custodian, admin (on a private server), and an anonymous
visitor of a public server. Paths use real ids where a page must show something (the published incident,
a claim, a source); state-changing routes get ids that do not exist, so an allowed role gets 404 (the
permission check comes first) and nothing changes between rows. The witness vault is the custodian's
alone; here it is locked (423 "vault is locked", or 401 for an unlock without a vault), which is what every
other role must never get past: tests/web/test_vault.py walks the same routes with the vault unlocked.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from nkwatch.web import create_app

from .helpers import session_cookie

ROLES = ["anonymous", "viewer", "analyst", "editor", "custodian", "admin", "public"]

TABLE = """
GET   /                                          303 200 200 200 200 200 200
GET   /incidents                                 303 200 200 200 200 200 200
GET   /incidents/{incident_id}                   303 200 200 200 200 200 200
GET   /incidents/{incident_id}/report            303 200 200 200 200 200 200
GET   /claims                                    303 200 200 200 200 200 303
GET   /claims/{claim_id}                         303 200 200 200 200 200 303
GET   /sources                                   303 200 200 200 200 200 303
GET   /sources/{source_id}                       303 200 200 200 200 200 303
GET   /sources/{source_id}/original              303 200 200 200 200 200 303
GET   /search                                    303 200 200 200 200 200 303
GET   /review                                    303 403 403 200 200 200 303
POST  /review/claims/{claim_id}/confirm          303 403 403 404 404 404 303
POST  /review/claims/{claim_id}/reject           303 403 403 404 404 404 303
GET   /review/claims/{claim_id}/edit             303 403 403 200 200 200 303
POST  /review/claims/{claim_id}/correct          303 403 403 404 404 404 303
POST  /incidents/{incident_id}/merge             303 403 403 404 404 404 303
POST  /incidents/{incident_id}/split             303 403 403 404 404 404 303
POST  /incidents/{incident_id}/publish           303 403 403 404 404 404 303
GET   /incidents/{incident_id}/publish           303 403 403 200 200 200 303
GET   /incidents/{incident_id}/unpublish         303 403 403 200 200 200 303
POST  /incidents/{incident_id}/unpublish         303 403 403 404 404 404 303
GET   /incidents/{incident_id}/merge             303 403 403 200 200 200 303
GET   /incidents/{incident_id}/different         303 403 403 200 200 200 303
POST  /incidents/{incident_id}/different         303 403 403 404 404 404 303
GET   /upload                                    303 403 200 200 200 200 303
POST  /upload                                    303 403 400 400 400 400 303
GET   /export                                    303 403 200 200 200 200 303
GET   /export/claims                             303 403 200 200 200 200 303
GET   /export/incidents                          303 403 200 200 200 200 303
GET   /login                                     200 303 303 303 303 303 200
POST  /login                                     403 403 403 403 403 403 403
POST  /logout                                    303 303 303 303 303 303 303
GET   /account                                   303 200 200 200 200 200 303
GET   /account/api                               303 200 200 200 200 200 303
POST  /account/tokens                            303 200 200 200 200 200 303
POST  /account/tokens/{token_id}/revoke          303 404 404 404 404 404 303
POST  /account/password                          303 303 303 303 303 303 303
GET   /users                                     303 403 403 403 403 200 303
POST  /users                                     303 403 403 403 403 303 303
POST  /users/{user_id}/update                    303 403 403 403 403 404 303
GET   /api/openapi.json                          200 200 200 200 200 200 200
GET   /api/me                                    401 200 200 200 200 200 401
GET   /api/incidents                             401 200 200 200 200 200 200
GET   /api/incidents/{incident_id}               401 200 200 200 200 200 200
GET   /api/claims                                401 200 200 200 200 200 401
GET   /api/claims/{claim_id}                     401 200 200 200 200 200 401
GET   /api/sources                               401 200 200 200 200 200 401
GET   /api/sources/{source_id}                   401 200 200 200 200 200 401
POST  /api/sources                               401 403 400 400 400 400 401
GET   /api/search                                401 200 200 200 200 200 401
POST  /api/claims/{claim_id}/confirm             401 403 403 404 404 404 401
POST  /api/claims/{claim_id}/reject              401 403 403 404 404 404 401
POST  /api/claims/{claim_id}/correct             401 403 403 404 404 404 401
POST  /api/incidents/{incident_id}/merge         401 403 403 404 404 404 401
POST  /api/incidents/{incident_id}/split         401 403 403 404 404 404 401
POST  /api/incidents/{incident_id}/publish       401 403 403 404 404 404 401
POST  /api/incidents/{incident_id}/unpublish     401 403 403 404 404 404 401
POST  /api/incidents/{incident_id}/different     401 403 403 404 404 404 401
GET   /api/incidents/{incident_id}/publication   401 403 403 200 200 200 401
GET   /vault                                     303 403 403 403 200 403 303
POST  /vault/unlock                              303 403 403 403 401 403 303
POST  /vault/lock                                303 403 403 403 303 403 303
GET   /vault/witnesses/new                       303 403 403 403 423 403 303
POST  /vault/witnesses                           303 403 403 403 423 403 303
GET   /vault/witnesses/{witness_id}              303 403 403 403 423 403 303
POST  /vault/witnesses/{witness_id}/interviews   303 403 403 403 423 403 303
POST  /vault/witnesses/{witness_id}/consent      303 403 403 403 423 403 303
POST  /vault/witnesses/{witness_id}/consent/withdraw 303 403 403 403 404 403 303
GET   /vault/interviews/{interview_id}           303 403 403 403 423 403 303
GET   /api/vault                                 401 403 403 403 200 403 401
POST  /api/vault/unlock                          401 403 403 403 422 403 401
POST  /api/vault/lock                            401 403 403 403 200 403 401
POST  /api/vault/witnesses                       401 403 403 403 422 403 401
POST  /api/vault/witnesses/{witness_id}/interviews 401 403 403 403 423 403 401
GET   /static                                    200 200 200 200 200 200 200
"""
EXPECTED = {(m, p): dict(zip(ROLES, map(int, codes), strict=True))
            for m, p, *codes in (line.split() for line in TABLE.strip().splitlines())}  # fmt: skip
# JSON bodies that pass validation, so that allowed roles reach the (missing) claim or incident.
BODIES = {"/correct": {"changes": {"act": "torture"}}, "/merge": {"other": "inc-000000000000"},
          "/split": {"claim_ids": ["000000000000"]}, "/different": {"other": "inc-000000000000"},
          "/unpublish": {"reason": "a reason"}}  # fmt: skip


def routes(app) -> list[tuple[str, str, object]]:  # noqa: ANN001
    """(method, path, dependant) of every route, including those of included routers; mounts as GET."""
    out = []
    for r in app.routes:
        if hasattr(r, "effective_route_contexts"):  # FastAPI's included routers
            out += [(m, c.path, c.dependant) for c in r.effective_route_contexts() for m in c.methods]
        elif isinstance(r, Mount):
            out.append(("GET", r.path, None))
        else:
            out += [(m, r.path, getattr(r, "dependant", None)) for m in r.methods]
    return [(m, p, d) for m, p, d in out if m != "HEAD"]


def concrete(method: str, path: str, world) -> str:  # noqa: ANN001
    real = method == "GET"
    if real and path.endswith(("/merge", "/different")):  # a decision's confirmation page compares two incidents
        return path.replace("{incident_id}", world.published) + f"?other={world.unpublished}"
    return (path.replace("{incident_id}", world.published if real else "inc-000000000000")
            .replace("{claim_id}", world.claim if real else "000000000000")
            .replace("{source_id}", world.source).replace("{token_id}", "999999").replace("{user_id}", "999999")
            .replace("{witness_id}", "W-9999").replace("{interview_id}", "I-9999")
            .replace("/static", "/static/app.css" if path == "/static" else "/static"))  # fmt: skip


@pytest.fixture(scope="module")
def apps(module_world):
    url, originals, world = module_world
    private, public = create_app(url, originals=originals), create_app(url, originals=originals, public=True)
    yield private, public, world
    private.state.nk.store.close()
    public.state.nk.store.close()


def test_every_route_has_a_row_and_a_permission(apps):
    private, _, _ = apps
    found = routes(private)
    missing = sorted({(m, p) for m, p, _ in found} - set(EXPECTED))
    assert not missing, f"routes without a row in the authorisation table: {missing}"
    stale = sorted(set(EXPECTED) - {(m, p) for m, p, _ in found})
    assert not stale, f"rows for routes that no longer exist: {stale}"
    for m, p, dep in found:
        if dep is None or p == "/api/openapi.json":  # static files and the API description are public
            continue
        checks = [d.call for d in dep.dependencies if hasattr(d.call, "permission")]
        assert checks, f"{m} {p} declares no permission (use nkwatch.web.security.require)"


@pytest.mark.parametrize("role", ROLES)
def test_authorisation_table(apps, role):
    private, public, world = apps
    app = public if role == "public" else private
    wrong = []
    for method, path, _ in routes(private):
        url = concrete(method, path, world)
        client = TestClient(app, follow_redirects=False)
        headers = {}
        if role not in ("anonymous", "public"):
            token, csrf = session_cookie(app.state.nk.store, role)
            client.cookies.set("nkw_session", token)
            headers["X-CSRF-Token"] = csrf
        body = next((b for k, b in BODIES.items() if path.endswith(k)), None)
        if method == "GET":
            r = client.get(url, headers=headers)
        elif path.startswith("/api/"):
            r = client.post(url, json=body or {}, headers=headers)
        else:
            r = client.post(url, data={"current": "wrong password", "other": "inc-000000000000"}, headers=headers)
        expected = EXPECTED[(method, path)][role]
        if r.status_code != expected:
            wrong.append(f"{method} {url}: {r.status_code}, expected {expected} ({r.text[:120]!r})")
    assert not wrong, "\n".join(wrong)
