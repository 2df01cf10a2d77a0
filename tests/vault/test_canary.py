"""Canary identities planted through the library (the API the web layer calls) never appear in the clear.

The whole system runs over them: a testimony uploaded as file bytes (DOCX and HTML) and as text, extraction
again, linking, review (confirm, a refused publication), every export format for claims and incidents (as
they are and through the disclosure guard), search, the audit log, a backup. Then, on SQLite, every byte of
every file under the test's folder (database, -wal, -shm, originals, exports, backup, TMPDIR) is searched in
UTF-8 and UTF-16; on PostgreSQL every value of every column of every table is searched instead (the files the
test wrote are searched on both).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
from sqlalchemy import MetaData, select, text

from nkwatch.export import FORMATS, write_claims, write_incidents
from nkwatch.extract.rerun import reextract
from nkwatch.ingest.pipeline import ingest_paths
from nkwatch.link.query import incident_export
from nkwatch.link.run import link
from nkwatch.review import ops
from nkwatch.review.audit import entries, verify
from nkwatch.store.models import Claim, Incident
from nkwatch.store.search import search
from nkwatch.vault import disclosure, keys, records
from nkwatch.vault.backup import backup

from ..conftest import SAMPLE

FAST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
CANARIES = ["Velmorath Drusk", "Velmorath", "Drusk", "벨모라스", "Quillonby", "1968-03-27", "27 March 1968",
            "5550 3381", "drusk@example.org", "Seravine Drusk", "세라빈", "Thornwick", "Gorvanthe", "Ulmiska",
            "Kuppo"]  # fmt: skip
WITNESS = {"name": "Velmorath Drusk", "name_hangul": "벨모라스", "date_of_birth": "1968-03-27",
           "home_town": "Quillonby", "province": "North Hamgyong", "escape_year": 2019, "sex": "male",
           "contact": "+82 10 5550 3381 / drusk@example.org",
           "family_in_dprk": [{"relation": "sister", "name": "Seravine Drusk", "name_hangul": "세라빈"}]}  # fmt: skip
SECOND = {"name": "Thornwick Alsby", "date_of_birth": "1990-01-02", "sex": "female"}
TESTIMONY = ("My name is Velmorath Drusk (벨모라스). I was born on 27 March 1968 in Quillonby. Write to "
             "drusk@example.org or call +82 10 5550 3381. In 2019 security agents publicly executed three people "
             "in Hyesan. My sister Seravine Drusk (세라빈) was arrested by the MSS in April 2020. "
             "Thornwick saw the guards at Camp 16 beat prisoners in 2018.")  # fmt: skip


def _docx(text_: str) -> bytes:
    d = docx.Document()
    for para in text_.split(". "):
        d.add_paragraph(para)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _hits(data: bytes, where: str) -> list[str]:
    low = data.lower()
    found = []
    for c in CANARIES:
        for enc in ("utf-8", "utf-16-le", "utf-16-be"):
            if c.lower().encode(enc) in low:
                found.append(f"{where}: {c} ({enc})")
    return found


def _file_hits(root: Path) -> list[str]:
    return [h for f in sorted(root.rglob("*")) if f.is_file() for h in _hits(f.read_bytes(), str(f.relative_to(root)))]


def _table_hits(store) -> list[str]:  # noqa: ANN001
    """Every value of every column of every table (PostgreSQL: the database's own content, not files)."""
    meta = MetaData()
    meta.reflect(store.engine)
    found = []
    with store.engine.connect() as c:
        for t in meta.sorted_tables:
            for row in c.execute(select(t)):
                for col, v in row._mapping.items():
                    if v is None:
                        continue
                    data = bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                    found += _hits(data, f"{t.name}.{col}")
    return found


def test_library_canaries_never_leave_the_vault(db_url, tmp_path, monkeypatch):
    from nkwatch.store.db import open_store

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr("tempfile.tempdir", None)  # re-read TMPDIR
    home, out = tmp_path / "home", tmp_path / "out"
    out.mkdir()
    store = open_store(db_url)
    ingest_paths(store, [SAMPLE], originals=home / "originals")
    with store.session() as s:
        v = keys.init_vault(s, passphrase="a long passphrase", kdf=FAST)
        w = records.add_witness(s, v, WITNESS, actor="custodian")
        w2 = records.add_witness(s, v, SECOND, actor="custodian")
        assert records.duplicates(s, v, {"name": "VELMORATH  DRUSK", "date_of_birth": "1968-03-27"}) == [w.id]
        records.add_interview(s, v, w.id, file=("statement.docx", _docx(TESTIMONY)), interview_date="2023-05-02",
                              place="Seoul, safe house Quillonby", interviewer="Thornwick", actor="custodian")
        html = f"<html><body><p>{TESTIMONY.replace('2019', '2021')}</p></body></html>".encode()
        records.add_interview(s, v, w.id, file=("statement.html", html), interview_date="2023-06-01", actor="custodian")
        records.add_interview(s, v, w2.id, text="I am Thornwick Alsby. " + TESTIMONY, actor="custodian")
        records.set_consent(s, w.id, "publish", actor="custodian")
        assert records.read_identity(s, v, w.id, actor="custodian")["name"] == "Velmorath Drusk"
    reextract(store)
    link(store)
    with store.session() as s:
        testimony_claims = list(s.scalars(select(Claim).join(Claim.source).where(text("sources.kind = 'testimony'"))))
        assert testimony_claims, "the testimonies gave claims"
        ops.confirm(s, testimony_claims[0].id, actor="editor")
        inc = s.get(Incident, testimony_claims[0].incident_id)
        with pytest.raises(ops.ReviewError, match="fewer than k=5"):
            ops.publish(s, inc.id, actor="editor")
        assert search(s, "Hyesan")
        assert not search(s, "Velmorath") and not search(s, "벨모라스")
        incidents = list(s.scalars(select(Incident)))
        for fmt in FORMATS:
            for who in ("public", "internal", "OHCHR"):
                with open(out / f"claims-{who}.{fmt}", "w", encoding="utf-8") as f:
                    write_claims(s.scalars(select(Claim)), fmt, f, audience=who)
                with open(out / f"incidents-{who}.{fmt}", "w", encoding="utf-8") as f:
                    write_incidents((incident_export(s, i) for i in incidents), fmt, f, audience=who)
            with open(out / f"incidents.{fmt}", "w", encoding="utf-8") as f:
                write_incidents((incident_export(s, i) for i in incidents), fmt, f)
            with open(out / f"public-incidents.{fmt}", "w", encoding="utf-8") as f:
                write_incidents(disclosure.guard_incident_rows(s, (incident_export(s, i) for i in incidents)), fmt, f)
        (out / "audit.json").write_text(json.dumps([[e.actor, e.action, e.target_id, e.before, e.after]
                                                    for e in entries(s)], ensure_ascii=False))  # fmt: skip
        assert verify(s).ok
    backup(store, out / "store.nkwbak", "backup passphrase", originals=home / "originals", kdf=FAST)
    # The testimony's claims did go out to the organisation's own staff (and were searched for canaries)...
    assert "executed three people" in (out / "claims-internal.jsonl").read_text()
    # ...but not to the public: no single testimony claim is shared by five witnesses.
    assert "executed three people" not in (out / "claims-public.jsonl").read_text()
    assert "W-0001" in (out / "audit.json").read_text()
    found = _file_hits(tmp_path)  # the store still open: -wal and -shm are there on SQLite
    if store.dialect == "postgresql":
        found += _table_hits(store)
    store.close()
    assert found == []


def test_a_witness_added_after_their_interview_leaves_no_old_word_in_any_file(tmp_path):
    """The text is masked again when its witness is recorded later; the full-text index must lose the old words
    too (FTS5 keeps a deleted row's tokens in its pages until its segments merge), in the file and its log."""
    from nkwatch.store.db import open_store

    store = open_store(str(tmp_path / "store.db"))
    ingest_paths(store, [SAMPLE], originals=tmp_path / "originals")
    with store.session() as s:
        v = keys.init_vault(s, passphrase="a long passphrase", kdf=FAST)
        w = records.add_witness(s, v, SECOND, actor="custodian")
        said = "Gorvanthe Ulmiska came from Kuppo-ri. In 2019 security agents publicly executed three people in Hyesan."
        records.add_interview(s, v, w.id, text=said, actor="custodian")
    with store.session() as s:
        assert search(s, "Gorvanthe") and search(s, "Kuppo")  # not a recorded identity yet: not masked
    with store.session() as s:
        v = keys.unlock(s, passphrase="a long passphrase")
        records.add_witness(s, v, {"name": "Gorvanthe Ulmiska", "home_town": "Kuppori"}, actor="custodian")
    with store.session() as s:
        assert not search(s, "Gorvanthe") and not search(s, "Kuppo")
    found = [h for f in sorted(tmp_path.glob("store.db*")) for h in _hits(f.read_bytes(), f.name)
             if any(c in h for c in ("Gorvanthe", "Ulmiska", "Kuppo"))]
    store.close()
    assert found == []
