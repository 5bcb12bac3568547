"""`pakta units import`: the organisation tree from CSV or XLSX (SIASN's unor)."""

from pathlib import Path

import click
from flask.cli import AppGroup

from pakta.commands import cli_actor, fail
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
    from pakta.services import audit, roster, unit_tree

    session = get_session()
    try:
        table = unit_tree.read_unit_table(file.read_bytes(), file.name)
    except roster.RosterFileError as error:
        fail(str(error))
    plan = unit_tree.plan_unit_tree(session, table)
    for problem in plan.problems:
        click.echo(
            _("row {row}: {message}").format(row=problem.row, message=problem.message), err=True
        )
    click.echo(plan.summary())
    if plan.stray_units:
        click.echo(
            _("Top-level units besides the root (give each a parent): {units}").format(
                units=", ".join(plan.stray_units)
            ),
            err=True,
        )
    if plan.problems:
        fail(_("{n} bad rows: nothing imported").format(n=len(plan.bad_rows)))
    if dry_run:
        click.echo(_("Dry run: nothing changed."))
        return
    result = unit_tree.apply_unit_tree(session, plan)
    audit.record(
        session,
        actor=cli_actor(),
        action="units.import",
        target_type="units",
        target_id=file.name,
        **result.as_details(),
    )
    session.commit()
    click.echo(_("Unit tree imported."))
