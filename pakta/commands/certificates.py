"""`pakta keys ...`, `pakta certificates ...` and `pakta verify`."""

import json
import sys
import urllib.request
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app
from flask.cli import AppGroup

from pakta.commands import cli_actor, fail
from pakta.db import get_session
from pakta.i18n import _


@click.group("keys", cls=AppGroup, help="Certificate signing keys and the PDF seal.")
def keys_group() -> None:
    pass


@keys_group.command("init", help="Create the signing key and self-signed seal if missing.")
def keys_init() -> None:
    from pakta.keys import certificate, seal
    from pakta.services import audit, campaigns

    db = get_session()
    before = certificate.active(db)
    key = certificate.init(db, current_app.instance_path, current_app.config["SIGNING_KEY"])
    if not current_app.config["SEAL_PKCS12"]:
        campaign = campaigns.current_campaign(db)
        authority = campaign.issuing_authority if campaign else "Pakta"
        seal.init_self_signed(current_app.instance_path, authority)
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
    key = certificate.rotate(db, current_app.instance_path)
    audit.record(db, actor=cli_actor(), action="keys.rotate", target_type="key", target_id=key.kid)
    db.commit()
    click.echo(_("Signing key {kid} is active.").format(kid=key.kid))


@click.group("certificates", cls=AppGroup, help="Issued certificates.")
def certificates_group() -> None:
    pass


def _revocation(number: str, action: str, reason: str | None, note: str) -> None:
    from pakta.services import audit, revocations

    db = get_session()
    signature = revocations.by_certificate_number(db, number)
    if signature is None:
        fail(_("There is no certificate numbered {number}.").format(number=number))
    try:
        if action == "revoke":
            event = revocations.revoke(db, signature, reason=reason, note=note, actor=cli_actor())
        else:
            event = revocations.reinstate(db, signature, note=note, actor=cli_actor())
    except revocations.RevocationError as error:
        fail(str(error))
    audit.record(
        db,
        actor=cli_actor(),
        action=f"certificate.{event.action.value}",
        target_type="signature",
        target_id=signature.certificate_number,
        reason=reason,
        note=note,
    )
    db.commit()
    click.echo(f"{signature.certificate_number}: {event.action.value}")


@certificates_group.command("revoke")
@click.argument("number")
@click.option(
    "--reason",
    required=True,
    type=click.Choice(["signed_in_error", "wrong_identity", "sanction", "other"]),
)
@click.option("--note", default="")
def certificates_revoke(number: str, reason: str, note: str) -> None:
    """Revoke a certificate; verification shows it at once."""
    _revocation(number, "revoke", reason, note)


@certificates_group.command("reinstate")
@click.argument("number")
@click.option("--note", default="")
def certificates_reinstate(number: str, note: str) -> None:
    """Reinstate a revoked certificate (a new event; the revocation stays on record)."""
    _revocation(number, "reinstate", None, note)


class _ProgressLine:
    """A progress bar on standard error, made when the first report gives the total."""

    def __init__(self) -> None:
        self.bar = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(
                length=total,
                label=_("Certificates"),
                show_pos=True,
                file=sys.stderr,
            )
            self.bar.render_progress()
        self.bar.update(done - self.shown)
        self.shown = done

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()


@certificates_group.command("export")
@click.option("--campaign", "slug", required=True, help="The campaign's slug.")
@click.option("--unit", "unit_code", help="This unit and every unit below it (default: all).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Processes issuing missing certificates (default: one a CPU).",
)
def certificates_export(slug: str, unit_code: str | None, out: Path, workers: int | None) -> None:
    """Write a ZIP of the certificate PDFs, issuing the missing ones.

    Files are named UNIT/NUMBER.pdf, after the unit the signature was made in. Issued
    certificates are the files as stored; missing ones are issued and stored first.
    """
    from pakta.db import begin_write
    from pakta.i18n import ngettext
    from pakta.keys.certificate import KeyringError
    from pakta.services import audit, campaigns, certificate_bulk, units

    db = get_session()
    campaign = campaigns.get_campaign(db, slug)
    if campaign is None:
        fail(_("There is no campaign with the slug {slug}.").format(slug=slug))
    unit_ids = None
    if unit_code:
        unit = units.get_unit(db, unit_code)
        if unit is None:
            fail(_("There is no unit with the code {code}.").format(code=unit_code))
        unit_ids = units.subtree_ids(db, unit.id)
    campaign_id = campaign.id
    # Other processes write while this runs: hold no transaction across the export.
    db.rollback()
    progress = _ProgressLine()
    try:
        count = certificate_bulk.export_zip(
            current_app._get_current_object(),
            campaign_id,
            unit_ids,
            out,
            workers=workers,
            progress=progress,
        )
    except (KeyringError, OSError) as error:
        fail(str(error))
    finally:
        progress.finish()
    begin_write(db)
    audit.record(
        db,
        actor=cli_actor(),
        action="certificates.export",
        target_type="unit" if unit_code else "campaign",
        target_id=unit_code or slug,
        campaign=slug,
        count=count,
        file=str(out),
    )
    db.commit()
    click.echo(
        ngettext(
            "%(num)d certificate written to %(path)s",
            "%(num)d certificates written to %(path)s",
            count,
            path=str(out),
        )
    )


def _load_keys(source: str | None) -> dict[str, Ed25519PublicKey]:
    import base64

    from pakta.keys import certificate

    if source is None:
        return certificate.public_keys(get_session())
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=15) as response:  # noqa: S310 (user's URL)
            document = json.load(response)
    else:
        document = json.loads(Path(source).read_text())
    keys = {}
    for key in document.get("keys", []):
        x = key["jwk"]["x"]
        raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
        keys[key["kid"]] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a token longer than a file name may be
        return False


@click.command("verify")
@click.argument("token_or_pdf")
@click.option("--keys", "keys_source", help="pakta-keys.json file or URL (default: this instance)")
def verify_command(token_or_pdf: str, keys_source: str | None) -> None:
    """Check a token, or a certificate PDF's code and seal, with only the public keys.

    Offline checks cannot see revocations: the verification page can.
    """
    from pakta.services import pdf_check, tokens

    path = Path(token_or_pdf)
    token = token_or_pdf.strip()
    if path.suffix.lower() == ".pdf" or _is_file(path):
        data = path.read_bytes()
        reader = pdf_check.read_pdf(data)
        if reader is None:
            fail(_("{file} is not a readable PDF.").format(file=path))
        seal = pdf_check.seal_status(reader, [])
        if not seal.present:
            click.echo(_("seal: none"))
        elif seal.intact and seal.whole_file:
            click.echo(_("seal: intact ({signer})").format(signer=seal.signer))
        else:
            click.echo(_("seal: BROKEN — the file changed after sealing"))
        token = pdf_check.embedded_token(reader)
        if token is None:
            fail(_("No certificate code was found in the file."))
    elif "/v/" in token:
        token = token.rsplit("/v/", 1)[1].split("?")[0]
    try:
        claims = tokens.verify(token, _load_keys(keys_source))
    except tokens.TokenError as error:
        fail(_("INVALID: {reason}").format(reason=error))
    except (OSError, ValueError, KeyError) as error:
        fail(_("The keys could not be read: {error}").format(error=error))
    click.echo(_("signature: valid (key {kid})").format(kid=claims.kid))
    click.echo(
        f"{claims.certificate_number}\t{claims.signer_name}\t{claims.unit_code}\t"
        f"{claims.campaign}\t{claims.signed_on.isoformat()}"
    )
    click.echo(_("Offline checks cannot see revocations; the verification page can."))
    if path.suffix.lower() == ".pdf" and not (seal.intact and seal.whole_file):
        sys.exit(1)
