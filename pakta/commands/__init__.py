"""Command groups of the ``pakta`` CLI beyond the core ones in pakta.cli, and their helpers."""

import getpass
import sys

import click


def cli_actor() -> str:
    """Who did it, for the audit trail, when it was done from the command line."""
    return f"cli:{getpass.getuser()}"


def fail(message: str) -> None:
    click.secho(str(message), fg="red", err=True)
    sys.exit(1)
