"""Encrypted backup and restore of the whole store: every table, and the originals.

A backup is logical (rows, not database pages), so a SQLite store restores into PostgreSQL and back.
File layout: `NKWBAK1\\n`, a JSON header line (KDF salt and parameters), then one AES-256-GCM ciphertext
of a zip holding `tables.json` and `originals/...`. The key comes from the backup passphrase through
Argon2id; the vault's own ciphertexts are copied as they are, so a backup never holds a plain identity.
Written to a temporary file and renamed: an interrupted backup never leaves a half file under the name.
"""

from __future__ import annotations

import base64
import io
import json
import os
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from nkwatch.export import write_file_atomically
from nkwatch.store.db import Store
from nkwatch.store.models import Base
from nkwatch.vault.crypto import DEFAULT_KDF, derive_key, open_sealed, seal
from nkwatch.vault.errors import VaultError

MAGIC = b"NKWBAK1\n"


def _encode(v: Any) -> Any:
    if isinstance(v, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(v)).decode()}
    if isinstance(v, datetime):  # naive UTC: SQLite gives naive, PostgreSQL aware; the same instant either way
        return {"$dt": (v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo else v).isoformat()}
    if isinstance(v, date):
        return {"$d": v.isoformat()}
    return v


def _decode(v: Any) -> Any:
    if isinstance(v, dict) and len(v) == 1:
        (k, x), = v.items()
        if k == "$b":
            return base64.b64decode(x)
        if k == "$dt":
            return datetime.fromisoformat(x).replace(tzinfo=UTC)
        if k == "$d":
            return date.fromisoformat(x)
    return v


def dump_tables(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary-key order, as JSON-able values."""
    out: dict[str, list[dict[str, Any]]] = {}
    with store.session() as s:
        for table in Base.metadata.sorted_tables:
            q = select(*table.columns).order_by(*table.primary_key.columns)
            out[table.name] = [{k: _encode(v) for k, v in row._mapping.items()} for row in s.execute(q)]
    return out


def _originals(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")) if root.exists() else []


def backup(store: Store, path: Path, passphrase: str, *, originals: Path,
           kdf: dict[str, int] | None = None) -> dict[str, int]:  # fmt: skip
    """Write an encrypted backup of `store` and the `originals` folder to `path`; returns what it holds."""
    tables = dump_tables(store)
    buf = io.BytesIO()
    files = _originals(originals)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("tables.json", json.dumps(tables, ensure_ascii=False, sort_keys=True))
        for f in files:
            z.write(f, "originals/" + f.relative_to(originals).as_posix())
    salt, params = os.urandom(16), dict(kdf or DEFAULT_KDF)
    header = json.dumps({"kdf": "argon2id", "salt": salt.hex(), "params": params}).encode() + b"\n"
    sealed = seal(derive_key(passphrase, salt, params), buf.getvalue(), "nkwatch-backup")

    def write(f: Any) -> int:
        f.write(MAGIC + header + sealed)
        return len(sealed)

    write_file_atomically(path, write, binary=True)
    return {"tables": len(tables), "rows": sum(len(r) for r in tables.values()), "originals": len(files)}


def read_backup(path: Path, passphrase: str) -> zipfile.ZipFile:
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise VaultError(f"cannot read the backup {path}: {e.strerror}") from None
    if not raw.startswith(MAGIC) or b"\n" not in raw[len(MAGIC):]:
        raise VaultError(f"{path} is not an nkwatch backup")
    head, sealed = raw[len(MAGIC):].split(b"\n", 1)
    try:
        h = json.loads(head)
        key = derive_key(passphrase, bytes.fromhex(h["salt"]), h["params"])
    except (ValueError, KeyError, TypeError):
        raise VaultError(f"the header of the backup {path} is damaged") from None
    plain = open_sealed(key, sealed, "nkwatch-backup", f"the backup {path.name} (wrong passphrase, or damaged)")
    return zipfile.ZipFile(io.BytesIO(plain))


def restore(store: Store, path: Path, passphrase: str, *, originals: Path) -> dict[str, int]:
    """Restore a backup into an empty store (one transaction) and its originals folder."""
    z = read_backup(path, passphrase)
    tables = json.loads(z.read("tables.json"))
    with store.session() as s:
        for table in Base.metadata.sorted_tables:
            if s.scalar(select(func.count()).select_from(table)):
                raise VaultError(f"the store is not empty (table {table.name} has rows): restore into a new store")
        known = {t.name for t in Base.metadata.sorted_tables}
        unknown = set(tables) - known
        if unknown:
            raise VaultError(f"the backup has tables this version does not know: {', '.join(sorted(unknown))}")
        for table in Base.metadata.sorted_tables:
            rows = [{k: _decode(v) for k, v in r.items()} for r in tables.get(table.name, [])]
            if rows:
                s.execute(table.insert(), rows)
        if store.dialect == "postgresql":  # explicit ids leave serial sequences behind; move them on
            for table in Base.metadata.sorted_tables:
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and pk[0].autoincrement is True and tables.get(table.name):
                    s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                                   f"(SELECT max({pk[0].name}) FROM {table.name}))"))  # fmt: skip
    names = [n for n in z.namelist() if n.startswith("originals/") and not n.endswith("/")]
    for n in names:
        target = originals / n.removeprefix("originals/")
        if ".." in Path(n).parts:
            raise VaultError("the backup holds a file path outside the originals folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(z.read(n))
        os.replace(tmp, target)
    return {"rows": sum(len(r) for r in tables.values()), "originals": len(names)}


def same_content(store: Store, path: Path, passphrase: str, *, originals: Path) -> list[str]:
    """What differs between `store` (with its `originals` folder) and the backup at `path`: table names and
    original files, empty when the content is the same row for row and byte for byte."""
    z = read_backup(path, passphrase)
    want = json.loads(z.read("tables.json"))
    have = json.loads(json.dumps(dump_tables(store), ensure_ascii=False, sort_keys=True))
    diff = [f"table {t}" for t in sorted(set(want) | set(have)) if want.get(t, []) != have.get(t, [])]
    names = {n.removeprefix("originals/") for n in z.namelist() if n.startswith("originals/") and not n.endswith("/")}
    files = {f.relative_to(originals).as_posix() for f in _originals(originals)}
    diff += [f"original {n}" for n in sorted(names ^ files)]
    diff += [f"original {n}" for n in sorted(names & files) if (originals / n).read_bytes() != z.read("originals/" + n)]
    return diff
