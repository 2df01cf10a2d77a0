from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nkwatch.watch.fetch import FetchSettings
from tests.watch.server import Server


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


@pytest.fixture
def settings() -> FetchSettings:
    """No politeness delay or back-off (one test server), short deadlines, a 2 MB item limit."""
    return FetchSettings(delay=0, backoff=0, retries=1, total_timeout=3, read_timeout=2, max_bytes=2 * 1024 * 1024)


@pytest.fixture
def sq_store(tmp_path: Path):
    from nkwatch.store.db import open_store

    s = open_store(str(tmp_path / "store.db"))
    yield s
    s.close()


@pytest.fixture
def originals(tmp_path: Path) -> Path:
    return tmp_path / "originals"
