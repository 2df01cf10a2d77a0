"""One pass over the watched sources that are due: fetch each feed, sitemap or listing page (conditionally),
fetch its new or changed items, keep and ingest them through the ordinary pipeline, then link.

Every failure is caught where it happens and reported with its reason: a bad feed fails its source, a bad
item fails that item, and the pass goes on. Sources are stored whole by the pipeline before the watch records
that point at them, so a pass killed half-way is finished by the next one (same bytes, same source)."""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select

from nkwatch.ingest.metadata import SourceMeta
from nkwatch.ingest.originals import sha256_hex
from nkwatch.ingest.pipeline import ingest_paths
from nkwatch.ingest.readers import ReadError, read_document
from nkwatch.store.db import Store
from nkwatch.store.models import Source
from nkwatch.watch.fetch import Fetcher, FetchError, FetchSettings, Response
from nkwatch.watch.models import WatchedSource, WatchItem
from nkwatch.watch.netguard import Refused
from nkwatch.watch.parse import Entry, FeedError, detect, parse_feed, parse_listing, parse_sitemap

MAX_ITEMS = 200  # per source and pass: a feed that suddenly lists 100,000 URLs is taken in over many passes
MAX_CHILD_SITEMAPS = 20
EXTENSIONS = {"text/html": ".html", "application/xhtml+xml": ".html", "application/pdf": ".pdf",
              "text/plain": ".txt", "text/markdown": ".md",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx"}  # fmt: skip


@dataclass
class SourceSummary:
    id: int
    url: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    error: str | None = None  # the watched URL itself failed
    failures: list[str] = field(default_factory=list)  # "URL: reason" per failed item

    @property
    def ok(self) -> bool:
        return self.error is None and self.failed == 0


@dataclass
class PassReport:
    sources: list[SourceSummary] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # source ids taken in
    seconds: float = 0.0
    requests: int = 0
    conditional: int = 0

    @property
    def failed(self) -> bool:
        return any(not s.ok for s in self.sources)


@dataclass
class _Fetched:
    entry: Entry
    response: Response
    row: WatchItem | None  # the item's newest row, if it was seen before

    @property
    def previous(self) -> str | None:
        """The source this fetch may replace."""
        return self.row.source_id if self.row is not None else None


def due(store: Store, now: datetime, every: bool = False) -> list[WatchedSource]:
    with store.session() as s:
        q = select(WatchedSource).order_by(WatchedSource.id)
        if not every:
            q = q.where(or_(WatchedSource.next_due_at.is_(None), WatchedSource.next_due_at <= now))
        return list(s.scalars(q))


def run_pass(store: Store, *, originals: Path, settings: FetchSettings | None = None, every: bool = False,
             ids: list[int] | None = None, link: bool = True, max_items: int = MAX_ITEMS,
             on_source: Callable[[SourceSummary], None] | None = None) -> PassReport:  # fmt: skip
    """Watch every due source (`every`: all of them; `ids`: those), then link what was taken in."""
    start = time.monotonic()
    report = PassReport()
    sources = due(store, datetime.now(UTC), every or bool(ids))
    if ids:
        sources = [w for w in sources if w.id in set(ids)]
    with Fetcher(settings) as fetcher:
        for ws in sources:
            summary, added = _watch_one(store, originals, fetcher, ws, max_items)
            report.sources.append(summary)
            report.added += added
            if on_source:
                on_source(summary)
        report.requests, report.conditional = fetcher.requests, fetcher.conditional
    if link and report.added:
        from nkwatch.link.copies import detect_copies
        from nkwatch.link.run import link as link_claims

        detect_copies(store, report.added)
        link_claims(store)
    report.seconds = time.monotonic() - start
    return report


def _get(fetcher: Fetcher, ws: WatchedSource, url: str, **kw: object) -> Response:
    return fetcher.get(url, allow_private=ws.allow_private, proxy=ws.proxy, **kw)  # type: ignore[arg-type]


def _entries(fetcher: Fetcher, ws: WatchedSource, r: Response) -> list[Entry]:
    kind = ws.feed_type if ws.feed_type != "auto" else detect(r.content, r.content_type)
    if kind == "feed":
        return parse_feed(r.content, r.url)
    if kind == "listing":
        return parse_listing(r.content, r.url)
    pages, children = parse_sitemap(r.content, r.url)
    seen = {r.url}
    for child in children[:MAX_CHILD_SITEMAPS]:  # one level of sitemap index: bounded, no cycles
        if child in seen:
            continue
        seen.add(child)
        sub = _get(fetcher, ws, child, max_bytes=fetcher.settings.max_feed_bytes)
        pages += parse_sitemap(sub.content, sub.url)[0]
    return [Entry(u) for u in dict.fromkeys(pages)]


def _watch_one(store: Store, originals: Path, fetcher: Fetcher, ws: WatchedSource,
               max_items: int) -> tuple[SourceSummary, list[str]]:  # fmt: skip
    summary = SourceSummary(ws.id, ws.url)
    latest = _latest_items(store, ws.id)
    entries: list[Entry] = []
    feed: Response | None = None
    try:
        feed = _get(fetcher, ws, ws.url, etag=ws.etag, last_modified=ws.last_modified,
                    max_bytes=fetcher.settings.max_feed_bytes)  # fmt: skip
        if not feed.not_modified:
            entries = _entries(fetcher, ws, feed)
    except (Refused, FetchError, FeedError) as e:
        summary.error = str(e)
    # Items that failed before are tried again even when the listing has not changed.
    retry = [Entry(u) for u, it in latest.items() if it.source_id is None]
    todo = list({e.url: e for e in retry + entries}.values())[:max_items]
    fetched: list[_Fetched] = []
    outcomes: list[tuple[str, WatchItem | None, dict]] = []  # (url, row to update or None for a new row, values)
    for entry in todo:
        prev = latest.get(entry.url)
        has_source = prev is not None and prev.source_id is not None
        try:
            r = _get(fetcher, ws, entry.url, etag=prev.etag if has_source else None,
                     last_modified=prev.last_modified if has_source else None)  # fmt: skip
        except (Refused, FetchError) as e:
            _fail(summary, outcomes, entry.url, prev, str(e))
            continue
        if has_source and (r.not_modified or sha256_hex(r.content) == prev.source_id or _same_text(store, prev, r)):
            summary.unchanged += 1
            outcomes.append((entry.url, prev, {"status": "unchanged", "error": None, "etag": r.etag or prev.etag,
                                               "last_modified": r.last_modified or prev.last_modified}))  # fmt: skip
            continue
        fetched.append(_Fetched(entry, r, prev))
    added = _ingest(store, originals, ws, fetched, summary, outcomes)
    _record(store, ws, feed, summary, outcomes)
    return summary, added


def _fail(summary: SourceSummary, outcomes: list, url: str, row: WatchItem | None, why: str) -> None:
    """Count a failed item; its newest row (if any) records the error and keeps any source it has."""
    summary.failed += 1
    summary.failures.append(why if why.startswith(url) else f"{url}: {why}")
    outcomes.append((url, row, {"status": "failed", "error": why}))


def _same_text(store: Store, prev: WatchItem, r: Response) -> bool:
    """New bytes, same main text (a new advertisement, a date in the footer): not a new version."""
    try:
        text = read_document(_file_name(r), r.content).text
    except ReadError:
        return False
    with store.session() as s:
        return s.scalar(select(Source.text).where(Source.id == prev.source_id)) == text


def _file_name(r: Response) -> str:
    """A file name the readers understand: the URL's last part, with the extension its Content-Type says."""
    last = r.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", last).strip(".-")[:80] or "index"
    ext = EXTENSIONS.get(r.content_type.split(";", 1)[0].strip().lower())
    if ext is None:
        return stem  # readers sniff the bytes
    return stem if stem.lower().endswith(ext) else stem.rsplit(".", 1)[0] + ext if "." in stem else stem + ext


def _ingest(store: Store, originals: Path, ws: WatchedSource, fetched: list[_Fetched], summary: SourceSummary,
            outcomes: list) -> list[str]:  # fmt: skip
    """Keep and ingest fetched items in one batch through the ingest pipeline, each with a sidecar of what the
    feed said (URL, title, date); the watched source gives kind, publisher and reliability."""
    if not fetched:
        return []
    flags = SourceMeta(kind=ws.kind, publisher=ws.publisher, reliability=ws.reliability)
    with tempfile.TemporaryDirectory(prefix="nkwatch-watch-") as tmp:
        paths = {}
        for i, f in enumerate(fetched):
            folder = Path(tmp) / f"{i:05d}"
            folder.mkdir()
            path = folder / _file_name(f.response)
            path.write_bytes(f.response.content)
            meta = {"url": f.response.url, "title": f.entry.title, "published_at": f.entry.published}
            (folder / (path.name + ".meta.json")).write_text(json.dumps({k: v for k, v in meta.items() if v}))
            paths[path] = f
        report = ingest_paths(store, list(paths), flags, originals=originals)
    added = []
    for res in report.results:
        f = paths[res.path]
        url = f.entry.url
        if res.status == "failed" or not res.source_id:
            _fail(summary, outcomes, url, f.row, res.reason or "could not be ingested")
            continue
        if res.status == "added":
            added.append(res.source_id)
        if f.previous is not None:
            summary.changed += 1
            status = "changed"
        else:
            summary.new += res.status == "added"
            summary.unchanged += res.status != "added"
            status = "new" if res.status == "added" else "known"  # known: the same bytes came by another way
        values = {"source_id": res.source_id, "status": status, "error": None, "previous_source_id": f.previous,
                  "etag": f.response.etag, "last_modified": f.response.last_modified}  # fmt: skip
        # A version is a new row (the old one stays); an item that had only failed takes its row over.
        outcomes.append((url, f.row if f.row is not None and f.previous is None else None, values))
    return added


def _latest_items(store: Store, ws_id: int) -> dict[str, WatchItem]:
    """The newest row of each item URL of a watched source: its present state."""
    with store.session() as s:
        rows = s.scalars(select(WatchItem).where(WatchItem.watched_source_id == ws_id).order_by(WatchItem.id))
        return {r.canonical_url: r for r in rows}


def _record(store: Store, ws: WatchedSource, feed: Response | None, summary: SourceSummary,
            outcomes: list[tuple[str, WatchItem | None, dict]]) -> None:  # fmt: skip
    """Write the pass's outcome for one watched source in one transaction."""
    now = datetime.now(UTC)
    with store.session() as s:
        w = s.get(WatchedSource, ws.id)
        if w is None:  # removed while the pass ran
            return
        for url, row, values in outcomes:
            if row is not None:
                target = s.get(WatchItem, row.id)
                if target is not None:
                    for k, v in values.items():
                        setattr(target, k, v)
                    target.fetched_at = now
                    continue
            s.add(WatchItem(watched_source_id=ws.id, canonical_url=url, fetched_at=now, **values))
        if feed is not None and not feed.not_modified and summary.error is None:
            w.etag, w.last_modified = feed.etag, feed.last_modified  # only once its items are recorded
        w.last_pass_at = now
        w.next_due_at = now + timedelta(seconds=w.every_seconds)
        w.last_error = summary.error or (summary.failures[0] if summary.failures else None)
        w.items_taken += summary.new + summary.changed
        w.last_new, w.last_unchanged, w.last_failed = summary.new + summary.changed, summary.unchanged, summary.failed
