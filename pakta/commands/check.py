"""`pakta check`: is this configuration ready for production?"""

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from pakta.db import database, get_session
from pakta.i18n import _, ngettext


@click.command("check", help="Check the configuration for production; exits 1 on any problem.")
@with_appcontext
def check_command() -> None:
    from pakta.services import production_check

    found = production_check.problems(
        get_session(), database().engine, current_app.config, current_app.instance_path
    )
    for problem in found:
        click.secho(problem, fg="red", err=True)
    if found:
        click.echo(
            ngettext("%(num)d problem found.", "%(num)d problems found.", len(found)), err=True
        )
        sys.exit(1)
    click.echo(_("The configuration is ready for production."))
