"""`pakta rollups ...`: the running tallies behind the compliance rollups."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from pakta.commands import fail
from pakta.db import get_session
from pakta.i18n import _


@click.group("rollups", cls=AppGroup, help="Compliance rollups.")
def rollups_group() -> None:
    pass


@rollups_group.command("recount")
@click.option("--check", is_flag=True, help="Only compare the tallies with a fresh count.")
def rollups_recount(check: bool) -> None:
    """Rebuild every campaign's tallies from the roster and the signatures.

    Only needed after rows were changed outside Pakta (raw SQL): Pakta keeps the
    tallies current itself. --check changes nothing and fails when they differ.
    """
    from pakta.models import Campaign, Unit
    from pakta.services import tallies

    db = get_session()
    if not check:
        tallies.recount(db)
        db.commit()
    campaigns = db.execute(select(Campaign.id, Campaign.slug).order_by(Campaign.id)).all()
    codes = dict(db.execute(select(Unit.id, Unit.code)).all())
    wrong = 0
    for campaign_id, slug in campaigns:
        for (unit_id, kind), (stored, counted) in sorted(
            tallies.differences(db, campaign_id).items()
        ):
            wrong += 1
            click.echo(
                _("{campaign} {unit} {type}: stored {stored}, counted {counted}").format(
                    campaign=slug,
                    unit=codes.get(unit_id, unit_id),
                    type=kind,
                    stored="/".join(map(str, stored)),
                    counted="/".join(map(str, counted)),
                ),
                err=True,
            )
    if wrong:
        fail(_("{count} tallies differ from the rows.").format(count=wrong))
    click.echo(_("The tallies of {count} campaigns match the rows.").format(count=len(campaigns)))
