"""`pakta worker`: render certificates in the background, from the RQ queue on Redis."""

import click
from flask import current_app
from flask.cli import with_appcontext

from pakta import jobs
from pakta.commands import fail
from pakta.i18n import _


@click.command("worker", help="Issue certificates from the job queue on PAKTA_REDIS_URL.")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option(
    "--no-fork",
    is_flag=True,
    help="Run each job in this process, not in a forked work horse (a crash stops it).",
)
@with_appcontext
def worker_command(burst: bool, no_fork: bool) -> None:
    if not current_app.config.get("REDIS_URL"):
        fail(
            _(
                "PAKTA_REDIS_URL is not set: without Redis the web processes issue "
                "certificates themselves, and no worker is needed."
            )
        )
    # The jobs find this app as the current one (forked work horses inherit the context).
    jobs.work(current_app._get_current_object(), fork=not no_fork, burst=burst)
