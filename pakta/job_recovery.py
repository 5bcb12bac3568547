"""Recovering lost certificate jobs: what ``pakta worker`` does in RQ's periodic maintenance,
and ``pakta certificates reconcile`` does on demand.

- ``requeue_abandoned``: a job in RQ's started registry whose worker stopped heartbeating
  (``jobs.is_abandoned``) is asked for again at once, instead of waiting for RQ to expire it.
- ``reconcile_certificates``: every valid signature older than a minute without a certificate
  is asked for again (``services.certificates.reconcile``), whatever became of its job.

``recover`` runs both, and signs the transparency logs' checkpoints when due
(``checkpoint_logs``), in one worker at a time, every ``jobs.MAINTENANCE_INTERVAL`` and when
a worker starts.
"""

import logging
import signal
import time
from datetime import datetime, timedelta

from flask import Flask
from redis.exceptions import RedisError
from rq.registry import StartedJobRegistry
from sqlalchemy.orm import Session

from pakta import jobs
from pakta.db import database
from pakta.models import utcnow
from pakta.services.certificates import jobs as certificate_jobs
from pakta.services.certificates import reconcile

log = logging.getLogger(__name__)

RECOVERY_LOCK = "pakta:certificates:recovery"
REDIS_RETRY_SECONDS = 1.0
RUN_CERTIFICATE_JOB = f"{jobs.run_certificate_job.__module__}.{jobs.run_certificate_job.__name__}"
RUN_CERTIFICATE_BATCH = (
    f"{jobs.run_certificate_batch.__module__}.{jobs.run_certificate_batch.__name__}"
)


def reconcile_certificates(
    app: Flask,
    session: Session,
    *,
    now: datetime | None = None,
    grace: timedelta = reconcile.GRACE,
) -> reconcile.Reconciled:
    """Ask again, in batches (``jobs.enqueue_certificates``), for the certificate of every
    valid signature older than ``grace`` that has none; ``session`` only reads, and its
    transaction is ended before the jobs are asked for (they read with sessions of their own)."""
    signature_ids = reconcile.missing(session, now=now or utcnow(), grace=grace)
    session.rollback()
    return jobs.enqueue_certificates(app, signature_ids)


def requeue_abandoned(app: Flask, now: datetime | None = None) -> int:
    """Replace each started certificate job whose worker died; returns how many."""
    queue = jobs.certificate_queue(app)
    requeued = 0
    # get_job_ids also runs RQ's own cleanup of entries whose heartbeat expired.
    for job_id in StartedJobRegistry(queue=queue).get_job_ids():
        job = queue.fetch_job(job_id)
        if job is None or job.func_name not in (RUN_CERTIFICATE_JOB, RUN_CERTIFICATE_BATCH):
            continue
        if jobs.is_abandoned(job, queue, now):
            log.warning("%s was abandoned by worker %s: asking again", job.id, job.worker_name)
            if job.func_name == RUN_CERTIFICATE_BATCH:
                # Its signatures still point at it in jobs.BATCHED: forget that first.
                job.delete()
                requeued += jobs.enqueue_certificates(app, job.args[0]).enqueued > 0
            else:
                queued = jobs.enqueue_certificate(app, job.args[0])
                requeued += bool(queued is not None and queued.new)
    return requeued


def checkpoint_logs(app: Flask, session: Session) -> None:
    """Sign the transparency logs at least hourly while entries arrive. A node without the
    private key leaves it to one that has it."""
    from pakta.keys import certificate
    from pakta.services.transparency_log import checkpoints

    try:
        signer = certificate.signer(session, app.instance_path, app.config["SIGNING_KEY"])
    except certificate.KeyringError:
        return
    if checkpoints.sign_due(session, signer, app.config["BASE_URL"]):
        session.commit()


def recover(app: Flask) -> None:
    """Both of the above, unless another worker did them less than an interval ago. Never
    raises: a worker must outlive a database or Redis outage."""
    try:
        connection = jobs.redis_connection(app)
        if not connection.set(RECOVERY_LOCK, "1", nx=True, ex=jobs.MAINTENANCE_INTERVAL - 5):
            return
        requeued = requeue_abandoned(app)
        with certificate_jobs.own_sessions(app)() as session:
            reconciled = reconcile_certificates(app, session)
            checkpoint_logs(app, session)
        log.info(
            "certificate jobs recovered: %s abandoned, %s missing (%s asked for again, "
            "%s waiting, %s failed)",
            requeued,
            reconciled.missing,
            reconciled.enqueued,
            reconciled.waiting,
            reconciled.failed,
        )
    except Exception:
        log.exception("recovering certificate jobs failed; the next maintenance tries again")
    finally:
        # Forked work horses must open database connections of their own.
        database(app).engine.dispose()


class Recovering:
    """Mixed into an RQ worker class: its periodic maintenance also recovers lost jobs, and
    it remembers being asked to stop (``jobs.work`` replaces a worker that quit otherwise)."""

    stop_asked = False

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        recover(jobs.job_app())

    def request_stop(self, signum, frame):
        self.stop_asked = True
        super().request_stop(signum, frame)


def wait_for_redis(app: Flask) -> None:
    """Return once Redis answers a PING, trying every ``REDIS_RETRY_SECONDS``.

    Nothing runs meanwhile, so SIGTERM and SIGINT get their default meaning back: the RQ
    worker that installed its own handlers has ended.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    connection = jobs.redis_connection(app)
    while True:
        time.sleep(REDIS_RETRY_SECONDS)
        try:
            connection.ping()
            return
        except RedisError:
            continue


def recovering(worker_class: type) -> type:
    """``worker_class`` with ``Recovering`` mixed in."""
    return type(f"Recovering{worker_class.__name__}", (Recovering, worker_class), {})
