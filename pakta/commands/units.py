"""`pakta units import`: the organisation tree from CSV or XLSX (SIASN's unor)."""

from pathlib import Path

import click
from flask.cli import AppGroup

from pakta.commands import audit_import, echo_problems, fail, warn_stray_units
from pakta.db import get_session
from pakta.i18n import _


@click.group("units", cls=AppGroup, help="The organisation's unit tree.")
def units_group() -> None:
    pass


@units_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
def units_import(file: Path, dry_run: bool):
    """Import a CSV or XLSX unit tree (kode, nama, kode_induk), all or nothing."""
    from pakta.services import roster, unit_tree

    session = get_session()
    try:
        table = unit_tree.read_unit_table(file.read_bytes(), file.name)
    except roster.RosterFileError as error:
        fail(str(error))
    plan = unit_tree.plan_unit_tree(session, table)
    echo_problems(plan.problems)
    click.echo(plan.summary())
    warn_stray_units(plan.stray_units)
    if plan.problems:
        fail(_("{n} bad rows: nothing imported").format(n=len(plan.bad_rows)))
    if dry_run:
        click.echo(_("Dry run: nothing changed."))
        return
    result = unit_tree.apply_unit_tree(session, plan)
    audit_import(session, "units.import", "units", file.name, result.as_details())
    session.commit()
    click.echo(_("Unit tree imported."))
