"""The ``pakta`` command groups, one module each (registered in ``pakta.cli``), and helpers."""

import getpass
import sys

import click


def cli_actor() -> str:
    """Who did it, for the audit trail, when it was done from the command line."""
    return f"cli:{getpass.getuser()}"


def fail(message: str) -> None:
    click.secho(str(message), fg="red", err=True)
    sys.exit(1)
