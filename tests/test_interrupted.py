"""A run killed half-way (SIGKILL: no clean-up code runs) leaves only whole sources, and a re-run finishes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from nkwatch.extract import extract_claims
from nkwatch.ingest.originals import read_original
from nkwatch.store.db import open_store
from nkwatch.store.models import Source

from .conftest import SEEDS

BODY = (SEEDS / "000_f68488f69bbecae2.txt").read_text()


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=10) as c:
            return c.execute("select count(*) from sources").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_sigkill_mid_ingest_leaves_whole_sources(tmp_path, _home):
    folder = tmp_path / "corpus"
    folder.mkdir()
    n = 400
    for i in range(n):
        (folder / f"doc{i:04}.txt").write_text(f"Document {i}.\n{BODY}")
    db = tmp_path / "store.db"
    env = {**os.environ, "NKWATCH_DB": str(db), "NKWATCH_HOME": str(_home)}
    proc = subprocess.Popen([sys.executable, "-m", "nkwatch", "ingest", str(folder)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while _count(db) == 0 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored = _count(db)
    assert 0 < stored < n, f"the kill should land mid-run (stored {stored} of {n})"

    with sqlite3.connect(db) as c:
        assert c.execute("pragma integrity_check").fetchone()[0] == "ok"
    store = open_store(str(db))
    with store.session() as s:
        for src in s.scalars(select(Source)):
            # every stored source has all its claims and its original
            expected = extract_claims(src.text, published_at=src.published_at, source_id=src.id)
            assert sorted(c.id for c in src.claims) == sorted(c["id"] for c in expected)
            assert read_original(_home / "originals", src.id)
    store.close()

    done = subprocess.run([sys.executable, "-m", "nkwatch", "ingest", str(folder)], env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _count(db) == n
