"""`pakta roster import`: employee rosters from CSV or XLSX."""

from pathlib import Path

import click
from flask.cli import AppGroup

from pakta.commands import audit_import, echo_problems, fail, warn_stray_units
from pakta.db import get_session
from pakta.i18n import _


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
    from pakta.services import roster

    session = get_session()
    try:
        table = roster.read_table(file.read_bytes(), file.name)
    except roster.RosterFileError as error:
        fail(str(error))
    plan = roster.plan_import(session, table, deactivate_missing=deactivate_missing)
    echo_problems(plan.problems)
    click.echo(plan.summary())
    warn_stray_units(plan.stray_units)
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
    audit_import(session, "roster.import", "roster", file.name, result.as_details())
    session.commit()
    click.echo(_("Roster imported."))
