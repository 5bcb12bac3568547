"""`pakta certificates ...`: revoke, reinstate, export and reconcile issued certificates."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from pakta.commands import cli_actor, fail, write_failed
from pakta.db import get_session
from pakta.i18n import _


@click.group("certificates", cls=AppGroup, help="Issued certificates.")
def certificates_group() -> None:
    pass


def _revocation(number: str, action: str, reason: str | None, note: str) -> None:
    from pakta.services import audit
    from pakta.services.certificates import revocations

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
    from pakta.services import audit, campaigns, units
    from pakta.services.certificates import bulk

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
        count = bulk.export_zip(
            current_app._get_current_object(),
            campaign_id,
            unit_ids,
            out,
            workers=workers,
            progress=progress,
        )
    except KeyringError as error:
        fail(str(error))
    except OSError as error:
        write_failed(out, error)
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


@certificates_group.command("reconcile")
@click.option(
    "--older-than",
    "older_than",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    help="Seconds since signing after which a missing certificate is asked for again.",
)
def certificates_reconcile(older_than: int) -> None:
    """Ask again for every valid signature's missing certificate (pakta worker also does
    this every minute)."""
    from datetime import timedelta

    from pakta.job_recovery import reconcile_certificates

    result = reconcile_certificates(
        current_app._get_current_object(), get_session(), grace=timedelta(seconds=older_than)
    )
    click.echo(
        _(
            "Signatures without a certificate: {missing}; asked for again: {enqueued}; "
            "already waiting: {waiting}; could not be asked for: {failed}."
        ).format(
            missing=result.missing,
            enqueued=result.enqueued,
            waiting=result.waiting,
            failed=result.failed,
        )
    )
    if result.failed:
        sys.exit(1)
