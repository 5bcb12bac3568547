"""`pakta backup FILE` and `pakta restore FILE`: the database and, when asked, the keys."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from pakta.commands import fail
from pakta.db import database
from pakta.i18n import _


def _passphrase(confirm: bool) -> str:
    """Asked at the terminal (hidden, twice when it is new), or one line of standard input
    when that is not a terminal, so scripts can pipe it in without it reaching ``ps``."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(_("Passphrase for the keys"), hide_input=True, confirmation_prompt=confirm)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--with-keys", is_flag=True, help="Include the instance's keys, encrypted with a passphrase."
)
@with_appcontext
def backup_command(file: Path, with_keys: bool) -> None:
    """Write a backup of the database (and, with --with-keys, the keys) to FILE."""
    from pakta.services import backups

    passphrase = _passphrase(confirm=True) if with_keys else None
    try:
        manifest = backups.create(
            database().engine, current_app.instance_path, file, passphrase=passphrase
        )
    except backups.BackupError as error:
        fail(str(error))
    message = _("Backup of the database at revision {revision} written to {file}.")
    click.echo(message.format(revision=manifest.revision, file=file))
    if manifest.keys:
        click.echo(_("The keys are in it, encrypted: keep the passphrase apart from the file."))


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--with-keys", is_flag=True, help="Restore the keys too (asks for the passphrase).")
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(file: Path, with_keys: bool, force: bool) -> None:
    """Restore the database (and, with --with-keys, the keys) from a backup FILE."""
    from pakta.services import backups

    passphrase = _passphrase(confirm=False) if with_keys else None
    try:
        manifest = backups.restore(
            database().engine,
            current_app.instance_path,
            file,
            passphrase=passphrase,
            force=force,
        )
    except backups.BackupError as error:
        fail(str(error))
    click.echo(
        _("Restored the backup made at {created_at}.").format(created_at=manifest.created_at)
    )
    if passphrase is not None:
        click.echo(_("The keys were restored too."))
