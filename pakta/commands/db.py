"""`pakta db ...`: Alembic migrations."""

import click
from alembic.util import CommandError
from flask.cli import AppGroup

from pakta import migrate
from pakta.commands import fail
from pakta.db import database
from pakta.keys.certificate import KeyringError
from pakta.keys.totp import SealError


@click.group("db", cls=AppGroup, help="Database migrations (Alembic).")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Apply migrations up to REVISION (default: head).")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    try:
        migrate.upgrade(database().engine, revision)
    except KeyringError as error:  # 0013 seals TOTP secrets with the TOTP key
        fail(str(error))
    click.echo(f"database at {revision}")


@db_group.command("downgrade", help="Undo migrations down to REVISION.")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    try:
        migrate.downgrade(database().engine, revision)
    except (KeyringError, SealError) as error:
        fail(str(error))


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
