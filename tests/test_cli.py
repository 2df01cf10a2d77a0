"""The command line, run as a user would (Typer's runner, a real SQLite file)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from nkwatch.cli import app

from .conftest import SEEDS

SPEC_FIELDS = {
    "id", "source_id", "span", "quote", "kind", "act", "grounds", "when", "where", "perpetrator", "victims",
    "punishment", "law", "hedged", "indicator", "value", "value_min", "value_max", "unit", "period", "status",
}  # fmt: skip

runner = CliRunner()


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "cli.db"
    monkeypatch.setenv("NKWATCH_DB", str(path))
    return path


def run(*args: str, ok: bool = True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_help_reads_well():
    top = run("--help").output
    for cmd in ("init", "ingest", "sources", "claims", "show", "extract", "export", "search", "demo"):
        assert cmd in top
        sub = run(*(["export", "claims"] if cmd == "export" else [cmd]), "--help").output
        assert "Usage" in sub and len(sub) > 200


def test_ingest_list_show_export_search(db, tmp_path):
    assert "store:" in run("init").output
    r = run("ingest", str(SEEDS))
    assert "2 added" in r.output
    assert "0 added" in run("ingest", str(SEEDS)).output and "2 unchanged" in run("ingest", str(SEEDS)).output
    assert "Why Escaping North Korea" in run("sources").output
    listing = run("claims", "--act", "forced_repatriation").output
    assert "forced_repatriation" in listing

    out = tmp_path / "claims.jsonl"
    run("export", "claims", "--format", "jsonl", "-o", str(out))
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines and all(set(line) == SPEC_FIELDS for line in lines)
    one = next(x for x in lines if x["act"] == "forced_repatriation")
    shown = run("show", one["id"][:10]).output
    assert "sent 60 people back" in shown and "rule:" in shown and "forced_repatriation" in shown
    assert "machine" in shown  # status history

    csv_text = run("export", "claims", "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == len(lines) and rows[0]["quote"]

    assert "shoot-to-kill" in run("search", "shoot-to-kill").output
    assert "no matches" in run("search", "qqqqzzzz").output


def test_errors_are_clear(db, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "ok.txt").write_text("In 2024, a man was publicly executed in Hyesan.\n")
    r = run("ingest", str(bad), ok=False)
    assert r.exit_code == 1 and "empty.txt" in r.output and "1 added" in r.output
    r = run("ingest", str(bad), "--kind", "blog", ok=False)
    assert r.exit_code == 2 and "kind" in r.output
    r = run("ingest", str(bad), "--published", "last week", ok=False)
    assert r.exit_code == 2 and "ISO date" in r.output
    r = run("show", "zzzzzz", ok=False)
    assert r.exit_code == 1 and "no claim" in r.output
    r = run("export", "claims", "--format", "xml", ok=False)
    assert r.exit_code == 2 and "jsonl" in r.output
    r = run("extract", ok=False)
    assert r.exit_code == 2 and "--all" in r.output


def test_extract_all_does_not_duplicate(db):
    run("ingest", str(SEEDS))
    n = len(run("export", "claims").output.splitlines())
    assert "0 added" in run("extract", "--all").output
    assert len(run("export", "claims").output.splitlines()) == n


def test_demo_ingests_the_sample_corpus(db):
    r = run("demo", "--no-serve")
    assert "sample sources added" in r.output and "event" in r.output
    assert "already stored" in run("demo", "--no-serve").output


def test_unreachable_database_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("NKWATCH_DB", "postgresql://nobody@127.0.0.1:1/none")
    r = run("sources", ok=False)
    assert r.exit_code == 2 and "cannot open the database" in r.output
