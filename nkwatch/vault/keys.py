"""The vault's key hierarchy, unlocking and rotation.

    passphrase --Argon2id--> vault key --wraps--> one data key per record --encrypts--> identity, interview
    (or a key file)                   \\--wraps--> blind-index key (HMAC; duplicate detection)

Rotation derives a new vault key and re-wraps the data keys and the index key: payloads are not
re-encrypted, so rotating is fast whatever the size of the testimonies. The unlocked keys live only in
memory, in an `UnlockedVault`; nothing here writes a key to disk except `create_key_file`, on request.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nkwatch.store.models import utcnow
from nkwatch.vault.crypto import DEFAULT_KDF, KEY_BYTES, derive_key, new_key, open_sealed, seal
from nkwatch.vault.errors import VaultError
from nkwatch.vault.models import Interview, VaultKeys, Witness

_CHECK = b"nkwatch vault key check v1"


@dataclass(frozen=True)
class UnlockedVault:
    # repr=False: keys never reach a log line or a traceback
    key: bytes = field(repr=False)  # the vault key (key-encryption key)
    index_key: bytes = field(repr=False)  # HMAC key of the blind index and of testimony source ids

    def wrap(self, data_key: bytes, aad: str) -> bytes:
        return seal(self.key, data_key, "wrap:" + aad)

    def unwrap(self, wrapped: bytes, aad: str) -> bytes:
        return open_sealed(self.key, wrapped, "wrap:" + aad, f"the key of {aad.split(':')[1]}")


def create_key_file(path: Path) -> None:
    """A new random vault key in a file readable only by its owner (never overwrites one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(new_key()).decode() + "\n")


def _key_from_file(path: Path) -> bytes:
    try:
        key = base64.b64decode(Path(path).read_text().strip(), validate=True)
    except (OSError, ValueError) as e:
        raise VaultError(f"cannot read the key file {path}: it is missing or not an nkwatch key file") from e
    if len(key) != KEY_BYTES:
        raise VaultError(f"the key file {path} does not hold a {KEY_BYTES}-byte key")
    return key


def _vault_key(row: VaultKeys | None, passphrase: str | None, key_file: Path | None,
               kdf: dict[str, int] | None = None) -> tuple[bytes, dict[str, Any]]:  # fmt: skip
    """The vault key and how it was made (the columns of VaultKeys that describe it)."""
    if key_file is not None:
        return _key_from_file(key_file), {"mode": "keyfile", "kdf_salt": None, "kdf_params": None}
    if passphrase is None:
        raise VaultError("give the vault passphrase (prompt or NKWATCH_VAULT_PASSPHRASE) or a key file")
    if row is not None and row.mode == "passphrase" and kdf is None:
        salt, params = row.kdf_salt, row.kdf_params
    else:
        salt, params = os.urandom(16), dict(kdf or DEFAULT_KDF)
    return derive_key(passphrase, salt, params), {"mode": "passphrase", "kdf_salt": salt, "kdf_params": params}


def _row(s: Session) -> VaultKeys | None:
    return s.get(VaultKeys, 1)


def is_initialised(s: Session) -> bool:
    return _row(s) is not None


def init_vault(s: Session, *, passphrase: str | None = None, key_file: Path | None = None,
               kdf: dict[str, int] | None = None) -> UnlockedVault:  # fmt: skip
    if _row(s) is not None:
        raise VaultError("the vault already exists; use `nkwatch vault rotate` to change its key")
    key, how = _vault_key(None, passphrase, key_file, kdf)
    vault = UnlockedVault(key, new_key())
    s.add(VaultKeys(id=1, check=seal(key, _CHECK, "vault:check"),
                    wrapped_index_key=vault.wrap(vault.index_key, "vault:index"), **how))  # fmt: skip
    s.flush()
    return vault


def unlock(s: Session, *, passphrase: str | None = None, key_file: Path | None = None) -> UnlockedVault:
    row = _row(s)
    if row is None:
        raise VaultError("there is no vault in this store yet: create it with `nkwatch vault init`")
    if (key_file is not None) != (row.mode == "keyfile"):
        raise VaultError(f"this vault is opened with a {'key file' if row.mode == 'keyfile' else 'passphrase'}")
    key, _ = _vault_key(row, passphrase, key_file)
    try:
        ok = open_sealed(key, row.check, "vault:check", "the vault key check") == _CHECK
    except VaultError:
        ok = False
    if not ok:
        raise VaultError("wrong passphrase or key file: the vault stays locked")
    index_key = open_sealed(key, row.wrapped_index_key, "wrap:vault:index", "the vault's index key")
    return UnlockedVault(key, index_key)


def rotate(s: Session, old: UnlockedVault, *, passphrase: str | None = None, key_file: Path | None = None,
           kdf: dict[str, int] | None = None) -> UnlockedVault:  # fmt: skip
    """A new vault key (new passphrase, new salt, or a key file): every data key is re-wrapped, in one
    transaction, so an interrupted rotation leaves the old key working."""
    row = _row(s)
    if row is None:
        raise VaultError("there is no vault to rotate")
    key, how = _vault_key(None, passphrase, key_file, kdf)
    new = UnlockedVault(key, old.index_key)
    for model, kind in ((Witness, "witness"), (Interview, "interview")):
        for rec in s.scalars(select(model)):
            aad = f"{kind}:{rec.id}"
            rec.wrapped_key = new.wrap(old.unwrap(rec.wrapped_key, aad), aad)
    row.check = seal(key, _CHECK, "vault:check")
    row.wrapped_index_key = new.wrap(new.index_key, "vault:index")
    row.mode, row.kdf_salt, row.kdf_params = how["mode"], how["kdf_salt"], how["kdf_params"]
    row.rotated_at = utcnow()
    s.flush()
    return new
