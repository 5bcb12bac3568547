"""Background jobs: RQ on Redis when ``PAKTA_REDIS_URL`` is set, else a thread in this process.

``enqueue_certificate(app, signature_id)`` asks for one signer's certificate, rendered and
stored off the request that asks (``services.certificates.jobs``). It never raises: a failure
to enqueue is logged, and the certificate can still be issued on its first download.

- With ``REDIS_URL``: an RQ job ``cert-<signature id>`` on the queue ``certificates``, run by
  ``pakta worker``. Asking again while that job waits or runs adds nothing; a job that failed
  or finished earlier, or one that is stuck (its worker stopped heartbeating, or its retry is
  long overdue), is replaced. A failed job is retried after 10 s, 1 min and 5 min. When Redis
  cannot be reached the thread below is used. ``job_recovery`` recovers lost jobs.
- Without it (the embedded default): one worker thread per process, with its own app context
  and its own database session; a job already waiting in this process is not added twice.
- ``JOBS_EAGER`` (tests): the job runs at once, in the caller, with sessions from the app's
  sessionmaker (which the tests bind to their rolled-back connection).

``enqueue_certificates(app, signature_ids)`` asks for many at once (the reconciler, after an
outage or a mass signing): ``BATCH_SIZE`` signatures to a job, ``cert-batch-...``, read in one
query and stored in one transaction (``services.certificates.bulk.issue_batch``), which spares
each certificate most of what a job, the queue and the database cost around its render. A
signature whose own job or a batch already waits is not asked for again: Redis keeps, in the
hash ``BATCHED``, which batch job each signature waits in. A batch in which some certificate
failed runs again after the same delays; the others are stored meanwhile.

A job lost with its process loses nothing: the signature is committed before any job is
asked for, and the certificate is made from committed rows (``services.certificates.jobs``).
"""

import contextlib
import gc
import logging
import os
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
import rq
from flask import Flask, current_app, has_app_context
from redis.exceptions import RedisError
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from sqlalchemy.exc import SQLAlchemyError

from pakta.db import database, describe, is_unavailable
from pakta.services.certificates import jobs as certificate_jobs
from pakta.services.certificates.reconcile import Reconciled

log = logging.getLogger(__name__)

CERTIFICATE_QUEUE = "certificates"
JOB_TIMEOUT = 300  # seconds one certificate may take before RQ gives up on it
FAILURE_TTL = 24 * 3600  # a failed job is kept this long for `rq info`; asking again replaces it
# A failed job (a database outage, say) runs again after each of these delays, in seconds;
# the retries wait in RQ's scheduled registry, so `pakta worker` runs a scheduler.
RETRY_INTERVALS = [10, 60, 300]
# A working `pakta worker` heartbeats this often (seconds). A started job whose worker has
# been silent for ABANDONED_AFTER died with it (kill -9, a lost machine) and is replaced; a
# false alarm only costs a second rendering, as storing settles on one certificate.
JOB_MONITORING_INTERVAL = 5
ABANDONED_AFTER = timedelta(seconds=30)
# A retry this far past its time has lost its scheduler (the worker running it was killed;
# another takes over only when the scheduler's lock expires): it is replaced.
OVERDUE_AFTER = timedelta(seconds=60)
# An idle worker blocks on the queue for WORKER_TTL - 15 s at a time, and looks after RQ's
# registries and ``job_recovery.recover`` every MAINTENANCE_INTERVAL (RQ's defaults: 405 s
# and 10 min, so a lost job waited that long).
WORKER_TTL = 45
MAINTENANCE_INTERVAL = 60
STUCK_MESSAGE = "%s was stuck (%s): replaced"
# A job in one of these states will run (again): asking for it once more adds nothing.
WAITING = frozenset(
    {JobStatus.CREATED, JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED}
    | {JobStatus.SCHEDULED, JobStatus.READY_TO_ENQUEUE, JobStatus.RATE_LIMITED}
)


# Signatures a batch job issues: enough to share the job's and the transaction's cost, few
# enough that a batch takes a couple of seconds and two workers share a queue evenly.
BATCH_SIZE = 20
# Redis hash: signature id -> the id of the batch job that will issue its certificate.
BATCHED = "pakta:certificates:batched"


class JobsNotConfigured(RuntimeError):
    """There is no Redis to take jobs from."""


@dataclass(frozen=True)
class Enqueued:
    job_id: str
    runner: str  # "rq", "thread" or "eager"
    new: bool  # False when the same job was already waiting or running
    done: bool = False  # True when the job already ran here (eager) and succeeded
    future: Future | None = None  # the in-process job ("thread")


def certificate_job_id(signature_id: int) -> str:
    return f"cert-{signature_id}"


def batch_job_id(signature_ids: list[int]) -> str:
    """Unique per batch; names its first signature and its size, for `rq info`."""
    return f"cert-batch-{signature_ids[0]}-{len(signature_ids)}-{uuid.uuid4().hex[:8]}"


def redis_connection(app: Flask) -> redis.Redis:
    """The app's Redis client (one connection pool per app and URL)."""
    url = app.config.get("REDIS_URL")
    if not url:
        raise JobsNotConfigured("PAKTA_REDIS_URL is not set")
    clients = app.extensions.setdefault("pakta.jobs.redis", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url)
    return clients[url]


def certificate_queue(app: Flask) -> rq.Queue:
    return rq.Queue(CERTIFICATE_QUEUE, connection=redis_connection(app))


def certificate_worker(app: Flask, worker_class: type[rq.Worker] = rq.Worker) -> rq.Worker:
    """An RQ worker for the certificate queue; run it in an app context of ``app``."""
    return worker_class(
        [CERTIFICATE_QUEUE],
        connection=redis_connection(app),
        job_monitoring_interval=JOB_MONITORING_INTERVAL,
        worker_ttl=WORKER_TTL,
        maintenance_interval=MAINTENANCE_INTERVAL,
    )


# ``Worker.work`` options that end the work loop by themselves, without a stop request.
ENDS_BY_ITSELF = ("burst", "max_jobs", "max_idle_time")


def work(app: Flask, *, fork: bool = True, **options) -> bool:
    """Run an RQ worker on the certificate queue in an app context of ``app``.

    ``fork`` runs each job in a forked work horse (RQ's default: a crash or a leak dies with
    its job), from a parent warmed up first so that each fork starts with the renderer
    loaded; otherwise jobs run in this process. What start-up made is frozen out of the
    garbage collector's way (``gc.freeze``). The worker runs RQ's scheduler (for the
    delayed retries) and, in its maintenance, ``job_recovery.recover``. ``options`` go to
    ``Worker.work``. Unless asked to stop (SIGTERM, SIGINT, ``rq shutdown``) or given an
    option that ends it (``ENDS_BY_ITSELF``), a worker that quits is replaced by a new one as
    soon as Redis answers.
    """
    from pakta.job_recovery import recovering, wait_for_redis

    with app.app_context():
        if fork:
            certificate_jobs.warm_up(app)
        # What start-up made (the imported libraries, the app, a forking worker's warmed-up
        # renderer) lives as long as the worker. Rendering makes the collector run often,
        # and each full collection scanned all of it: frozen, it is left out (half of the
        # collector's CPU a certificate in bulk), and forked horses do not copy it on write.
        gc.freeze()
        worker_class = recovering(rq.Worker if fork else rq.SimpleWorker)
        worked = False
        while True:
            worker = None
            try:
                worker = certificate_worker(app, worker_class)  # this names it in Redis
                worked = bool(worker.work(with_scheduler=True, **options)) or worked
                ended = True
            except RedisError as error:  # no Redis to start with, or to record the end in
                log.warning("the RQ worker lost Redis: %s", describe(error))
                ended = False
            stop_asked = worker is not None and worker.stop_asked
            if stop_asked or any(options.get(name) for name in ENDS_BY_ITSELF):
                return worked
            # RQ's work loop quits when Redis goes away while a job runs (a restart, a
            # failover); a worker is only stopped on request, so another one starts.
            log.warning("the RQ worker stopped on an error: another starts once Redis answers")
            wait_for_redis(app)
            if worker is not None and not ended:
                # What RQ's teardown could not do (its scheduler is stopped by then).
                with contextlib.suppress(RedisError):
                    worker.register_death()
                    worker.unsubscribe()


def enqueue_certificate(app: Flask, signature_id: int) -> Enqueued | None:
    """Ask for the certificate of a committed signature; None when that failed (logged)."""
    job_id = certificate_job_id(signature_id)
    try:
        if app.config.get("JOBS_EAGER"):
            done = _run_logged(app, signature_id, database(app).sessionmaker)
            return Enqueued(job_id, "eager", new=True, done=done)
        if app.config.get("REDIS_URL"):
            try:
                return _enqueue_rq(app, signature_id, job_id)
            except RedisError as error:
                # One line: while Redis is away every signature says the same.
                log.warning(
                    "Redis is unreachable: %s runs in this process (%s)", job_id, describe(error)
                )
        return _submit_thread(app, signature_id, job_id)
    except Exception:
        log.exception("could not enqueue %s", job_id)
        return None


def enqueue_certificates(app: Flask, signature_ids: list[int]) -> Reconciled:
    """Ask for the certificates of many committed signatures, ``BATCH_SIZE`` to a job.

    Never raises. Counts, as the reconciler reports them: ``enqueued`` asked for now,
    ``waiting`` already waiting in a job of their own or a batch, ``failed`` could not be
    asked for (logged); eager batches that ran here count as enqueued when they succeeded.
    """
    ids = list(dict.fromkeys(signature_ids))
    if not ids:
        return Reconciled(missing=0, enqueued=0, waiting=0, failed=0)
    try:
        if app.config.get("JOBS_EAGER"):
            make_session = database(app).sessionmaker
            failed = sum(len(_run_batch_logged(app, b, make_session)) for b in _batches(ids))
            return Reconciled(len(ids), enqueued=len(ids) - failed, waiting=0, failed=failed)
        if app.config.get("REDIS_URL"):
            try:
                return _enqueue_batches_rq(app, ids)
            except RedisError:
                log.warning("Redis is unreachable: certificate batches run in this process")
        for batch in _batches(ids):
            _submit_batch_thread(app, batch)
        return Reconciled(len(ids), enqueued=len(ids), waiting=0, failed=0)
    except Exception:
        log.exception("could not ask for the certificates of %s signatures", len(ids))
        return Reconciled(len(ids), enqueued=0, waiting=0, failed=len(ids))


def _batches(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + BATCH_SIZE] for start in range(0, len(ids), BATCH_SIZE)]


# -- RQ ----------------------------------------------------------------------------------


class DatabaseUnavailable(RuntimeError):
    """A certificate job found the database unable to serve (down, restarting, read-only)."""


def run_certificate_job(signature_id: int) -> bool:
    """What the RQ worker runs (by this name): errors fail the job, which RQ records.

    RQ logs every failure with its traceback; during a database outage every job fails the
    same way, so that failure is one line (the error's kind and first line), and retried.
    """
    try:
        return certificate_jobs.issue_certificate(job_app(), signature_id)
    except SQLAlchemyError as error:
        if not is_unavailable(error):
            raise
        raise DatabaseUnavailable(describe(error)) from None


def run_certificate_batch(signature_ids: list[int]) -> int:
    """What the RQ worker runs for a batch: the certificates that failed fail the job, so
    that RQ runs it again later (the ones stored meanwhile are skipped then)."""
    app = job_app()
    batch = certificate_jobs.issue_certificates(app, signature_ids)
    done = batch.issued + batch.absent
    if done:
        try:
            redis_connection(app).hdel(BATCHED, *done)
        except RedisError:  # a stale entry only points at a finished job: harmless
            log.warning("could not clear %s signatures from %s", len(done), BATCHED)
    if batch.failed:
        raise RuntimeError(f"certificates of signatures {batch.failed} could not be issued")
    return len(batch.issued)


_environment_app: Flask | None = None
_environment_lock = threading.Lock()


def job_app() -> Flask:
    """The app a job runs in: the current one (``pakta worker`` runs its worker in an app
    context), else one made once per process from the ``PAKTA_*`` environment."""
    global _environment_app
    if has_app_context():
        return current_app._get_current_object()
    with _environment_lock:
        if _environment_app is None:
            from pakta import create_app

            _environment_app = create_app()
        return _environment_app


def _enqueue_rq(app: Flask, signature_id: int, job_id: str) -> Enqueued:
    queue = certificate_queue(app)
    # Mostly asked once, right after signing: enqueued straight away (RQ refuses a job id
    # that exists), and an existing job is only read when there is one.
    if _enqueue_unique(queue, signature_id, job_id):
        return Enqueued(job_id, "rq", new=True)
    try:
        existing = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        existing = None  # it finished (and was dropped) in between: ask again
    if existing is not None:
        if will_run(existing, queue):
            return Enqueued(job_id, "rq", new=False)
        status = existing.get_status(refresh=False)
        if status not in (JobStatus.FAILED, JobStatus.FINISHED):
            log.warning(STUCK_MESSAGE, job_id, JobStatus(status).value)
        existing.delete()  # failed, finished or stuck: this asks again
    # False: another request enqueued it just now.
    return Enqueued(job_id, "rq", new=_enqueue_unique(queue, signature_id, job_id))


def _enqueue_unique(queue: rq.Queue, signature_id: int, job_id: str) -> bool:
    """Enqueue the job unless one with its id exists; whether it was enqueued."""
    try:
        queue.enqueue(
            run_certificate_job,
            signature_id,
            job_id=job_id,
            unique=True,
            description=f"certificate of signature {signature_id}",
            job_timeout=JOB_TIMEOUT,
            result_ttl=0,
            failure_ttl=FAILURE_TTL,
            retry=rq.Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
        )
    except DuplicateJobError:
        return False
    return True


def _enqueue_batches_rq(app: Flask, ids: list[int]) -> Reconciled:
    queue = certificate_queue(app)
    waiting = _waiting(queue, ids)
    asked = [signature_id for signature_id in ids if signature_id not in waiting]
    with queue.connection.pipeline() as pipeline:
        for batch in _batches(asked):
            job_id = batch_job_id(batch)
            queue.enqueue_many(
                [
                    rq.Queue.prepare_data(
                        run_certificate_batch,
                        (batch,),
                        job_id=job_id,
                        description=f"certificates of {len(batch)} signatures from {batch[0]}",
                        timeout=JOB_TIMEOUT * 2,
                        result_ttl=0,
                        failure_ttl=FAILURE_TTL,
                        retry=rq.Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                    )
                ],
                pipeline=pipeline,
            )
            pipeline.hset(BATCHED, mapping=dict.fromkeys(batch, job_id))
        pipeline.execute()
    return Reconciled(len(ids), enqueued=len(asked), waiting=len(waiting), failed=0)


def _waiting(queue: rq.Queue, ids: list[int]) -> set[int]:
    """The signatures among ``ids`` whose own job or whose batch will still run."""
    connection = queue.connection
    batch_ids = connection.hmget(BATCHED, ids)
    own = Job.fetch_many([certificate_job_id(i) for i in ids], connection=connection)
    batch_jobs = {job_id.decode() for job_id in batch_ids if job_id is not None}
    found = Job.fetch_many(sorted(batch_jobs), connection=connection)
    running = {job.id for job in found if job is not None and will_run(job, queue)}
    now = datetime.now(UTC)
    return {
        signature_id
        for signature_id, batch_id, job in zip(ids, batch_ids, own, strict=True)
        if (batch_id is not None and batch_id.decode() in running)
        or (job is not None and will_run(job, queue, now))
    }


def will_run(job: Job, queue: rq.Queue, now: datetime | None = None) -> bool:
    """Whether an existing job will still issue its certificate without being asked again."""
    now = now or datetime.now(UTC)
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED:
        return not is_abandoned(job, queue, now)
    if status == JobStatus.SCHEDULED:
        registry = ScheduledJobRegistry(queue=queue)
        try:
            due = registry.get_scheduled_time(job)
        except NoSuchJobError:  # not (or no longer) in the registry: nobody will run it
            return False
        return now - due < OVERDUE_AFTER
    return status in WAITING


def is_abandoned(job: Job, queue: rq.Queue, now: datetime | None = None) -> bool:
    """A started job whose worker is gone or has not heartbeaten for ``ABANDONED_AFTER``.

    A job a forking worker has just taken names its worker only once its work horse starts:
    until then it is not called abandoned (RQ's own cleanup retries it if it never starts).
    """
    if job.worker_name is None:
        return False
    now = now or datetime.now(UTC)
    for worker in rq.Worker.all(queue=queue):
        if worker.name == job.worker_name:
            return worker.last_heartbeat is None or now - worker.last_heartbeat > ABANDONED_AFTER
    return True


# -- in this process ---------------------------------------------------------------------

_thread_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None
_pending: dict[str, Future] = {}


def _executor_for_this_process() -> ThreadPoolExecutor:
    """One worker thread per process; a forked process (a gunicorn worker) starts its own."""
    global _executor, _executor_pid
    if _executor is None or _executor_pid != os.getpid():
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pakta-jobs")
        _executor_pid = os.getpid()
        _pending.clear()
    return _executor


def _submit_thread(app: Flask, signature_id: int, job_id: str) -> Enqueued:
    with _thread_lock:
        future = _pending.get(job_id)
        if future is not None and not future.done():
            return Enqueued(job_id, "thread", new=False, future=future)
        make_session = certificate_jobs.own_sessions(app)
        future = _executor_for_this_process().submit(_run_logged, app, signature_id, make_session)
        _pending[job_id] = future
    # Outside the lock: the callback runs at once, here, when the job is already done.
    future.add_done_callback(lambda finished: _forget(job_id, finished))
    return Enqueued(job_id, "thread", new=True, future=future)


def _submit_batch_thread(app: Flask, batch: list[int]) -> None:
    job_id = batch_job_id(batch)
    make_session = certificate_jobs.own_sessions(app)
    with _thread_lock:
        future = _executor_for_this_process().submit(_run_batch_logged, app, batch, make_session)
        _pending[job_id] = future
    future.add_done_callback(lambda finished: _forget(job_id, finished))


def _forget(job_id: str, future: Future) -> None:
    with _thread_lock:
        if _pending.get(job_id) is future:
            del _pending[job_id]


def wait_for_pending(timeout: float | None = None) -> bool:
    """Wait for the in-process jobs asked for so far; True when all have finished."""
    with _thread_lock:
        futures = list(_pending.values())
    _done, not_done = wait(futures, timeout=timeout)
    return not not_done


def _run_batch_logged(app: Flask, signature_ids: list[int], make_session) -> list[int]:
    """Run a batch here; returns the signature ids that failed, logged instead of raised."""
    try:
        return certificate_jobs.issue_certificates(app, signature_ids, make_session).failed
    except Exception:
        log.exception("the certificates of %s signatures could not be issued", len(signature_ids))
        return signature_ids


def _run_logged(app: Flask, signature_id: int, make_session) -> bool:
    """Run the job; log instead of raising (nobody is waiting for the exception)."""
    try:
        return certificate_jobs.issue_certificate(app, signature_id, make_session)
    except Exception:
        log.exception("the certificate of signature %s could not be issued", signature_id)
        return False
