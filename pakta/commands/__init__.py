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


def write_failed(path, error: OSError) -> None:
    """Stops the command over a file it could not write (a full disk, no permission)."""
    import errno

    from pakta.i18n import _

    full = error.errno == errno.ENOSPC
    reason = _("the disk is full") if full else (error.strerror or str(error))
    fail(_("Could not write {path}: {reason}").format(path=path, reason=reason))


def echo_problems(problems) -> None:
    """An import's bad rows, one line each with its row number, on standard error."""
    from pakta.i18n import _

    for problem in problems:
        click.echo(
            _("row {row}: {message}").format(row=problem.row, message=problem.message), err=True
        )


def warn_stray_units(codes: list[str]) -> None:
    """Top-level units besides the root, whose counts the Pemda's total leaves out."""
    from pakta.i18n import _

    if codes:
        message = _("Top-level units besides the root (give each a parent): {units}")
        click.echo(message.format(units=", ".join(codes)), err=True)


def audit_import(session, action: str, target_type: str, filename: str, details: dict) -> None:
    """Records an import done from the command line in the audit trail."""
    from pakta.services import audit

    audit.record(
        session,
        actor=cli_actor(),
        action=action,
        target_type=target_type,
        target_id=filename,
        **details,
    )
