"""`pakta log ...`: signed checkpoints of the transparency logs and their consistency."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from pakta.commands import fail, write_failed
from pakta.db import get_session
from pakta.files import write_atomic
from pakta.i18n import _


@click.group("log", cls=AppGroup, help="Signed checkpoints of the transparency logs.")
def log_group() -> None:
    pass


@log_group.command("checkpoint")
@click.option(
    "--export",
    "folder",
    type=click.Path(file_okay=False),
    help="Also write each checkpoint to <log>-<size>.txt in this folder, for other parties.",
)
def log_checkpoint(folder: str | None) -> None:
    """Sign the current size and root of each log with the instance key, and print them."""
    from pakta.keys import certificate
    from pakta.models import LogName
    from pakta.services.transparency_log import checkpoints

    db = get_session()
    try:
        signer = certificate.signer(
            db, current_app.instance_path, current_app.config["SIGNING_KEY"]
        )
    except certificate.KeyringError as error:
        fail(str(error))
    for log in LogName:
        row = checkpoints.create(db, signer, current_app.config["BASE_URL"], log)
        click.echo(row.note)
        if folder:
            path = Path(folder) / checkpoints.file_name(row)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(path, row.note.encode())
            except OSError as error:
                write_failed(path, error)
    db.commit()


@log_group.command("backfill")
def log_backfill() -> None:
    """Log the signatures, revocations and audit events that predate the log (run once after
    upgrading), then take a checkpoint with `pakta log checkpoint`."""
    from pakta.db import begin_write
    from pakta.services.transparency_log.backfill import backfill

    db = get_session()
    begin_write(db)
    done = backfill(db)
    db.commit()
    click.echo(
        _(
            "Logged {signatures} signatures, {revocations} revocation events and {audit} audit "
            "events."
        ).format(signatures=done.signatures, revocations=done.revocations, audit=done.audit_events)
    )


@log_group.command("verify-consistency")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
def log_verify_consistency(old: str, new: str) -> None:
    """Check that the log of checkpoint NEW extends the log of checkpoint OLD unchanged."""
    from pakta.commands.audit import read_checkpoints
    from pakta.keys import certificate
    from pakta.models import LogName
    from pakta.services.transparency_log import merkle, proofs

    db = get_session()
    older, newer = read_checkpoints([old, new], certificate.public_keys(db))
    if older.origin != newer.origin:
        fail(_("The two checkpoints are of different logs."))
    try:
        proof = proofs.consistency(db, LogName(newer.log), older.tree_size, newer.tree_size)
        merkle.verify_consistency(
            older.tree_size, newer.tree_size, older.root_hash, newer.root_hash, proof
        )
    except merkle.ProofError as error:
        fail(_("INCONSISTENT: {reason}").format(reason=error))
    click.echo(
        _("consistent: {old} entries are unchanged within {new}").format(
            old=older.tree_size, new=newer.tree_size
        )
    )
