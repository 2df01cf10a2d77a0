"""Unlocked vaults of the web app: in this server process's memory only, one per signed-in credential.

A custodian unlocks the vault for *their* session (or, through the API, for one bearer token); another
session, even of the same person, finds it locked. Nothing here is ever written to a cookie, the database,
a log or a file: a restart, a sign-out, the "Lock" button, or `idle` seconds without vault use lock it again.
With several server workers each process has its own keyring, so a vault unlocked in one is locked in the
others (the pages then say so): keys are never shared between processes.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field

from nkwatch.vault.keys import UnlockedVault

DEFAULT_IDLE_SECONDS = 15 * 60
# Wrong passphrases allowed per credential in FAIL_WINDOW (Argon2id already makes each try slow).
MAX_FAILS = 5
FAIL_WINDOW = 15 * 60


def credential_key(kind: str, secret: str) -> str:
    """The keyring's key for a session cookie or bearer token: its SHA-256, never the value itself."""
    return f"{kind}:" + hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class _Entry:
    vault: UnlockedVault = field(repr=False)
    user_id: int
    last_used: float


@dataclass
class Keyring:
    idle_seconds: float = DEFAULT_IDLE_SECONDS
    _entries: dict[str, _Entry] = field(default_factory=dict, repr=False)
    _fails: dict[str, list[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _sweep(self, now: float) -> None:
        for k in [k for k, e in self._entries.items() if now - e.last_used > self.idle_seconds]:
            del self._entries[k]  # dropping the only reference: the keys go with the next collection

    def put(self, key: str, user_id: int, vault: UnlockedVault) -> None:
        with self._lock:
            now = time.monotonic()
            self._sweep(now)
            self._entries[key] = _Entry(vault, user_id, now)
            self._fails.pop(key, None)

    def get(self, key: str | None, user_id: int | None) -> UnlockedVault | None:
        """The vault unlocked by this credential for this user, or None (locked); each use restarts the idle
        clock. A credential now belonging to someone else (it cannot, but cheaply checked) finds it locked."""
        if key is None:
            return None
        with self._lock:
            now = time.monotonic()
            self._sweep(now)
            e = self._entries.get(key)
            if e is None or e.user_id != user_id:
                return None
            e.last_used = now
            return e.vault

    def lock(self, key: str | None) -> bool:
        with self._lock:
            return key is not None and self._entries.pop(key, None) is not None

    def lock_user(self, user_id: int) -> None:
        """Lock every vault this user unlocked (their account was disabled or their role changed)."""
        with self._lock:
            for k in [k for k, e in self._entries.items() if e.user_id == user_id]:
                del self._entries[k]

    def failed(self, key: str) -> None:
        with self._lock:
            self._fails.setdefault(key, []).append(time.monotonic())

    def too_many_failures(self, key: str) -> bool:
        with self._lock:
            now = time.monotonic()
            recent = [t for t in self._fails.get(key, []) if now - t < FAIL_WINDOW]
            self._fails[key] = recent
            return len(recent) >= MAX_FAILS
