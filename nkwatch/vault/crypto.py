"""Envelope encryption primitives: AES-256-GCM with associated data, and Argon2id key derivation.

Every ciphertext is `version byte || 12-byte nonce || ciphertext+tag`. The associated data binds a
ciphertext to its record and purpose ("witness:W-0001:identity"), so a blob copied onto another record
fails to open instead of silently decrypting as the wrong person.
"""

from __future__ import annotations

import os

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from nkwatch.vault.errors import VaultError

VERSION = b"\x01"
KEY_BYTES = 32

# Argon2id, OWASP's first recommended setting (RFC 9106 second choice): 64 MiB, 3 passes, 4 lanes.
DEFAULT_KDF = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def derive_key(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    if not passphrase:
        raise VaultError("the passphrase is empty")
    return hash_secret_raw(passphrase.encode("utf-8"), salt, hash_len=KEY_BYTES, type=Type.ID,
                           time_cost=params["time_cost"], memory_cost=params["memory_cost"],
                           parallelism=params["parallelism"])  # fmt: skip


def seal(key: bytes, plaintext: bytes, aad: str) -> bytes:
    nonce = os.urandom(12)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad.encode())


def open_sealed(key: bytes, blob: bytes | None, aad: str, what: str) -> bytes:
    """Decrypt; a wrong key, a changed byte or a blob moved to another record all raise the same clear error."""
    if not blob or len(blob) < 1 + 12 + 16 or blob[:1] != VERSION:
        raise VaultError(f"{what} is damaged (not a vault ciphertext); restore it from a backup")
    try:
        return AESGCM(key).decrypt(blob[1:13], blob[13:], aad.encode())
    except InvalidTag:
        raise VaultError(f"{what} cannot be decrypted: it was altered or damaged, or the key is wrong; "
                         "nothing was changed") from None
