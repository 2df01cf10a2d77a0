"""Counts and MSE cells from a real SQLite store, and `nkwatch estimate` through Typer's runner."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from nkwatch.analysis.counts import cells_from_store, counts
from nkwatch.cli import app
from nkwatch.store.db import open_store
from nkwatch.store.models import Claim, Incident
from tests.factory import add_claim, add_source

TEXT = "A public execution was held in Hyesan in 2016. Two men were shot."
runner = CliRunner()


@pytest.fixture
def built(tmp_path):
    """Incidents whose sources give the cells 111: 1, 110: 1, 100: 2, 011: 1 for Daily NK, RFA, UN, 2014-2019."""
    path = tmp_path / "mse.db"
    store = open_store(str(path))
    plan = {  # incident: (act, year, grounds, publishers of its claims)
        "inc-1": ("execution", 2016, "foreign_media", ["Daily NK", "Radio Free Asia (RFA)"]),
        "inc-2": ("execution", 2015, None, ["Daily NK"]),
        "inc-3": ("execution", 2018, "religion", ["Radio Free Asia (RFA)", "UN OHCHR"]),
        "inc-4": ("execution", 2017, "foreign_media", ["Daily NK", "Radio Free Asia (RFA)", "UN OHCHR"]),
        "inc-5": ("execution", 2012, None, ["UN OHCHR"]),  # before the period
        "inc-6": ("torture", 2016, None, ["Daily NK"]),  # another act
        "inc-7": ("execution", 2016, None, ["Yonhap"]),  # on no list
        "inc-8": ("execution", 2019, None, ["Daily NK", "copy"]),  # RFA only through a copy
    }
    claims: dict[str, list[str]] = {}
    for inc, (act, year, grounds, pubs) in plan.items():
        with store.session() as s:
            s.add(Incident(id=inc, kind="event", act=act, year=year,
                           fields={"grounds": {"value": grounds}} if grounds else {}))  # fmt: skip
        first = None
        for pub in pubs:  # one source per incident and publisher (claim ids follow source and span)
            name = f"{inc} {pub}"
            if pub == "copy":
                sid = add_source(store, name, TEXT + name, publisher="RFA Korean", derived_from=first)
            else:
                sid = add_source(store, name, TEXT + name, publisher=pub)
            first = first or sid
            cid = add_claim(store, sid, "A public execution was held", act=act, when=f"{year}-05", grounds=grounds,
                            perpetrator="mss")  # fmt: skip
            with store.session() as s:  # factory ids depend on source and span: one claim per source here
                s.execute(update(Claim).where(Claim.id == cid).values(incident_id=inc))
            claims.setdefault(inc, []).append(cid)
    yield store, path, claims
    store.close()


def test_counts_carry_their_incidents_and_claims(built):
    store, _, claims = built
    with store.session() as s:
        by_act = {c.key: c for c in counts(s, "act")}
        by_year = {c.key: c for c in counts(s, "year", act="execution", year_from=2014, year_to=2019)}
        by_grounds = {c.key: c for c in counts(s, "grounds", act="execution")}
    assert by_act["execution"].incidents == 7 and by_act["torture"].incident_ids == ["inc-6"]
    assert sorted(by_act["torture"].claim_ids) == sorted(claims["inc-6"])
    assert sorted(by_year) == [2015, 2016, 2017, 2018, 2019] and by_year[2016].incidents == 2
    assert by_grounds["foreign_media"].incident_ids == ["inc-1", "inc-4"]
    assert len(by_grounds["foreign_media"].claim_ids) == 5
    with pytest.raises(ValueError, match="count by one of"), store.session() as s:
        counts(s, "colour")


def test_cells_from_store(built):
    store, _, _ = built
    with store.session() as s:
        c = cells_from_store(s, "execution", 2014, 2019, "Daily NK,RFA,UN")
        with_copies = cells_from_store(s, "execution", 2014, 2019, "Daily NK,RFA,UN", include_copies=True)
        grouped = cells_from_store(s, "execution", 2014, 2019, "Daily NK+Yonhap,RFA")
    assert c.cells == {"111": 1, "110": 1, "100": 2, "011": 1} and c.incidents == 5
    assert c.sources == {"daily nk": 4, "rfa": 3, "un": 2}
    assert with_copies.cells == {"111": 1, "110": 2, "100": 1, "011": 1}
    assert grouped.lists == ["daily nk + yonhap", "rfa"] and grouped.cells == {"11": 2, "10": 3, "01": 1}
    with pytest.raises(ValueError, match="2 to 5 lists"), store.session() as s:
        cells_from_store(s, "execution", None, None, "Daily NK")


def test_cli_estimate_incidents(built):
    _, path, _ = built
    r = runner.invoke(app, ["estimate", "incidents", "--db", str(path), "--act", "execution", "--from", "2014",
                            "--to", "2019", "--lists", "Daily NK,RFA,UN", "--json", "--bootstrap", "20"])  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["store"]["cells"] == {"111": 1, "110": 1, "100": 2, "011": 1} and d["observed"] == 5
    assert d["caveats"] and any("little overlap" in w for w in d["warnings"])
    r = runner.invoke(app, ["estimate", "incidents", "--db", str(path), "--act", "execution", "--lists",
                            "Daily NK,RFA,UN", "--bootstrap", "0"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "copy each other" in " ".join(r.output.split()) and "more visible" in " ".join(r.output.split())
    r = runner.invoke(app, ["estimate", "incidents", "--db", str(path), "--act", "abduction", "--lists", "a,b"])
    assert r.exit_code == 2 and "no incident" in r.output


def test_cli_estimate_cells(tmp_path):
    f = tmp_path / "cormack.json"
    f.write_text(json.dumps({"lists": ["death", "NTOF", "WCC"], "cells": {
        "111": 72, "110": 5, "101": 29, "100": 54, "011": 24, "010": 3, "001": 14}}))  # fmt: skip
    r = runner.invoke(app, ["estimate", "cells", str(f), "--model", "independence", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert round(d["N"]) == 209 and d["df"] == 3 and round(d["ci95"][0]) == 203 and round(d["ci95"][1]) == 217
    assert {"N", "ci95", "model", "deviance", "df", "aic", "bic"} <= set(d)
    r = runner.invoke(app, ["estimate", "cells", str(f), "--select", "aic"])
    assert r.exit_code == 0 and "chosen by AIC" in r.output and "N = " in r.output
    r = runner.invoke(app, ["estimate", "cells", str(f), "--model", "[14]"])
    assert r.exit_code == 2 and "unknown model term" in r.output
    f.write_text('{"lists": ["a", "b"], "cells": {"1": 3}}')
    r = runner.invoke(app, ["estimate", "cells", str(f)])
    assert r.exit_code == 2 and "2 digits" in r.output
    f.write_text("not json")
    assert runner.invoke(app, ["estimate", "cells", str(f)]).exit_code == 2
