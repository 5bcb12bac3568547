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
# a work horse per job took 1.8 times the CPU per certificate (158 against 86-89 ms for
# 2,000 in bench/certificates.py --worker-args=--fork): the fork, and a horse that opens its
# own database connection and fills WeasyPrint's and cffi's caches again only to throw
# them away.
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
