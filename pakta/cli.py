"""The ``pakta`` command: the Flask CLI bound to the app, plus Pakta's own groups."""

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from pakta import create_app
from pakta.config import ConfigError


def main() -> None:
    FlaskGroup(create_app=_create_app, help="Pakta Integritas Netralitas ASN.")(prog_name="pakta")


def _create_app() -> Flask:
    """The app, or the configuration's problem in one line (`pakta check` included)."""
    try:
        return create_app()
    except ConfigError as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(1)


def init_app(app: Flask) -> None:
    from pakta.commands import (
        audit,
        backup,
        campaigns,
        certificates,
        check,
        db,
        demo,
        keys,
        links,
        log,
        mfa,
        purge,
        rollups,
        roster,
        tokens,
        units,
        users,
        verify,
        worker,
    )

    app.cli.add_command(db.db_group)
    app.cli.add_command(users.users_group)
    app.cli.add_command(campaigns.campaign_group)
    app.cli.add_command(roster.roster_group)
    app.cli.add_command(units.units_group)
    app.cli.add_command(links.links_group)
    app.cli.add_command(demo.demo_command)
    app.cli.add_command(keys.keys_group)
    app.cli.add_command(mfa.mfa_group)
    app.cli.add_command(certificates.certificates_group)
    app.cli.add_command(verify.verify_command)
    app.cli.add_command(tokens.tokens_group)
    app.cli.add_command(rollups.rollups_group)
    app.cli.add_command(worker.worker_command)
    app.cli.add_command(backup.backup_command)
    app.cli.add_command(backup.restore_command)
    app.cli.add_command(check.check_command)
    app.cli.add_command(audit.audit_group)
    app.cli.add_command(log.log_group)
    app.cli.add_command(purge.purge_command)
