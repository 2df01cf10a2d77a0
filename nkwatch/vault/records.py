"""Witnesses, interviews and consents: the vault's operations, each audited without identifying values.

Every function takes the caller's session (one transaction) and, where it touches sealed data, an
`UnlockedVault`; a `None` vault means locked and raises `VaultLocked`. Audit entries name the record
(pseudonym, interview id) and the action, never a value from inside the vault.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from nkwatch.extract import EXTRACTOR_VERSION, extract_claims
from nkwatch.ingest.readers import MAX_BYTES, ReadError, read_document
from nkwatch.review.audit import append
from nkwatch.store.db import SCRUB
from nkwatch.store.models import Claim, Source, utcnow
from nkwatch.store.writes import insert_claims, merge_claims
from nkwatch.vault.blind import blind_index, blind_indexes, keyed_source_id
from nkwatch.vault.crypto import new_key, open_sealed, seal
from nkwatch.vault.errors import ConsentError, VaultError, VaultLocked
from nkwatch.vault.keys import UnlockedVault
from nkwatch.vault.models import BlindIndex, Consent, Interview, Witness
from nkwatch.vault.redact import mask_identities, redact

IDENTITY_FIELDS = ("name", "name_hangul", "other_names", "date_of_birth", "sex", "home_town", "province",
                   "escape_year", "family_in_dprk", "contact")  # fmt: skip
RISK_LEVELS = ("low", "medium", "high", "extreme")
CONSENT_SCOPES = ("internal", "share", "publish")  # each allows the ones before it


def _need(vault: UnlockedVault | None, what: str) -> UnlockedVault:
    if vault is None:
        raise VaultLocked(what)
    return vault


def _sealed(vault: UnlockedVault, kind: str, rid: str, value: dict[str, Any]) -> tuple[bytes, bytes]:
    data_key = new_key()
    payload = seal(data_key, json.dumps(value, ensure_ascii=False, sort_keys=True).encode(), f"{kind}:{rid}")
    return vault.wrap(data_key, f"{kind}:{rid}"), payload


def _unsealed(vault: UnlockedVault, kind: str, rid: str, wrapped: bytes, payload: bytes) -> dict[str, Any]:
    data_key = vault.unwrap(wrapped, f"{kind}:{rid}")
    return json.loads(open_sealed(data_key, payload, f"{kind}:{rid}", f"the record {rid}"))


def _next_id(s: Session, model: type, prefix: str) -> str:
    n = s.scalar(select(func.count()).select_from(model)) or 0
    while s.get(model, f"{prefix}-{n + 1:04}") is not None:
        n += 1
    return f"{prefix}-{n + 1:04}"


RELATIVE_FIELDS = ("relation", "name", "name_hangul", "other_names")


def _text(field: str, v: Any) -> None:
    """Refuse what is not text (a number for a name, a lone surrogate that cannot be stored or masked)."""
    values = v if isinstance(v, list) else [v]
    for x in values:
        if not isinstance(x, str):
            raise VaultError(f"{field} must be text")
        try:
            x.encode("utf-8")
        except UnicodeEncodeError:
            raise VaultError(f"{field} contains characters that are not text (a broken character encoding)") from None


def clean_identity(identity: dict[str, Any]) -> dict[str, Any]:
    """The identity as stored, or VaultError naming the field that is wrong. Relatives are a list of objects
    with the fields of RELATIVE_FIELDS: their names must be values to be masked, never words in a sentence."""
    if not isinstance(identity, dict):
        raise VaultError("an identity is an object of fields")
    unknown = set(identity) - set(IDENTITY_FIELDS)
    if unknown:
        raise VaultError(f"unknown identity fields: {', '.join(sorted(unknown))} (known: {', '.join(IDENTITY_FIELDS)})")
    for k, v in identity.items():
        if v in (None, "", []):
            continue
        if k == "escape_year":
            if not isinstance(v, int) or isinstance(v, bool) or not 1945 <= v <= 2100:
                raise VaultError("escape_year must be a year, e.g. 2019")
        elif k == "family_in_dprk":
            if not isinstance(v, list) or not all(isinstance(r, dict) for r in v):
                raise VaultError('family_in_dprk is a list of relatives, each {"relation": "sister", "name": '
                                 '"...", "name_hangul": "..."}: names written into free text cannot be masked')
            for r in v:
                if set(r) - set(RELATIVE_FIELDS):
                    raise VaultError(f"a relative has the fields {', '.join(RELATIVE_FIELDS)}")
                for rk, rv in r.items():
                    _text(f"family_in_dprk.{rk}", rv)
        else:
            _text(k, v)
    if identity.get("date_of_birth"):
        try:
            date.fromisoformat(str(identity["date_of_birth"]))
        except ValueError:
            raise VaultError("the date of birth must be written YYYY-MM-DD") from None
    if identity.get("sex") not in (None, "", "female", "male", "other"):
        raise VaultError("sex must be female, male or other")
    return {k: v for k, v in identity.items() if v not in (None, "")}


def duplicates(s: Session, vault: UnlockedVault | None, identity: dict[str, Any]) -> list[str]:
    """Pseudonyms of witnesses with the same name and date of birth (exact match, through the blind index)."""
    v = _need(vault, "a duplicate check")
    digests = blind_indexes(v.index_key, clean_identity(identity))
    if not digests:
        return []
    q = select(BlindIndex.witness_id).where(BlindIndex.digest.in_(digests)).distinct().order_by(BlindIndex.witness_id)
    return list(s.scalars(q))


def _index(s: Session, vault: UnlockedVault, w: Witness, identity: dict[str, Any]) -> None:
    """(Re)write the blind-index rows of a witness."""
    w.blind_index = blind_index(vault.index_key, identity)
    s.query(BlindIndex).filter(BlindIndex.witness_id == w.id).delete()
    s.add_all(BlindIndex(digest=d, witness_id=w.id) for d in blind_indexes(vault.index_key, identity))


def add_witness(s: Session, vault: UnlockedVault | None, identity: dict[str, Any], *, actor: str,
                risk_level: str = "high") -> Witness:  # fmt: skip
    v = _need(vault, "adding a witness")
    if risk_level not in RISK_LEVELS:
        raise VaultError(f"risk level must be one of {', '.join(RISK_LEVELS)}")
    identity = clean_identity(identity)
    wid = _next_id(s, Witness, "W")
    wrapped, sealed = _sealed(v, "witness", wid, identity)
    w = Witness(id=wid, risk_level=risk_level, wrapped_key=wrapped, identity=sealed)
    s.add(w)
    s.flush()
    _index(s, v, w, identity)
    s.flush()
    append(s, actor=actor, action="vault.witness.add", target_type="witness", target_id=wid, before=None,
           after={"risk_level": risk_level, "fields": sorted(identity),
                  "testimonies_masked_again": _mask_everywhere(s, identity)})  # fmt: skip
    return w


def _mask_everywhere(s: Session, identity: dict[str, Any]) -> int:
    """Mask `identity` in every testimony source already stored (a witness added or changed after others
    named them), re-extract those sources' claims, and mask the quotes of claims people kept. Works on the
    clear, already-masked text: masking is monotone, so nothing needs decrypting. Returns sources changed.

    What it cannot reach: audit entries and exports or backups written before (see the README)."""
    changed = 0
    ids = {sid for sid in s.scalars(select(Interview.source_id)) if sid}
    for src in s.scalars(select(Source).where(Source.id.in_(ids))) if ids else []:
        masked, n = mask_identities(src.text, [identity])
        if not n:
            continue
        src.text, src.size_bytes = masked, len(masked.encode())
        merge_claims(s, src.id, extract_claims(masked, published_at=src.published_at, source_id=src.id,
                                               language=src.language))  # fmt: skip
        for c in s.scalars(select(Claim).where(Claim.source_id == src.id)):
            quote, m = mask_identities(c.quote, [identity])
            if m:  # a claim a person reviewed keeps its fields; its quote loses the name
                c.quote = quote
                s.flush()
                if s.get_bind().dialect.name == "sqlite":  # the FTS table has no update trigger for quotes
                    s.execute(sql("DELETE FROM claims_fts WHERE claim_id = :id"), {"id": c.id})
                    s.execute(sql("INSERT INTO claims_fts(claim_id, quote) VALUES (:id, :q)"), {"id": c.id, "q": quote})
        changed += 1
    if changed and s.get_bind().dialect.name == "sqlite":
        # FTS5 only marks a deleted row's tokens as deleted: the words stay in the index's pages until its
        # segments are merged. Merging them now (secure_delete zeroes the freed pages) and emptying the
        # write-ahead log after the commit (Store.scrub) leaves the old words in no byte of any file.
        for table in ("sources_fts", "claims_fts"):
            s.execute(sql(f"INSERT INTO {table}({table}) VALUES ('optimize')"))
        s.info[SCRUB] = True
    return changed


def _witness(s: Session, wid: str) -> Witness:
    w = s.get(Witness, wid)
    if w is None:
        raise VaultError(f"no witness {wid}")
    return w


def read_identity(s: Session, vault: UnlockedVault | None, wid: str, *, actor: str) -> dict[str, Any]:
    """A custodian reads who a witness is; the read itself is audited."""
    v = _need(vault, "reading a witness's identity")
    w = _witness(s, wid)
    identity = _unsealed(v, "witness", wid, w.wrapped_key, w.identity)
    append(s, actor=actor, action="vault.witness.read", target_type="witness", target_id=wid, before=None, after=None)
    return identity


def update_identity(s: Session, vault: UnlockedVault | None, wid: str, changes: dict[str, Any], *,
                    actor: str) -> None:  # fmt: skip
    v = _need(vault, "changing a witness's identity")
    w = _witness(s, wid)
    identity = clean_identity({**_unsealed(v, "witness", wid, w.wrapped_key, w.identity), **changes})
    w.wrapped_key, w.identity = _sealed(v, "witness", wid, identity)
    _index(s, v, w, identity)
    append(s, actor=actor, action="vault.witness.update", target_type="witness", target_id=wid, before=None,
           after={"fields": sorted(changes), "testimonies_masked_again": _mask_everywhere(s, identity)})  # fmt: skip


def identities(s: Session, vault: UnlockedVault | None, *, actor: str) -> dict[str, dict[str, Any]]:
    """Every identity (for the disclosure check and for masking): one audited bulk read."""
    v = _need(vault, "reading identities")
    out = {w.id: _unsealed(v, "witness", w.id, w.wrapped_key, w.identity) for w in s.scalars(select(Witness))}
    append(s, actor=actor, action="vault.witness.read_all", target_type="witness", target_id="*", before=None,
           after={"count": len(out)})  # fmt: skip
    return out


def add_interview(s: Session, vault: UnlockedVault | None, wid: str, *, text: str | None = None,
                  file: tuple[str, bytes] | None = None, interview_date: str | None = None,
                  place: str | None = None, interviewer: str | None = None, language: str = "en",
                  attachments: list[tuple[str, bytes]] = (), actor: str,  # type: ignore[assignment]
                  max_bytes: int = MAX_BYTES) -> Interview:  # fmt: skip
    """Record an interview and make its redacted text a `testimony` source with extracted claims.

    The testimony comes as `text` or as a file's bytes (any format the readers take), in memory only.
    The sealed payload keeps the full text, the original file and attachments; the source keeps only the
    masked text, cites the pseudonym as publisher, and has a keyed id (see `keyed_source_id`)."""
    v = _need(vault, "recording an interview")
    if (text is None) == (file is None):
        raise VaultError("give the testimony as text or as one file, not both")
    if file is not None:
        name, data = file
        try:
            text = read_document(name, data, max_bytes=max_bytes).text
        except ReadError as e:  # the reader's reason names the format problem, never the content
            raise VaultError(f"the testimony file cannot be read: {e}") from None
    assert text is not None
    _text("the testimony", text)
    for field, value in (("the interviewer", interviewer), ("the place", place)):
        if value is not None:
            _text(field, value)
    if not text.strip():
        raise VaultError("the testimony is empty")
    if not re.fullmatch(r"[a-z]{2}", language or ""):
        raise VaultError("the language must be an ISO 639-1 code such as 'en' or 'ko'")
    if interview_date:
        try:
            date.fromisoformat(interview_date)
        except ValueError:
            raise VaultError("the interview date must be written YYYY-MM-DD") from None
    w = _witness(s, wid)
    everyone = [_unsealed(v, "witness", x.id, x.wrapped_key, x.identity) for x in s.scalars(select(Witness))]
    # The interviewer and the place are sealed fields too; a testimony that names them ("X wrote it down")
    # must not carry them out in the clear (found by the web canary test: a non-Korean name is no pattern).
    sealed_fields = {"name": interviewer, "address": place}
    masked, n_masked = redact(text, [*everyone, {k: v for k, v in sealed_fields.items() if v}])
    iid = _next_id(s, Interview, "I")
    raw = file[1] if file else text.encode()
    source_id = keyed_source_id(v.index_key, raw)
    payload = {"date": interview_date, "place": place, "interviewer": interviewer, "language": language,
               "text": text, "file": _b64(file), "attachments": [_b64(a) for a in attachments]}  # fmt: skip
    wrapped, sealed = _sealed(v, "interview", iid, payload)
    # Only the year of the interview goes in the clear (it dates "last year" in the testimony); the day, like
    # the place, would tell when the witness was where, so it stays sealed in the payload.
    year = interview_date[:4] if interview_date else None
    if s.get(Source, source_id) is None:
        s.add(Source(id=source_id, kind="testimony", title=f"Testimony of {w.id} ({iid})", publisher=w.id,
                     published_at=year, language=language, reliability="C", text=masked,
                     filename=None, format="testimony", size_bytes=len(masked.encode()),
                     extractor_version=EXTRACTOR_VERSION))  # fmt: skip
        s.flush()
        insert_claims(s, extract_claims(masked, published_at=year, source_id=source_id, language=language))
    interview = Interview(id=iid, witness_id=w.id, source_id=source_id, wrapped_key=wrapped, payload=sealed)
    s.add(interview)
    s.flush()
    append(s, actor=actor, action="vault.interview.add", target_type="interview", target_id=iid, before=None,
           after={"witness": w.id, "source_id": source_id, "masked": n_masked,
                  "attachments": len(attachments)})  # fmt: skip
    return interview


def _b64(item: tuple[str, bytes] | None) -> dict[str, str] | None:
    import base64

    return None if item is None else {"name": item[0], "data": base64.b64encode(item[1]).decode()}


def read_interview(s: Session, vault: UnlockedVault | None, iid: str, *, actor: str) -> dict[str, Any]:
    v = _need(vault, "reading an interview")
    i = s.get(Interview, iid)
    if i is None:
        raise VaultError(f"no interview {iid}")
    out = _unsealed(v, "interview", iid, i.wrapped_key, i.payload)
    append(s, actor=actor, action="vault.interview.read", target_type="interview", target_id=iid, before=None,
           after=None)  # fmt: skip
    return out


def set_consent(s: Session, wid: str, scope: str, *, bodies: list[str] = (), actor: str) -> Consent:  # type: ignore[assignment]
    """Record what the witness agreed to now. It replaces (withdraws) any earlier consent."""
    if scope not in CONSENT_SCOPES:
        raise ConsentError(f"consent scope must be one of {', '.join(CONSENT_SCOPES)}")
    if scope == "share" and not bodies:
        raise ConsentError("consent to share names the bodies it may be shared with (e.g. --body OHCHR)")
    _witness(s, wid)
    for c in _current(s, wid):
        c.withdrawn_at = utcnow()
    c = Consent(witness_id=wid, scope=scope, bodies=list(bodies), recorded_by=actor)
    s.add(c)
    s.flush()
    append(s, actor=actor, action="vault.consent.set", target_type="witness", target_id=wid, before=None,
           after={"scope": scope, "bodies": list(bodies)})  # fmt: skip
    return c


def withdraw_consent(s: Session, wid: str, *, actor: str) -> int:
    _witness(s, wid)
    current = _current(s, wid)
    for c in current:
        c.withdrawn_at = utcnow()
    append(s, actor=actor, action="vault.consent.withdraw", target_type="witness", target_id=wid, before=None,
           after={"withdrawn": len(current)})  # fmt: skip
    return len(current)


def _current(s: Session, wid: str) -> list[Consent]:
    return list(s.scalars(select(Consent).where(Consent.witness_id == wid, Consent.withdrawn_at.is_(None))))


def allows(s: Session, wid: str, audience: str) -> bool:
    """May material from this witness go to `audience`: "internal", "public", or a named body ("OHCHR")?"""
    for c in _current(s, wid):
        if audience == "internal" or c.scope == "publish":
            return True
        if c.scope == "share" and audience != "public" and audience.casefold() in {b.casefold() for b in c.bodies}:
            return True
    return False


def blocked_sources(s: Session, audience: str) -> set[str]:
    """Testimony sources whose witness's current consent does not cover `audience` (checked at each export)."""
    rows = s.execute(select(Interview.source_id, Interview.witness_id)).all()
    return {sid for sid, wid in rows if sid and not allows(s, wid, audience)}
