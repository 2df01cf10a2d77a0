"""The ways into and out of the vault: ordinary ingest refuses testimonies, duplicates across scripts,
the interview date kept sealed, the CLI's unlock-check and verified restore, clear errors without values."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from nkwatch.cli import app
from nkwatch.ingest.metadata import MetadataError, SourceMeta
from nkwatch.ingest.pipeline import ingest_paths
from nkwatch.store.models import Source
from nkwatch.vault import VaultError, keys, records
from nkwatch.vault.models import BlindIndex

FAST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
PERSON = {"name": "Kim Chol-su", "name_hangul": "김철수", "date_of_birth": "1975-10-01", "sex": "male"}


def test_ordinary_ingest_refuses_a_testimony_and_stores_nothing(store, tmp_path):
    f = tmp_path / "statement.txt"
    f.write_text("I am Kim Chol-su. In 2019 agents executed three people in Hyesan.")
    with pytest.raises(MetadataError, match="witness vault"):
        ingest_paths(store, [f], SourceMeta(kind="testimony"), originals=tmp_path / "orig")
    (tmp_path / "statement.txt.meta.json").write_text(json.dumps({"kind": "testimony"}))
    report = ingest_paths(store, [f], originals=tmp_path / "orig")
    assert report.failed and "witness vault" in report.failed[0].reason
    with store.session() as s:
        assert s.scalar(select(Source.id)) is None
    assert not (tmp_path / "orig").exists() or not any((tmp_path / "orig").rglob("*"))


def test_duplicates_are_found_from_either_script_and_after_an_update(store):
    with store.session() as s:
        v = keys.init_vault(s, passphrase="pass phrase", kdf=FAST)
        w = records.add_witness(s, v, PERSON, actor="c")
        assert records.duplicates(s, v, {"name": "KIM CHOLSU", "date_of_birth": "1975-10-01"}) == [w.id]
        assert records.duplicates(s, v, {"name_hangul": "김철수", "date_of_birth": "1975-10-01"}) == [w.id]
        assert records.duplicates(s, v, {"name": "Chol-su Kim", "date_of_birth": "1975-10-01"}) == [w.id]
        assert records.duplicates(s, v, {"name": "Kim Chol-su", "date_of_birth": "1975-10-02"}) == []
        records.update_identity(s, v, w.id, {"date_of_birth": "1975-10-02"}, actor="c")
        assert records.duplicates(s, v, {"name": "Kim Chol-su", "date_of_birth": "1975-10-02"}) == [w.id]
        assert records.duplicates(s, v, {"name": "Kim Chol-su", "date_of_birth": "1975-10-01"}) == []
        digests = list(s.scalars(select(BlindIndex.digest)))
        # keyed digests only: 64 hex characters, none of them a plain (unkeyed) hash of a value it indexes
        # (not "no '1975' in the hex": a random digest holds any given 4 digits about once in 250 runs)
        plain = {hashlib.sha256(v.encode()).hexdigest() for v in ("kim chol-su", "kim cholsu", "김철수", "1975-10-01",
                                                                   "1975-10-02", "kim cholsu|1975-10-02")}
        assert digests and all(re.fullmatch(r"[0-9a-f]{64}", d) for d in digests) and not plain & set(digests)


def test_interview_day_and_place_stay_sealed_only_the_year_is_clear(store):
    with store.session() as s:
        v = keys.init_vault(s, passphrase="pass phrase", kdf=FAST)
        w = records.add_witness(s, v, PERSON, actor="c")
        i = records.add_interview(s, v, w.id, text="Last year agents arrested my neighbour.", actor="c",
                                  interview_date="2023-05-02", place="Hanawon")  # fmt: skip
        src = s.get(Source, i.source_id)
        assert src.published_at == "2023" and "Hanawon" not in (src.title or "")
        assert records.read_interview(s, v, i.id, actor="c")["date"] == "2023-05-02"
        with pytest.raises(VaultError, match="ISO 639-1"):
            records.add_interview(s, v, w.id, text="x", language="english", actor="c")


def test_errors_name_the_problem_never_a_value(store):
    with store.session() as s:
        v = keys.init_vault(s, passphrase="pass phrase", kdf=FAST)
        for bad in ({"date_of_birth": "born 1 Oct 1975 in Musan"}, {"sex": "Kim Chol-su"}):
            with pytest.raises(VaultError) as e:
                records.add_witness(s, v, bad, actor="c")
            assert "Musan" not in str(e.value) and "Kim" not in str(e.value)
        w = records.add_witness(s, v, PERSON, actor="c")
        with pytest.raises(VaultError) as e:
            records.add_interview(s, v, w.id, file=("a.pdf", b"%PDF-1.4 Kim Chol-su garbage"), actor="c")
        assert "Kim" not in str(e.value) and "cannot be read" in str(e.value)


def test_cli_unlock_check_and_verified_restore(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("NKWATCH_VAULT_PASSPHRASE", "a long vault passphrase")
    monkeypatch.setenv("NKWATCH_BACKUP_PASSPHRASE", "a long backup passphrase")
    r = CliRunner()
    db = str(tmp_path / "a.db")
    assert r.invoke(app, ["vault", "init", "--db", db]).exit_code == 0
    res = r.invoke(app, ["vault", "unlock-check", "--db", db])
    assert res.exit_code == 0 and "opens" in res.output
    monkeypatch.setenv("NKWATCH_VAULT_PASSPHRASE", "a wrong guess")
    res = r.invoke(app, ["vault", "unlock-check", "--db", db])
    assert res.exit_code == 1 and "wrong passphrase" in res.output
    monkeypatch.setenv("NKWATCH_VAULT_PASSPHRASE", "a long vault passphrase")
    res = r.invoke(app, ["witness", "add", "--identity-file", "-", "--db", db], input=json.dumps(PERSON))
    assert res.exit_code == 0, res.output
    assert r.invoke(app, ["backup", str(tmp_path / "b.nkwbak"), "--db", db]).exit_code == 0
    res = r.invoke(app, ["restore", str(tmp_path / "b.nkwbak"), "--verify", "--db", str(tmp_path / "b.db")])
    assert res.exit_code == 0 and "verified" in res.output, res.output
    res = r.invoke(app, ["witness", "show", "W-0001", "--db", str(tmp_path / "b.db")])
    assert "Kim Chol-su" in res.output  # the restored vault opens with the same passphrase


def test_a_witness_added_later_is_masked_in_testimonies_already_stored(store):
    from nkwatch.review.ops import confirm
    from nkwatch.store.models import Claim
    from nkwatch.store.search import search

    told = ("My friend Zeltrana Vossbeck told me. In 2018 guards at Camp 16 beat prisoners to death; "
            "Zeltrana Vossbeck saw it.")
    with store.session() as s:
        v = keys.init_vault(s, passphrase="pass phrase", kdf=FAST)
        w = records.add_witness(s, v, PERSON, actor="c")
        i = records.add_interview(s, v, w.id, text=told, actor="c")
        sid = i.source_id
        assert "Vossbeck" not in s.get(Source, sid).text  # "my friend X": masked by pattern...
        quote = s.get(Source, sid).text
    with store.session() as s:  # ...but suppose a person's name slipped through and a claim was reviewed
        src = s.get(Source, sid)
        src.text = told
        c = s.scalars(select(Claim).where(Claim.source_id == sid)).first()
        c.quote = told[told.index("In 2018"):]
        confirm(s, c.id, actor="editor")
        cid = c.id
    with store.session() as s:
        v = keys.unlock(s, passphrase="pass phrase")
        records.add_witness(s, v, {"name": "Zeltrana Vossbeck", "date_of_birth": "1980-01-01"}, actor="c")
    with store.session() as s:
        assert "Vossbeck" not in s.get(Source, sid).text and "Zeltrana" not in s.get(Source, sid).text
        assert "Vossbeck" not in s.get(Claim, cid).quote and s.get(Claim, cid).status == "reviewed"
        assert not search(s, "Vossbeck") and quote


def test_text_masked_after_the_fact_does_not_linger_in_the_sqlite_file(tmp_path):
    from nkwatch.store.db import open_store

    store = open_store(str(tmp_path / "s.db"))
    told = "In 2018 guards at Camp 16 beat prisoners to death, Yarrowfen Quist said."
    with store.session() as s:
        v = keys.init_vault(s, passphrase="pass phrase", kdf=FAST)
        w = records.add_witness(s, v, PERSON, actor="c")
        sid = records.add_interview(s, v, w.id, text=told, actor="c").source_id
        assert "Yarrowfen" in s.get(Source, sid).text  # no pattern knows this name...
    with store.session() as s:  # ...until the custodian records the person
        records.add_witness(s, keys.unlock(s, passphrase="pass phrase"), {"name": "Yarrowfen Quist"}, actor="c")
    with store.engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("s.db"))
    assert b"Yarrowfen" not in data
