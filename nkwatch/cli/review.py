"""Commands for people's decisions (review) and their record (audit)."""

from __future__ import annotations

import getpass
import json
import os
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from nkwatch.cli.common import DbOption, fail, found, out, store_or_fail
from nkwatch.cli.main import app

review_app = typer.Typer(help="Confirm, correct or reject claims; merge, split, publish, withdraw or chain incidents.",
                         no_args_is_help=True)  # fmt: skip
audit_app = typer.Typer(help="The append-only, hash-chained record of every review.", no_args_is_help=True)
app.add_typer(review_app, name="review")
app.add_typer(audit_app, name="audit")

ActorOption = Annotated[str | None, typer.Option("--as", help="Who decides (default: NKWATCH_USER or your login).")]
NoteOption = Annotated[str | None, typer.Option("--note", help="Why, in a few words.")]
ClaimArg = Annotated[str, typer.Argument(help="Claim id (or its first characters).")]
IncidentArg = Annotated[str, typer.Argument(help="Incident id (or its first characters).")]


def _actor(actor: str | None) -> str:
    return actor or os.environ.get("NKWATCH_USER") or getpass.getuser()


def _run(db: str | None, op, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    """Run one operation (or look-up) in a transaction; a refusal becomes a clear error and exit status 1."""
    from nkwatch.review.ops import ReviewError
    from nkwatch.review.publication import PublicationError

    with store_or_fail(db).session() as s:
        try:
            return op(s, *args, **kwargs)
        except (ReviewError, PublicationError, LookupError) as e:  # NotFound is a LookupError
            fail(str(e), 1)


def _claim_id(db: str | None, ident: str) -> str:
    from nkwatch.store.queries import get_claim

    return _run(db, lambda s: get_claim(s, ident).id)


def _incident_id(db: str | None, ident: str) -> str:
    from nkwatch.link.query import get_incident

    return _run(db, lambda s: get_incident(s, ident).id)


@review_app.command("confirm")
def confirm_cmd(claim: ClaimArg, actor: ActorOption = None,
                note: NoteOption = None, db: DbOption = None) -> None:  # fmt: skip
    """Vouch for a claim as extracted."""
    from nkwatch.review.ops import already, confirm

    cid = _claim_id(db, claim)
    if _run(db, already, "confirm", cid):
        out.print(f"claim {cid} is already confirmed (reviewed): nothing recorded")
        return
    c = _run(db, confirm, cid, actor=_actor(actor), note=note)
    out.print(f"claim {c.id} reviewed")


@review_app.command("correct")
def correct_cmd(
    claim: ClaimArg,
    fields: Annotated[list[str], typer.Argument(help='FIELD=VALUE pairs; VALUE is JSON where it is not a plain word, '
                                                     'e.g. act=execution hedged=true \'when={"start": "2024-04"}\'')],
    actor: ActorOption = None, note: NoteOption = None, db: DbOption = None,
) -> None:  # fmt: skip
    """Correct fields of a claim; the machine's values are kept as its revision history."""
    from nkwatch.review.ops import correct

    changes = {}
    for pair in fields:
        name, sep, raw = pair.partition("=")
        if not sep:
            fail(f"{pair!r} is not FIELD=VALUE")
        try:
            changes[name] = json.loads(raw)
        except json.JSONDecodeError:
            changes[name] = raw
    c = _run(db, correct, _claim_id(db, claim), changes, actor=_actor(actor), note=note)
    out.print(f"claim {c.id} corrected: {', '.join(sorted(changes))}")


@review_app.command("reject")
def reject_cmd(claim: ClaimArg, actor: ActorOption = None,
               note: NoteOption = None, db: DbOption = None) -> None:  # fmt: skip
    """Reject a claim (not asserted, misread); it stays on record but leaves its incident."""
    from nkwatch.review.ops import already, reject

    cid = _claim_id(db, claim)
    if _run(db, already, "reject", cid):
        out.print(f"claim {cid} is already rejected: nothing recorded")
        return
    c = _run(db, reject, cid, actor=_actor(actor), note=note)
    out.print(f"claim {c.id} rejected")


@review_app.command("merge")
def merge_cmd(keep: Annotated[str, typer.Argument(help="Incident to keep.")],
              other: Annotated[str, typer.Argument(help="Incident whose claims move into it.")],
              actor: ActorOption = None, db: DbOption = None) -> None:  # fmt: skip
    """Merge two incidents: they report the same occurrence."""
    from nkwatch.review.ops import merge

    inc = _run(db, merge, _incident_id(db, keep), _incident_id(db, other), actor=_actor(actor))
    out.print(f"merged into {inc.id}: {inc.n_claims} claims, {inc.n_independent} independent sources")


@review_app.command("split")
def split_cmd(incident: IncidentArg,
              claims: Annotated[list[str], typer.Argument(help="Claims to move to a new incident.")],
              actor: ActorOption = None, db: DbOption = None) -> None:  # fmt: skip
    """Split claims off an incident into a new one; the machine will not join them again."""
    from nkwatch.review.ops import split

    ids = [_claim_id(db, c) for c in claims]
    inc = _run(db, split, _incident_id(db, incident), ids, actor=_actor(actor))
    out.print(f"split off as {inc.id} ({inc.n_claims} claims)")


@review_app.command("publish")
def publish_cmd(incident: IncidentArg, actor: ActorOption = None, note: NoteOption = None,
                db: DbOption = None) -> None:  # fmt: skip
    """Mark an incident publishable (and lock its claims in it). Refused, with what is missing, unless the
    publication rule holds (NKWATCH_PUBLISH_RULE; by default a confirmed claim from each independent source and
    no open proposal)."""
    from nkwatch.review.ops import already, publish

    iid = _incident_id(db, incident)
    if _run(db, already, "publish", iid):
        out.print(f"incident {iid} is already publishable: nothing recorded")
        return
    inc = _run(db, publish, iid, actor=_actor(actor), note=note)
    out.print(f"incident {inc.id} is publishable")


@review_app.command("unpublish")
def unpublish_cmd(incident: IncidentArg,
                  reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn (audited).")],
                  actor: ActorOption = None, db: DbOption = None) -> None:  # fmt: skip
    """Withdraw a published incident: its public page then says only that it was withdrawn, and when."""
    from nkwatch.review.publication import unpublish
    from nkwatch.store.models import Incident

    iid = _incident_id(db, incident)
    was = _run(db, lambda s: s.get(Incident, iid).status)
    inc = _run(db, unpublish, iid, actor=_actor(actor), reason=reason)
    out.print(f"incident {inc.id} was already withdrawn: nothing recorded" if was == inc.status
              else f"incident {inc.id} withdrawn")  # fmt: skip


@review_app.command("different")
def different_cmd(incident: IncidentArg,
                  other: Annotated[str, typer.Argument(help="The incident it is not the same as.")],
                  actor: ActorOption = None, note: NoteOption = None, db: DbOption = None) -> None:  # fmt: skip
    """Say that two incidents (a proposed duplicate) report different occurrences; re-linking keeps them apart
    and does not propose the pair again."""
    from nkwatch.review.decisions import different

    a, b = _incident_id(db, incident), _incident_id(db, other)
    done = _run(db, different, a, b, actor=_actor(actor), note=note)
    out.print(f"{a} and {b} were already marked as different incidents: nothing recorded" if done["already"]
              else f"{a} and {b} are different incidents: kept apart from now on")  # fmt: skip


@review_app.command("sequel")
def sequel_cmd(incident: Annotated[str, typer.Argument(help="The later incident.")],
               of: Annotated[str | None, typer.Option("--of", help="The earlier incident it follows.")] = None,
               clear: Annotated[bool, typer.Option("--clear", help="It is a sequel of nothing.")] = False,
               actor: ActorOption = None, db: DbOption = None) -> None:  # fmt: skip
    """Say which earlier incident this one is a sequel of (the later sentence, execution or repatriation of the
    same people), or --clear that it is none; re-linking keeps the choice."""
    from nkwatch.review.ops import sequel

    if (of is None) == (not clear):
        fail("give --of EARLIER or --clear")
    earlier = _incident_id(db, of) if of else None
    inc = _run(db, sequel, _incident_id(db, incident), earlier, actor=_actor(actor))
    out.print(f"incident {inc.id} is a sequel of {inc.sequel_of}" if inc.sequel_of
              else f"incident {inc.id} is a sequel of nothing")  # fmt: skip


@audit_app.command("log")
def audit_log(target: Annotated[str | None, typer.Option(help="Only entries about this claim or incident "
                                                                         "(its id or first characters).")] = None,
              limit: Annotated[int, typer.Option(help="At most this many entries.")] = 50,
              db: DbOption = None) -> None:  # fmt: skip
    """The newest audit entries: who did what, when, to which claim or incident."""
    from nkwatch.review.audit import entries
    from nkwatch.store.ids import full_id
    from nkwatch.store.models import AuditEntry

    with store_or_fail(db).session() as s:
        if target:  # a prefix of any id the log names, even of an incident merged away since
            target = found(lambda s, i: full_id(s, AuditEntry.target_id, i, noun="audit target",
                                                plural="audit targets", tag="inc-"), s, target)  # fmt: skip
        rows = entries(s, target_id=target, limit=limit)
        t = Table("seq", "at", "actor", "action", "target", "hash", box=None, header_style="bold")
        for e in rows:
            t.add_row(str(e.seq), e.at[:19], escape(e.actor), e.action, e.target_id[:16], e.hash[:12])
    out.print(t)


@audit_app.command("verify")
def audit_verify(anchor: Annotated[str | None, typer.Option(help="SEQ:HASH printed by an earlier verify; "
                                                             "detects entries deleted from the end.")] = None,
                 db: DbOption = None) -> None:  # fmt: skip
    """Check the hash chain: any edited, deleted or reordered entry is reported, and the exit status is 1."""
    from nkwatch.review.audit import head, verify

    parsed = None
    if anchor:
        seq, _, digest = anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            fail("--anchor is SEQ:HASH, as printed by `nkwatch audit verify`")
        parsed = (int(seq), digest)
    with store_or_fail(db).session() as s:
        result = verify(s, anchor=parsed)
        seq, digest = head(s)
    for p in result.problems:
        out.print(f"[red]problem:[/] {escape(p)}")
    if not result.ok:
        raise typer.Exit(1)
    out.print(f"[green]audit log intact[/]: {result.checked} entries; anchor {seq}:{digest}")
