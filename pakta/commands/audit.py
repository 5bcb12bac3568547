"""`pakta audit verify`: recompute the transparency logs and hold them against the records."""

from pathlib import Path

import click
from flask.cli import AppGroup

from pakta.commands import fail
from pakta.db import get_session
from pakta.i18n import _


@click.group("audit", cls=AppGroup, help="Check the signing and audit logs for tampering.")
def audit_group() -> None:
    pass


def read_checkpoints(paths, keys) -> list:
    """The checkpoints in ``paths``, each checked against the published keys."""
    from pakta.services.transparency_log import checkpoints

    found = []
    for path in paths:
        try:
            checkpoint = checkpoints.parse(Path(path).read_text(encoding="utf-8"))
            checkpoints.verify(checkpoint, keys)
        except (OSError, UnicodeDecodeError, checkpoints.CheckpointError) as error:
            fail(
                _("{file}: not a valid checkpoint of this instance ({reason})").format(
                    file=path, reason=error
                )
            )
        found.append(checkpoint)
    return found


@audit_group.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A checkpoint exported earlier (repeatable); it must still match.",
)
def audit_verify(checkpoint_files: tuple[str, ...]) -> None:
    """Recompute both logs, compare them with the checkpoints and the live records.

    Exits non-zero, naming the first disagreement first, if anything was tampered with.
    """
    from pakta.keys import certificate
    from pakta.models import LogName
    from pakta.services.transparency_log import integrity

    db = get_session()
    given = read_checkpoints(checkpoint_files, certificate.public_keys(db))
    failed = False
    for log in LogName:
        mine = [checkpoint for checkpoint in given if checkpoint.log == log.value]
        report = integrity.verify(db, log, mine)
        if report.ok:
            click.echo(
                _("{log} log: {size} entries, root {root}, {matched} checkpoint(s) match").format(
                    log=log.value,
                    size=report.size,
                    root=report.root.hex(),
                    matched=report.checkpoints_matched,
                )
            )
            continue
        failed = True
        click.secho(
            _("{log} log: {count} problem(s)").format(log=log.value, count=len(report.problems)),
            fg="red",
            err=True,
        )
        for problem in report.problems:
            click.echo(f"  {problem.message}", err=True)
    if failed:
        raise SystemExit(1)
