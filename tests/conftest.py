"""Shared fixtures: a real store on SQLite (a file) and on PostgreSQL (a fresh database per test).

PostgreSQL comes from NKWATCH_TEST_PG (an admin URL), default postgresql://postgres@127.0.0.1:5432/postgres.
Without a server the PostgreSQL cases are skipped on a laptop, but with CI=true they fail: CI must test both.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

PG_ADMIN = os.environ.get("NKWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SAMPLE = Path(__file__).resolve().parents[1] / "nkwatch" / "data" / "sample"


def _pg_available() -> str | None:
    try:
        eng = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as e:  # any connection failure means "no server here"
        return str(e).splitlines()[0]


_PG_PROBLEM = _pg_available()


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own NKWATCH_HOME, so no test touches a real store."""
    home = tmp_path / "home"
    monkeypatch.setenv("NKWATCH_HOME", str(home))
    monkeypatch.delenv("NKWATCH_DB", raising=False)
    return home


@pytest.fixture
def pg_url():
    if _PG_PROBLEM:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but not reachable: {_PG_PROBLEM}")
        pytest.skip(f"no PostgreSQL server: {_PG_PROBLEM}")
    name = f"nkwatch_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty store, once for each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str):
    from nkwatch.store.db import open_store

    s = open_store(db_url)
    yield s
    s.close()
