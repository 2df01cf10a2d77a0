"""The content-addressed store of original files: originals/ab/cd/<sha256>, written then renamed.

Originals are immutable: a file is stored once under the hash of its bytes and never rewritten, so a
source's SHA-256 always proves which bytes a claim was read from.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import time
from pathlib import Path

TMP_PREFIX = ".tmp-"  # what store_original(s) name a file before renaming it into place
STALE_AFTER = 60.0  # seconds untouched after which a temporary file belongs to no live writer


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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX)
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
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o444)
            pending.append((tmp, path))
        if pending:
            os.sync()
        for tmp, path in pending:
            try:
                os.replace(tmp, path)
            except FileNotFoundError:  # swept by another run as stale (a sync slower than STALE_AFTER)
                store_original(root, next(d for d, h in items if original_path(root, h) == path))
        pending = []
    finally:
        for tmp, _ in pending:
            Path(tmp).unlink(missing_ok=True)


def sweep_temporaries(root: Path, older_than: float = STALE_AFTER) -> int:
    """Remove temporary files a killed run left in the store; returns how many.

    Only our own pattern (originals/ab/cd/.tmp-*), only regular files, and only those untouched for
    `older_than` seconds: a run writing at this moment writes, syncs and renames within seconds, so a
    file that old is no live writer's. Errors (already gone, no permission) are skipped, never raised.
    """
    removed = 0
    cutoff = time.time() - older_than
    for top in _dirs(root):
        for sub in _dirs(Path(top)):
            try:
                entries = list(os.scandir(sub))
            except OSError:
                continue
            for e in entries:
                try:
                    st = e.stat(follow_symlinks=False)
                    if e.name.startswith(TMP_PREFIX) and stat.S_ISREG(st.st_mode) and st.st_mtime < cutoff:
                        os.unlink(e.path)
                        removed += 1
                except OSError:
                    continue
    return removed


def _dirs(path: Path) -> list[str]:
    """Subfolders named like the store's two-hex-digit levels (ab/, cd/), not following links."""
    try:
        return [e.path for e in os.scandir(path)
                if len(e.name) == 2 and e.is_dir(follow_symlinks=False)]  # fmt: skip
    except OSError:  # no store yet
        return []


def read_original(root: Path, digest: str) -> bytes:
    """The original bytes, checked against their hash (a damaged store is reported, not trusted)."""
    data = original_path(root, digest).read_bytes()
    if sha256_hex(data) != digest:
        raise ValueError(f"original {digest[:12]}… is damaged: its bytes no longer match its SHA-256")
    return data
