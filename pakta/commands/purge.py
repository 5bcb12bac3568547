"""`pakta purge`: forgets addresses and user agents past the retention period (docs/privacy.md).

Meant for a daily timer; a second run the same day changes nothing and says so.
"""

from dataclasses import asdict

import click
from flask import current_app

from pakta.commands import cli_actor, fail
from pakta.db import get_session
from pakta.i18n import _


@click.command("purge")
@click.option(
    "--days",
    type=int,
    help="Keep this many days instead of PAKTA_RETENTION_DAYS.",
)
def purge_command(days: int | None) -> None:
    """Blank addresses and user agents older than the retention period; print the counts."""
    from pakta.models.base import utcnow
    from pakta.services import audit, privacy

    retention_days = current_app.config["RETENTION_DAYS"] if days is None else days
    if retention_days < 1:
        message = _("The retention period must be at least 1 day, not {days}.")
        fail(message.format(days=retention_days))
    db = get_session()
    purged = privacy.purge(db, now=utcnow(), retention_days=retention_days)
    # In the same transaction as the purge: the trail says what was forgotten, or nothing was.
    audit.record(
        db,
        actor=cli_actor(),
        action="privacy.purge",
        target_type="retention",
        target_id=retention_days,
        **asdict(purged),
    )
    db.commit()
    click.echo(
        _(
            "Older than {days} days: {signatures} signatures, {events} audit events, "
            "{attempts} failed apel checks and {sessions} login sessions purged."
        ).format(
            days=retention_days,
            signatures=purged.signatures,
            events=purged.audit_events,
            attempts=purged.verification_attempts,
            sessions=purged.login_sessions,
        )
    )
