"""Ids as people type them: every command that takes a claim, source or incident id takes its first characters
(one resolver, nkwatch.store.ids), says so clearly when a prefix fits several, and finds an incident without its
`inc-`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from nkwatch.cli import app
from nkwatch.link.query import get_incident
from nkwatch.link.run import link
from nkwatch.store.ids import Ambiguous, NotFound
from nkwatch.store.models import Claim, Incident, Source
from nkwatch.store.queries import get_claim, get_source

from .factory import add_claim, add_source

TEXT = "On 9 October 2023 China forcibly repatriated more than 500 North Koreans."
runner = CliRunner()


def _incidents(store, *ids: str) -> None:
    with store.session() as s:
        for iid in ids:
            s.add(Incident(id=iid, kind="event", act="arrest"))


def test_one_resolver_for_claims_sources_and_incidents(store):
    sid = add_source(store, "a", TEXT)
    cid = add_claim(store, sid, TEXT, when="2023-10-09", precision="day", count=500)
    _incidents(store, "inc-8be5aa000001", "inc-8be5aa000002", "inc-8be5bb000003", "inc-77aa00000000")
    with store.session() as s:
        assert get_claim(s, cid[:6]).id == cid and get_claim(s, cid.upper()[:8]).id == cid
        assert get_source(s, f"  {sid[:5]} ").id == sid and get_source(s, sid).id == sid
        assert get_incident(s, "inc-77aa").id == "inc-77aa00000000"
        assert get_incident(s, "77aa").id == "inc-77aa00000000"  # inc- may be left off
        assert get_incident(s, "8be5bb").id == "inc-8be5bb000003"
        with pytest.raises(Ambiguous) as e:
            get_incident(s, "8be5")
        assert str(e.value) == ("8be5 matches 3 incidents: inc-8be5aa000001, inc-8be5aa000002, inc-8be5bb000003; "
                                "give more characters")  # fmt: skip
        with pytest.raises(NotFound, match="no incident with id 'ffff'"):
            get_incident(s, "ffff")
        with pytest.raises(NotFound, match="too short"):
            get_incident(s, "inc-8b")
        with pytest.raises(NotFound, match="no source"):
            get_source(s, "%%%%")  # LIKE wildcards are characters, not patterns
        assert isinstance(s.get(Source, sid), Source) and isinstance(s.get(Claim, cid), Claim)


def test_more_than_three_matches_are_counted_not_listed(store):
    _incidents(store, *(f"inc-abcd0000000{i}" for i in range(5)))
    with store.session() as s, pytest.raises(Ambiguous) as e:
        get_incident(s, "abcd")
    assert str(e.value).startswith("abcd matches 5 incidents: inc-abcd00000000, inc-abcd00000001, "
                                   "inc-abcd00000002, ...; give more")  # fmt: skip


@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    from nkwatch.store.db import open_store

    path = tmp_path / "ids.db"
    monkeypatch.setenv("NKWATCH_DB", str(path))
    monkeypatch.setenv("NKWATCH_USER", "tester")
    store = open_store(str(path))
    sid = add_source(store, "a", TEXT)
    cid = add_claim(store, sid, TEXT, when="2023-10-09", precision="day", count=500)
    link(store)
    with store.session() as s:
        iid = s.get(Claim, cid).incident_id
    _incidents(store, "inc-0dd0aa000001", "inc-0dd0aa000002")
    yield store, sid, cid, iid
    store.close()


def run(*args: str, code: int = 0) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == code, r.output
    return " ".join(r.output.split())


def test_every_command_that_takes_an_id_takes_a_prefix(cli_store):
    _, sid, cid, iid = cli_store
    bare = iid.removeprefix("inc-")[:6]
    assert iid in run("incident", bare) and iid in run("incident", iid[:9])
    assert cid in run("show", cid[:6])
    assert cid[:10] in run("claims", "--source", sid[:6])
    assert cid in run("export", "claims", "--source", sid[:6])
    assert "0 added" in run("extract", "--source", sid[:6])
    assert "reviewed" in run("review", "confirm", cid[:6])
    assert "claim.confirm" in run("audit", "log", "--target", cid[:6])
    assert "publishable" in run("review", "publish", bare)
    assert "incident.publish" in run("audit", "log", "--target", bare)


def test_an_ambiguous_or_unknown_prefix_is_one_clear_line(cli_store):
    out = run("incident", "0dd0", code=1)
    assert "0dd0 matches 2 incidents: inc-0dd0aa000001, inc-0dd0aa000002; give more characters" in out
    assert "Traceback" not in out
    assert "matches 2 incidents" in run("review", "publish", "inc-0dd0", code=1)
    assert "no source with id 'ffffff'" in run("claims", "--source", "ffffff", code=1)
    assert "no claim with id 'ffffff'" in run("review", "reject", "ffffff", code=1)
    assert "too short" in run("show", "ab", code=1)
