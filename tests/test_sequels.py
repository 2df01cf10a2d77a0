"""Sequel links between incidents (nkwatch.link.sequels), on SQLite and PostgreSQL, with claims built directly."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from nkwatch.cli import app
from nkwatch.export import write_incidents
from nkwatch.link.query import incident_export
from nkwatch.link.run import link
from nkwatch.review import ops
from nkwatch.review.audit import entries, verify
from nkwatch.store.models import Claim, Incident

from .factory import add_claim, add_source, publish_checked

ARREST = "Otto Warmbier was arrested at Pyongyang airport on 2 January 2016."
SENTENCE = "Otto Warmbier was sentenced to 15 years of hard labour on 16 March 2016."
OTHER = "Lee Dong-chul was sentenced to 10 years of hard labour on 4 May 2016."


def incident_of(store, cid: str) -> str:
    with store.session() as s:
        iid = s.get(Claim, cid).incident_id
    assert iid
    return iid


def sequel_of(store, cid: str) -> str | None:
    with store.session() as s:
        return s.get(Incident, incident_of(store, cid)).sequel_of


def arrest(store, text: str = ARREST, when: str = "2016-01-02", name: str = "ap") -> str:
    src = add_source(store, name, text, published=when)
    return add_claim(store, src, text, act="arrest", when=when, precision="day", place="kp-pyongyang",
                     perpetrator="dprk_state")  # fmt: skip


def sentence(store, text: str = SENTENCE, when: str = "2016-03-16", name: str = "usatoday") -> str:
    when = "2016-05-04" if text == OTHER else when
    src = add_source(store, name, text, published=when)
    return add_claim(store, src, text, act="sentence", when=when, precision="day", place="kp-pyongyang",
                     perpetrator="court")  # fmt: skip


def test_a_sentence_of_the_named_person_is_a_sequel_of_the_arrest(store):
    a, b = arrest(store), sentence(store)
    report = link(store, full=True)
    assert sequel_of(store, b) == incident_of(store, a)
    assert sequel_of(store, a) is None
    assert report.sequels == 1


@pytest.mark.parametrize("case", ["other person", "reversed", "same act", "too far apart"])
def test_no_sequel_without_the_same_people_and_a_sensible_order(store, case):
    a = arrest(store)
    if case == "other person":
        b = sentence(store, OTHER)
    elif case == "reversed":  # the sentence dated before the arrest
        b = sentence(store, SENTENCE.replace("16 March 2016", "2 December 2015"), when="2015-12-02")
    elif case == "same act":  # a second arrest of the same man
        text = "Otto Warmbier was arrested again in Pyongyang on 20 May 2016."
        b = arrest(store, text, when="2016-05-20", name="later")
    else:
        b = sentence(store, SENTENCE.replace("2016", "2020"), when="2020-03-16")
    link(store, full=True)
    assert incident_of(store, a) != incident_of(store, b)
    assert sequel_of(store, a) is None and sequel_of(store, b) is None


def test_custody_and_return_told_in_one_sentence(store):
    """One sentence, two acts: the detention is dated by the sentence about the return, and still comes first."""
    text = "China forcibly repatriated about 60 North Koreans held in a detention centre in Tumen on 26 April 2024."
    src = add_source(store, "hrw", text)
    rep = add_claim(store, src, text, when="2024-04-26", precision="day", place="cn-tumen", count=60)
    det = add_claim(store, src, text, act="detention", when="2024-04-26", precision="day", place="cn-tumen",
                    count=60)  # fmt: skip
    link(store, full=True)
    assert sequel_of(store, rep) == incident_of(store, det)
    assert sequel_of(store, det) is None


def test_full_runs_give_the_same_links(store):
    a, b = arrest(store), sentence(store)
    sentence(store, OTHER, name="other")
    link(store, full=True)
    with store.session() as s:
        first = dict(s.execute(select(Incident.id, Incident.sequel_of)).all())
    link(store, full=True)
    with store.session() as s:
        assert dict(s.execute(select(Incident.id, Incident.sequel_of)).all()) == first
    assert first[incident_of(store, b)] == incident_of(store, a)


def test_incremental_run_links_new_claims(store):
    a = arrest(store)
    link(store)
    assert sequel_of(store, a) is None
    b = sentence(store)
    report = link(store)  # only the new claim is linked; its sequel is found among the stored incidents
    assert sequel_of(store, b) == incident_of(store, a)
    assert report.sequels == 1


def test_reviewer_choice_survives_relinking_and_is_audited(store):
    a, b = arrest(store), sentence(store)
    c = sentence(store, OTHER, name="other")
    link(store, full=True)
    ia, ib, ic = incident_of(store, a), incident_of(store, b), incident_of(store, c)
    with store.session() as s:
        ops.sequel(s, ib, None, actor="alice")  # the machine's link was wrong
        ops.sequel(s, ic, ia, actor="bob")  # and a person knows of one the machine could not see
    for i, full in enumerate((True, False, True)):  # each run with a new claim about the same man
        arrest(store, "Otto Warmbier was questioned in Pyongyang on 3 January 2016.", when="2016-01-03",
               name=f"new-{i}")  # fmt: skip
        link(store, full=full)
        assert sequel_of(store, b) is None and incident_of(store, b) == ib
        assert sequel_of(store, c) == ia and incident_of(store, c) == ic
    with store.session() as s:
        got = [(e.action, e.target_id, json.loads(e.before), json.loads(e.after)) for e in entries(s, limit=10)]
        assert verify(s).ok
    assert ("incident.sequel_clear", ib, {"id": ib, "sequel_of": ia}, {"id": ib, "sequel_of": None}) in got
    assert ("incident.sequel", ic, {"id": ic, "sequel_of": None}, {"id": ic, "sequel_of": ia}) in got


def test_bad_sequel_choices_are_refused(store):
    a, b = arrest(store), sentence(store)
    link(store, full=True)
    ia, ib = incident_of(store, a), incident_of(store, b)
    with store.session() as s, pytest.raises(ops.ReviewError, match="itself"):
        ops.sequel(s, ia, ia, actor="alice")
    with store.session() as s, pytest.raises(ops.ReviewError, match="already"):
        ops.sequel(s, ia, ib, actor="alice")  # ib is a sequel of ia: the reverse would make a cycle
    with store.session() as s, pytest.raises(ops.ReviewError, match="no incident"):
        ops.sequel(s, ib, "inc-nope", actor="alice")


def test_export_and_incident_command_show_it(store, db_url, monkeypatch):
    a, b = arrest(store), sentence(store)
    link(store, full=True)
    ia, ib = incident_of(store, a), incident_of(store, b)
    with store.session() as s:
        rows = [incident_export(s, i) for i in s.scalars(select(Incident).order_by(Incident.id))]
        out = io.StringIO()
        write_incidents(iter(rows), "csv", out)
    assert {r["id"]: r["sequel_of"] for r in rows} == {ia: None, ib: ia}
    assert {r["id"]: r["sequel_of"] for r in csv.DictReader(io.StringIO(out.getvalue()))} == {ia: "", ib: ia}
    monkeypatch.setenv("NKWATCH_DB", db_url)
    monkeypatch.setenv("NKWATCH_USER", "tester")
    runner = CliRunner()
    shown = " ".join(runner.invoke(app, ["incident", ib]).output.split())
    assert f"sequel of {ia} (arrest, 2016-01-02)" in shown
    shown = " ".join(runner.invoke(app, ["incident", ia]).output.split())
    assert f"followed by {ib} (sentence, 2016-03-16)" in shown
    r = runner.invoke(app, ["review", "sequel", ib, "--clear"])
    assert r.exit_code == 0, r.output
    assert sequel_of(store, b) is None
    r = runner.invoke(app, ["review", "sequel", ib, "--of", ia])
    assert r.exit_code == 0 and sequel_of(store, b) == ia, r.output
    assert runner.invoke(app, ["review", "sequel", ib]).exit_code != 0  # neither --of nor --clear


def test_incident_page_links_both_ways_and_hides_unpublished_ones_from_the_public(store, db_url, tmp_path):
    from fastapi.testclient import TestClient

    from nkwatch.web import accounts, create_app

    from .web.helpers import PASSWORD, signed_in

    a, b = arrest(store), sentence(store)
    link(store, full=True)
    ia, ib = incident_of(store, a), incident_of(store, b)
    with store.session() as s:
        accounts.add_user(s, "viewer", PASSWORD, "viewer")
        publish_checked(s, ib, actor="tester")  # the sentence is public, the arrest not
    web = create_app(db_url, originals=tmp_path / "originals")
    try:
        c, _ = signed_in(web, "viewer")
        page = " ".join(c.get(f"/incidents/{ib}").text.split())
        assert f'Sequel of <a href="/incidents/{ia}">' in page and "2016-01-02" in page
        assert f'Followed by <a href="/incidents/{ib}">' in " ".join(c.get(f"/incidents/{ia}").text.split())
    finally:
        web.state.nk.store.close()
    public = create_app(db_url, public=True, originals=tmp_path / "originals")
    try:
        page = TestClient(public).get(f"/incidents/{ib}")
        assert page.status_code == 200 and "Sequel of" not in page.text and ia not in page.text
    finally:
        public.state.nk.store.close()
