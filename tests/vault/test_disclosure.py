"""Disclosure control: k-anonymity over the witnesses before testimony-derived material goes out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nkwatch.link.query import incident_export
from nkwatch.link.run import link
from nkwatch.review.ops import ReviewError, publish
from nkwatch.store.models import Claim, Incident
from nkwatch.vault import disclosure, keys, records
from nkwatch.vault.disclosure import Person, Shown, check

from ..factory import confirm_sources

FAST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def _people(n: int, event=("execution", "kp-hyesan", "2019")) -> list[Person]:  # noqa: ANN001
    return [Person(f"W-{i:04}", frozenset({event})) for i in range(n)]


def test_enough_witnesses_share_it_so_it_goes_out_as_it_is():
    d = check(Shown("execution", "kp-hyesan", "2019"), _people(5))
    assert d.ok and not d.generalised and d.count == 5 and "as it is" in d.explanation


def test_too_few_are_generalised_step_by_step_with_an_explanation():
    musan = frozenset({("execution", "kp-musan", "2017")})
    people = _people(1, ("execution", "kp-hyesan", "2019-04-03")) + [Person(f"X-{i}", musan) for i in range(4)]
    d = check(Shown("execution", "kp-hyesan", "2019-04-03"), people)
    # Hyesan (Ryanggang) and Musan (North Hamgyong) meet at the north-east region; 2019 and 2017 in 2015-2019.
    assert d.ok and d.generalised and d.count == 5
    assert d.shown["place_id"] == "kp-region-north-east" and d.shown["when"] == "2015-2019"
    assert "shared by 1 witness in the vault, fewer than k=5" in d.explanation
    assert "north-east North Korea, 2015-2019" in d.explanation


def test_refused_when_even_country_and_decade_are_too_few():
    d = check(Shown("execution", "kp-hyesan", "2019"), _people(2))
    assert not d.ok and "cannot be shown" in d.explanation and "2010s" in d.explanation
    assert not check(Shown("execution", "kp-hyesan", "2019"), _people(4), generalise=False).ok


def test_other_events_and_unknown_sex_do_not_count():
    people = _people(5, ("arrest", "kp-hyesan", "2019"))
    assert not check(Shown("execution", "kp-hyesan", "2019"), people).ok
    d = check(Shown("execution", "kp-hyesan", "2019", sex="female", age_band="30-39"), _people(5))
    assert d.ok and d.levels[3] == 1 and "sex" not in d.shown  # sex unknown for all: dropped to pass


def test_age_band_is_widened_before_anything_else():
    people = [Person(f"W-{i}", frozenset({("execution", "kp-hyesan", "2019")}), "female", band)
              for i, band in enumerate(["30-39", "30-39", "20-29", "20-29", "30-39"])]  # fmt: skip
    d = check(Shown("execution", "kp-hyesan", "2019", sex="female", age_band="30-39"), people)
    assert d.ok and d.shown["age_band"] == "20-39" and d.shown["sex"] == "female"
    assert disclosure.age_band("1985-06-01", 2019) == "30-39"


@pytest.fixture
def vault_store(store):
    with store.session() as s:
        keys.init_vault(s, passphrase="pass phrase", kdf=FAST)
    return store


def _witness_tells(store, text: str) -> str:  # noqa: ANN001
    with store.session() as s:
        v = keys.unlock(s, passphrase="pass phrase")
        w = records.add_witness(s, v, {"sex": "male"}, actor="cust")
        records.add_interview(s, v, w.id, text=text, interview_date="2024-03-01", actor="cust")
        return w.id


def test_publish_refuses_a_single_witness_incident_and_allows_it_once_k_share_it(vault_store):
    _witness_tells(vault_store, "In 2019 security agents publicly executed three people in Hyesan.")
    link(vault_store)
    with vault_store.session() as s:
        iid = s.scalar(select(Claim.incident_id).where(Claim.act == "execution"))
    with vault_store.session() as s, pytest.raises(ReviewError, match="fewer than k=5"):
        publish(s, iid, actor="editor1")
    with vault_store.session() as s:
        assert s.get(Incident, iid).status != "publishable"  # refused: nothing changed
    for i in range(4):
        _witness_tells(vault_store, f"Witness {i}: in 2019 agents publicly executed three people in Hyesan.")
    link(vault_store)
    with vault_store.session() as s:
        iid = s.scalar(select(Claim.incident_id).where(Claim.act == "execution"))
        confirm_sources(s, iid, actor="editor1")  # the publication rule asks for this too
        assert publish(s, iid, actor="editor1").status == "publishable"


def test_exports_generalise_or_withhold_testimony_incidents_and_claims(vault_store):
    _witness_tells(vault_store, "In 2019 security agents publicly executed three people in Hyesan.")
    for i, (town, year) in enumerate([("Musan", 2016), ("Hoeryong", 2017), ("Onsong", 2018), ("Hyesan", 2015)]):
        _witness_tells(vault_store, f"In {year} agents publicly executed {i + 2} people in {town}.")
    _witness_tells(vault_store, "In 2021 soldiers shot dead a woman crossing the border in Sinuiju.")
    link(vault_store)
    with vault_store.session() as s:
        rows = [incident_export(s, i) for i in s.scalars(select(Incident).order_by(Incident.id))]
        report: dict[str, int] = {}
        out = list(disclosure.guard_incident_rows(s, rows, report=report))
        execs = [r for r in out if r["act"] == "execution"]
        assert execs and all(r["place_id"] == "kp-region-north-east" for r in execs)
        assert all(r["when_start"] == "2015" and r["when_end"] == "2019" for r in execs)
        assert all(r["disclosure"]["generalised"] == {"place": "region", "time": "period"} for r in execs)
        assert all("Hyesan" not in str(r) for r in execs)
        assert not any(r["act"] == "border_killing" for r in out) and report["withheld"] >= 1
        claims = list(disclosure.guard_claims(s, s.scalars(select(Claim))))
        assert claims == []  # no single testimony claim is shared by five witnesses as it stands
