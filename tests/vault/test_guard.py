"""Every export goes through the vault's gate: consent (read at each export) and the disclosure check."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from nkwatch.export import write_claims, write_incidents
from nkwatch.link.query import incident_export
from nkwatch.link.run import link
from nkwatch.store.models import Claim, Incident
from nkwatch.vault import keys, records

FAST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
TOLD = "In 2019 security agents publicly executed three people in Hyesan."


@pytest.fixture
def five(store):
    """Five witnesses who all told of the same execution; all consent to publication."""
    with store.session() as s:
        v = keys.init_vault(s, passphrase="pass phrase", kdf=FAST)
        for i in range(5):
            w = records.add_witness(s, v, {"sex": "female"}, actor="cust")
            records.add_interview(s, v, w.id, text=f"Statement {i}. {TOLD}", actor="cust")
            records.set_consent(s, w.id, "publish", actor="cust")
    link(store)
    return store


def _claims(store, audience: str) -> list[dict]:  # noqa: ANN001
    buf = io.StringIO()
    with store.session() as s:
        write_claims(s.scalars(select(Claim)), "jsonl", buf, audience=audience)
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def _incidents(store, audience: str) -> list[dict]:  # noqa: ANN001
    buf = io.StringIO()
    with store.session() as s:
        write_incidents((incident_export(s, i) for i in s.scalars(select(Incident))), "json", buf, audience=audience)
    return json.loads(buf.getvalue())


def test_consented_and_shared_by_five_goes_out(five):
    assert len(_claims(five, "public")) == 5
    [inc] = _incidents(five, "public")
    assert inc["place_id"] == "kp-hyesan" and "disclosure" not in inc  # as it is: five share it


def test_withdrawal_applies_to_the_next_export_and_k_is_counted_again(five):
    with five.session() as s:
        records.withdraw_consent(s, "W-0005", actor="cust")
    claims = _claims(five, "public")
    assert len(claims) == 4  # W-0005's testimony is out; the other four are still shared by five witnesses
    with five.session() as s:
        blocked = s.scalar(select(records.Interview.source_id).where(records.Interview.witness_id == "W-0005"))
    assert blocked not in {c["source_id"] for c in claims}
    assert _incidents(five, "public") == []  # the incident holds W-0005's claim: withheld whole
    assert len(_claims(five, "internal")) == 4  # a withdrawal covers staff exports too


def test_share_consent_covers_only_the_named_body(five):
    with five.session() as s:
        for i in range(1, 6):
            records.set_consent(s, f"W-{i:04}", "share", bodies=["OHCHR"], actor="cust")
    assert _claims(five, "public") == [] and _incidents(five, "public") == []
    assert len(_claims(five, "OHCHR")) == 5 and len(_incidents(five, "ohchr")) == 1


def test_without_consent_nothing_goes_out_and_internal_consent_is_for_staff_only(store):
    with store.session() as s:
        v = keys.init_vault(s, passphrase="pass phrase", kdf=FAST)
        w = records.add_witness(s, v, {}, actor="cust")
        records.add_interview(s, v, w.id, text=TOLD, actor="cust")
    link(store)
    for who in ("public", "internal", "OHCHR"):
        assert _claims(store, who) == [] and _incidents(store, who) == []
    with store.session() as s:
        records.set_consent(s, w.id, "internal", actor="cust")
    assert _claims(store, "public") == [] and _incidents(store, "OHCHR") == []
    assert len(_claims(store, "internal")) == 1 and len(_incidents(store, "internal")) == 1
