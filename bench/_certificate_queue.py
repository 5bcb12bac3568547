"""Certificates in bulk through the production path: RQ on Redis, `pakta worker` processes,
PostgreSQL.

``run_bulk`` creates a temporary PostgreSQL database and a private redis-server, loads the
site (``_certificate_site``) topped up to ``count`` signatures, asks for every certificate
with ``pakta.jobs.enqueue_certificate`` (what the signing page does), then starts ``workers``
real ``pakta worker --burst`` processes with a production environment (``PAKTA_ENV=
production``, rate limits on, the signing key and the seal passed in the environment as a
worker on another machine gets them: ``PAKTA_SIGNING_KEY``, ``PAKTA_SEAL_PKCS12``) and times
from their start until every certificate is stored. Everything it started is stopped, and the
database dropped, also after an error.
"""

import dataclasses
import os
import resource
import shlex
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _certificate_site import load_site
from _common import (
    BENCH_SECRET,
    ROOT,
    migrated_app,
    start_processes,
    start_redis,
    stop_process,
)
from _common import temporary_postgresql as temporary_database
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from pakta import jobs
from pakta.db import database, get_session
from pakta.keys import certificate as certificate_keys
from pakta.keys import seal
from pakta.models import IssuedCertificate, Signature

BASE_URL = "https://pakta.sukamaju.go.id"
SEAL_PASSWORD = "bench-seal-password"
POLL_S = 0.1
TIMEOUT_S = 3600


@dataclass(frozen=True)
class BulkRun:
    certificates: int
    workers: int
    seconds: float  # from starting the workers until the last certificate was stored
    enqueue_seconds: float
    worker_cpu_seconds: float  # user + system of the workers and their work horses

    @property
    def per_min(self) -> float:
        return self.certificates / self.seconds * 60


def run_bulk(
    server_url: str,
    count: int,
    workers: int,
    worker_args: str = "",
    log=print,
    one_job_each: bool = False,
) -> BulkRun:
    with (
        tempfile.TemporaryDirectory(prefix="pakta-bench-bulk-") as directory,
        temporary_database(server_url, "pakta_bench_bulk") as url,
    ):
        redis_process, redis_url = start_redis(directory)
        try:
            environment, enqueue_seconds = _prepare(
                url, redis_url, Path(directory), count, one_job_each
            )
            log(f"bulk: {count} certificate jobs queued in {enqueue_seconds:.1f} s")
            run = _work(url, environment, count, workers, worker_args, Path(directory))
            return dataclasses.replace(run, enqueue_seconds=enqueue_seconds)
        finally:
            stop_process(redis_process)


def _prepare(
    url: str, redis_url: str, directory: Path, count: int, one_job_each: bool = False
) -> tuple[dict, float]:
    """The site with ``count`` signatures, their jobs queued (in batches, as the reconciler
    asks for them, or ``one_job_each`` as the signing page does); returns the workers'
    environment."""
    instance = directory / "instance"
    app = migrated_app(url, str(instance), ENV="production", REDIS_URL=redis_url)
    try:
        with app.app_context():
            session = get_session()
            load_site(session, str(instance), count)
            kid = certificate_keys.active(session).kid
            signature_ids = session.scalars(select(Signature.id).order_by(Signature.id)).all()
            session.rollback()
        started = time.perf_counter()
        if one_job_each:
            for signature_id in signature_ids[:count]:
                queued = jobs.enqueue_certificate(app, signature_id)
                if queued is None or queued.runner != "rq":
                    raise RuntimeError(f"signature {signature_id} was not queued: {queued}")
        else:
            asked = jobs.enqueue_certificates(app, signature_ids[:count])
            if asked.enqueued != count:
                raise RuntimeError(f"not every certificate was queued on Redis: {asked}")
        enqueue_seconds = time.perf_counter() - started
    finally:
        database(app).engine.dispose()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PAKTA_")}
    environment.update(
        PAKTA_ENV="production",
        PAKTA_DATABASE_URL=url,
        PAKTA_REDIS_URL=redis_url,
        PAKTA_SECRET_KEY=BENCH_SECRET,
        PAKTA_BASE_URL=BASE_URL,
        PAKTA_SIGNING_KEY=certificate_keys.private_key_path(str(instance), kid).read_text(),
        PAKTA_SEAL_PKCS12=str(_seal_pkcs12(instance, directory / "seal.p12")),
        PAKTA_SEAL_PKCS12_PASSWORD=SEAL_PASSWORD,
    )
    return environment, enqueue_seconds


def _seal_pkcs12(instance: Path, out: Path) -> Path:
    """The instance's seal as the PKCS#12 file a worker on another machine is given."""
    key_path, cert_path = seal.seal_paths(str(instance))
    out.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal",
            serialization.load_pem_private_key(key_path.read_bytes(), None),
            x509.load_pem_x509_certificate(cert_path.read_bytes()),
            None,
            serialization.BestAvailableEncryption(SEAL_PASSWORD.encode()),
        )
    )
    return out


def _work(url, environment, count, workers, worker_args, directory: Path) -> BulkRun:
    command = [str(ROOT / ".venv" / "bin" / "pakta"), "worker", "--burst"]
    command += shlex.split(worker_args)
    counter = create_engine(url, poolclass=NullPool)
    log_path = directory / "workers.log"
    processes: list[subprocess.Popen] = []
    cpu_before = _children_cpu()
    try:
        started = time.perf_counter()
        processes = start_processes(command, workers, environment, log_path, directory)
        stored = 0
        while stored < count:
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError(f"only {stored} of {count} certificates after {TIMEOUT_S} s")
            if all(process.poll() is not None for process in processes):
                stored = _stored(counter)
                if stored < count:
                    raise RuntimeError(
                        f"the workers stopped with {stored} of {count} certificates stored:\n"
                        + _tail(log_path)
                    )
                break
            time.sleep(POLL_S)
            stored = _stored(counter)
        seconds = time.perf_counter() - started
        for process in processes:
            process.wait(60)  # burst workers stop once the queue is empty
        return BulkRun(count, workers, seconds, 0.0, _children_cpu() - cpu_before)
    finally:
        for process in processes:
            stop_process(process)
        counter.dispose()


def _stored(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(IssuedCertificate))


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (and the children they waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
