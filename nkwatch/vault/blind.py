"""Keyed blind index: find the same witness interviewed twice without storing or comparing plain values.

HMAC-SHA256 under the vault's index key over a normalised name and date of birth. Without the key the
index cannot be recomputed from a guessed name (unlike a plain hash, which a list of names would break).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from typing import Any


def normalise_name(name: str) -> str:
    """Case, accents, spacing and hyphens do not matter: "Kim Chol-su" = "KIM CHOLSU" = "kim chol su"."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s\-‐‑–.'’]+", "", unicodedata.normalize("NFKC", plain)).casefold()


def blind_index(index_key: bytes, identity: dict[str, Any]) -> str | None:
    """The index of an identity, or None when it has neither a name nor a date of birth to match on."""
    names = [identity.get("name_hangul"), identity.get("name")]
    name = next((normalise_name(n) for n in names if n and normalise_name(n)), "")
    dob = str(identity.get("date_of_birth") or "").strip()
    if not name or not dob:
        return None
    return hmac.new(index_key, f"witness\x00{name}\x00{dob}".encode(), hashlib.sha256).hexdigest()


def keyed_source_id(index_key: bytes, data: bytes) -> str:
    """A testimony source's id. A plain SHA-256 of the file would let anyone holding a copy of the file
    confirm it is in the store; a keyed hash keeps ingest idempotent without that."""
    return hmac.new(index_key, b"testimony\x00" + data, hashlib.sha256).hexdigest()
