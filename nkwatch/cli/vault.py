"""Commands for the witness vault (custodians), and encrypted backup and restore of the whole store.

The command line runs as whoever holds the database file, so the vault's real gate is its passphrase
(or key file): without it nothing sealed can be read. When `--as` names an account in the store, that
account must be a custodian; every vault read and change is in the audit log under that name.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from nkwatch.cli.common import DbOption, fail, out, store_or_fail
from nkwatch.cli.main import app
from nkwatch.cli.review import ActorOption, _actor

vault_app = typer.Typer(help="The witness vault: keys, status and rotation (custodians).", no_args_is_help=True)
witness_app = typer.Typer(help="Witnesses: pseudonyms outside the vault, identities sealed inside.",
                          no_args_is_help=True)  # fmt: skip
interview_app = typer.Typer(help="Interviews: sealed testimony; its redacted text becomes a source.",
                            no_args_is_help=True)  # fmt: skip
consent_app = typer.Typer(help="What a witness agreed to; withdrawal applies to every later export.",
                          no_args_is_help=True)  # fmt: skip
for sub, name in ((vault_app, "vault"), (witness_app, "witness"), (interview_app, "interview"),
                  (consent_app, "consent")):  # fmt: skip
    app.add_typer(sub, name=name)

PASSPHRASE_ENV = "NKWATCH_VAULT_PASSPHRASE"
KeyFileOption = Annotated[Path | None, typer.Option("--key-file", help="Open the vault with a key file instead "
                                                    "of a passphrase.")]  # fmt: skip


def _passphrase(confirm: bool = False) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    return typer.prompt("Vault passphrase", hide_input=True, confirmation_prompt=confirm)


def _custodian(s, actor: str) -> str:  # noqa: ANN001 - a Session
    from sqlalchemy import select

    from nkwatch.store.models import User

    user = s.scalar(select(User).where(User.username == actor))
    if user is not None and (user.disabled or user.role != "custodian"):
        fail(f"{actor} is not an active custodian: only custodians may open the witness vault", 1)
    return actor


def _with_vault(db: str | None, key_file: Path | None, op, *, actor: str | None = None):  # noqa: ANN001, ANN202
    """Unlock, run `op(session, vault, actor)` in one transaction, and turn vault errors into clear messages."""
    from nkwatch.vault import VaultError
    from nkwatch.vault.keys import unlock

    who = _actor(actor)
    with store_or_fail(db).session() as s:
        _custodian(s, who)
        try:
            vault = unlock(s, key_file=key_file) if key_file else unlock(s, passphrase=_passphrase())
            return op(s, vault, who)
        except VaultError as e:
            fail(str(e), 1)


@vault_app.command("init")
def vault_init(key_file: KeyFileOption = None, new_key_file: Annotated[bool, typer.Option(
        "--new-key-file", help="Create the key file given by --key-file (random, readable by you only).")] = False,
        db: DbOption = None) -> None:  # fmt: skip
    """Create the vault, protected by a passphrase (Argon2id) or a key file."""
    from nkwatch.vault import VaultError
    from nkwatch.vault.keys import create_key_file, init_vault

    try:
        if key_file and new_key_file:
            create_key_file(key_file)
        with store_or_fail(db).session() as s:
            if key_file:
                init_vault(s, key_file=key_file)
            else:
                init_vault(s, passphrase=_passphrase(confirm=True))
    except (VaultError, FileExistsError) as e:
        fail(str(e) if isinstance(e, VaultError) else f"{key_file} exists already; not overwritten", 1)
    out.print("vault created. Keep the passphrase or key file safe: without it, nothing in the vault can be read.")


@vault_app.command("unlock-check")
def vault_unlock_check(key_file: KeyFileOption = None, actor: ActorOption = None, db: DbOption = None) -> None:
    """Check that the passphrase (or key file) opens the vault, and nothing else; exit 1 if it does not."""
    from nkwatch.review.audit import append

    def op(s, vault, who):  # noqa: ANN001, ANN202
        append(s, actor=who, action="vault.unlock", target_type="vault", target_id="cli", before=None, after=None)

    _with_vault(db, key_file, op, actor=actor)
    out.print("the vault opens with this passphrase or key file")


@vault_app.command("status")
def vault_status(db: DbOption = None) -> None:
    """Whether a vault exists, how it is opened, and how much it holds (no key needed)."""
    from sqlalchemy import func, select

    from nkwatch.vault.models import Interview, VaultKeys, Witness

    with store_or_fail(db).session() as s:
        row = s.get(VaultKeys, 1)
        if row is None:
            out.print("no vault in this store (create one with `nkwatch vault init`)")
            return
        n_w = s.scalar(select(func.count()).select_from(Witness))
        n_i = s.scalar(select(func.count()).select_from(Interview))
        out.print(f"vault: opened with a {'key file' if row.mode == 'keyfile' else 'passphrase (Argon2id)'}; "
                  f"{n_w} witnesses, {n_i} interviews; created {row.created_at:%Y-%m-%d}"
                  + (f", key rotated {row.rotated_at:%Y-%m-%d}" if row.rotated_at else ""))  # fmt: skip


@vault_app.command("rotate")
def vault_rotate(key_file: KeyFileOption = None,
                 new_key_file: Annotated[Path | None, typer.Option(help="Switch to this key file.")] = None,
                 actor: ActorOption = None, db: DbOption = None) -> None:  # fmt: skip
    """Change the vault key (new passphrase or key file): data keys are re-wrapped, payloads untouched."""
    from nkwatch.review.audit import append
    from nkwatch.vault.keys import rotate

    def op(s, vault, who):  # noqa: ANN001, ANN202
        if new_key_file:
            rotate(s, vault, key_file=new_key_file)
        else:
            new = os.environ.get("NKWATCH_VAULT_NEW_PASSPHRASE") or typer.prompt(
                "New passphrase", hide_input=True, confirmation_prompt=True)
            rotate(s, vault, passphrase=new)
        append(s, actor=who, action="vault.rotate", target_type="vault", target_id="keys", before=None, after=None)

    _with_vault(db, key_file, op, actor=actor)
    out.print("vault key rotated")


IDENTITY_HELP = "Identity as JSON: name, name_hangul, date_of_birth (YYYY-MM-DD), sex, home_town, province, " \
                "escape_year, family_in_dprk, contact. Prefer --identity-file - (stdin): a command line is " \
                "visible to other users and kept in shell history."


def _identity(identity_file: Path | None) -> dict[str, Any]:
    import sys

    if identity_file is None:
        fail("give the identity with --identity-file FILE, or --identity-file - to read it from stdin")
    raw = sys.stdin.read() if str(identity_file) == "-" else identity_file.read_text(encoding="utf-8")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as e:
        fail(f"the identity is not valid JSON (line {e.lineno}, column {e.colno})")
    if not isinstance(value, dict):
        fail("the identity must be a JSON object")
    return value


@witness_app.command("add")
def witness_add(identity_file: Annotated[Path | None, typer.Option(help=IDENTITY_HELP)] = None,
                risk: Annotated[str, typer.Option(help="low, medium, high or extreme.")] = "high",
                key_file: KeyFileOption = None, actor: ActorOption = None, db: DbOption = None) -> None:  # fmt: skip
    """Add a witness: the identity is sealed, only the new pseudonym is printed."""
    from nkwatch.vault.records import add_witness, duplicates

    identity = _identity(identity_file)

    def op(s, vault, who):  # noqa: ANN001, ANN202
        dup = duplicates(s, vault, identity)
        w = add_witness(s, vault, identity, actor=who, risk_level=risk)
        return w.id, dup

    wid, dup = _with_vault(db, key_file, op, actor=actor)
    out.print(f"witness {wid} added")
    if dup:
        out.print(f"[yellow]the same name and date of birth are already recorded as {', '.join(dup)}[/]")


@witness_app.command("list")
def witness_list(db: DbOption = None) -> None:
    """Pseudonyms, risk levels, consent and interviews (no identities; no key needed)."""
    from sqlalchemy import func, select

    from nkwatch.vault.models import Consent, Interview, Witness

    with store_or_fail(db).session() as s:
        t = Table("witness", "risk", "consent", "interviews")
        for w in s.scalars(select(Witness).order_by(Witness.id)):
            scopes = [c.scope + (f" ({', '.join(c.bodies)})" if c.bodies else "") for c in
                      s.scalars(select(Consent).where(Consent.witness_id == w.id, Consent.withdrawn_at.is_(None)))]
            n = s.scalar(select(func.count()).select_from(Interview).where(Interview.witness_id == w.id))
            t.add_row(w.id, w.risk_level, escape(", ".join(scopes) or "none"), str(n))
        out.print(t)


@witness_app.command("show")
def witness_show(witness: str, key_file: KeyFileOption = None, actor: ActorOption = None,
                 db: DbOption = None) -> None:  # fmt: skip
    """A witness's identity (custodians; the read is audited)."""
    from nkwatch.vault.records import read_identity

    identity = _with_vault(db, key_file, lambda s, v, who: read_identity(s, v, witness, actor=who), actor=actor)
    for k, v in identity.items():
        out.print(f"{k:15} {escape(str(v))}")


@interview_app.command("add")
def interview_add(
    witness: Annotated[str, typer.Argument(help="The witness's pseudonym (W-0001).")],
    file: Annotated[Path | None, typer.Argument(help="The testimony file (txt, md, html, pdf, docx), or - to read "
                                                "it from stdin.")] = None,
    text: Annotated[str | None, typer.Option(help="The testimony as text, instead of a file. A command line is "
                                             "visible to other users and kept in shell history: prefer a file or -.")]
    = None,
    date: Annotated[str | None, typer.Option(help="Interview date, YYYY-MM-DD.")] = None,
    place: Annotated[str | None, typer.Option(help="Where the interview took place.")] = None,
    interviewer: Annotated[str | None, typer.Option(help="Who interviewed.")] = None,
    language: Annotated[str, typer.Option(help="Language of the testimony.")] = "en",
    key_file: KeyFileOption = None, actor: ActorOption = None, db: DbOption = None,
) -> None:
    """Record an interview: sealed in the vault; its redacted text becomes a testimony source with claims."""
    import sys

    from nkwatch.vault.records import add_interview

    blob = None
    if file is not None and str(file) == "-":
        blob = ("testimony.txt", sys.stdin.buffer.read())  # read in memory; the name only picks the reader
    elif file is not None:
        try:
            blob = (file.name, file.read_bytes())
        except OSError as e:
            fail(f"cannot read {file}: {e.strerror}")

    def op(s, vault, who):  # noqa: ANN001, ANN202
        i = add_interview(s, vault, witness, text=text, file=blob, interview_date=date, place=place,
                          interviewer=interviewer, language=language, actor=who)  # fmt: skip
        return i.id, i.source_id

    iid, sid = _with_vault(db, key_file, op, actor=actor)
    out.print(f"interview {iid} recorded; redacted testimony source {sid[:12]}")


@consent_app.command("set")
def consent_set(witness: str, scope: Annotated[str, typer.Argument(help="internal, share or publish.")],
                body: Annotated[list[str] | None, typer.Option("--body", help="For share: a body it may go to.")]
                = None,
                actor: ActorOption = None, db: DbOption = None) -> None:  # fmt: skip
    """Record the witness's consent now (it replaces any earlier one)."""
    from nkwatch.vault import VaultError
    from nkwatch.vault.records import set_consent

    with store_or_fail(db).session() as s:
        try:
            set_consent(s, witness, scope, bodies=body or [], actor=_custodian(s, _actor(actor)))
        except VaultError as e:
            fail(str(e), 1)
    out.print(f"consent of {witness}: {scope}")


@consent_app.command("withdraw")
def consent_withdraw(witness: str, actor: ActorOption = None, db: DbOption = None) -> None:
    """Withdraw the witness's consent: every later export leaves their testimony out."""
    from nkwatch.vault import VaultError
    from nkwatch.vault.records import withdraw_consent

    with store_or_fail(db).session() as s:
        try:
            withdraw_consent(s, witness, actor=_custodian(s, _actor(actor)))
        except VaultError as e:
            fail(str(e), 1)
    out.print(f"consent of {witness} withdrawn")


def _backup_passphrase(confirm: bool) -> str:
    return os.environ.get("NKWATCH_BACKUP_PASSPHRASE") or typer.prompt(
        "Backup passphrase", hide_input=True, confirmation_prompt=confirm)


@app.command("backup")
def backup_cmd(file: Annotated[Path, typer.Argument(help="The backup file to write.")],
               verify: Annotated[bool, typer.Option(help="Restore into a temporary store and compare.")] = True,
               db: DbOption = None) -> None:  # fmt: skip
    """Write an encrypted backup of the whole store and its originals (passphrase: NKWATCH_BACKUP_PASSPHRASE
    or a prompt). With --verify (the default) it is restored into a temporary store and compared."""
    import tempfile

    from nkwatch import config
    from nkwatch.store.db import open_store
    from nkwatch.vault import VaultError
    from nkwatch.vault.backup import backup, dump_tables, restore

    passphrase = _backup_passphrase(confirm=True)
    store = store_or_fail(db)
    try:
        held = backup(store, file, passphrase, originals=config.originals_dir())
        if verify:
            with tempfile.TemporaryDirectory(prefix="nkwatch-verify-") as tmp:
                check = open_store(str(Path(tmp) / "verify.db"))
                restore(check, file, passphrase, originals=Path(tmp) / "originals")
                same = dump_tables(check) == dump_tables(store)
                check.close()
            if not same:
                fail(f"the backup {file} does not restore to the same content; do not rely on it", 1)
    except VaultError as e:
        fail(str(e), 1)
    out.print(f"backup written to {escape(str(file))}: {held['rows']} rows in {held['tables']} tables, "
              f"{held['originals']} originals" + ("; verified by restoring it" if verify else ""))


@app.command("restore")
def restore_cmd(file: Annotated[Path, typer.Argument(help="The backup file.", exists=True)],
                verify: Annotated[bool, typer.Option(help="Compare the restored store with the backup, "
                                                     "row for row and byte for byte.")] = False,
                db: DbOption = None) -> None:  # fmt: skip
    """Restore an encrypted backup into an empty store (a new --db) and its originals folder."""
    from nkwatch import config
    from nkwatch.vault import VaultError
    from nkwatch.vault.backup import restore, same_content

    passphrase = _backup_passphrase(confirm=False)
    try:
        store = store_or_fail(db)
        done = restore(store, file, passphrase, originals=config.originals_dir())
        diff = same_content(store, file, passphrase, originals=config.originals_dir()) if verify else []
    except VaultError as e:
        fail(str(e), 1)
    if diff:
        fail(f"the restored store differs from the backup: {', '.join(diff[:10])}", 1)
    out.print(f"restored {done['rows']} rows and {done['originals']} originals"
              + ("; verified: the same content as the backup" if verify else ""))  # fmt: skip
