"""`pakta links export`: personal signing links as a CSV or printable slips."""

from pathlib import Path

import click
from flask.cli import AppGroup

from pakta.commands import cli_actor, fail, write_failed
from pakta.db import get_session
from pakta.files import write_atomic
from pakta.i18n import _


@click.group("links", cls=AppGroup, help="Personal signing links.")
def links_group() -> None:
    pass


@links_group.command("export")
@click.option("--campaign", "slug", required=True, help="The campaign's slug.")
@click.option("--unit", "unit_code", required=True, help="This unit and every unit below it.")
@click.option("--format", "file_format", type=click.Choice(["csv", "pdf"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def links_export(slug: str, unit_code: str, file_format: str, out: Path) -> None:
    """Write every active employee's personal link: a CSV, or a PDF of slips to cut apart.

    Employees without a link get one; exporting again gives the same links.
    """
    from flask import current_app

    from pakta.i18n import ngettext
    from pakta.services import audit, campaigns, link_exports, links, pemda, units

    session = get_session()
    campaign = campaigns.get_campaign(session, slug)
    if campaign is None:
        fail(_("There is no campaign with the slug {slug}.").format(slug=slug))
    unit = units.get_unit(session, unit_code)
    if unit is None:
        fail(_("There is no unit with the code {code}.").format(code=unit_code))
    rows = links.export_rows(session, campaign, units.subtree_ids(session, unit.id), None)
    if not rows:
        fail(_("{unit} and the units below it have no active employees.").format(unit=unit.code))
    base_url = current_app.config["BASE_URL"]
    if file_format == "pdf":
        data = link_exports.links_pdf(
            rows,
            base_url,
            campaign_title=campaign.title,
            issuing_authority=pemda.issuer_name(
                session, campaign, pemda.Defaults.from_config(current_app.config)
            ),
        )
    else:
        data = link_exports.links_csv(rows, base_url)
    audit.record(
        session,
        actor=cli_actor(),
        action="links.export",
        target_type="unit",
        target_id=unit.code,
        campaign=campaign.slug,
        count=len(rows),
        format=file_format,
    )
    # Committed before writing, so a file never holds links the database does not know.
    session.commit()
    try:
        write_atomic(out, data)
    except OSError as error:
        write_failed(out, error)
    click.echo(
        ngettext(
            "%(num)d link written to %(path)s",
            "%(num)d links written to %(path)s",
            len(rows),
            path=str(out),
        )
    )
