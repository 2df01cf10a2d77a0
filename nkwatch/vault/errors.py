"""Vault errors. Messages never contain a protected value: they name the record and the problem only."""


class VaultError(Exception):
    """Something is wrong with the vault (wrong passphrase, damaged data, unknown record, no rights)."""


class VaultLocked(VaultError):
    """The operation needs the vault key and the vault is locked."""

    def __init__(self, what: str = "this") -> None:
        super().__init__(f"the witness vault is locked: unlock it (as a custodian) to do {what}; "
                         "everything outside the vault keeps working")


class ConsentError(VaultError):
    """The witness's consent does not allow this use."""


class DisclosureRefused(VaultError):
    """Publishing would show a combination of details shared by fewer than k people."""
