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


def _digest(index_key: bytes, name: str, dob: str) -> str:
    return hmac.new(index_key, f"witness\x00{name}\x00{dob}".encode(), hashlib.sha256).hexdigest()


def _name_forms(identity: dict[str, Any]) -> list[str]:
    """Normalised forms of every name (Hangul first, then Latin, then other names), each once."""
    names: list[Any] = [identity.get("name_hangul"), identity.get("name")]
    other = identity.get("other_names")
    names += other if isinstance(other, list) else [other]
    forms = []
    for n in names:
        if isinstance(n, str) and normalise_name(n):
            forms.append(normalise_name(n))
            parts = n.split()
            if len(parts) > 1:  # the same name written the other way round
                forms.append(normalise_name(" ".join([*parts[1:], parts[0]])))
    return list(dict.fromkeys(forms))


def blind_indexes(index_key: bytes, identity: dict[str, Any]) -> list[str]:
    """The index of each name form of an identity with its date of birth; empty without both."""
    dob = str(identity.get("date_of_birth") or "").strip()
    if not dob:
        return []
    return [_digest(index_key, name, dob) for name in _name_forms(identity)]


def blind_index(index_key: bytes, identity: dict[str, Any]) -> str | None:
    """The index of the first name form (kept on the witness row), or None."""
    found = blind_indexes(index_key, identity)
    return found[0] if found else None


def keyed_source_id(index_key: bytes, data: bytes) -> str:
    """A testimony source's id. A plain SHA-256 of the file would let anyone holding a copy of the file
    confirm it is in the store; a keyed hash keeps ingest idempotent without that."""
    return hmac.new(index_key, b"testimony\x00" + data, hashlib.sha256).hexdigest()
