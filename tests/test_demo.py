"""`make demo` as a newcomer meets it: a port of their choosing, one line for a busy port, the demo account made
only once the server listens, and the sample corpus's own files about itself never taken for sources."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from nkwatch.cli import app
from nkwatch.ingest.pipeline import iter_files
from nkwatch.store.db import open_store
from nkwatch.store.models import Source

from .conftest import SAMPLE

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _make_demo(*args: str) -> str:
    r = subprocess.run(["make", "-n", "demo", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
def test_make_demo_takes_a_port():
    assert "nkwatch demo --port 8123" in _make_demo("PORT=8123")
    assert "nkwatch demo --port 8000" in _make_demo()


@pytest.fixture
def busy_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


def _sign_in(db: str, password: str) -> bool:
    from nkwatch.web import accounts

    store = open_store(db)
    try:
        with store.session() as s:
            return accounts.authenticate(s, "demo", password, "test") is not None
    finally:
        store.close()


def test_a_busy_port_is_one_line_and_leaves_the_running_demos_password(tmp_path, busy_port):
    from nkwatch.web import accounts

    db = str(tmp_path / "demo.db")
    store = open_store(db)
    with store.session() as s:  # the demo already running printed this password
        accounts.add_user(s, "demo", "the-password-it-printed-1", "admin")
    store.close()
    r = runner.invoke(app, ["demo", "--db", db, "--port", str(busy_port)])
    assert r.exit_code == 1, r.output
    assert f"port {busy_port} is in use: choose another with PORT=... / --port" in r.output
    assert "Traceback" not in r.output and (r.exception is None or isinstance(r.exception, SystemExit))
    assert "sign in as" not in r.output
    assert _sign_in(db, "the-password-it-printed-1")  # a failed start did not reset it

    r = runner.invoke(app, ["serve", "--db", db, "--port", str(busy_port)])
    assert r.exit_code == 1 and f"port {busy_port} is in use" in r.output and "Traceback" not in r.output


def test_the_password_is_printed_once_the_server_listens(tmp_path):
    db = str(tmp_path / "demo.db")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PYTHONUNBUFFERED="1", COLUMNS="200")
    proc = subprocess.Popen([sys.executable, "-m", "nkwatch", "demo", "--db", db, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)  # fmt: skip
    try:
        seen, deadline, password = "", time.monotonic() + 120, None
        while password is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen += line
            if m := re.search(r"sign in as demo with password (\S+)", line):
                password = m.group(1)
        assert password, seen
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # the port was already ours when the password was printed
        assert _sign_in(db, password)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_sample_corpus_description_is_not_a_source(tmp_path):
    names = {p.name for p in iter_files([SAMPLE])}
    assert "SOURCES.md" not in names and not any(n.endswith(".meta.json") for n in names)
    assert len(names) == 6
    assert [p.name for p in iter_files([SAMPLE / "SOURCES.md"])] == ["SOURCES.md"]  # named on its own: read

    db = str(tmp_path / "demo.db")
    r = runner.invoke(app, ["demo", "--db", db, "--no-serve"])
    assert r.exit_code == 0, r.output
    store = open_store(db)
    with store.session() as s:
        files = set(s.scalars(select(Source.filename)))
        titles = set(s.scalars(select(Source.title)))
    store.close()
    assert "SOURCES.md" not in files and "Sample corpus: sources" not in titles and len(files) == 6


def test_a_folders_ignore_file_and_sidecars(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.txt", "a.txt.meta.json", "README.md", "notes.md", "sub/README.md", "sub/b.txt", ".hidden"):
        (tmp_path / name).write_text("In 2024, a man was publicly executed in Hyesan.\n")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])) == [
        "README.md", "a.txt", "notes.md", "sub/README.md", "sub/b.txt"]  # fmt: skip
    (tmp_path / ".nkwatchignore").write_text("# not sources\nREADME.md\n\nnote*.md\n")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])) == ["a.txt", "sub/b.txt"]
