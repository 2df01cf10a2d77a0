"""Fixtures shared by the web tests: a small linked store with users of every role, and apps over it."""

from __future__ import annotations

import pytest

from nkwatch.ingest.originals import original_path
from nkwatch.store.db import open_store
from nkwatch.web import create_app

from .helpers import World, build_world


def make_world(url: str, originals) -> tuple[object, World]:  # noqa: ANN001 - a Path
    store = open_store(url)
    world = build_world(store)
    path = original_path(originals, world.source)  # an original on disk, for the download route
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"the original bytes")
    return store, world


@pytest.fixture(scope="module")
def module_world(tmp_path_factory):
    """One SQLite store for a whole module of read-mostly tests."""
    root = tmp_path_factory.mktemp("web")
    store, world = make_world(str(root / "web.db"), root / "originals")
    yield str(root / "web.db"), root / "originals", world
    store.close()


@pytest.fixture
def world(db_url, tmp_path):
    """A fresh store on each backend (SQLite and PostgreSQL), for tests that change it."""
    store, w = make_world(db_url, tmp_path / "originals")
    store.close()
    return db_url, tmp_path / "originals", w


@pytest.fixture
def app(world):
    url, originals, _ = world
    a = create_app(url, originals=originals)
    yield a
    a.state.nk.store.close()
