"""The content-addressed store of original files: originals/ab/cd/<sha256>, written then renamed.

Originals are immutable: a file is stored once under the hash of its bytes and never rewritten, so a
source's SHA-256 always proves which bytes a claim was read from.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def original_path(root: Path, digest: str) -> Path:
    return root / digest[:2] / digest[2:4] / digest


def store_original(root: Path, data: bytes, digest: str | None = None) -> Path:
    """Keep `data` under its SHA-256; a no-op when it is already there. Returns its path.

    Written to a temporary file in the same folder, flushed to disk, then renamed: a reader never sees a
    half-written original, and a crash leaves at most a stray temporary file.
    """
    digest = digest or sha256_hex(data)
    path = original_path(root, digest)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def store_originals(root: Path, items: list[tuple[bytes, str]]) -> None:
    """Keep a batch of originals: write all to temporary files, make them durable with one sync, then
    rename each into place (one sync per batch instead of one fsync per file)."""
    pending: list[tuple[str, Path]] = []
    made: set[Path] = set()
    try:
        for data, digest in items:
            path = original_path(root, digest)
            if path.exists() or any(p == path for _, p in pending):
                continue
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o444)
            pending.append((tmp, path))
        if pending:
            os.sync()
        for tmp, path in pending:
            os.replace(tmp, path)
        pending = []
    finally:
        for tmp, _ in pending:
            Path(tmp).unlink(missing_ok=True)


def read_original(root: Path, digest: str) -> bytes:
    """The original bytes, checked against their hash (a damaged store is reported, not trusted)."""
    data = original_path(root, digest).read_bytes()
    if sha256_hex(data) != digest:
        raise ValueError(f"original {digest[:12]}… is damaged: its bytes no longer match its SHA-256")
    return data
