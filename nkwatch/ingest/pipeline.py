"""Ingest files and folders: keep each original, read its text, extract its claims, store both.

Work is split so that a crash can never leave half a source: the CPU-heavy part (read + extract) is a
pure function that may run in worker processes; the main process writes originals (write-then-rename)
and commits sources with all their claims in one transaction per batch.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nkwatch.extract import EXTRACTOR_VERSION, TooManyClaims, extract_claims
from nkwatch.ingest.metadata import (
    SIDECAR_SUFFIX,
    MetadataError,
    SourceMeta,
    detect_language,
    read_sidecar,
    validate,
)
from nkwatch.ingest.originals import sha256_hex, store_originals, sweep_temporaries
from nkwatch.ingest.readers import (
    DEFAULT_BUDGET,
    MAX_BYTES,
    Budget,
    BudgetError,
    ReadError,
    read_document,
    too_big_message,
)
from nkwatch.store.db import Store
from nkwatch.store.models import Source, utcnow
from nkwatch.store.writes import insert_claims


@dataclass
class FileResult:
    path: Path
    status: str  # "added", "unchanged" or "failed"
    source_id: str | None = None
    claims: int = 0
    reason: str | None = None


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]


@dataclass
class Prepared:
    """A file read and coded, ready to be written."""

    path: Path
    digest: str
    data: bytes
    source: dict[str, Any]
    claims: list[dict[str, Any]]


IGNORE_FILE = ".nkwatchignore"


def _ignored(folder: Path) -> list[str]:
    """The name patterns a folder's .nkwatchignore lists (one a line, `#` starts a comment), e.g. the sample
    corpus's own SOURCES.md: a file about the sources, not a source."""
    try:
        lines = (folder / IGNORE_FILE).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under `paths`, recursively and in a stable order. Not sources: FILE.meta.json sidecars (metadata of
    FILE), hidden files, and in a folder read whole, the names its .nkwatchignore (or one of a folder above it,
    up to the folder given) lists as glob patterns. A file named on its own is always read."""
    for p in paths:
        if p.is_dir():
            patterns: dict[str, list[str]] = {}
            for root, dirs, files in os.walk(p):
                here = patterns[root] = patterns.get(os.path.dirname(root), []) + _ignored(Path(root))
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or name.endswith(SIDECAR_SUFFIX):
                        continue
                    if not any(fnmatch.fnmatchcase(name, pattern) for pattern in here):
                        yield Path(root) / name
        else:
            yield p


def prepare(
    path: Path, data: bytes, digest: str, flags: SourceMeta, max_bytes: int, budget: Budget = DEFAULT_BUDGET
) -> Prepared:
    """Read, describe and code one file. Raises ReadError (BudgetError when the file would produce more than
    `budget` allows) or MetadataError with a reason for a person."""
    doc = read_document(path.name, data, max_bytes=max_bytes, budget=budget)
    found = SourceMeta(title=doc.title, publisher=doc.publisher, url=doc.url,
                       published_at=doc.published_at, language=doc.language)  # fmt: skip
    meta = validate(read_sidecar(path).merged_over(flags).merged_over(found))
    source = {
        "id": digest,
        "kind": meta.kind or "other",
        "title": meta.title or path.stem,
        "publisher": meta.publisher,
        "url": meta.url,
        "published_at": meta.published_at,
        "language": meta.language or detect_language(doc.text),
        "reliability": meta.reliability or "F",
        "text": doc.text,
        "filename": path.name,
        "format": doc.format,
        "size_bytes": len(data),
        "pages": doc.pages,
        "extractor_version": EXTRACTOR_VERSION,
    }
    try:
        claims = extract_claims(doc.text, published_at=meta.published_at, source_id=digest,
                                language=source["language"], max_claims=budget.claims)  # fmt: skip
    except TooManyClaims as e:
        raise BudgetError("claims", e.limit) from None
    return Prepared(path, digest, data, source, claims)


Job = tuple[Path, bytes, str, SourceMeta, int, Budget]


def _prepare_job(args: Job) -> Prepared | FileResult:
    try:
        return prepare(*args)
    except (ReadError, MetadataError) as e:
        return FileResult(args[0], "failed", args[2], reason=str(e))


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as e:
        raise ReadError(f"cannot read: {e.strerror}") from e
    if size > max_bytes:
        raise ReadError(too_big_message(size, max_bytes))
    try:
        return path.read_bytes()
    except OSError as e:
        raise ReadError(f"cannot read: {e.strerror}") from e


def ingest_paths(
    store: Store,
    paths: Iterable[Path],
    flags: SourceMeta | None = None,
    *,
    originals: Path,
    jobs: int = 1,
    batch_size: int = 128,
    max_bytes: int = MAX_BYTES,
    budget: Budget = DEFAULT_BUDGET,
    on_result: Callable[[FileResult], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest every file under `paths`. Files that cannot be read are reported and skipped; the rest go in.

    `jobs` > 1 reads and codes files in that many worker processes. Each batch of sources is committed with
    all its claims in one transaction, so an interrupted run leaves only whole sources behind. Another ingest
    of the same files at the same time is harmless: a source it stored first is reported as unchanged here.
    """
    sweep_temporaries(originals)  # what a killed run left behind
    flags = validate(flags or SourceMeta())
    files = list(iter_files(paths))
    if on_total:
        on_total(len(files))
    report = IngestReport()
    emit = on_result or (lambda r: None)
    with store.session() as s:  # ids already stored: a set in memory beats one query per file
        seen: set[str] = set(s.scalars(select(Source.id)))
    batch: list[Prepared] = []

    def finish(result: FileResult) -> None:
        report.results.append(result)
        emit(result)

    def flush() -> None:
        if not batch:
            return
        store_originals(originals, [(p.data, p.digest) for p in batch])
        todo = list(batch)
        batch.clear()
        for attempt in range(_ATTEMPTS):
            try:
                with store.session() as s:
                    now = utcnow()
                    s.connection().execute(Source.__table__.insert(), [dict(p.source, captured_at=now) for p in todo])
                    insert_claims(s, [c for p in todo for c in p.claims])
                break
            except IntegrityError:
                # Another ingest committed some of these sources since we looked: they are stored, whole,
                # by that run. Leave them out and insert the rest (ids are content hashes, so same bytes).
                if attempt == _ATTEMPTS - 1:
                    raise
                stored = _stored(store, [p.digest for p in todo])
                for p in todo:
                    if p.digest in stored:
                        finish(FileResult(p.path, "unchanged", p.digest))
                todo = [p for p in todo if p.digest not in stored]
                if not todo:
                    return
        for p in todo:
            finish(FileResult(p.path, "added", p.digest, claims=len(p.claims)))

    def take(outcome: Prepared | FileResult) -> None:
        if isinstance(outcome, FileResult):
            finish(outcome)
            return
        batch.append(outcome)
        if len(batch) >= batch_size:
            flush()

    def jobs_to_do() -> Iterator[Job]:
        for path in files:
            try:
                data = _read(path, max_bytes)
            except ReadError as e:
                finish(FileResult(path, "failed", reason=str(e)))
                continue
            digest = sha256_hex(data)
            if digest in seen:
                finish(FileResult(path, "unchanged", digest))
                continue
            seen.add(digest)
            yield (path, data, digest, flags, max_bytes, budget)

    if jobs <= 1:
        for job in jobs_to_do():
            take(_prepare_job(job))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            pending: list[Future] = []
            for job in jobs_to_do():
                pending.append(pool.submit(_prepare_job, job))
                # Bounded in-flight work keeps memory flat however many files there are.
                while len(pending) >= jobs * 4:
                    take(pending.pop(0).result())
            for fut in pending:
                take(fut.result())
    flush()
    return report


_ATTEMPTS = 5  # a batch that collides with another run's commits is retried without the sources it stored


def _stored(store: Store, ids: list[str]) -> set[str]:
    with store.session() as s:
        return set(s.scalars(select(Source.id).where(Source.id.in_(ids))))


def ingest_files(
    store: Store,
    items: Iterable[tuple[str, bytes]],
    flags: SourceMeta | None = None,
    *,
    originals: Path,
    max_bytes: int = MAX_BYTES,
    budget: Budget = DEFAULT_BUDGET,
) -> IngestReport:
    """Ingest files given as (file name, bytes), e.g. uploaded in a browser: the same pipeline as for paths.

    Each file is written under its own name (only the last part of it, so a name cannot point elsewhere) into
    a private temporary folder that is removed afterwards; the original bytes are kept as `ingest_paths` keeps
    them. Results come in the order of `items`, with `path` set to the file's name.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="nkwatch-upload-") as tmp:
        paths = []
        for i, (name, data) in enumerate(items):
            safe = Path(name.replace("\\", "/")).name.lstrip(".") or "upload"
            folder = Path(tmp) / f"{i:05d}"  # one folder per file: two uploads may share a name
            folder.mkdir()
            (folder / safe).write_bytes(data)
            paths.append(folder / safe)
        report = ingest_paths(store, paths, flags, originals=originals, max_bytes=max_bytes, budget=budget)
    order = {p: i for i, p in enumerate(paths)}
    report.results.sort(key=lambda r: order.get(r.path, len(order)))
    for r in report.results:
        r.path = Path(r.path.name)
    return report
