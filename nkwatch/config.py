"""Where nkwatch keeps its data: the database URL and the home folder holding the originals."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DB = "NKWATCH_DB"
ENV_HOME = "NKWATCH_HOME"


def home() -> Path:
    """The data folder (originals, logs). NKWATCH_HOME, else $XDG_DATA_HOME/nkwatch, else ~/.local/share/nkwatch."""
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME]).expanduser().resolve()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "nkwatch"


def database_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from --db, NKWATCH_DB or the default SQLite file in home().

    A value with '://' is a URL (postgresql://user@host/db, sqlite:///file.db); anything else is a path
    to a SQLite file, which is the embedded default.
    """
    value = db or os.environ.get(ENV_DB)
    if not value:
        return f"sqlite:///{home() / 'nkwatch.db'}"
    if "://" in value:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def originals_dir() -> Path:
    """The content-addressed store of original files."""
    return home() / "originals"
