from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from nkwatch.store.models import Claim, Incident, Source
from nkwatch.watch.fetch import FetchSettings
from nkwatch.watch.models import WatchItem
from nkwatch.watch.registry import add_source
from nkwatch.watch.run import PassReport, run_pass


def counts(store) -> dict[str, int]:  # noqa: ANN001 - a Store
    with store.session() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
                for m in (Source, Claim, Incident, WatchItem)}  # fmt: skip


def watch(store, url: str, **kw) -> int:  # noqa: ANN001
    kw.setdefault("allow_private", True)  # the test server is on loopback
    return add_source(store, url, **kw).id


def run(store, originals: Path, settings: FetchSettings, **kw) -> PassReport:  # noqa: ANN001
    kw.setdefault("every", True)
    return run_pass(store, originals=originals, settings=settings, **kw)


def items(store) -> list[WatchItem]:  # noqa: ANN001
    with store.session() as s:
        return list(s.scalars(select(WatchItem).order_by(WatchItem.id)))
