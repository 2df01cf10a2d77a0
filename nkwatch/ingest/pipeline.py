"""Ingest files and folders: keep each original, read its text, extract its claims, store both.

Work is split so that a crash can never leave half a source: the CPU-heavy part (read + extract) is a
pure function that may run in worker processes; the main process writes originals (write-then-rename)
and commits sources with all their claims in one transaction per batch.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from nkwatch.extract import EXTRACTOR_VERSION, extract_claims
from nkwatch.ingest.metadata import (
    SIDECAR_SUFFIX,
    MetadataError,
    SourceMeta,
    detect_language,
    read_sidecar,
    validate,
)
from nkwatch.ingest.originals import sha256_hex, store_originals
from nkwatch.ingest.readers import MAX_BYTES, ReadError, read_document, too_big_message
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


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under `paths`, recursively and in a stable order; sidecars and hidden files are not sources."""
    for p in paths:
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and not name.endswith(SIDECAR_SUFFIX):
                        yield Path(root) / name
        else:
            yield p


def prepare(path: Path, data: bytes, digest: str, flags: SourceMeta, max_bytes: int) -> Prepared:
    """Read, describe and code one file. Raises ReadError or MetadataError with a reason for a person."""
    doc = read_document(path.name, data, max_bytes=max_bytes)
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
    claims = extract_claims(doc.text, published_at=meta.published_at, source_id=digest, language=source["language"])
    return Prepared(path, digest, data, source, claims)


def _prepare_job(args: tuple[Path, bytes, str, SourceMeta, int]) -> Prepared | FileResult:
    path, data, digest, flags, max_bytes = args
    try:
        return prepare(path, data, digest, flags, max_bytes)
    except (ReadError, MetadataError) as e:
        return FileResult(path, "failed", digest, reason=str(e))


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
    on_result: Callable[[FileResult], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest every file under `paths`. Files that cannot be read are reported and skipped; the rest go in.

    `jobs` > 1 reads and codes files in that many worker processes. Each batch of sources is committed with
    all its claims in one transaction, so an interrupted run leaves only whole sources behind.
    """
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
        with store.session() as s:
            now = utcnow()
            s.connection().execute(Source.__table__.insert(), [dict(p.source, captured_at=now) for p in batch])
            insert_claims(s, [c for p in batch for c in p.claims])
        for p in batch:
            finish(FileResult(p.path, "added", p.digest, claims=len(p.claims)))
        batch.clear()

    def take(outcome: Prepared | FileResult) -> None:
        if isinstance(outcome, FileResult):
            finish(outcome)
            return
        batch.append(outcome)
        if len(batch) >= batch_size:
            flush()

    def jobs_to_do() -> Iterator[tuple[Path, bytes, str, SourceMeta, int]]:
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
            yield (path, data, digest, flags, max_bytes)

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



def ingest_files(
    store: Store,
    items: Iterable[tuple[str, bytes]],
    flags: SourceMeta | None = None,
    *,
    originals: Path,
    max_bytes: int = MAX_BYTES,
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
        report = ingest_paths(store, paths, flags, originals=originals, max_bytes=max_bytes)
    order = {p: i for i, p in enumerate(paths)}
    report.results.sort(key=lambda r: order.get(r.path, len(order)))
    for r in report.results:
        r.path = Path(r.path.name)
    return report
