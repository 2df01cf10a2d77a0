"""Open the store: one function, whatever the backend (SQLite file by default, PostgreSQL for a team).

The schema is owned by Alembic migrations (nkwatch/store/migrations); opening a store brings it to the
newest revision, so `nkwatch init` and every other command agree on what the tables look like.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy import text as text_sql
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from nkwatch.config import database_url


class StoreError(Exception):
    """The store cannot be opened or used; the message says why in plain words."""


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("nkwatch.store").joinpath("migrations")))
    cfg.attributes["engine"] = engine
    return cfg


@cache
def _head() -> str | None:
    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()  # type: ignore[arg-type]


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
    cur = dbapi_conn.cursor()
    # WAL: readers (web, CLI) never block the writer; a killed writer leaves the last commit intact.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # 64 MiB of page cache: index pages stay in memory through a batch of inserts (the default is 2 MiB).
    cur.execute("PRAGMA cache_size=-65536")
    # Deleted and overwritten content is zeroed rather than left in free pages: when a name is masked in a
    # testimony after the fact (nkwatch.vault.records), the unmasked text must not linger in the file.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()
    # Every 10,000 virtual-machine steps SQLite asks whether to go on: past the deadline of the running block
    # (query_time_limit), no. A hostile search then ends in an error instead of holding a thread for minutes.
    dbapi_conn.set_progress_handler(_past_deadline, 10_000)


_DEADLINE: ContextVar[float | None] = ContextVar("nkwatch_query_deadline", default=None)


class QueryTimeout(Exception):
    """A query ran past the time allowed for it (query_time_limit)."""


def _past_deadline() -> int:
    deadline = _DEADLINE.get()
    return int(deadline is not None and time.monotonic() > deadline)


@contextmanager
def query_time_limit(seconds: float) -> Iterator[None]:
    """Queries run inside this block (in this thread or task, and in threads started from it with its context)
    stop after `seconds` and raise QueryTimeout: SQLite through its progress handler, PostgreSQL through
    `statement_timeout` set for each session opened in the block."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    except OperationalError as e:
        if _DEADLINE.get() is not None and timed_out(e):
            raise QueryTimeout(f"the query took longer than the {seconds:g} s allowed") from None
        raise
    finally:
        _DEADLINE.reset(token)


def timed_out(e: OperationalError) -> bool:
    text = str(e.orig).lower() if e.orig is not None else str(e).lower()
    return "interrupted" in text or "statement timeout" in text


def create_store_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the folder for the database {path}: {e.strerror}") from e
        engine = create_engine(url, json_serializer=json_dumps, json_deserializer=json_loads)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=json_dumps, json_deserializer=json_loads)


def json_dumps(value: Any) -> str:
    """Python values as JSON column text: orjson (a full link writes the fields of 250,000 incidents; the standard
    library's encoder took 8 s of its main process), and the standard one for what orjson refuses."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def json_loads(text: str | bytes) -> Any:
    """JSON columns as Python values: orjson (a link run reads a million claims' dates and victims; the standard
    library's decoder was 4 times slower), and the standard one for what orjson refuses (NaN, huge integers)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as e:  # driver errors differ by backend; the message is what matters here
        raise StoreError(f"cannot open the database {engine.url.render_as_string(hide_password=True)}: {e}") from e
    if current != _head():
        command.upgrade(_alembic_config(engine), "head")


# The session of the innermost `Store.session()` block in this thread or task. Writers that get plain rows
# (nkwatch.export.write_incidents) use it to apply the witness vault's consent and disclosure rules, so that
# no export path has to remember to (see nkwatch.vault.guard).
_ACTIVE: ContextVar[Session | None] = ContextVar("nkwatch_active_session", default=None)


# A session whose transaction overwrote text that must not survive in the files (see Store.scrub) sets
# `session.info[SCRUB] = True`; the store scrubs once the transaction is committed.
SCRUB = "nkwatch_scrub"


def active_session() -> Session | None:
    """The session of the `Store.session()` block this code runs in, if any."""
    return _ACTIVE.get()


class Store:
    """A handle on one nkwatch database: an engine and a session factory."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._watch: sqlite3.Connection | None = None
        self._watch_lock = threading.Lock()

    def generation(self) -> object:
        """A value that changes whenever anything is committed to the store, by any connection of any process:
        caches of what was read from it (nkwatch.web.cache) are good for as long as it stays the same.

        SQLite: `PRAGMA data_version` on a connection of our own that never writes (it changes when another
        connection commits). PostgreSQL: the current snapshot (next transaction id and those in progress),
        which changes when any writing transaction starts or ends, and not with reads (the WAL position does:
        pruning on reads writes to it). Where neither can be read, a new value each time: nothing is cached."""
        try:
            if self.dialect == "sqlite":
                path = self.engine.url.database
                if not path or path == ":memory:":
                    return object()
                with self._watch_lock:
                    if self._watch is None:
                        self._watch = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
                    return self._watch.execute("PRAGMA data_version").fetchone()[0]
            if self.dialect == "postgresql":
                with self.engine.connect() as conn:
                    return conn.exec_driver_sql("SELECT pg_current_snapshot()::text").scalar()
        except Exception:  # noqa: BLE001 - no generation to be had: never serve from a cache
            return object()
        return object()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back on any error."""
        with self._sessions() as s:
            with s.begin():
                deadline = _DEADLINE.get()
                if deadline is not None and self.dialect == "postgresql":
                    ms = max(1, int((deadline - time.monotonic()) * 1000))
                    s.execute(text_sql(f"SET LOCAL statement_timeout = {ms}"))
                token = _ACTIVE.set(s)
                try:
                    yield s
                finally:
                    # A block ended in another context (a generator finished elsewhere) has nothing to undo.
                    with suppress(ValueError):
                        _ACTIVE.reset(token)
            if s.info.pop(SCRUB, False):
                self.scrub()

    def scrub(self) -> bool:
        """Move every committed page into the SQLite file and empty the write-ahead log, so text that a
        transaction overwrote (a name masked after the fact) is left in no file: secure_delete zeroed it in
        the database, and the log that still held the old pages is truncated. True when the log is empty.
        PostgreSQL keeps no such file of ours; its old row versions go with VACUUM."""
        if self.dialect != "sqlite":
            return True
        for _ in range(20):
            with self.engine.connect() as c:
                busy, _log, _moved = c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            if not busy:
                return True
            time.sleep(0.05)  # a reader holds an old snapshot: it ends in milliseconds
        return False

    def close(self) -> None:
        with self._watch_lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
        self.engine.dispose()


def open_store(url: str | None = None, *, migrate_schema: bool = True) -> Store:
    """Open (and create or upgrade) the store at `url` (a URL, a SQLite path, or NKWATCH_DB/the default)."""
    engine = create_store_engine(url)
    if migrate_schema:
        migrate(engine)
    return Store(engine)
