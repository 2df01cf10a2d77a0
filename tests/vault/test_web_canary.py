"""Canary identities planted through every entry point never appear in the clear, on SQLite and PostgreSQL.

Three made-up witnesses (Latin and Hangul names, date of birth, home town, phone, interviewer) go in by the
command line (`witness add`, `interview add` from a file and as text), by the web form (interviews typed in
and uploaded as TXT and as a 2 MB DOCX, past Starlette's 1 MB spool) and by the JSON API with a bearer token
(JSON text and a multipart DOCX). Then: extract again, link, review (an editor confirms a testimony claim and
tries to publish its incident; the disclosure check refuses, so one is marked publishable directly, as a
publication k witnesses would allow), every GET route as every role on the private and the public server
(testimony incidents, claims, sources and vault pages included), every export format for every audience
(web and CLI), search, the audit log, a backup (verified by restoring into TMPDIR).

Searched for every canary, in UTF-8 and UTF-16 (case-insensitive): every byte of every file under the test's
folder (NKWATCH_HOME, the SQLite file with -wal and -shm, the exports, the backup, TMPDIR, where every
temporary file Python made was kept named instead of unlinked), every HTTP response (body and headers), every
request address (what an access log would write), every log record (SQL statements with their parameters
included) and every command's output. On PostgreSQL every column of every table is searched too, as text and
as raw bytes. The only responses allowed to hold a canary are the custodian's own identity and interview pages,
and the test checks that they do (the values were really planted and really readable).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select, text, update
from typer.testing import CliRunner

from nkwatch.cli import app as cli
from nkwatch.store.db import open_store
from nkwatch.store.models import Claim, Incident, Source
from nkwatch.vault import keys
from nkwatch.vault.models import Interview, Witness
from nkwatch.web import accounts, create_app

from ..conftest import SAMPLE
from ..web.helpers import PASSWORD
from ..web.test_authz import ROLES, routes
from ..web.vault_helpers import FAST, PASSPHRASE, TempFiles, docx_bytes

CLI_ID = {"name": "Zorbanek Quillfeather", "name_hangul": "조르바넥", "date_of_birth": "1981-03-14",
          "home_town": "Vellmarsh", "province": "North Hamgyong", "contact": "+82 10 7731 4420", "sex": "male"}
WEB_ID = {"name": "Thessaly Brunwold", "name_hangul": "테살리", "date_of_birth": "1974-09-30",
          "home_town": "Orchwyn", "province": "Ryanggang", "contact": "+82 10 6612 0937", "sex": "female"}
# Relatives are rows of the form's table (relation, name, name in Hangul), never free text.
WEB_FAMILY = {"family_relation": ["sister", ""], "family_name": ["Pak Yeon-ok", ""],
              "family_name_hangul": ["박연옥", ""]}
API_ID = {"name": "Kestrin Ambervale", "name_hangul": "케스트린", "date_of_birth": "1988-12-02",
          "home_town": "Dunmoray", "contact": "kestrin.ambervale@example.org", "sex": "male"}
INTERVIEWER = "Pellodine Vaskarov"
# Canaries are long enough (5 bytes and more) that random ciphertext or tokens never match one by chance.
CANARIES = ["Zorbanek", "Quillfeather", "조르바넥", "1981-03-14", "14 March 1981", "Vellmarsh", "7731 4420",
            "77314420", "Thessaly", "Brunwold", "테살리", "1974-09-30", "30 September 1974", "Orchwyn",
            "6612 0937", "66120937", "Kestrin", "Ambervale", "케스트린", "1988-12-02", "2 December 1988", "Dunmoray",
            "kestrin.ambervale@example.org", "Pellodine", "Vaskarov", "Yeon-ok", "Yeonok", "연옥"]  # fmt: skip


def statement_of(who: dict[str, Any], year: int) -> str:
    """A testimony that names its witness in every way a witness does, around events the coder extracts."""
    day, month, yr = _long_date(who["date_of_birth"])
    return (f"My name is {who['name']} ({who['name_hangul']}). I was born on {day} {month} {yr} in "
            f"{who['home_town']}, and my contact is {who['contact']}.\n"
            f"In March {year}, guards at Camp 16 beat prisoners to death.\n"
            f"In {year - 1} security agents publicly executed three people in Hyesan.\n"
            f"{who['name'].split()[0]} saw it; {INTERVIEWER} wrote it down."
            + (f"\nMy sister Yeonok (연옥이) was taken by the MSS in {year}." if who is WEB_ID else ""))  # fmt: skip


def _long_date(iso: str) -> tuple[int, str, int]:
    import datetime

    d = datetime.date.fromisoformat(iso)
    return d.day, d.strftime("%B"), d.year


def hits(data: bytes, where: str) -> list[str]:
    low = data.lower()
    out = []
    for c in CANARIES:
        for enc in ("utf-8", "utf-16-le", "utf-16-be"):
            if c.lower().encode(enc) in low:
                out.append(f"{where}: {c!r} ({enc})")
    return out


def file_hits(root: Path) -> list[str]:
    return [h for f in sorted(root.rglob("*")) if f.is_file() for h in hits(f.read_bytes(), str(f))]


def table_hits(store: Any) -> list[str]:
    """Every column of every table: each row cast to text by the database, and raw bytes of binary columns."""
    meta = MetaData()
    meta.reflect(store.engine)
    found = []
    with store.engine.connect() as c:
        for t in meta.sorted_tables:
            if store.dialect == "postgresql":
                for (row,) in c.execute(text(f'SELECT CAST(t AS text) FROM "{t.name}" t')):
                    found += hits(row.encode(), f"{t.name} (row as text)")
            for row in c.execute(select(t)):
                for col, v in row._mapping.items():
                    if v is not None:
                        data = bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                        found += hits(data, f"{t.name}.{col}")
    return found


IDENTITY_PAGE = re.compile(r"/vault/(witnesses/W-\d{4}|interviews/I-\d{4})")


class Recorder:
    """Every request address and response (status, headers, body) a client sees."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, httpx.Response]] = []
        self.allowed: list[tuple[str, httpx.Response]] = []  # the custodian's own identity and interview pages

    def client(self, app: Any, *, custodian: bool = False, **kw: Any) -> TestClient:
        c = TestClient(app, **kw)
        c.event_hooks["response"].append(lambda r: self._keep(r, custodian))
        return c

    def _keep(self, r: httpx.Response, custodian: bool) -> None:
        r.read()
        mine = custodian and r.status_code == 200 and IDENTITY_PAGE.fullmatch(r.request.url.path)
        (self.allowed if mine else self.seen).append((str(r.request.url), r))

    def hits(self) -> list[str]:
        out = []
        for url, r in self.seen:
            out += hits(url.encode(), f"request {url}")
            out += hits(r.content + str(r.headers).encode(), f"response {r.request.method} {url}")
        for url, _ in self.allowed:
            out += hits(url.encode(), f"request {url}")
        return out


def sign_in(rec: Recorder, app: Any, username: str) -> tuple[TestClient, str]:
    c = rec.client(app, custodian=username == "custodian")
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"username": username, "password": PASSWORD, "csrf": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c, c.get("/api/me").json()["csrf"]


@pytest.fixture
def canary_env(db_url, tmp_path, tmp_path_factory, monkeypatch, caplog):
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("NKWATCH_HOME", str(home))
    monkeypatch.setenv("NKWATCH_DB", db_url)
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setenv("NKWATCH_VAULT_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("NKWATCH_BACKUP_PASSPHRASE", "a long backup passphrase")
    monkeypatch.setenv("NKWATCH_USER", "custodian")
    TempFiles(monkeypatch, str(tmp))
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements and their parameters
    given = tmp_path_factory.mktemp("given")  # the custodian's copy of the files they were handed: not ours
    return home, tmp, given


def test_canaries_through_every_entry_point_never_leave_the_vault(db_url, tmp_path, canary_env, caplog):
    home, tmp, given = canary_env
    runner, outputs = CliRunner(), []

    def run(*args: str, stdin: str | None = None, ok: bool = True) -> str:
        res = runner.invoke(cli, list(args), input=stdin)
        assert (res.exit_code == 0) == ok, res.output
        outputs.append((" ".join(args), res.output))
        return res.output

    # --- the store, users and the vault ------------------------------------------------------------------
    run("ingest", str(SAMPLE))
    store = open_store(db_url)
    with store.session() as s:
        keys.init_vault(s, passphrase=PASSPHRASE, kdf=FAST)  # the CLI's own `vault init` is tested elsewhere
        for role in ("viewer", "analyst", "editor", "custodian", "admin"):
            accounts.add_user(s, role, PASSWORD, role)
        _, token = accounts.create_token(s, accounts.get_user(s, "custodian"), "vault")

    # --- 1. the command line ---------------------------------------------------------------------------------
    assert "W-0001" in run("witness", "add", "--identity-file", "-", stdin=json.dumps(CLI_ID))
    (given / "statement.txt").write_text(statement_of(CLI_ID, 2020), encoding="utf-8")
    run("interview", "add", "W-0001", str(given / "statement.txt"), "--date", "2023-01-05",
        "--interviewer", INTERVIEWER)  # fmt: skip
    run("interview", "add", "W-0001", "--text", statement_of(CLI_ID, 2017), "--date", "2023-01-06",
        "--interviewer", INTERVIEWER)  # fmt: skip
    run("consent", "set", "W-0001", "publish")

    # --- 2. the web form -----------------------------------------------------------------------------------
    rec = Recorder()
    web = create_app(db_url, originals=home / "originals")
    cu, csrf = sign_in(rec, web, "custodian")
    assert cu.post("/vault/unlock", data={"passphrase": PASSPHRASE, "csrf": csrf}).status_code == 200
    form = {**WEB_ID, **WEB_FAMILY, "csrf": csrf, "risk_level": "extreme"}
    r = cu.post("/vault/witnesses", data=form, follow_redirects=False)
    wid = r.headers["location"].rsplit("/", 1)[1]
    assert wid == "W-0002"
    base = {"csrf": csrf, "date": "2023-03-01", "interviewer": INTERVIEWER, "place": "Orchwyn safe house"}
    cu.post(f"/vault/witnesses/{wid}/interviews", data={**base, "text": statement_of(WEB_ID, 2021)})
    cu.post(f"/vault/witnesses/{wid}/interviews", data=base,
            files={"file": ("statement.txt", statement_of(WEB_ID, 2016).encode(), "text/plain")})  # fmt: skip
    big = docx_bytes(statement_of(WEB_ID, 2015), pad=2 << 20)
    cu.post(f"/vault/witnesses/{wid}/interviews", data=base, files={"file": ("statement.docx", big)})
    cu.post(f"/vault/witnesses/{wid}/consent", data={"csrf": csrf, "scope": "publish"})

    # --- 3. the API with a bearer token ----------------------------------------------------------------------
    api = rec.client(web, headers={"Authorization": f"Bearer {token}"})
    assert api.post("/api/vault/unlock", json={"passphrase": PASSPHRASE}).status_code == 200
    r = api.post("/api/vault/witnesses", json={"identity": API_ID})
    assert r.status_code == 201 and r.json()["id"] == "W-0003"
    assert api.post("/api/vault/witnesses/W-0003/interviews",
                    json={"text": statement_of(API_ID, 2022), "interviewer": INTERVIEWER}).status_code == 201
    assert api.post("/api/vault/witnesses/W-0003/interviews", data={"date": "2023-04-01", "interviewer": INTERVIEWER},
                    files={"file": ("s.docx", docx_bytes(statement_of(API_ID, 2014)))}).status_code == 201
    assert api.post("/api/vault/witnesses/W-0003/interviews", data={"language": "en", "interviewer": INTERVIEWER},
                    files={"file": ("s.txt", statement_of(API_ID, 2013).encode("utf-8"))}).status_code == 201
    with store.session() as s:
        assert s.query(Witness).count() == 3 and s.query(Interview).count() == 8

    # --- extract, link, review ---------------------------------------------------------------------------
    run("extract", "--all")
    run("link")
    with store.session() as s:
        t_sources = list(s.scalars(select(Source.id).where(Source.kind == "testimony")))
        t_claims = list(s.scalars(select(Claim.id).where(Claim.source_id.in_(t_sources))))
        t_incidents = sorted({i for i in s.scalars(select(Claim.incident_id).where(Claim.id.in_(t_claims))) if i})
    assert len(t_sources) == 8 and t_claims and t_incidents
    ed, ecsrf = sign_in(rec, web, "editor")
    assert ed.post(f"/review/claims/{t_claims[0]}/confirm", data={"csrf": ecsrf}).status_code == 200
    for iid in t_incidents:  # the disclosure check refuses (fewer than k witnesses): its message is scanned
        ed.post(f"/incidents/{iid}/publish", data={"csrf": ecsrf})
    with store.session() as s:  # as if k witnesses had allowed it: the public pages then show testimony
        s.execute(update(Incident).where(Incident.id.in_(t_incidents[:3])).values(status="publishable"))

    # --- serve every page as every role --------------------------------------------------------------------
    public = create_app(db_url, originals=home / "originals", public=True)
    ids = {"{incident_id}": t_incidents, "{claim_id}": t_claims, "{source_id}": t_sources,
           "{witness_id}": ["W-0001", "W-0002", "W-0003"], "{interview_id}": [f"I-{n:04}" for n in range(1, 9)],
           "{token_id}": ["1"], "{user_id}": ["1"]}  # fmt: skip
    extra = ["/claims?source=" + t_sources[0], "/search?q=Hyesan", "/search?q=Camp", "/incidents?q=Hyesan",
             "/api/search?q=Hyesan", "/api/claims?per_page=500", "/api/sources", "/incidents?per_page=500",
             f"/api/sources/{t_sources[0]}", "/export?act=torture", "/api/incidents?per_page=500"]  # fmt: skip
    gets = [p for m, p, _ in routes(web) if m == "GET" and p != "/static"]
    clients: dict[str, TestClient] = {"anonymous": rec.client(web), "public": rec.client(public)}
    for role in ("viewer", "analyst", "editor", "admin"):
        clients[role] = sign_in(rec, web, role)[0]
    clients["custodian"] = cu  # unlocked
    served = 0
    for role in ROLES:
        c = clients[role]
        for p in gets:
            names = [k for k in ids if k in p]
            for value in ids[names[0]] if names else [None]:
                url = p.replace(names[0], value) if names else p
                r = c.get(url, follow_redirects=False)
                served += 1
                if role == "custodian" and IDENTITY_PAGE.fullmatch(url):  # shows what was planted: it was there
                    assert r.status_code == 200 and hits(r.content, url), url
        for url in extra:
            c.get(url, follow_redirects=False)
    assert served > 500
    assert len(rec.allowed) >= 11

    # --- export every format, for every audience (web and CLI) ------------------------------------------------
    out = home / "exports"
    out.mkdir(parents=True)
    for fmt in ("csv", "json", "jsonl"):
        for who in ("public", "internal", "OHCHR"):
            for what in ("claims", "incidents"):
                r = cu.get(f"/export/{what}?format={fmt}&audience={who}")
                assert r.status_code == 200
                (out / f"web-{what}-{who}.{fmt}").write_bytes(r.content)
                run("export", what, "--format", fmt, "--audience", who, "-o", str(out / f"cli-{what}-{who}.{fmt}"))
        clients["analyst"].get(f"/export/claims?format={fmt}")
    assert "Camp 16" in (out / "web-claims-internal.jsonl").read_text()  # testimony claims did go out...
    assert "Camp 16" in (out / "cli-claims-internal.csv").read_text()

    # --- everything else a custodian or editor runs, and a backup ---------------------------------------------
    for args in (["claims"], ["sources"], ["search", "Hyesan"], ["incidents"], ["audit", "log"], ["audit", "verify"],
                 ["witness", "list"], ["vault", "status"], ["incident", t_incidents[0]], ["show", t_claims[0]]):
        run(*args)
    run("backup", str(home / "store.nkwbak"))
    cu.post("/logout", data={"csrf": csrf})
    assert api.post("/api/vault/lock").json() == {"locked": True}
    assert not web.state.nk.keyring._entries

    # --- search every byte ----------------------------------------------------------------------------------
    found = file_hits(tmp_path)  # the store still open: -wal and -shm are there on SQLite
    found += table_hits(store)
    found += rec.hits()
    found += [h for cmd, o in outputs for h in hits(o.encode(), f"output of nkwatch {cmd}")]
    found += hits(caplog.text.encode(), "log")
    assert any("INSERT INTO vault_witnesses" in r.getMessage() for r in caplog.records), "SQL was not logged"
    assert (home / "store.nkwbak").stat().st_size > 0
    for a in (web, public):
        a.state.nk.store.close()
    store.close()
    assert found == [], "\n".join(found[:50])
