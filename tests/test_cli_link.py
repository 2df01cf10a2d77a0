"""The linking, review and audit commands, end to end on the linkage development set's real texts."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from nkwatch.cli import app

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ROOT / "dev" / "linkage" / "texts"
runner = CliRunner()


def run(*args: str, code: int = 0):
    r = runner.invoke(app, list(args))
    assert r.exit_code == code, r.output
    return r.output


def test_link_review_audit_export(tmp_path, monkeypatch):
    monkeypatch.setenv("NKWATCH_DB", str(tmp_path / "s.db"))
    monkeypatch.setenv("NKWATCH_USER", "tester")
    picked = tmp_path / "in"
    picked.mkdir()
    for name in ("01_rfa_oct2023-mass-repatriation.txt", "02_joongang_600-may-have-been-repatriated.txt",
                 "03_yonhap_ministry-many-repatriated.txt",
                 "04_koreanewsgazette_ministry-many-repatriated-yonhap.txt"):
        for suffix in ("", ".meta.json"):
            (picked / (name + suffix)).write_bytes((TEXTS / (name + suffix)).read_bytes())
    run("ingest", str(picked))
    out = " ".join(run("link").split())  # rich wraps long lines at the runner's terminal width
    assert "copies or syndications found" in out and "incidents written" in out

    lines = [json.loads(x) for x in run("export", "incidents").splitlines()]
    assert lines and {"id", "claim_ids", "sources", "independent_sources", "confidence"} <= set(lines[0])
    big = max((x for x in lines if x["act"] == "forced_repatriation"), key=lambda x: len(x["sources"]))
    assert len(big["independent_sources"]) < len(big["sources"])  # the Yonhap copy does not count twice
    claims = [json.loads(x) for x in run("export", "claims").splitlines()]
    assert all(c.get("incident_id") for c in claims if c["status"] != "rejected")

    shown = " ".join(run("incident", big["id"]).split())
    assert "confidence" in shown and "independent" in shown and big["claim_ids"][0][:10] in shown
    assert big["id"] in run("incidents", "--act", "forced_repatriation")

    run("review", "confirm", big["claim_ids"][0], "--note", "checked against RFA")
    run("review", "correct", big["claim_ids"][0], "hedged=true")
    out = run("review", "correct", big["claim_ids"][0], "act=beheading", code=1)
    assert "act" in out
    refused = " ".join(run("review", "publish", big["id"], code=1).split())  # not every source is checked yet
    assert "independent sources have no confirmed claim" in refused
    first_of_source = {}
    for c in claims:
        if c["id"] in big["claim_ids"]:
            first_of_source.setdefault(c["source_id"], c["id"])
    for cid in first_of_source.values():
        run("review", "confirm", cid)
    published = runner.invoke(app, ["review", "publish", big["id"], "--note", "each source checked"])
    open_ = re.findall(r"(inc-[0-9a-f]{12}) \(differs on", " ".join(published.output.split()))
    for other in open_:  # a proposal still open on it: a reviewer decides it first
        assert "different incidents" in run("review", "different", big["id"], other, "--note", "another month")
    if open_:
        published = runner.invoke(app, ["review", "publish", big["id"], "--note", "each source checked"])
    assert published.exit_code == 0 and "publishable" in published.output, published.output
    assert "withdrawn" in run("review", "unpublish", big["id"], "--reason", "a source retracted")
    assert "already withdrawn" in run("review", "unpublish", big["id"], "--reason", "again")
    assert "no claim" in run("review", "confirm", "zzzzzz", code=1)
    assert "no incident" in run("review", "merge", big["id"], "inc-nope", code=1)
    log = " ".join(run("audit", "log").split())
    assert "claim.confirm" in log and "incident.publish" in log and "incident.unpubl" in log and "tester" in log
    verified = " ".join(run("audit", "verify").split())
    assert "intact" in verified
    anchor = verified.strip().split("anchor ")[-1]
    assert "intact" in run("audit", "verify", "--anchor", anchor)
    run("audit", "verify", "--anchor", "nonsense", code=2)
    csv_out = run("export", "incidents", "--format", "csv")
    assert csv_out.splitlines()[0].startswith("id,kind,act")
