"""Background certificate jobs (pakta.jobs) against a committed site of their own.

The suite's usual database lives in a transaction that is rolled back, which no thread or
process with its own connection can see. So these tests build a small committed SQLite site
in a temporary folder (migrated, with keys, a campaign and signatures) and run the jobs
against it: in this process's worker thread, and through RQ on the real Redis at
127.0.0.1:6379 (database 15, or PAKTA_TEST_REDIS_URL), skipped when no Redis answers there.
"""

import gc
import io
import logging
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import rq
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from PIL import Image, ImageDraw
from redis.exceptions import RedisError
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from pakta import create_app, job_recovery, jobs, migrate
from pakta.db import database, get_session, make_engine
from pakta.models import Employee, EmploymentType, IssuedCertificate, SignatureMethod, Unit
from pakta.services import links, signing
from pakta.services.certificates import issuing
from pakta.services.certificates import jobs as certificate_jobs
from pakta.services.certificates.reconcile import Reconciled
from tests.conftest import make_campaign

SECRET = "jobs-test-secret-key-that-is-long-enough-0123456789"
SEAL_PASSWORD = "seal-password"
REDIS_URL = os.environ.get("PAKTA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parent.parent


def signature_png() -> bytes:
    image = Image.new("LA", (600, 200), (0, 0))
    ImageDraw.Draw(image).line([(40, 150), (200, 40), (360, 160)], fill=(0, 255), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Site:
    """A committed database, its instance folder and the configuration to build its app."""

    config: dict
    environment: dict  # the same site as PAKTA_* variables, for an app made from them
    campaign_id: int
    unit_id: int
    apps: list = field(default_factory=list)

    def app(self, **overrides):
        made = create_app({**self.config, **overrides})
        self.apps.append(made)
        return made

    def main(self):
        """One app of the site for the tests' own reads and writes."""
        if not self.apps:
            self.app()
        return self.apps[0]

    def new_signature(self, nip: str) -> tuple[int, str]:
        """A committed signature of a new employee; returns its id and personal link token."""
        from pakta.models import Campaign

        with self.main().app_context():
            session = get_session()
            campaign = session.get(Campaign, self.campaign_id)
            employee = Employee(
                identity_number=nip,
                name=f"Pegawai {nip[-4:]}",
                position="Analis Kebijakan",
                employment_type=EmploymentType.PNS,
                unit_id=self.unit_id,
            )
            session.add(employee)
            session.flush()
            signature = signing.record_signature(
                session,
                campaign=campaign,
                employee=employee,
                method=SignatureMethod.PERSONAL_LINK,
                evidence=signing.Evidence(
                    signature_png=signature_png(), acknowledged_points=[1, 2, 3, 4]
                ),
            )
            rows = links.export_rows(session, campaign, {self.unit_id}, None)
            session.commit()
            token = next(row.token for row in rows if row.identity_number == nip)
            return signature.id, token

    def certificate_of(self, signature_id: int) -> IssuedCertificate | None:
        with self.main().app_context():
            return get_session().scalar(
                select(IssuedCertificate).where(IssuedCertificate.signature_id == signature_id)
            )


def seal_pkcs12(instance: Path, out: Path) -> None:
    from pakta.keys import seal

    key_path, cert_path = seal.seal_paths(str(instance))
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    out.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal",
            key,
            certificate,
            None,
            serialization.BestAvailableEncryption(SEAL_PASSWORD.encode()),
        )
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from pakta.keys import certificate, seal

    folder = tmp_path_factory.mktemp("jobs-site")
    url = f"sqlite:///{folder / 'site.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    instance = folder / "instance"
    config = {
        "ENV": "testing",
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "INSTANCE_PATH": instance,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }
    built = Site(config=config, environment={}, campaign_id=0, unit_id=0)
    with built.main().app_context():
        session = get_session()
        key = certificate.init(session, str(instance), None)
        seal.init_self_signed(str(instance), "Pemerintah Kota Contoh")
        unit = Unit(code="DINKES", name="Dinas Kesehatan")
        session.add(unit)
        campaign = make_campaign(
            session,
        )
        session.commit()
        built.campaign_id, built.unit_id = campaign.id, unit.id
        signing_key_pem = certificate.private_key_path(str(instance), key.kid).read_text()
    # A worker elsewhere has no instance folder: the key and the seal come in the environment.
    seal_pkcs12(instance, folder / "seal.p12")
    built.environment = {
        "PAKTA_ENV": "testing",
        "PAKTA_DATABASE_URL": url,
        "PAKTA_SECRET_KEY": SECRET,
        "PAKTA_SIGNING_KEY": signing_key_pem,
        "PAKTA_SEAL_PKCS12": str(folder / "seal.p12"),
        "PAKTA_SEAL_PKCS12_PASSWORD": SEAL_PASSWORD,
    }
    yield built
    for made in built.apps:
        database(made).engine.dispose()


_nip = iter(range(1000, 9999))


def nip() -> str:
    return f"19860926201505{next(_nip):04d}"


# -- in this process ---------------------------------------------------------------------


def test_the_in_process_worker_issues_the_certificate_in_a_thread_with_its_own_session(site):
    signature_id, _token = site.new_signature(nip())
    app = site.app()
    queued = jobs.enqueue_certificate(app, signature_id)
    assert queued.runner == "thread" and queued.job_id == f"cert-{signature_id}"
    assert queued.future.result(timeout=120) is True
    stored = site.certificate_of(signature_id)
    assert stored is not None and stored.pdf.startswith(b"%PDF")


def test_asking_twice_while_the_in_process_job_waits_adds_no_second_job(site, monkeypatch):
    signature_id, _token = site.new_signature(nip())
    app = site.app()
    calls = []
    real = certificate_jobs.issue_certificate
    monkeypatch.setattr(
        certificate_jobs,
        "issue_certificate",
        lambda *args, **kwargs: calls.append(args[1]) or real(*args, **kwargs),
    )
    gate = threading.Event()
    jobs._executor_for_this_process().submit(gate.wait, 60)  # keeps the one thread busy
    first = jobs.enqueue_certificate(app, signature_id)
    second = jobs.enqueue_certificate(app, signature_id)
    assert first.new and not second.new and second.future is first.future
    gate.set()
    assert jobs.wait_for_pending(timeout=120)
    assert calls == [signature_id]
    assert site.certificate_of(signature_id) is not None


def test_on_the_embedded_default_the_done_page_renders_in_the_background_until_ready(site):
    signature_id, token = site.new_signature(nip())
    app = site.app()
    client = app.test_client()
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    assert "data-certificate-progress" in page.text
    assert jobs.wait_for_pending(timeout=120)
    status = client.get(f"/s/{token}/sertifikat/status").get_json()
    assert status == {"ready": True, "url": f"/s/{token}/sertifikat.pdf"}
    stored = site.certificate_of(signature_id)
    download = client.get(status["url"])
    assert download.data == stored.pdf  # the file the job stored, not a second rendering
    assert "data-certificate-progress" not in client.get(f"/s/{token}").text


def test_a_job_that_fails_is_logged_and_never_raised(site, monkeypatch, caplog):
    signature_id, _token = site.new_signature(nip())

    def broken(*_args, **_kwargs):
        raise RuntimeError("the renderer fell over")

    monkeypatch.setattr(certificate_jobs, "issue_certificate", broken)
    with caplog.at_level(logging.ERROR, logger="pakta.jobs"):
        eager = jobs.enqueue_certificate(site.app(JOBS_EAGER=True), signature_id)
        threaded = jobs.enqueue_certificate(site.app(), signature_id)
        assert threaded.future.result(timeout=60) is False
    assert eager.runner == "eager" and eager.done is False
    failures = [record for record in caplog.records if record.exc_info]
    assert [str(record.exc_info[1]) for record in failures] == ["the renderer fell over"] * 2
    assert site.certificate_of(signature_id) is None


def test_a_signature_that_is_not_there_is_reported_and_nothing_is_issued(site, caplog):
    with caplog.at_level(logging.WARNING, logger="pakta.services.certificates.jobs"):
        queued = jobs.enqueue_certificate(site.app(JOBS_EAGER=True), 987654)
    assert queued.done is False
    assert "there is no signature 987654" in caplog.text


def test_when_redis_cannot_be_reached_the_certificate_is_made_in_this_process(site):
    signature_id, _token = site.new_signature(nip())
    queued = jobs.enqueue_certificate(site.app(REDIS_URL="redis://127.0.0.1:1/0"), signature_id)
    assert queued.runner == "thread"
    assert queued.future.result(timeout=120) is True
    assert site.certificate_of(signature_id) is not None


def test_a_job_that_finds_the_database_down_fails_with_one_line_not_the_drivers_chain(site):
    app = site.app(DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/pakta")
    with app.app_context(), pytest.raises(jobs.DatabaseUnavailable) as raised:
        jobs.run_certificate_job(1)
    assert raised.value.__suppress_context__ and raised.value.__cause__ is None
    assert str(raised.value).startswith("OperationalError: ")
    database(app).engine.dispose()


def test_redis_out_of_reach_is_one_log_line_per_request_not_a_traceback(site, caplog):
    signature_id, _token = site.new_signature(nip())
    with caplog.at_level(logging.WARNING, logger="pakta.jobs"):
        queued = jobs.enqueue_certificate(site.app(REDIS_URL="redis://127.0.0.1:1/0"), signature_id)
    queued.future.result(timeout=120)
    [record] = [r for r in caplog.records if r.name == "pakta.jobs"]
    assert record.exc_info is None
    assert f"cert-{signature_id} runs in this process" in record.getMessage()
    assert "ConnectionError" in record.getMessage()


def test_when_redis_cannot_be_reached_batches_are_issued_in_this_process(site):
    ids = [site.new_signature(nip())[0] for _ in range(2)]
    asked = jobs.enqueue_certificates(site.app(REDIS_URL="redis://127.0.0.1:1/0"), ids)
    assert asked == Reconciled(missing=2, enqueued=2, waiting=0, failed=0)
    assert jobs.wait_for_pending(timeout=120)
    assert all(site.certificate_of(signature_id) is not None for signature_id in ids)


def test_pakta_worker_says_plainly_that_it_needs_redis(site):
    result = site.app(REDIS_URL=None).test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "PAKTA_REDIS_URL" in result.output


# -- RQ on Redis -------------------------------------------------------------------------


def _clear_rq(connection: redis.Redis) -> None:
    for key in connection.scan_iter("rq:*"):
        connection.delete(key)
    connection.delete(jobs.BATCHED)


@pytest.fixture
def rq_redis():
    """The test Redis database, cleared of RQ's keys, held by one test run at a time."""
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL} ({error}): the RQ path is not tested")
    with connection.lock("pakta-tests:rq", timeout=600, blocking_timeout=600):
        _clear_rq(connection)
        try:
            yield connection
        finally:
            _clear_rq(connection)
    connection.close()


def test_enqueueing_puts_one_job_named_after_the_signature_on_the_certificates_queue(
    site, rq_redis
):
    signature_id, _token = site.new_signature(nip())
    app = site.app(REDIS_URL=REDIS_URL)
    first = jobs.enqueue_certificate(app, signature_id)
    second = jobs.enqueue_certificate(app, signature_id)
    assert (first.runner, first.new) == ("rq", True)
    assert (second.runner, second.new) == ("rq", False)
    queue = rq.Queue("certificates", connection=rq_redis)
    assert queue.job_ids == [f"cert-{signature_id}"]
    job = queue.fetch_job(f"cert-{signature_id}")
    assert job.func_name == "pakta.jobs.run_certificate_job"
    assert job.args == (signature_id,)
    assert site.certificate_of(signature_id) is None  # nothing rendered by the request


def test_asking_for_a_new_certificate_reads_no_job_first(site, rq_redis, monkeypatch):
    """The done page right after signing asks once: one enqueue, no look-up before it."""
    signature_id, _token = site.new_signature(nip())
    app = site.app(REDIS_URL=REDIS_URL)

    def no_reading(*_args, **_kwargs):
        raise AssertionError("a new job was looked up before it was enqueued")

    monkeypatch.setattr(Job, "fetch", no_reading)
    assert jobs.enqueue_certificate(app, signature_id).new
    assert rq.Queue("certificates", connection=rq_redis).job_ids == [f"cert-{signature_id}"]


def test_an_rq_worker_issues_the_certificate_in_an_app_made_from_its_environment(
    site, rq_redis, monkeypatch
):
    signature_id, _token = site.new_signature(nip())
    jobs.enqueue_certificate(site.app(REDIS_URL=REDIS_URL), signature_id)
    for name, value in site.environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(jobs, "_environment_app", None)
    worker = rq.SimpleWorker(["certificates"], connection=rq_redis)
    try:
        assert worker.work(burst=True)
    finally:
        if jobs._environment_app is not None:
            database(jobs._environment_app).engine.dispose()
    stored = site.certificate_of(signature_id)
    assert stored is not None and stored.pdf.startswith(b"%PDF")
    assert not Job.exists(f"cert-{signature_id}", connection=rq_redis)  # no result kept
    assert rq.Queue("certificates", connection=rq_redis).count == 0


def _fail_once(app, monkeypatch) -> None:
    """Run the queue once with a renderer that falls over."""

    def broken(*_args, **_kwargs):
        raise RuntimeError("the renderer fell over")

    with monkeypatch.context() as patch:
        patch.setattr(certificate_jobs, "issue_certificate", broken)
        with app.app_context():
            jobs.certificate_worker(app, rq.SimpleWorker).work(burst=True)


def test_a_failed_job_is_retried_after_ten_seconds_then_a_minute_then_five_minutes(
    site, rq_redis, monkeypatch
):
    signature_id, _token = site.new_signature(nip())
    app = site.app(REDIS_URL=REDIS_URL)
    jobs.enqueue_certificate(app, signature_id)
    queue = rq.Queue("certificates", connection=rq_redis)
    job = queue.fetch_job(f"cert-{signature_id}")
    assert (job.retries_left, job.retry_intervals) == (3, [10, 60, 300])

    failed_at = datetime.now(UTC)
    _fail_once(app, monkeypatch)
    job = queue.fetch_job(f"cert-{signature_id}")
    assert job.get_status() == "scheduled" and job.retries_left == 2
    due = ScheduledJobRegistry(queue=queue).get_scheduled_time(job)
    assert timedelta(seconds=9) <= due - failed_at <= timedelta(seconds=12)
    assert not jobs.enqueue_certificate(app, signature_id).new  # the retry will run it


def test_a_retry_long_overdue_has_lost_its_scheduler_and_is_replaced(site, rq_redis, monkeypatch):
    signature_id, _token = site.new_signature(nip())
    app = site.app(REDIS_URL=REDIS_URL)
    jobs.enqueue_certificate(app, signature_id)
    _fail_once(app, monkeypatch)
    queue = rq.Queue("certificates", connection=rq_redis)
    job = queue.fetch_job(f"cert-{signature_id}")
    due = ScheduledJobRegistry(queue=queue).get_scheduled_time(job)
    assert jobs.will_run(job, queue, now=due + timedelta(seconds=59))
    assert not jobs.will_run(job, queue, now=due + timedelta(seconds=61))


def test_a_job_that_failed_every_retry_is_replaced_when_the_certificate_is_asked_for_again(
    site, rq_redis, monkeypatch
):
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", [0])  # one retry, at once, in the same run
    signature_id, _token = site.new_signature(nip())
    app = site.app(REDIS_URL=REDIS_URL)
    jobs.enqueue_certificate(app, signature_id)
    _fail_once(app, monkeypatch)
    job = Job.fetch(f"cert-{signature_id}", connection=rq_redis)
    assert job.get_status() == "failed"
    again = jobs.enqueue_certificate(app, signature_id)
    assert again.new
    with app.app_context():
        jobs.certificate_worker(app, rq.SimpleWorker).work(burst=True)
    assert site.certificate_of(signature_id) is not None


# -- batches -------------------------------------------------------------------------------


def _batch_jobs(queue: rq.Queue) -> list[Job]:
    return [queue.fetch_job(job_id) for job_id in queue.job_ids]


def test_many_certificates_are_asked_for_in_batches_and_asking_again_adds_nothing(
    site, rq_redis, monkeypatch
):
    monkeypatch.setattr(jobs, "BATCH_SIZE", 2)
    ids = [site.new_signature(nip())[0] for _ in range(4)]
    app = site.app(REDIS_URL=REDIS_URL)
    jobs.enqueue_certificate(app, ids[0])  # the signing page asked for this one already

    asked = jobs.enqueue_certificates(app, ids)
    assert asked == Reconciled(missing=4, enqueued=3, waiting=1, failed=0)
    queue = rq.Queue("certificates", connection=rq_redis)
    batches = [job for job in _batch_jobs(queue) if job.id.startswith("cert-batch-")]
    assert [job.args for job in batches] == [(ids[1:3],), (ids[3:],)]
    assert batches[0].func_name == "pakta.jobs.run_certificate_batch"
    assert (batches[0].retries_left, batches[0].retry_intervals) == (3, [10, 60, 300])
    again = jobs.enqueue_certificates(app, ids)
    assert again == Reconciled(missing=4, enqueued=0, waiting=4, failed=0)
    assert len(queue.job_ids) == 3
    assert all(site.certificate_of(signature_id) is None for signature_id in ids)


def test_a_worker_issues_each_batch_and_forgets_which_batch_its_signatures_waited_in(
    site, rq_redis
):
    ids = [site.new_signature(nip())[0] for _ in range(3)]
    app = site.app(REDIS_URL=REDIS_URL)
    jobs.enqueue_certificates(app, ids)
    assert len(rq_redis.hgetall(jobs.BATCHED)) == 3
    with app.app_context():
        assert jobs.certificate_worker(app, rq.SimpleWorker).work(burst=True)
    assert all(site.certificate_of(signature_id) is not None for signature_id in ids)
    assert rq_redis.hgetall(jobs.BATCHED) == {}
    assert rq.Queue("certificates", connection=rq_redis).count == 0
    # Done: asking again makes a new batch (the reconciler only asks for missing ones).
    assert jobs.enqueue_certificates(app, ids[:1]).enqueued == 1


def test_a_batch_with_a_failed_certificate_stores_the_others_and_is_retried_later(
    site, rq_redis, monkeypatch
):
    ids = [site.new_signature(nip())[0] for _ in range(3)]
    app = site.app(REDIS_URL=REDIS_URL)
    jobs.enqueue_certificates(app, ids)
    produce = issuing.produce

    def fails_for_the_second(session, signature, *args):
        if signature.id == ids[1]:
            raise RuntimeError("the renderer fell over")
        return produce(session, signature, *args)

    with monkeypatch.context() as patch, app.app_context():
        patch.setattr(issuing, "produce", fails_for_the_second)
        jobs.certificate_worker(app, rq.SimpleWorker).work(burst=True)
    assert [site.certificate_of(i) is not None for i in ids] == [True, False, True]
    queue = rq.Queue("certificates", connection=rq_redis)
    (job,) = ScheduledJobRegistry(queue=queue).get_job_ids()
    assert queue.fetch_job(job).retries_left == 2
    assert jobs.enqueue_certificates(app, [ids[1]]).waiting == 1  # the retry will issue it


def _started_by(worker: rq.Worker, job: Job) -> None:
    """Mark ``job`` as started by ``worker``, as the worker does before running it."""
    worker.prepare_execution(job)  # into the started registry
    worker.prepare_job_execution(job)  # the job's status and worker, the worker's heartbeat


def _queued(site, rq_redis) -> tuple:
    """A new signature's certificate job, queued: the app, the queue and the job."""
    signature_id, _token = site.new_signature(nip())
    app = site.app(REDIS_URL=REDIS_URL)
    jobs.enqueue_certificate(app, signature_id)
    queue = rq.Queue("certificates", connection=rq_redis)
    return app, queue, queue.fetch_job(f"cert-{signature_id}")


def _registered_worker(rq_redis, name: str, worker_class=rq.SimpleWorker) -> rq.Worker:
    worker = worker_class(["certificates"], connection=rq_redis, name=name)
    worker.register_birth()
    return worker


def test_a_started_job_whose_worker_died_is_replaced_and_one_whose_worker_lives_is_not(
    site, rq_redis
):
    app, queue, job = _queued(site, rq_redis)
    worker = _registered_worker(rq_redis, "soon-killed")
    _started_by(worker, job)
    signature_id = job.args[0]

    assert not jobs.enqueue_certificate(app, signature_id).new  # its worker is alive
    worker.register_death()  # what a worker's key expiring looks like to everyone else
    assert jobs.enqueue_certificate(app, signature_id).new
    assert queue.job_ids == [job.id]


def test_recovery_asks_again_for_the_signatures_of_a_batch_abandoned_by_a_dead_worker(
    site, rq_redis
):
    ids = [site.new_signature(nip())[0] for _ in range(2)]
    app = site.app(REDIS_URL=REDIS_URL)
    jobs.enqueue_certificates(app, ids)
    queue = rq.Queue("certificates", connection=rq_redis)
    (abandoned,) = _batch_jobs(queue)
    worker = _registered_worker(rq_redis, "killed-mid-batch")
    _started_by(worker, abandoned)
    assert jobs.enqueue_certificates(app, ids).waiting == 2  # its worker is alive
    worker.register_death()

    assert job_recovery.requeue_abandoned(app) == 1
    (replacement,) = _batch_jobs(queue)
    assert replacement.id != abandoned.id and replacement.args == (ids,)
    assert not Job.exists(abandoned.id, connection=rq_redis)


def test_a_started_job_is_abandoned_when_its_worker_has_been_silent_for_thirty_seconds(
    site, rq_redis
):
    _app, queue, job = _queued(site, rq_redis)
    _started_by(_registered_worker(rq_redis, "went-quiet"), job)
    heartbeat = rq.Worker.all(queue=queue)[0].last_heartbeat
    assert not jobs.is_abandoned(job, queue, now=heartbeat + timedelta(seconds=29))
    assert jobs.is_abandoned(job, queue, now=heartbeat + timedelta(seconds=31))


def test_a_job_whose_work_horse_has_not_started_yet_is_not_called_abandoned(site, rq_redis):
    app, queue, job = _queued(site, rq_redis)
    worker = _registered_worker(rq_redis, "forking", rq.Worker)
    worker.prepare_execution(job)  # taken by the worker; its horse names it when it starts
    worker.register_death()
    assert not jobs.is_abandoned(queue.fetch_job(job.id), queue)
    assert job_recovery.requeue_abandoned(app) == 0


@pytest.fixture
def recovery_lock(rq_redis):
    rq_redis.delete(job_recovery.RECOVERY_LOCK)
    yield job_recovery.RECOVERY_LOCK
    rq_redis.delete(job_recovery.RECOVERY_LOCK)


def test_recovery_requeues_a_job_abandoned_by_a_dead_worker_once_per_interval_across_workers(
    site, rq_redis, recovery_lock
):
    app = site.app(REDIS_URL=REDIS_URL)
    queue = rq.Queue("certificates", connection=rq_redis)
    ids = [site.new_signature(nip())[0] for _ in range(2)]
    worker = _registered_worker(rq_redis, "killed")
    for signature_id in ids:
        jobs.enqueue_certificate(app, signature_id)
        _started_by(worker, queue.fetch_job(f"cert-{signature_id}"))
    worker.register_death()

    assert job_recovery.requeue_abandoned(app) == 2
    assert sorted(queue.job_ids) == sorted(f"cert-{signature_id}" for signature_id in ids)

    _started_by(worker, queue.fetch_job(f"cert-{ids[0]}"))
    rq_redis.set(recovery_lock, "1", ex=60)  # another worker recovered a moment ago
    job_recovery.recover(app)
    assert queue.fetch_job(f"cert-{ids[0]}").get_status() == "started"
    rq_redis.delete(recovery_lock)
    job_recovery.recover(app)
    assert queue.fetch_job(f"cert-{ids[0]}").get_status() == "queued"
    assert rq_redis.ttl(recovery_lock) > 0


def test_recovery_never_stops_the_worker_when_the_database_or_redis_fails(
    site, rq_redis, recovery_lock, monkeypatch, caplog
):
    def broken(*_args, **_kwargs):
        raise ConnectionError("connection refused")

    monkeypatch.setattr(job_recovery, "requeue_abandoned", broken)
    job_recovery.recover(site.app(REDIS_URL=REDIS_URL))
    assert "recovering certificate jobs failed" in caplog.text


def test_the_pakta_worker_recovers_lost_jobs_in_rqs_maintenance_when_it_starts(
    site, rq_redis, monkeypatch
):
    recovered = []
    monkeypatch.setattr(job_recovery, "recover", recovered.append)
    app = site.app(REDIS_URL=REDIS_URL)
    with app.app_context():
        worker = jobs.certificate_worker(app, job_recovery.recovering(rq.SimpleWorker))
        worker.work(burst=True)
    assert recovered == [app]
    assert worker.last_cleaned_at is not None  # RQ's own maintenance ran too


@pytest.mark.parametrize("mode", [[], ["--fork"]], ids=["in-process", "forked"])
def test_the_pakta_worker_command_issues_queued_certificates_in_process_or_forked(
    site, rq_redis, tmp_path, mode
):
    ids = [site.new_signature(nip())[0] for _ in range(2)]
    app = site.app(REDIS_URL=REDIS_URL)
    for signature_id in ids:
        jobs.enqueue_certificate(app, signature_id)
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PAKTA_")},
        **site.environment,
        "PAKTA_REDIS_URL": REDIS_URL,
    }
    finished = subprocess.run(
        [sys.executable, "-c", "from pakta.cli import main; main()", "worker", "--burst", *mode],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    for signature_id in ids:
        assert site.certificate_of(signature_id) is not None, finished.stderr


@pytest.mark.parametrize(
    ("arguments", "forks"), [([], False), (["--no-fork"], False), (["--fork"], True)]
)
def test_pakta_worker_runs_jobs_in_its_own_process_unless_asked_to_fork(
    site, monkeypatch, arguments, forks
):
    calls = []
    monkeypatch.setattr(jobs, "work", lambda app, **options: calls.append(options))
    runner = site.app(REDIS_URL=REDIS_URL).test_cli_runner()
    result = runner.invoke(args=["worker", "--burst", *arguments])
    assert result.exit_code == 0, result.output
    assert calls == [{"fork": forks, "burst": True}]


def test_warming_up_produces_the_newest_certificate_and_stores_nothing(site):
    signature_id, _token = site.new_signature(nip())
    app = site.app()
    assert certificate_jobs.warm_up(app) is True
    assert site.certificate_of(signature_id) is None


def test_a_forking_worker_warms_up_before_its_first_job_and_a_non_forking_one_does_not(
    site, rq_redis, monkeypatch
):
    events = []
    monkeypatch.setattr(certificate_jobs, "warm_up", lambda app: events.append("warm up"))
    for worker_class in (rq.Worker, rq.SimpleWorker):
        monkeypatch.setattr(worker_class, "work", lambda worker, **kw: events.append(type(worker)))
    app = site.app(REDIS_URL=REDIS_URL)
    jobs.work(app, burst=True)
    jobs.work(app, fork=False, burst=True)
    assert events[0] == "warm up" and len(events) == 3
    assert issubclass(events[1], rq.Worker) and not issubclass(events[1], rq.SimpleWorker)
    assert issubclass(events[2], rq.SimpleWorker)


def test_a_worker_freezes_what_start_up_made_out_of_the_collectors_way_before_its_first_job(
    site, rq_redis, monkeypatch
):
    frozen = []

    def work(_worker, **_options):
        frozen.append(gc.get_freeze_count())

    monkeypatch.setattr(rq.SimpleWorker, "work", work)
    gc.unfreeze()
    try:
        jobs.work(site.app(REDIS_URL=REDIS_URL), fork=False, burst=True)
    finally:
        gc.unfreeze()
    assert frozen[0] > 10_000  # the libraries and the app, at least


def test_a_worker_that_cannot_warm_up_says_so_in_the_log_and_still_starts(
    site, monkeypatch, caplog
):
    def broken():
        raise RuntimeError("no seal here")

    monkeypatch.setattr(issuing, "issuer_for_app", broken)
    with caplog.at_level(logging.ERROR, logger="pakta.services.certificates.jobs"):
        assert certificate_jobs.warm_up(site.app()) is False
    assert "warming up failed" in caplog.text
