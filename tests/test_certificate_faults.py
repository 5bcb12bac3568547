"""Every signature gets exactly one certificate through a killed worker and a database outage.

Real processes on private servers (tests/servers.py, never the shared ones): a PostgreSQL
cluster, a redis-server and `pakta worker` processes. While a burst of signatures is signed
and queued, the worker that started first (the one running RQ's scheduler) is killed with
SIGKILL while busy, together with its work horse and scheduler, and a replacement starts as
a supervisor would start it; right after the burst the database is stopped for 3 s, failing
the jobs that run then. Then the surviving workers, their retries and the reconciler
(run here every second, as `pakta worker` runs it every minute) finish the work.

The reconciler runs here with shorter thresholds than in production (a job's worker silent
for 8 s instead of 30 s, a retry overdue by 5 s instead of 60 s, signatures older than 2 s
instead of a minute) so that the test takes under a minute; the workers keep theirs.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import rq
from sqlalchemy import func, select

from pakta import create_app, job_recovery, jobs, migrate
from pakta.db import database, get_session, make_engine
from pakta.models import (
    Employee,
    EmploymentType,
    IssuedCertificate,
    Signature,
    SignatureMethod,
    Unit,
)
from pakta.services import signing
from tests import servers
from tests.conftest import make_campaign
from tests.test_jobs import SEAL_PASSWORD, seal_pkcs12, signature_png

pytestmark = pytest.mark.postgresql

SIGNATURES = 60
SECRET = "fault-test-secret-key-that-is-long-enough-0123456789"
DEADLINE = 45  # seconds, from the end of the outage, for the last certificate


@pytest.fixture
def private_servers():
    servers.skip_unless_runnable("the PostgreSQL fault test")
    folder = Path(tempfile.mkdtemp(prefix="pakta-faults-"))
    folder.chmod(0o755)  # PostgreSQL's user must reach its own folder inside
    postgres = servers.PrivatePostgres(folder)
    postgres.start()
    queue_server = servers.PrivateRedis(folder)
    try:
        yield folder, postgres, queue_server
    finally:
        for log in sorted(folder.glob("worker-*.log")):
            print(f"--- {log.name} (last lines)", *log.read_text().splitlines()[-15:], sep="\n")
        queue_server.stop()
        postgres.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def _create_database(postgres: servers.PrivatePostgres) -> str:
    engine = make_engine(postgres.url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("CREATE DATABASE pakta")
    engine.dispose()
    url = postgres.database_url("pakta")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def _site(folder: Path, url: str, redis_url: str):
    """The app, its keys, a unit, a campaign and SIGNATURES employees; and the environment
    a `pakta worker` of the same site runs in."""
    from pakta.keys import certificate, seal

    instance = folder / "instance"
    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": instance,
            "REDIS_URL": redis_url,
        }
    )
    with app.app_context():
        session = get_session()
        key = certificate.init(session, str(instance), None)
        seal.init_self_signed(str(instance), "Pemerintah Kota Contoh")
        unit = Unit(code="DINKES", name="Dinas Kesehatan")
        session.add(unit)
        campaign = make_campaign(session)
        session.add_all(
            Employee(
                identity_number=f"19860926201505{n:04d}",
                name=f"Pegawai {n}",
                position="Analis Kebijakan",
                employment_type=EmploymentType.PNS,
                unit=unit,
            )
            for n in range(SIGNATURES)
        )
        session.commit()
        campaign_id = campaign.id
        signing_key = certificate.private_key_path(str(instance), key.kid).read_text()
    seal_pkcs12(instance, folder / "seal.p12")
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("PAKTA_")},
        "PAKTA_ENV": "testing",
        "PAKTA_DATABASE_URL": url,
        "PAKTA_SECRET_KEY": SECRET,
        "PAKTA_REDIS_URL": redis_url,
        "PAKTA_SIGNING_KEY": signing_key,
        "PAKTA_SEAL_PKCS12": str(folder / "seal.p12"),
        "PAKTA_SEAL_PKCS12_PASSWORD": SEAL_PASSWORD,
    }
    return app, campaign_id, environment


def _rq_worker(connection: redis.Redis, pid: int, timeout: float = 30) -> rq.Worker:
    """The registered RQ worker of process ``pid``, once it has warmed up and registered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in rq.Worker.all(connection=connection):
            if worker.pid == pid:
                return worker
        time.sleep(0.1)
    raise AssertionError(f"pakta worker {pid} did not register within {timeout} s")


def _wait_until_busy(worker: rq.Worker, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.refresh()
        if worker.get_state() == "busy":
            return True
        time.sleep(0.01)
    return False


def _kill_all(pid: int) -> None:
    """SIGKILL a worker and every process it started, as when its machine dies: RQ's work
    horse runs in a process group of its own, and would otherwise finish its job."""
    children = []
    for tasks in Path(f"/proc/{pid}/task").glob("*/children"):
        children += [int(child) for child in tasks.read_text().split()]
    for victim in [pid, *children]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)


def _sign(app, campaign_id: int, employee_ids: list[int]) -> None:
    from pakta.models import Campaign

    for employee_id in employee_ids:
        with app.app_context():
            session = get_session()
            signature = signing.record_signature(
                session,
                campaign=session.get(Campaign, campaign_id),
                employee=session.get(Employee, employee_id),
                method=SignatureMethod.PERSONAL_LINK,
                evidence=signing.Evidence(
                    signature_png=signature_png(), acknowledged_points=[1, 2, 3, 4]
                ),
            )
            session.commit()
            signature_id = signature.id
        jobs.enqueue_certificate(app, signature_id)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def _issued(app) -> dict[int, int]:
    """Certificates stored per signature."""
    with app.app_context():
        rows = get_session().execute(
            select(IssuedCertificate.signature_id, func.count()).group_by(
                IssuedCertificate.signature_id
            )
        )
        return dict(rows.all())


def test_every_signature_gets_exactly_one_certificate_through_a_killed_worker_and_an_outage(
    private_servers, monkeypatch, caplog
):
    folder, postgres, queue_server = private_servers
    started = time.monotonic()
    app, campaign_id, environment = _site(folder, _create_database(postgres), queue_server.url)
    connection = redis.Redis.from_url(queue_server.url)
    with app.app_context():
        employee_ids = list(get_session().scalars(select(Employee.id).order_by(Employee.id)))
    processes = [servers.pakta_worker(folder, environment, "worker-1")]
    try:
        first = _rq_worker(connection, processes[0].pid)  # it holds the scheduler's lock
        processes.append(servers.pakta_worker(folder, environment, "worker-2"))
        _rq_worker(connection, processes[1].pid)

        third = SIGNATURES // 3
        _sign(app, campaign_id, employee_ids[:third])
        killed_while_busy = _wait_until_busy(first, timeout=10)
        killed_job = first.get_current_job_id()
        _kill_all(processes[0].pid)
        processes[0].wait(5)
        processes.append(servers.pakta_worker(folder, environment, "worker-3"))
        _sign(app, campaign_id, employee_ids[third:])

        down_at = time.monotonic()
        postgres.stop()
        time.sleep(3)
        postgres.start()
        outage_ended = time.monotonic()

        monkeypatch.setattr(jobs, "ABANDONED_AFTER", timedelta(seconds=8))
        monkeypatch.setattr(jobs, "OVERDUE_AFTER", timedelta(seconds=5))
        asked_again = replaced = rounds = 0
        issued = _issued(app)
        while len(issued) < SIGNATURES and time.monotonic() - outage_ended < DEADLINE:
            time.sleep(1)
            rounds += 1
            replaced += job_recovery.requeue_abandoned(app)
            with database(app).sessionmaker() as session:
                reconciled = job_recovery.reconcile_certificates(
                    app, session, grace=timedelta(seconds=2)
                )
            asked_again += reconciled.enqueued
            issued = _issued(app)
        finished = time.monotonic()
    finally:
        for process in processes:
            _stop(process)
        connection.close()

    with app.app_context():
        session = get_session()
        signature_ids = set(session.scalars(select(Signature.id)))
        certificate_count = session.scalar(select(func.count()).select_from(IssuedCertificate))
        slowest = session.scalar(
            select(func.max(IssuedCertificate.created_at - Signature.signed_at)).join(
                Signature, Signature.id == IssuedCertificate.signature_id
            )
        )
    database(app).engine.dispose()
    print(
        f"\nfault test: {len(signature_ids)} signatures, {certificate_count} certificates "
        f"({SIGNATURES - len(issued)} missing, "
        f"{sum(count > 1 for count in issued.values())} with more than one); "
        f"worker SIGKILLed while busy with {killed_job}: {killed_while_busy}; database down "
        f"{outage_ended - down_at:.1f} s; abandoned jobs replaced: {replaced}; reconciler "
        f"asked again for {asked_again} in {rounds} rounds; last certificate "
        f"{finished - outage_ended:.1f} s after the outage ended, slowest "
        f"{slowest.total_seconds():.1f} s after its signing; {finished - started:.1f} s in all"
    )
    stuck = Counter(record.args[1] for record in caplog.records if record.msg == jobs.STUCK_MESSAGE)
    print(f"stuck jobs replaced, by the state they were stuck in: {dict(stuck)}")
    assert len(signature_ids) == SIGNATURES
    assert set(issued) == signature_ids
    assert all(count == 1 for count in issued.values())
    assert certificate_count == SIGNATURES
