"""Every `nkwatch ...` line in the README's sh blocks runs as written against the store `make demo` builds from
the bundled sample corpus (ids, searches and filters match that data), apart from the lines listed in SKIPPED."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkwatch.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner()

# Lines that cannot run here, by how they start, and why.
SKIPPED = {
    "nkwatch ingest reports/": "the reader's own folder of reports",
    "nkwatch watch": "fetches from the network",
    "nkwatch vault": "needs a passphrase typed at a prompt",
    "nkwatch witness": "needs the vault's passphrase",
    "nkwatch interview": "needs the vault's passphrase and a testimony file",
    "nkwatch consent": "needs a witness in the vault",
    "nkwatch backup": "needs a backup passphrase typed at a prompt",
    "nkwatch restore": "needs a backup file and its passphrase",
    "nkwatch serve": "runs a server until stopped",
    "nkwatch demo": "runs a server until stopped",
}


def readme_commands() -> list[str]:
    blocks = re.findall(r"^```(?:sh|bash|shell|console)\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)
    return [line.strip() for b in blocks for line in b.splitlines() if line.strip().startswith("nkwatch ")]


def test_the_readme_shows_commands():
    lines = readme_commands()
    assert any(x.startswith("nkwatch show ") for x in lines) and any(x.startswith("nkwatch incident ") for x in lines)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    home = tmp_path_factory.mktemp("readme")
    mp = pytest.MonkeyPatch()
    mp.setenv("NKWATCH_HOME", str(home / "home"))
    mp.setenv("NKWATCH_DB", str(home / "demo.db"))
    mp.setenv("NKWATCH_USER", "reader")
    mp.chdir(home)  # -o claims.jsonl and the like land here
    r = runner.invoke(app, ["demo", "--no-serve"])
    assert r.exit_code == 0, r.output
    yield home
    mp.undo()


def _runnable(line: str) -> bool:
    return not any(line.startswith(start) for start in SKIPPED)


def test_every_line_left_out_is_one_of_the_listed_kinds():
    left_out = [x for x in readme_commands() if not _runnable(x)]
    assert left_out and all(any(x.startswith(start) for start in SKIPPED) for x in left_out)
    assert sum(map(_runnable, readme_commands())) >= 10  # most of the README's lines do run


@pytest.mark.parametrize("line", [x for x in readme_commands() if _runnable(x)])
def test_a_readme_command_runs_on_the_sample_data(line, sample_store, monkeypatch):
    monkeypatch.setenv("NKWATCH_HOME", str(sample_store / "home"))
    monkeypatch.setenv("NKWATCH_DB", str(sample_store / "demo.db"))
    monkeypatch.setenv("NKWATCH_USER", "reader")
    monkeypatch.chdir(sample_store)
    args = shlex.split(line, comments=True)[1:]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, f"{line}\n{r.output}"
    if args[0] == "search":
        assert "no matches" not in r.output, line
    if args[0] in ("claims", "incidents"):
        assert not re.search(r"\b0 of 0\b", r.output), line
