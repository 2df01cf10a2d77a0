"""Canary identities planted through the command line never appear in the clear anywhere on disk."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from nkwatch.cli import app

CANARIES = ["Quorvath Ellisandre", "쿼르바스", "Brimhollow", "1979-11-23", "5550142"]
IDENTITY = {"name": "Quorvath Ellisandre", "name_hangul": "쿼르바스", "date_of_birth": "1979-11-23",
            "home_town": "Brimhollow", "contact": "+82 10 555 0142", "sex": "male", "province": "North Hamgyong"}
TESTIMONY = ("My name is Quorvath Ellisandre, also 쿼르바스, from Brimhollow; call me on +82 10 555 0142. "
             "In March 2020, guards at Camp 16 beat prisoners to death. Born 23 November 1979.\n")


def _hits(root: Path) -> list[str]:
    found = []
    for f in root.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            for c in CANARIES:
                for enc in ("utf-8", "utf-16-le"):
                    if c.encode(enc) in data or c.lower().encode(enc) in data.lower():
                        found.append(f"{f.relative_to(root)}: {c}")
    return found


def test_cli_canaries_never_leave_the_vault(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    home = tmp_path / "home"
    monkeypatch.setenv("NKWATCH_HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("NKWATCH_VAULT_PASSPHRASE", "a long vault passphrase")
    monkeypatch.setenv("NKWATCH_BACKUP_PASSPHRASE", "a long backup passphrase")
    outside = tmp_path / "outside"  # where the custodian keeps the file they were given (not ours to scan)
    outside.mkdir()
    (outside / "testimony.txt").write_text(TESTIMONY, encoding="utf-8")
    r = CliRunner()
    outputs = []

    def run(*args: str, stdin: str | None = None) -> str:
        res = r.invoke(app, list(args), input=stdin)
        assert res.exit_code == 0, res.output
        outputs.append(res.output)
        return res.output

    run("ingest", str(Path(__file__).resolve().parents[2] / "nkwatch" / "data" / "sample"))
    run("vault", "init")
    assert "W-0001" in run("witness", "add", "--identity-file", "-", stdin=json.dumps(IDENTITY))
    run("interview", "add", "W-0001", str(outside / "testimony.txt"), "--date", "2023-01-05")
    run("interview", "add", "W-0001", "--text", TESTIMONY.replace("March 2020", "May 2021"), "--date", "2023-01-06")
    run("consent", "set", "W-0001", "publish")
    run("extract", "--all")
    run("link")
    run("claims")
    listed = run("sources")
    run("search", "Camp 16")
    run("witness", "list")
    run("vault", "status")
    run("vault", "unlock-check")
    for what in ("claims", "incidents"):
        for fmt in ("jsonl", "json", "csv"):
            run("export", what, "--format", fmt, "-o", str(home / f"{what}.{fmt}"))
    run("audit", "log")
    run("backup", str(home / "store.nkwbak"))
    run("restore", str(home / "store.nkwbak"), "--verify", "--db", str(home / "restored.db"))
    assert "Quorvath" in run("witness", "show", "W-0001")  # the custodian can still read it...
    outputs.pop()  # ...which is the one place it may appear
    assert "Testimony" in listed  # the testimony is a source (under its pseudonym, with masked text)
    assert _hits(home) == [] and _hits(tmp_path / "tmp") == []
    assert not any(c.lower() in o.lower() for o in outputs for c in CANARIES)
