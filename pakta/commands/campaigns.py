"""`pakta campaign ...`: signing campaigns."""

from datetime import datetime

import click
from flask.cli import AppGroup

from pakta.commands import cli_actor, fail
from pakta.db import get_session
from pakta.i18n import _


def _parse_time(value: str | None, option: str) -> datetime | None:
    from pakta.timeutil import parse_local_datetime

    if value is None:
        return None
    try:
        return parse_local_datetime(value)
    except ValueError:
        fail(
            _("{option}: {value} is not a time such as {example}").format(
                option=option, value=repr(value), example="2024-07-29T08:00"
            )
        )


@click.group("campaign", cls=AppGroup, help="Signing campaigns.")
def campaign_group() -> None:
    pass


@campaign_group.command("create")
@click.option("--slug", required=True)
@click.option("--title", required=True)
@click.option("--opens", help="ISO time; without a zone it is read in PAKTA_TIMEZONE.")
@click.option("--closes", help="ISO time; default 30 days after opening.")
@click.option("--authority", default="", help="Issuing authority; default: the Pemda's name.")
@click.option("--place", default="", help="Place printed on certificates.")
@click.option("--official-name", default="")
@click.option("--official-title", default="")
def campaign_create(slug, title, opens, closes, authority, place, official_name, official_title):
    """Create a campaign with the four default points of the 2022 joint decree."""
    from pakta.services import audit, campaigns

    session = get_session()
    try:
        campaign = campaigns.create_campaign(
            session,
            slug=slug,
            title=title,
            issuing_authority=authority,
            place=place,
            opens_at=_parse_time(opens, "--opens"),
            closes_at=_parse_time(closes, "--closes"),
            official_name=official_name,
            official_title=official_title,
        )
    except campaigns.CampaignError as error:
        fail(str(error))
    audit.record(
        session,
        actor=cli_actor(),
        action="campaign.create",
        target_type="campaign",
        target_id=campaign.id,
        slug=campaign.slug,
    )
    session.commit()
    click.echo(f"created campaign {campaign.slug}")


@campaign_group.command("list")
def campaign_list() -> None:
    from pakta.services import campaigns
    from pakta.timeutil import format_local

    for campaign in campaigns.list_campaigns(get_session()):
        click.echo(
            f"{campaign.slug}\t{format_local(campaign.opens_at)}\t"
            f"{format_local(campaign.closes_at)}\t{campaign.title}"
        )
