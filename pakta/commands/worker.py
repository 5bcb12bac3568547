"""`pakta worker`: render certificates in the background, from the RQ queue on Redis."""

import click
from flask import current_app
from flask.cli import with_appcontext

from pakta import jobs
from pakta.commands import fail
from pakta.i18n import _


@click.command("worker", help="Issue certificates from the job queue on PAKTA_REDIS_URL.")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
# In this process by default (RQ's SimpleWorker, which still enforces job timeouts): forking
# a work horse per job cost some 60% more CPU per certificate (the fork, and a horse
# that opens its own database connection and fills WeasyPrint's and cffi's caches again
# only to throw them away), which kept two workers far from twice the rate of one
# (bench/certificates.py --worker-args=--fork).
@click.option(
    "--fork/--no-fork",
    default=False,
    help="Run each job in a forked work horse (a crash or a leak dies with its job), "
    "instead of in this process.",
)
@with_appcontext
def worker_command(burst: bool, fork: bool) -> None:
    if not current_app.config.get("REDIS_URL"):
        fail(
            _(
                "PAKTA_REDIS_URL is not set: without Redis the web processes issue "
                "certificates themselves, and no worker is needed."
            )
        )
    # The jobs find this app as the current one (forked work horses inherit the context).
    jobs.work(current_app._get_current_object(), fork=fork, burst=burst)
