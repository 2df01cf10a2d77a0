"""The vault library: keys, sealed records, redaction, blind index, consent, locked vault, backup."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nkwatch.store.models import Claim, Source
from nkwatch.vault import ConsentError, VaultError, VaultLocked, keys, records
from nkwatch.vault.backup import backup, dump_tables, restore
from nkwatch.vault.models import Interview, Witness
from nkwatch.vault.redact import redact

FAST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}  # Argon2id, cheap for tests
IDENTITY = {"name": "Zorbanek Quillfeather", "name_hangul": "조르바넥", "date_of_birth": "1987-02-14",
            "home_town": "Vexmoorton", "contact": "+82 10 5555 0199", "sex": "female",
            "province": "Ryanggang", "escape_year": 2019}  # fmt: skip
TESTIMONY = ("I am Zorbanek Quillfeather (조르바넥), born 14 February 1987 in Vexmoorton. In April 2019 security "
             "agents publicly executed three people in Hyesan. My brother Pak Chol-su was arrested by the MSS.")


@pytest.fixture
def vault(store):
    with store.session() as s:
        v = keys.init_vault(s, passphrase="correct horse battery", kdf=FAST)
        w = records.add_witness(s, v, IDENTITY, actor="custodian1")
        records.add_interview(s, v, w.id, text=TESTIMONY, interview_date="2024-05-02", actor="custodian1")
    return v


def test_identity_is_sealed_and_readable_only_with_the_key(store, vault):
    with store.session() as s:
        w = s.get(Witness, "W-0001")
        assert b"Zorbanek" not in w.identity and "Zorbanek".encode("utf-16-le") not in w.identity
        v = keys.unlock(s, passphrase="correct horse battery")
        assert records.read_identity(s, v, "W-0001", actor="custodian1")["name"] == "Zorbanek Quillfeather"


def test_testimony_becomes_a_redacted_source_with_claims(store, vault):
    with store.session() as s:
        src = s.scalar(select(Source).where(Source.kind == "testimony"))
        assert src.publisher == "W-0001" and "Zorbanek" not in src.text and "조르바넥" not in src.text
        assert "Vexmoorton" not in src.text and "Pak Chol-su" not in src.text and "[name withheld]" in src.text
        quotes = [c.quote for c in s.scalars(select(Claim).where(Claim.source_id == src.id))]
        assert any("executed three people in Hyesan" in q for q in quotes)
        assert src.id == s.scalar(select(Interview.source_id))


def test_wrong_passphrase_is_a_clear_error(store, vault):
    with store.session() as s, pytest.raises(VaultError, match="wrong passphrase"):
        keys.unlock(s, passphrase="guess")


def test_tampered_ciphertext_and_wrapped_key_are_refused_and_nothing_changes(store, vault):
    with store.session() as s:
        w = s.get(Witness, "W-0001")
        good_identity, good_key = w.identity, w.wrapped_key
        w.identity = good_identity[:-1] + bytes([good_identity[-1] ^ 1])
    with store.session() as s, pytest.raises(VaultError, match="altered or damaged"):
        records.read_identity(s, keys.unlock(s, passphrase="correct horse battery"), "W-0001", actor="c")
    with store.session() as s:
        w = s.get(Witness, "W-0001")
        w.identity, w.wrapped_key = good_identity, good_key[:20] + bytes([good_key[20] ^ 1]) + good_key[21:]
    with store.session() as s, pytest.raises(VaultError, match="altered or damaged"):
        records.read_identity(s, keys.unlock(s, passphrase="correct horse battery"), "W-0001", actor="c")
    with store.session() as s:
        s.get(Witness, "W-0001").wrapped_key = good_key
    with store.session() as s:  # restoring the bytes restores access: the refusal lost nothing
        v = keys.unlock(s, passphrase="correct horse battery")
        assert records.read_identity(s, v, "W-0001", actor="c")["home_town"] == "Vexmoorton"


def test_a_locked_vault_refuses_vault_work_but_not_the_rest(store, vault):
    with store.session() as s:
        with pytest.raises(VaultLocked, match="locked"):
            records.read_identity(s, None, "W-0001", actor="c")
        with pytest.raises(VaultLocked):
            records.add_witness(s, None, {"name": "X Y"}, actor="c")
        assert s.scalar(select(Source).where(Source.kind == "testimony")) is not None


def test_rotation_rewraps_keys_and_the_old_passphrase_stops_working(store, vault):
    with store.session() as s:
        before = s.get(Witness, "W-0001").identity
        keys.rotate(s, keys.unlock(s, passphrase="correct horse battery"), passphrase="new words here", kdf=FAST)
    with store.session() as s:
        assert s.get(Witness, "W-0001").identity == before  # payloads untouched, only keys re-wrapped
        with pytest.raises(VaultError):
            keys.unlock(s, passphrase="correct horse battery")
        v = keys.unlock(s, passphrase="new words here")
        assert records.read_identity(s, v, "W-0001", actor="c")["name"] == "Zorbanek Quillfeather"
        assert records.duplicates(s, v, {"name": "조르바넥", "date_of_birth": "1987-02-14"}) == ["W-0001"]


def test_blind_index_is_keyed_not_a_plain_hash(store, vault):
    import hashlib

    with store.session() as s:
        idx = s.get(Witness, "W-0001").blind_index
    assert idx and idx != hashlib.sha256("조르바넥\x001987-02-14".encode()).hexdigest()


def test_consent_and_withdrawal(store, vault):
    with store.session() as s:
        assert not records.allows(s, "W-0001", "public")
        records.set_consent(s, "W-0001", "share", bodies=["OHCHR"], actor="c")
        assert records.allows(s, "W-0001", "ohchr") and not records.allows(s, "W-0001", "public")
        records.set_consent(s, "W-0001", "publish", actor="c")
        assert records.allows(s, "W-0001", "public") and records.blocked_sources(s, "public") == set()
        records.withdraw_consent(s, "W-0001", actor="c")
        assert not records.allows(s, "W-0001", "public")
        assert len(records.blocked_sources(s, "public")) == 1
        with pytest.raises(ConsentError, match="names the bodies"):
            records.set_consent(s, "W-0001", "share", actor="c")


def test_vault_reads_are_in_the_audit_chain_without_values(store, vault):
    from nkwatch.review.audit import entries, verify

    with store.session() as s:
        records.read_identity(s, keys.unlock(s, passphrase="correct horse battery"), "W-0001", actor="custodian1")
    with store.session() as s:
        log = list(entries(s))
        assert {"vault.witness.add", "vault.interview.add", "vault.witness.read"} <= {e.action for e in log}
        assert not any("Zorbanek" in e.before + e.after for e in log)
        assert verify(s).ok


def test_redaction_masks_names_keeps_public_figures():
    text, n = redact("Kim Jong Un ordered it. My uncle Ri Myong-chol and 박철수 씨 saw Choe Ryong Hae there.")
    assert "Kim Jong Un" in text and "Choe Ryong Hae" in text
    assert "Myong-chol" not in text and "박철수" not in text and n == 2


def test_backup_wipe_restore_gives_the_same_store(store, vault, db_url, tmp_path):
    from nkwatch.store.db import open_store

    (tmp_path / "orig" / "ab").mkdir(parents=True)
    (tmp_path / "orig" / "ab" / "file").write_bytes(b"original bytes")
    before = dump_tables(store)
    backup(store, tmp_path / "b.nkw", "backup pass", originals=tmp_path / "orig", kdf=FAST)
    raw = (tmp_path / "b.nkw").read_bytes()
    assert b"Zorbanek" not in raw and b"executed three" not in raw  # the whole store is encrypted
    with pytest.raises(VaultError, match="wrong passphrase, or damaged"):
        restore(store, tmp_path / "b.nkw", "nope", originals=tmp_path / "o2")
    with pytest.raises(VaultError, match="not empty"):
        restore(store, tmp_path / "b.nkw", "backup pass", originals=tmp_path / "o2")
    fresh = open_store(str(tmp_path / "restored.db"))
    restore(fresh, tmp_path / "b.nkw", "backup pass", originals=tmp_path / "o2")
    assert dump_tables(fresh) == before
    assert (tmp_path / "o2" / "ab" / "file").read_bytes() == b"original bytes"
    with fresh.session() as s:  # the restored vault opens with the same passphrase
        assert records.read_identity(s, keys.unlock(s, passphrase="correct horse battery"), "W-0001",
                                     actor="c")["name"] == "Zorbanek Quillfeather"  # fmt: skip
    fresh.close()
