"""The witness vault: testimonies and the identities behind them, encrypted at rest.

Only ciphertext, pseudonyms (`W-0042`) and non-identifying settings are stored; a testimony's redacted
text becomes an ordinary source, so every other part of nkwatch (search, linking, review, the web app,
exports) works on it without ever seeing a name. Modules:

- `crypto`: AES-256-GCM envelope encryption and the Argon2id key derivation;
- `keys`: the vault's key hierarchy (vault key → per-record data keys, blind-index key), unlock and rotation;
- `models`: the tables; `records`: witnesses, interviews and consents;
- `redact`: masking names and identity values in testimony text; `blind`: the keyed duplicate index;
- `disclosure`: the k-anonymity check before anything derived from testimonies is published;
- `backup`: encrypted backup and restore of the whole store.
"""

from nkwatch.vault.errors import ConsentError, DisclosureRefused, VaultError, VaultLocked

__all__ = ["ConsentError", "DisclosureRefused", "VaultError", "VaultLocked"]
