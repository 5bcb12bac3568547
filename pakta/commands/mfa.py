"""`pakta mfa ...`: the key that seals the two-step login (TOTP) secrets."""

import click
from flask import current_app
from flask.cli import AppGroup

from pakta.commands import cli_actor, fail, write_failed
from pakta.db import get_session
from pakta.i18n import _


@click.group("mfa", cls=AppGroup, help="Two-step login (TOTP) and the key of its secrets.")
def mfa_group() -> None:
    pass


@mfa_group.command(
    "rotate-key", help="Seal every TOTP secret under a new key, all or nothing, and drop the old."
)
def mfa_rotate_key() -> None:
    from pakta.keys import totp
    from pakta.services import audit, mfa

    path = current_app.config["TOTP_KEY_FILE"]
    db = get_session()
    try:
        old = totp.load(path)
    except totp.TotpKeyError as error:
        fail(str(error))
    # Refused before anything changes: such an account needs its two-step login reset.
    stuck = mfa.unopenable(db, old)
    if stuck:
        fail(
            _(
                "These accounts' two-step login secrets do not open with {path}; reset their "
                "two-step login (pakta users reset-mfa) or put back the right key file, then "
                "rotate again: {emails}"
            ).format(path=path, emails=", ".join(user.email for user in stuck))
        )
    db.rollback()
    # The new key goes first and the old ones stay while the database changes, so every
    # secret opens at every moment, on every node reading this file.
    rotated = totp.Keyring((totp.new_key(), *old.keys))
    try:
        totp.write(path, rotated)
    except OSError as error:
        write_failed(path, error)
    try:
        count = mfa.reseal_all(db, rotated)
        audit.record(
            db,
            actor=cli_actor(),
            action="mfa.rotate_key",
            target_type="key",
            target_id=rotated.active_id,
            previous=old.active_id,
            count=count,
        )
        db.commit()
    except Exception:
        db.rollback()
        click.secho(
            _(
                "Nothing was re-sealed; {path} holds the new key and the old ones, so every "
                "secret still opens. Run the command again."
            ).format(path=path),
            fg="red",
            err=True,
        )
        raise
    # A secret sealed under an old key by a login racing the rotation keeps that key.
    left = mfa.sealed_under_other_keys(db, rotated.active_id)
    db.rollback()
    if left:
        click.echo(
            _(
                "{count} secret(s) were sealed under an old key meanwhile: the old keys stay in "
                "{path}. Run the command again to drop them."
            ).format(count=left, path=path),
            err=True,
        )
    else:
        try:
            totp.write(path, totp.Keyring(rotated.keys[:1]))
        except OSError as error:
            write_failed(path, error)
    click.echo(
        _("{count} two-step login secret(s) are sealed under the new key {kid}.").format(
            count=count, kid=rotated.active_id
        )
    )
