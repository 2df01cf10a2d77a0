"""The witness vault in the web app and the API: unlock and lock (per session, in memory), witnesses,
duplicates, interviews uploaded into memory only, consent, every route closed to every other role, and
consent applied to exports and to the public mode."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select, update

from nkwatch.review.audit import entries
from nkwatch.store.models import Claim, Incident, Source
from nkwatch.vault.models import Interview
from nkwatch.web import accounts, create_app

from .helpers import PASSWORD, signed_in
from .test_authz import ROLES, concrete, routes
from .vault_helpers import PASSPHRASE, TempFiles, docx_bytes, flash, init_vault, unlocked_client

IDENTITY = {"name": "Orlavin Tesk", "name_hangul": "오를라빈", "date_of_birth": "1977-06-05",
            "home_town": "Marrowfield", "contact": "+82 10 4402 1187", "sex": "female"}  # fmt: skip
TESTIMONY = ("I am Orlavin Tesk from Marrowfield. In March 2020, guards at Camp 16 beat prisoners to death.\n"
             "In 2019 security agents publicly executed three people in Hyesan.")  # fmt: skip


@pytest.fixture
def vault_app(world):
    url, originals, _ = world
    a = create_app(url, originals=originals)
    init_vault(a.state.nk.store)
    yield a
    a.state.nk.store.close()


def _add_witness(c: TestClient, csrf: str, **extra: str) -> str:
    r = c.post("/vault/witnesses", data={**IDENTITY, "csrf": csrf, **extra}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def test_unlock_is_per_session_in_memory_and_locks_on_lock_sign_out_and_idle(vault_app, world):
    url, originals, _ = world
    c, csrf = signed_in(vault_app, "custodian")
    r = c.get("/vault")
    assert r.status_code == 200 and "The vault is locked" in r.text and 'name="passphrase"' in r.text
    r = c.post("/vault/unlock", data={"passphrase": "not the passphrase", "csrf": csrf})
    assert r.status_code == 401 and "wrong passphrase" in r.text
    cookies_before = dict(c.cookies)
    r = c.post("/vault/unlock", data={"passphrase": PASSPHRASE, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    set_cookies = r.headers.get_list("set-cookie")
    assert all(h.startswith("nkw_flash=") for h in set_cookies), set_cookies  # only the one-time message
    assert dict(c.cookies).get("nkw_session") == cookies_before["nkw_session"]
    assert "unlocked" in c.get("/vault").text
    # The key is in this process's memory and nowhere in the store.
    (entry,) = vault_app.state.nk.keyring._entries.values()
    key = entry.vault.key
    assert all(key.hex() not in v and key not in v.encode() for v in c.cookies.values())
    store = vault_app.state.nk.store
    meta = MetaData()
    meta.reflect(store.engine)
    with store.engine.connect() as conn:
        for t in meta.sorted_tables:
            for row in conn.execute(select(t)):
                for v in row:
                    assert not (isinstance(v, bytes | memoryview) and key in bytes(v)), t.name
                    assert not (isinstance(v, str) and key.hex() in v), t.name
    # Another session of the same custodian finds it locked.
    other, _ = signed_in(vault_app, "custodian")
    assert "The vault is locked" in other.get("/vault").text
    assert other.get("/vault/witnesses/new").status_code == 423
    # Lock button.
    assert c.post("/vault/lock", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert "The vault is locked" in c.get("/vault").text and not vault_app.state.nk.keyring._entries
    # Sign-out locks it.
    c, csrf = unlocked_client(vault_app)
    assert c.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert not vault_app.state.nk.keyring._entries
    # Idle timeout.
    quick = create_app(url, originals=originals, vault_idle_minutes=0.2 / 60)
    c, _ = unlocked_client(quick)
    assert "unlocked" in c.get("/vault").text
    time.sleep(0.3)
    assert "The vault is locked" in c.get("/vault").text
    quick.state.nk.store.close()


def test_witness_form_duplicates_and_an_audited_identity_page(vault_app):
    c, csrf = unlocked_client(vault_app)
    wid = _add_witness(c, csrf)
    assert wid == "W-0001"
    r = c.get("/vault")
    assert "W-0001" in r.text and "Orlavin" not in r.text  # the list shows pseudonyms only
    again = dict(IDENTITY, name="ORLAVIN  TESK")  # the same person typed differently
    r = c.post("/vault/witnesses", data={**again, "csrf": csrf})
    assert r.status_code == 409 and "may be a witness already in the vault" in r.text and "W-0001" in r.text
    with vault_app.state.nk.store.session() as s:
        assert s.scalar(select(Interview.id)) is None
    assert _add_witness(c, csrf, **again, confirm_duplicate="1") == "W-0002"
    r = c.post("/vault/witnesses", data={"name": "X Y", "date_of_birth": "5 June 1977", "csrf": csrf})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.text
    r = c.get(f"/vault/witnesses/{wid}")
    assert r.status_code == 200 and "Orlavin Tesk" in r.text and "오를라빈" in r.text and "Marrowfield" in r.text
    with vault_app.state.nk.store.session() as s:
        reads = [e for e in entries(s) if e.action == "vault.witness.read"]
        assert reads and reads[0].actor == "custodian" and reads[0].target_id == wid
        assert "Orlavin" not in str([(e.before, e.after) for e in entries(s)])


def test_interview_upload_is_read_in_memory_and_its_claims_are_linked(vault_app, tmp_path, monkeypatch):
    c, csrf = unlocked_client(vault_app)
    wid = _add_witness(c, csrf)
    tmp = tmp_path / "spool"
    tmp.mkdir()
    spy = TempFiles(monkeypatch, str(tmp))
    big = docx_bytes(TESTIMONY, pad=3 << 20)  # 3 MB: Starlette would spool it to disk past 1 MB
    assert len(big) > 3 << 20
    r = c.post(f"/vault/witnesses/{wid}/interviews", data={"csrf": csrf, "date": "2023-05-02", "text": ""},
               files={"file": ("statement.docx", big, "application/octet-stream")})  # fmt: skip
    assert r.status_code == 200 and "Interview I-0001 added" in flash(r.text), flash(r.text)
    assert spy.made == [] and not any(tmp.iterdir())
    r = c.post(f"/vault/witnesses/{wid}/interviews", data={"csrf": csrf, "text": TESTIMONY.replace("2019", "2018")})
    assert "Interview I-0002 added" in flash(r.text)
    with vault_app.state.nk.store.session() as s:
        src = s.scalars(select(Source).where(Source.kind == "testimony")).all()
        assert len(src) == 2 and all("Orlavin" not in x.text and "Marrowfield" not in x.text for x in src)
        claims = s.scalars(select(Claim).where(Claim.source_id.in_([x.id for x in src]))).all()
        assert claims and all(cl.incident_id for cl in claims)  # linked
    r = c.get("/vault/interviews/I-0001")
    assert r.status_code == 200 and "Orlavin Tesk" in r.text and "statement.docx" in r.text
    # The control: the ordinary upload route does spool a large body, so the spy would have seen ours.
    r = c.post("/api/sources", files={"files": ("report.docx", docx_bytes("Guards beat returnees.", pad=2 << 20))},
               headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert r.status_code == 200 and spy.made


def test_too_large_testimony_is_refused_with_a_clear_message_and_nothing_stored(world, tmp_path, monkeypatch):
    url, originals, _ = world
    a = create_app(url, originals=originals, max_upload_mb=1)
    init_vault(a.state.nk.store)
    c, csrf = unlocked_client(a)
    wid = _add_witness(c, csrf)
    spy = TempFiles(monkeypatch, str(tmp_path))
    r = c.post(f"/vault/witnesses/{wid}/interviews", data={"csrf": csrf},
               files={"file": ("statement.docx", docx_bytes(TESTIMONY, pad=2 << 20))})  # fmt: skip
    assert r.status_code == 413 and "larger than the limit of 1 MB" in r.text and "nothing was stored" in r.text
    assert spy.made == []
    with a.state.nk.store.session() as s:
        assert s.scalar(select(Interview.id)) is None
    a.state.nk.store.close()


def test_every_vault_route_is_closed_to_every_other_role_while_the_vault_is_unlocked(vault_app, world):
    unlocked_client(vault_app)  # a custodian has it open: nobody else may use that
    _, _, w = world
    vault_routes = [(m, p) for m, p, _ in routes(vault_app) if p.startswith(("/vault", "/api/vault"))]
    assert len(vault_routes) >= 15
    wrong = []
    for role in ROLES:
        if role in ("custodian", "public"):
            continue
        c = TestClient(vault_app, follow_redirects=False)
        headers = {}
        if role != "anonymous":
            c, csrf = signed_in(vault_app, role)
            c.follow_redirects = False
            headers["X-CSRF-Token"] = csrf
        for m, p in vault_routes:
            u = concrete(m, p, w).replace("W-9999", "W-0001")
            r = c.get(u, headers=headers) if m == "GET" else c.post(u, data={"passphrase": PASSPHRASE},
                                                                     headers=headers)  # fmt: skip
            expected = 403 if role != "anonymous" else (401 if p.startswith("/api/") else 303)
            if r.status_code != expected:
                wrong.append(f"{role} {m} {u}: {r.status_code}")
    assert not wrong, wrong


def test_api_vault_with_a_token_custodian_only(vault_app):
    store = vault_app.state.nk.store
    with store.session() as s:
        _, token = accounts.create_token(s, accounts.get_user(s, "custodian"), "vault")
        _, editor = accounts.create_token(s, accounts.get_user(s, "editor"), "ed")
    api = TestClient(vault_app, headers={"Authorization": f"Bearer {token}"})
    assert api.post("/api/vault/witnesses", json={"identity": IDENTITY}).status_code == 423
    assert api.post("/api/vault/unlock", json={"passphrase": "wrong one"}).status_code == 401
    assert api.post("/api/vault/unlock", json={"passphrase": PASSPHRASE}).json() == {"unlocked": True}
    assert api.get("/api/vault").json()["unlocked"] is True
    r = api.post("/api/vault/witnesses", json={"identity": IDENTITY, "risk_level": "extreme"})
    assert r.status_code == 201 and r.json()["id"] == "W-0001" and "Orlavin" not in r.text
    r = api.post("/api/vault/witnesses", json={"identity": IDENTITY})
    assert r.status_code == 409 and r.json()["duplicates"] == ["W-0001"]
    r = api.post("/api/vault/witnesses", json={"identity": {"nickname": "x"}})
    assert r.status_code == 400 and "unknown identity fields: nickname" in r.text
    r = api.post("/api/vault/witnesses/W-0001/interviews", json={"text": TESTIMONY, "date": "2023-01-05"})
    assert r.status_code == 201 and r.json()["claims"] > 0 and "Orlavin" not in r.text
    r = api.post("/api/vault/witnesses/W-0001/interviews", data={"date": "2023-02-01"},
                 files={"file": ("t.txt", TESTIMONY.replace("2019", "2017").encode())})  # fmt: skip
    assert r.status_code == 201 and r.json()["id"] == "I-0002"
    assert api.post("/api/vault/witnesses/W-9999/interviews", json={"text": "x"}).status_code == 404
    # A browser session of the same custodian is a different credential: still locked there.
    c, _ = signed_in(vault_app, "custodian")
    assert "The vault is locked" in c.get("/vault").text
    ed = TestClient(vault_app, headers={"Authorization": f"Bearer {editor}"})
    assert ed.post("/api/vault/witnesses", json={"identity": IDENTITY}).status_code == 403
    assert ed.post("/api/vault/unlock", json={"passphrase": PASSPHRASE}).status_code == 403
    assert api.post("/api/vault/lock").json() == {"locked": True}
    assert api.post("/api/vault/witnesses", json={"identity": IDENTITY}).status_code == 423


NAMES = ["Orlavin Tesk", "Brannoc Velle", "Ysmera Dunlow", "Corvath Ilse", "Mirelle Skant"]


def _testimony_incident(app, witnesses: int = 1) -> tuple[str, str]:  # noqa: ANN001
    """Witnesses with consent to publish, each with an interview telling the same events; the incident of the
    first one's torture claim published (as it may have been before a withdrawal, or before the disclosure
    check was applied to public pages). Returns (first witness, incident id)."""
    c, csrf = unlocked_client(app)
    wids = []
    for i, name in enumerate(NAMES[:witnesses]):
        wid = _add_witness(c, csrf, name=name, date_of_birth=f"197{i}-06-05")
        c.post(f"/vault/witnesses/{wid}/consent", data={"csrf": csrf, "scope": "publish"})
        said = TESTIMONY + ("" if i == 0 else f"\nI told this in interview number {i + 1}.")  # one source each
        c.post(f"/vault/witnesses/{wid}/interviews", data={"csrf": csrf, "text": said, "date": "2023-01-05"})
        wids.append(wid)
    with app.state.nk.store.session() as s:
        sid = s.scalar(select(Interview.source_id).where(Interview.witness_id == wids[0]))
        iid = s.scalar(select(Claim.incident_id).where(Claim.source_id == sid, Claim.act == "torture"))
        # Publication itself is refused below k witnesses (nkwatch.vault.disclosure); set it directly to test
        # what the public mode does with what an incident holds now.
        s.execute(update(Incident).where(Incident.id == iid).values(status="publishable"))
    return wids[0], iid


def test_consent_decides_every_export_and_a_withdrawal_applies_to_the_next(vault_app):
    wid, iid = _testimony_incident(vault_app)
    c, csrf = signed_in(vault_app, "custodian")
    r = c.get(f"/incidents/{iid}/report")  # consent to publish, but one witness alone: no report for the public
    assert r.status_code == 403 and "fewer than k witnesses" in r.text
    assert c.get(f"/incidents/{iid}/report?audience=internal").status_code == 200
    an, _ = signed_in(vault_app, "analyst")
    internal = c.get("/export/claims?format=jsonl&audience=internal")
    assert internal.status_code == 200 and "Camp 16" in internal.text
    assert "Camp 16" not in an.get("/export/claims?format=jsonl").text  # public: below k witnesses
    assert an.get("/export/claims?format=jsonl&audience=internal").status_code == 403  # analysts: public only
    assert c.get("/export/claims?format=csv&audience=<script>").status_code == 400
    cu, csrf = unlocked_client(vault_app)
    r = cu.post(f"/vault/witnesses/{wid}/consent/withdraw", data={"csrf": csrf})
    assert "Consent withdrawn" in flash(r.text)
    for fmt in ("jsonl", "json", "csv"):
        assert "Camp 16" not in c.get(f"/export/claims?format={fmt}&audience=internal").text
        assert "camp-16" not in c.get(f"/export/incidents?format={fmt}&audience=internal").text
    for who in ("internal", "public", "OHCHR"):  # the printable report is for an audience too
        r = c.get(f"/incidents/{iid}/report?audience={who}")
        assert r.status_code == 403 and "not consented" in r.text
    r = cu.post(f"/vault/witnesses/{wid}/consent", data={"csrf": csrf, "scope": "share", "bodies": ""})
    assert "Consent not recorded" in flash(r.text) and "names the bodies" in flash(r.text)


def test_public_pages_show_testimony_only_as_a_public_export_would(vault_app, world):
    """A testimony claim in a published incident is held back from public pages, the API and reports while an
    export to the public would withhold it (one witness: fewer than k=5 share its facts), read at request time."""
    url, originals, _ = world
    _, iid = _testimony_incident(vault_app, witnesses=1)
    an, _ = signed_in(vault_app, "analyst")
    assert iid not in an.get("/export/incidents?format=jsonl").text  # what the public export does...
    public = create_app(url, originals=originals, public=True)
    visitor = TestClient(public)
    for path in (f"/incidents/{iid}", f"/api/incidents/{iid}", f"/incidents/{iid}/report"):  # ...pages do too
        assert visitor.get(path).status_code == 404, path
    assert iid not in visitor.get("/incidents").text and iid not in visitor.get("/api/incidents").text
    assert "place=camp-16" not in visitor.get("/").text
    for body in (visitor.get(p).text for p in ("/", "/incidents", "/api/incidents")):
        assert "Testimony of" not in body and "W-0001" not in body
    ed, _ = signed_in(vault_app, "editor")  # staff still see it
    assert ed.get(f"/incidents/{iid}").status_code == 200
    public.state.nk.store.close()


def test_public_mode_hides_an_incident_once_consent_to_publish_is_withdrawn(vault_app, world):
    url, originals, _ = world
    wid, iid = _testimony_incident(vault_app, witnesses=5)  # five witnesses tell it: k=5 is met
    public = create_app(url, originals=originals, public=True)
    visitor = TestClient(public)
    assert visitor.get(f"/incidents/{iid}").status_code == 200
    assert iid in visitor.get("/incidents").text and iid in visitor.get("/api/incidents").text
    assert "place=camp-16" in visitor.get("/").text  # on the overview's map
    cu, csrf = unlocked_client(vault_app)
    cu.post(f"/vault/witnesses/{wid}/consent/withdraw", data={"csrf": csrf})
    assert visitor.get(f"/incidents/{iid}").status_code == 404
    assert visitor.get(f"/api/incidents/{iid}").status_code == 404
    assert visitor.get(f"/incidents/{iid}/report").status_code == 404
    assert iid not in visitor.get("/incidents").text and iid not in visitor.get("/api/incidents").text
    assert "place=camp-16" not in visitor.get("/").text
    # Staff still see it (internal use is the organisation's own work on the record).
    ed, _ = signed_in(vault_app, "editor")
    assert ed.get(f"/incidents/{iid}").status_code == 200
    public.state.nk.store.close()


def test_password_change_and_role_change_lock_the_vault(vault_app):
    unlocked_client(vault_app)
    admin, acsrf = signed_in(vault_app, "admin")
    with vault_app.state.nk.store.session() as s:
        uid = accounts.get_user(s, "custodian").id
    admin.post(f"/users/{uid}/update", data={"csrf": acsrf, "role": "editor"})
    assert not vault_app.state.nk.keyring._entries
    admin.post(f"/users/{uid}/update", data={"csrf": acsrf, "role": "custodian"})
    c, csrf = unlocked_client(vault_app)
    assert vault_app.state.nk.keyring._entries
    c.post("/account/password", data={"csrf": csrf, "current": PASSWORD, "new": "another long password"})
    assert not vault_app.state.nk.keyring._entries


def test_locked_vault_leaves_everything_else_working(vault_app, world):
    _, _, w = world
    c, _ = signed_in(vault_app, "custodian")
    for path in ("/", "/incidents", f"/incidents/{w.published}", "/claims", "/sources", "/review", "/export"):
        assert c.get(path).status_code == 200, path
    r = c.get("/vault/witnesses/W-0001")
    assert r.status_code == 423 and "The vault is locked" in r.text
