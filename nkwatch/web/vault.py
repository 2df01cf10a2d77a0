"""The witness vault in the browser and the API: custodians only (permission "vault").

A custodian unlocks the vault with its passphrase; the `UnlockedVault` is kept in this process's memory,
for that session only (nkwatch.web.keyring), and is dropped on sign-out, on "Lock" and after an idle time.
Every other role gets 403 on every route here. What the pages do goes through nkwatch.vault.records, which
audits each read and change. Identities appear only in the responses of the custodian's own witness pages
(sent with Cache-Control: no-store like every page); forms are posted, never put in an address, so no
identifying value reaches an access log. Testimony uploads are read into memory only (nkwatch.web.memform).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from nkwatch.review.audit import append
from nkwatch.vault import VaultError, VaultLocked, records
from nkwatch.vault import keys as vault_keys
from nkwatch.vault.models import Consent, Interview, VaultKeys, Witness
from nkwatch.web.keyring import credential_key
from nkwatch.web.memform import FormError, form_limit, memory_form, memory_json
from nkwatch.web.render import page, redirect
from nkwatch.web.security import SESSION_COOKIE, Principal, require
from nkwatch.web.state import web_state

router = APIRouter()
api_router = APIRouter(prefix="/api/vault", tags=["vault"], default_response_class=JSONResponse)
# Every vault form is read into memory only (nkwatch.web.memform), the CSRF check included.
VAULT = Depends(require("vault", memory_form=True))
LANGUAGES = ("en", "ko")


# --- the keyring ------------------------------------------------------------------------------------------


def credential(request: Request, p: Principal) -> str | None:
    """What this request's vault is keyed to: the session cookie, or the bearer token (by their SHA-256)."""
    if p.via == "token":
        header = request.headers.get("authorization", "")
        return credential_key("token", header[7:].strip())
    token = request.cookies.get(SESSION_COOKIE)
    return credential_key("session", token) if token else None


def unlocked(request: Request, p: Principal) -> vault_keys.UnlockedVault | None:
    return web_state(request).keyring.get(credential(request, p), p.user_id)


def lock_session(request: Request) -> None:
    """Called on sign-out: the session's vault goes with it."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        web_state(request).keyring.lock(credential_key("session", token))


def _unlock(request: Request, p: Principal, passphrase: str) -> None:
    """Unlock for this credential, or raise VaultError with the reason (wrong passphrase, key-file vault...)."""
    st, key = web_state(request), credential(request, p)
    if key is None:
        raise VaultError("sign in again to unlock the vault")
    if st.keyring.too_many_failures(key):
        raise VaultError("too many wrong passphrases: wait 15 minutes and try again")
    try:
        with st.store.session() as s:
            row = s.get(VaultKeys, 1)
            if row is not None and row.mode == "keyfile":
                raise VaultError("this vault opens with a key file, which the web app does not take: unlock it "
                                 "on the command line, or rotate it to a passphrase (`nkwatch vault rotate`)")
            vault = vault_keys.unlock(s, passphrase=passphrase or None)
            append(s, actor=p.username or "unknown", action="vault.unlock", target_type="vault", target_id="web",
                   before=None, after={"via": p.via})  # fmt: skip
    except VaultError:
        st.keyring.failed(key)
        raise
    st.keyring.put(key, p.user_id or 0, vault)


# --- reading ----------------------------------------------------------------------------------------------


def _counts(s: Any) -> dict[str, Any]:
    return {"initialised": vault_keys.is_initialised(s),
            "witnesses": s.scalar(select(func.count()).select_from(Witness)) or 0,
            "interviews": s.scalar(select(func.count()).select_from(Interview)) or 0}  # fmt: skip


def _consent_text(c: Consent | None) -> str:
    if c is None:
        return "none"
    return c.scope + (f" ({', '.join(c.bodies)})" if c.scope == "share" and c.bodies else "")


def _witness_rows(s: Any) -> list[dict[str, Any]]:
    """Pseudonym, risk, current consent and interviews of every witness: nothing sealed, no key needed."""
    n_int = dict(s.execute(select(Interview.witness_id, func.count()).group_by(Interview.witness_id)).all())
    current = {c.witness_id: c for c in s.scalars(select(Consent).where(Consent.withdrawn_at.is_(None))
                                                  .order_by(Consent.id))}  # fmt: skip
    return [{"id": w.id, "risk_level": w.risk_level, "created_at": w.created_at,
             "consent": _consent_text(current.get(w.id)), "interviews": n_int.get(w.id, 0)}
            for w in s.scalars(select(Witness).order_by(Witness.id))]  # fmt: skip


def locked_page(request: Request, status: int = 423, error: str | None = None) -> HTMLResponse:
    with web_state(request).store.session() as s:
        counts = _counts(s)
    return page(request, "vault_locked.html", status_code=status, counts=counts, error=error)


@router.get("/vault", response_class=HTMLResponse)
def vault_home(request: Request, p: Principal = VAULT) -> HTMLResponse:
    if unlocked(request, p) is None:
        return locked_page(request, 200)
    with web_state(request).store.session() as s:
        rows, counts = _witness_rows(s), _counts(s)
    return page(request, "vault.html", rows=rows, counts=counts,
                idle_minutes=round(web_state(request).keyring.idle_seconds / 60))  # fmt: skip


@router.post("/vault/unlock")
async def vault_unlock(request: Request, p: Principal = VAULT) -> Response:
    form = await memory_form(request, form_limit(request))
    try:
        await run_in_threadpool(_unlock, request, p, str(form.get("passphrase") or ""))
    except VaultError as e:
        return locked_page(request, 401, str(e))
    return redirect(request, "/vault", "Vault unlocked for this session")


@router.post("/vault/lock")
def vault_lock(request: Request, p: Principal = VAULT) -> Response:
    web_state(request).keyring.lock(credential(request, p))
    return redirect(request, "/vault", "Vault locked")


def _need_vault(request: Request, p: Principal) -> vault_keys.UnlockedVault:
    v = unlocked(request, p)
    if v is None:
        raise VaultLocked("this")
    return v


@router.get("/vault/witnesses/new", response_class=HTMLResponse)
def witness_form(request: Request, p: Principal = VAULT) -> HTMLResponse:
    if unlocked(request, p) is None:
        return locked_page(request)
    return page(request, "vault_witness_new.html", fields={}, risk="high", risks=records.RISK_LEVELS,
                relatives=_relatives({}))


RELATIVE_ROWS = 4  # rows of the "family still in North Korea" table on the form


def identity_from(form: FormData | dict[str, Any]) -> dict[str, Any]:
    """The identity fields of a form or JSON object, cleaned a little (lists, the escape year as a number).
    Relatives come from the form's table (relation, name, name in Hangul per row), never from free text: a
    name typed into a sentence is a name nobody can mask."""
    out: dict[str, Any] = {}
    for k in records.IDENTITY_FIELDS:
        v = form.get(k)
        if isinstance(v, str):
            v = v.strip()
            if k == "other_names" and v:
                v = [x.strip() for x in v.replace(";", ",").split(",") if x.strip()]
            elif k == "escape_year" and v.isdigit():
                v = int(v)
        if v not in (None, "", []):
            out[k] = v
    if isinstance(form, FormData) and "family_in_dprk" not in form:
        rows = zip(*(form.getlist(f"family_{f}") for f in ("relation", "name", "name_hangul")), strict=False)
        family = [{k: v.strip() for k, v in zip(("relation", "name", "name_hangul"), row, strict=True)
                   if isinstance(v, str) and v.strip()} for row in rows]  # fmt: skip
        if family := [r for r in family if r.get("name") or r.get("name_hangul")]:
            out["family_in_dprk"] = family
    return out


def _relatives(form: FormData | dict[str, Any]) -> list[dict[str, str]]:
    """The relative rows to show again on the form (what was typed, padded with empty rows)."""
    rows: list[dict[str, str]] = []
    if isinstance(form, FormData):
        cols = [form.getlist(f"family_{f}") for f in ("relation", "name", "name_hangul")]
        rows = [dict(zip(("relation", "name", "name_hangul"), (str(x) for x in r), strict=True))
                for r in zip(*cols, strict=False)]  # fmt: skip
    return (rows + [{}] * RELATIVE_ROWS)[: max(RELATIVE_ROWS, len(rows))]


@router.post("/vault/witnesses", response_model=None)
async def witness_add(request: Request, p: Principal = VAULT) -> Response:
    form = await memory_form(request, form_limit(request))
    identity, risk = identity_from(form), str(form.get("risk_level") or "high")
    st = web_state(request)
    vault = unlocked(request, p)
    if vault is None:  # locked (idle) while the form was open: say so, and do not echo what was typed
        return locked_page(request, 423, "The vault locked itself before the witness was saved: unlock it and "
                                          "enter the witness again.")  # fmt: skip

    def add() -> tuple[str | None, list[str]]:
        with st.store.session() as s:
            dups = records.duplicates(s, vault, identity)
            if dups and form.get("confirm_duplicate") != "1":
                return None, dups
            return records.add_witness(s, vault, identity, actor=p.username or "unknown", risk_level=risk).id, dups

    try:
        wid, dups = await run_in_threadpool(add)
    except VaultError as e:
        return page(request, "vault_witness_new.html", status_code=400, fields=form, risk=risk,
                    risks=records.RISK_LEVELS, error=str(e), relatives=_relatives(form))  # fmt: skip
    if wid is None:  # the custodian sees what they typed again, and decides
        return page(request, "vault_witness_new.html", status_code=409, fields=form, risk=risk,
                    risks=records.RISK_LEVELS, duplicates=dups, relatives=_relatives(form))  # fmt: skip
    return redirect(request, f"/vault/witnesses/{wid}", f"Witness {wid} added")


@router.get("/vault/witnesses/{witness_id}", response_class=HTMLResponse)
def witness_page(request: Request, witness_id: str, p: Principal = VAULT) -> HTMLResponse:
    vault = unlocked(request, p)
    if vault is None:
        return locked_page(request)
    with web_state(request).store.session() as s:
        w = s.get(Witness, witness_id)
        if w is None:
            raise LookupError(f"no witness {witness_id}")
        identity = records.read_identity(s, vault, w.id, actor=p.username or "unknown")  # audited
        interviews = [{"id": i.id, "source_id": i.source_id, "created_at": i.created_at}
                      for i in s.scalars(select(Interview).where(Interview.witness_id == w.id).order_by(Interview.id))]
        consents = list(s.scalars(select(Consent).where(Consent.witness_id == w.id).order_by(Consent.id.desc())))
        consents = [{"scope": c.scope, "bodies": c.bodies, "given_at": c.given_at, "withdrawn_at": c.withdrawn_at,
                     "recorded_by": c.recorded_by} for c in consents]  # fmt: skip
        current = next((c for c in consents if c["withdrawn_at"] is None), None)
        wrow = {"id": w.id, "risk_level": w.risk_level, "created_at": w.created_at}
    return page(request, "vault_witness.html", w=wrow, identity=identity, interviews=interviews,
                consents=consents, current=current, scopes=records.CONSENT_SCOPES, languages=LANGUAGES,
                max_mb=web_state(request).max_upload_bytes // (1024 * 1024))  # fmt: skip


@router.get("/vault/interviews/{interview_id}", response_class=HTMLResponse)
def interview_page(request: Request, interview_id: str, p: Principal = VAULT) -> HTMLResponse:
    vault = unlocked(request, p)
    if vault is None:
        return locked_page(request)
    with web_state(request).store.session() as s:
        i = s.get(Interview, interview_id)
        if i is None:
            raise LookupError(f"no interview {interview_id}")
        data = records.read_interview(s, vault, i.id, actor=p.username or "unknown")  # audited
        info = {"id": i.id, "witness_id": i.witness_id, "source_id": i.source_id}
    file = data.get("file") or {}
    return page(request, "vault_interview.html", i=info, data=data, file_name=file.get("name"),
                attachments=[a.get("name") for a in data.get("attachments") or []])  # fmt: skip


# --- interviews and consent -------------------------------------------------------------------------------


async def _file_of(form: FormData, name: str = "file") -> tuple[str, bytes] | None:
    f = form.get(name)
    if isinstance(f, UploadFile):
        data = await f.read()
        if data:
            return (f.filename or "testimony.txt", data)
    return None


def _record_interview(request: Request, p: Principal, vault: vault_keys.UnlockedVault, wid: str,
                      fields: dict[str, Any],
                      file: tuple[str, bytes] | None) -> tuple[str, str | None, int]:  # fmt: skip
    """Add the interview (sealed; its redacted text a testimony source with claims), then link its claims."""
    from nkwatch.store.models import Claim
    from nkwatch.web.upload import _link_new

    st = web_state(request)
    text = (fields.get("text") or "").strip() or None
    with st.store.session() as s:
        i = records.add_interview(s, vault, wid, text=None if file else text, file=file,
                                  interview_date=fields.get("date") or None, place=fields.get("place") or None,
                                  interviewer=fields.get("interviewer") or None,
                                  language=fields.get("language") or "en", actor=p.username or "unknown",
                                  max_bytes=st.max_upload_bytes)  # fmt: skip
        iid, sid = i.id, i.source_id
    if sid:
        _link_new(st.store, [sid])
    with st.store.session() as s:
        n = s.scalar(select(func.count()).select_from(Claim).where(Claim.source_id == sid)) or 0
    return iid, sid, n


_INTERVIEW_FIELDS = ("text", "date", "place", "interviewer", "language")


@router.post("/vault/witnesses/{witness_id}/interviews", response_model=None)
async def interview_add(request: Request, witness_id: str, p: Principal = VAULT) -> Response:
    form = await memory_form(request, form_limit(request))
    vault = unlocked(request, p)
    if vault is None:
        return locked_page(request, 423, "The vault locked itself before the interview was saved: unlock it and "
                                          "add the interview again.")  # fmt: skip
    fields = {k: str(form.get(k) or "") for k in _INTERVIEW_FIELDS}
    file = await _file_of(form)
    try:
        iid, sid, n = await run_in_threadpool(_record_interview, request, p, vault, witness_id, fields, file)
    except VaultError as e:
        return redirect(request, f"/vault/witnesses/{witness_id}", f"The interview was not added: {e}")
    return redirect(request, f"/vault/witnesses/{witness_id}",
                    f"Interview {iid} added; its redacted testimony has {n} claim{'s' if n != 1 else ''}")


@router.post("/vault/witnesses/{witness_id}/consent")
async def consent_set(request: Request, witness_id: str, p: Principal = VAULT) -> Response:
    form = await memory_form(request, form_limit(request))
    bodies = [b.strip() for b in str(form.get("bodies") or "").replace(";", ",").split(",") if b.strip()]
    scope = str(form.get("scope") or "")
    if unlocked(request, p) is None:  # widening what may be shared takes the key holder's full authority...
        return locked_page(request)
    try:
        with web_state(request).store.session() as s:
            if s.get(Witness, witness_id) is None:
                raise LookupError(f"no witness {witness_id}")
            records.set_consent(s, witness_id, scope, bodies=bodies, actor=p.username or "unknown")
    except VaultError as e:
        return redirect(request, f"/vault/witnesses/{witness_id}", f"Consent not recorded: {e}")
    return redirect(request, f"/vault/witnesses/{witness_id}", f"Consent recorded: {scope}")


@router.post("/vault/witnesses/{witness_id}/consent/withdraw")
def consent_withdraw(request: Request, witness_id: str, p: Principal = VAULT) -> Response:
    # ...withdrawing never waits for the passphrase: it only narrows what goes out, and may be urgent.
    with web_state(request).store.session() as s:
        if s.get(Witness, witness_id) is None:
            raise LookupError(f"no witness {witness_id}")
        n = records.withdraw_consent(s, witness_id, actor=p.username or "unknown")
    return redirect(request, f"/vault/witnesses/{witness_id}",
                    "Consent withdrawn: every later export leaves this witness's testimony out" if n
                    else "There was no consent to withdraw")  # fmt: skip


# --- JSON API ---------------------------------------------------------------------------------------------


class UnlockBody(BaseModel):
    passphrase: str = Field(..., min_length=1, max_length=1024)


class WitnessBody(BaseModel):
    identity: dict[str, Any] = Field(..., description=f"Identity fields: {', '.join(records.IDENTITY_FIELDS)}")
    risk_level: str = Field("high", description=f"One of {', '.join(records.RISK_LEVELS)}")
    allow_duplicate: bool = Field(False, description="Add even when a witness with this name and date of "
                                  "birth exists (otherwise 409 with the matching pseudonyms)")  # fmt: skip


@api_router.get("")
def api_status(request: Request, p: Principal = VAULT) -> dict[str, Any]:
    """Whether the vault exists and is unlocked for this token or session, and how much it holds."""
    with web_state(request).store.session() as s:
        return dict(_counts(s), unlocked=unlocked(request, p) is not None)


@api_router.post("/unlock")
async def api_unlock(request: Request, body: UnlockBody, p: Principal = VAULT) -> dict[str, Any]:
    """Unlock the vault for this bearer token (or session) until /api/vault/lock, sign-out or the idle time."""
    try:
        await run_in_threadpool(_unlock, request, p, body.passphrase)
    except VaultError as e:
        return JSONResponse({"detail": str(e)}, status_code=401)  # type: ignore[return-value]
    return {"unlocked": True}


@api_router.post("/lock")
def api_lock(request: Request, p: Principal = VAULT) -> dict[str, Any]:
    return {"locked": web_state(request).keyring.lock(credential(request, p))}


@api_router.post("/witnesses")
def api_witness_add(request: Request, body: WitnessBody, p: Principal = VAULT) -> JSONResponse:
    """Add a witness; the answer holds only the pseudonym (and matching pseudonyms on 409)."""
    vault = _need_vault(request, p)
    unknown = {k: v for k, v in body.identity.items() if k not in records.IDENTITY_FIELDS}  # refused, by name
    identity = identity_from(body.identity) | unknown
    with web_state(request).store.session() as s:
        dups = records.duplicates(s, vault, identity)
        if dups and not body.allow_duplicate:
            return JSONResponse({"detail": "a witness with this name and date of birth exists", "duplicates": dups},
                                status_code=409)  # fmt: skip
        w = records.add_witness(s, vault, identity, actor=p.username or "unknown", risk_level=body.risk_level)
        return JSONResponse({"id": w.id, "risk_level": w.risk_level, "duplicates": dups}, status_code=201)


INTERVIEW_SCHEMA = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}, **{k: {"type": "string"} for k in _INTERVIEW_FIELDS}}}},
    "application/json": {"schema": {"type": "object", "required": ["text"],
                                    "properties": {k: {"type": "string"} for k in _INTERVIEW_FIELDS}}}}}}  # fmt: skip


@api_router.post("/witnesses/{witness_id}/interviews", openapi_extra=INTERVIEW_SCHEMA)
async def api_interview_add(request: Request, witness_id: str, p: Principal = VAULT) -> JSONResponse:
    """Add an interview as JSON (`text`) or multipart (`file`: any format the readers take), with `date`,
    `place`, `interviewer`, `language`. Read into memory only. Answers the interview and source ids."""
    vault = _need_vault(request, p)
    if request.headers.get("content-type", "").startswith("application/json"):
        data = await memory_json(request, form_limit(request))
        wrong = [k for k in _INTERVIEW_FIELDS if data.get(k) is not None and not isinstance(data[k], str)]
        if wrong:
            raise FormError(f"{', '.join(wrong)} must be text (a JSON string)")
        fields, file = {k: data.get(k) or "" for k in _INTERVIEW_FIELDS}, None
    else:
        form = await memory_form(request, form_limit(request))
        fields, file = {k: str(form.get(k) or "") for k in _INTERVIEW_FIELDS}, await _file_of(form)
    with web_state(request).store.session() as s:
        if s.get(Witness, witness_id) is None:
            raise LookupError(f"no witness {witness_id}")
    iid, sid, n = await run_in_threadpool(_record_interview, request, p, vault, witness_id, fields, file)
    return JSONResponse({"id": iid, "witness_id": witness_id, "source_id": sid, "claims": n}, status_code=201)
