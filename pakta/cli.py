"""The ``pakta`` command: the Flask CLI bound to the app, plus Pakta's own groups."""

import sys
from datetime import datetime
from pathlib import Path

import click
from alembic.util import CommandError
from flask import Flask
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from pakta import create_app, migrate
from pakta.commands import cli_actor, fail
from pakta.db import database, get_session
from pakta.i18n import _


def main() -> None:
    FlaskGroup(create_app=create_app, help="Pakta Integritas Netralitas ASN.")(prog_name="pakta")


def init_app(app: Flask) -> None:
    from pakta.commands import certificates, rollups, tokens
    from pakta.commands.worker import worker_command

    for group in (db_group, users_group, campaign_group, roster_group, links_group):
        app.cli.add_command(group)
    app.cli.add_command(demo_command)
    app.cli.add_command(certificates.keys_group)
    app.cli.add_command(certificates.certificates_group)
    app.cli.add_command(certificates.verify_command)
    app.cli.add_command(tokens.tokens_group)
    app.cli.add_command(rollups.rollups_group)
    app.cli.add_command(worker_command)


# -- db ----------------------------------------------------------------------


@click.group("db", cls=AppGroup, help="Database migrations (Alembic).")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Apply migrations up to REVISION (default: head).")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    migrate.upgrade(database().engine, revision)
    click.echo(f"database at {revision}")


@db_group.command("downgrade", help="Undo migrations down to REVISION.")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    migrate.downgrade(database().engine, revision)


@db_group.command("revision", help="Write a new migration from the models' changes.")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="Do not compare with the models.")
def db_revision(message: str, empty: bool) -> None:
    migrate.revision(database().engine, message, autogenerate=not empty)


@db_group.command("check", help="Fail when the models and the migrations disagree.")
def db_check() -> None:
    try:
        migrate.check(database().engine)
    except CommandError as error:
        fail(str(error))
    click.echo("models and migrations agree")


# -- users -------------------------------------------------------------------


@click.group("users", cls=AppGroup, help="Admin and operator accounts.")
def users_group() -> None:
    pass


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "operator"]), required=True)
@click.option("--unit", "unit_code", help="The operator's unit code.")
@click.option("--name", default="", help="Full name (defaults to the email).")
def users_create(email: str, role: str, unit_code: str | None, name: str) -> None:
    """Create an account; the password is read from a prompt or standard input."""
    from pakta.services import accounts, audit

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    session = get_session()
    try:
        user = accounts.create_user(
            session, email=email, name=name, role=role, password=password, unit_code=unit_code
        )
    except accounts.AccountError as error:
        fail(str(error))
    audit.record(
        session,
        actor=cli_actor(),
        action="user.create",
        target_type="user",
        target_id=user.id,
        role=role,
        unit=unit_code,
    )
    session.commit()
    click.echo(f"created {role} {user.email}")


@users_group.command("list")
def users_list() -> None:
    from sqlalchemy import select

    from pakta.models import User

    for user in get_session().scalars(select(User).order_by(User.email)):
        unit = user.unit.code if user.unit else "-"
        state = "active" if user.active else "inactive"
        click.echo(f"{user.email}\t{user.role.value}\t{unit}\t{state}")


# -- campaigns ---------------------------------------------------------------


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
@click.option("--authority", default="Pemerintah Daerah", help="Issuing authority.")
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


# -- roster ------------------------------------------------------------------


@click.group("roster", cls=AppGroup, help="Employee rosters.")
def roster_group() -> None:
    pass


@roster_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows even if some are bad.")
@click.option("--deactivate-missing", is_flag=True, help="Deactivate employees not in the file.")
def roster_import(file: Path, dry_run: bool, skip_bad_rows: bool, deactivate_missing: bool):
    """Import a CSV or XLSX roster, upserting employees by identity number."""
    from pakta.services import audit, roster

    session = get_session()
    try:
        table = roster.read_table(file.read_bytes(), file.name)
    except roster.RosterFileError as error:
        fail(str(error))
    plan = roster.plan_import(session, table, deactivate_missing=deactivate_missing)
    for problem in plan.problems:
        click.echo(
            _("row {row}: {message}").format(row=problem.row, message=problem.message), err=True
        )
    click.echo(plan.summary())
    if plan.problems and not skip_bad_rows:
        fail(
            _("{n} bad rows: nothing imported (--skip-bad-rows imports the rest)").format(
                n=len(plan.bad_rows)
            )
        )
    if dry_run:
        click.echo(_("Dry run: nothing changed."))
        return
    result = roster.apply_import(session, plan)
    audit.record(
        session,
        actor=cli_actor(),
        action="roster.import",
        target_type="roster",
        target_id=file.name,
        **result.as_details(),
    )
    session.commit()
    click.echo(_("Roster imported."))


# -- links -------------------------------------------------------------------


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
    from pakta.services import audit, campaigns, link_exports, links, units

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
            issuing_authority=campaign.issuing_authority,
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
        out.write_bytes(data)
    except OSError as error:
        fail(str(error))
    click.echo(
        ngettext(
            "%(num)d link written to %(path)s",
            "%(num)d links written to %(path)s",
            len(rows),
            path=str(out),
        )
    )


# -- demo --------------------------------------------------------------------


@click.command("demo", help="Load a realistic small Pemda (only into an empty database).")
@click.option("--if-empty", is_flag=True, help="Skip quietly when data exists; show the logins.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    from flask import current_app

    from pakta.services import demo

    # The passwords are random; keep them beside the database so `make run` can show them again.
    logins_file = Path(current_app.instance_path) / "demo-logins.txt"
    session = get_session()
    if not demo.database_is_empty(session):
        if not if_empty:
            fail(_("The database already has data: demo data goes only into an empty database."))
        if logins_file.exists():
            click.echo(logins_file.read_text(), nl=False)
        return
    logins = demo.load(session)
    session.commit()
    text = "demo data loaded; log in at /masuk with:\n" + "".join(
        f"  {login.role:<9} {login.email}  password: {login.password}\n" for login in logins
    )
    logins_file.parent.mkdir(parents=True, exist_ok=True)
    logins_file.touch(mode=0o600)
    logins_file.write_text(text)
    click.echo(text, nl=False)
