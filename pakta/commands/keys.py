"""`pakta keys ...`: the certificate signing keys, the PDF seal and the TOTP key."""

import click
from flask import current_app
from flask.cli import AppGroup

from pakta.commands import cli_actor, fail, write_failed
from pakta.db import get_session
from pakta.i18n import _


@click.group("keys", cls=AppGroup, help="Certificate signing keys and the PDF seal.")
def keys_group() -> None:
    pass


@keys_group.command(
    "init", help="Create the signing key, the self-signed seal and the TOTP key if missing."
)
def keys_init() -> None:
    from pakta.keys import certificate, seal, totp
    from pakta.services import audit, campaigns, pemda

    db = get_session()
    before = certificate.active(db)
    try:
        key = certificate.init(db, current_app.instance_path, current_app.config["SIGNING_KEY"])
        if not current_app.config["SEAL_PKCS12"]:
            campaign = campaigns.current_campaign(db)
            defaults = pemda.Defaults.from_config(current_app.config)
            issuer = pemda.issuer_name(db, campaign, defaults)
            seal.init_self_signed(current_app.instance_path, issuer)
        totp.create(current_app.config["TOTP_KEY_FILE"])
    except OSError as error:
        write_failed(certificate.key_dir(current_app.instance_path), error)
    except totp.TotpKeyError as error:
        fail(str(error))
    if before is None or before.kid != key.kid:
        audit.record(
            db, actor=cli_actor(), action="keys.init", target_type="key", target_id=key.kid
        )
    db.commit()
    click.echo(_("Signing key {kid} is active.").format(kid=key.kid))


@keys_group.command("rotate", help="Sign from now on with a new key; old ones stay published.")
def keys_rotate() -> None:
    from pakta.keys import certificate
    from pakta.services import audit

    if current_app.config["SIGNING_KEY"]:
        fail(_("PAKTA_SIGNING_KEY is set: put the new key there instead of rotating here."))
    db = get_session()
    try:
        key = certificate.rotate(db, current_app.instance_path)
    except OSError as error:
        write_failed(certificate.key_dir(current_app.instance_path), error)
    audit.record(db, actor=cli_actor(), action="keys.rotate", target_type="key", target_id=key.kid)
    db.commit()
    click.echo(_("Signing key {kid} is active.").format(kid=key.kid))
