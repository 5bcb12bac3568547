"""`pakta worker` outlives a Redis restart that happens while it runs a job.

RQ's work loop quits when Redis goes away while a job runs (it cannot record the job's end),
so without care a restart of Redis stopped every busy worker until a supervisor noticed.
A real `pakta worker` process on a private redis-server (tests/servers.py) runs a job that
ends while Redis is down; after Redis is back, the same process must take the next job.
"""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis
import rq

from pakta import migrate
from pakta.db import make_engine
from tests import servers

SECRET = "restart-test-secret-key-that-is-long-enough-0123456789"


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f} s")
        time.sleep(0.05)


@pytest.fixture
def queue_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: the Redis restart test is not run")
    server = servers.PrivateRedis(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def start_worker(queue_server, tmp_path):
    """Starts `pakta worker` on the private Redis and a migrated SQLite site; stopped with
    SIGTERM afterwards."""
    url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("PAKTA_")},
        "PAKTA_ENV": "testing",
        "PAKTA_DATABASE_URL": url,
        "PAKTA_SECRET_KEY": SECRET,
        "PAKTA_REDIS_URL": queue_server.url,
    }
    started = []

    def start() -> subprocess.Popen:
        started.append(servers.pakta_worker(tmp_path, environment, "worker"))
        return started[-1]

    yield start
    for worker in started:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(5)


def _runs_next_job(worker: subprocess.Popen, url: str, log: Path) -> None:
    """Assert that ``worker`` is alive and runs a job enqueued now."""
    connection = redis.Redis.from_url(url)
    try:
        job = rq.Queue("certificates", connection=connection).enqueue(time.sleep, 0)
        _wait_for(
            lambda: job.get_status() == "finished" or worker.poll() is not None,
            60,
            "the job enqueued after Redis came back did not run",
        )
        assert worker.poll() is None, log.read_text()[-3000:]
        assert job.get_status() == "finished"
    finally:
        connection.close()


def test_a_worker_busy_when_redis_restarts_takes_the_next_job_once_redis_is_back(
    queue_server, start_worker, tmp_path
):
    worker = start_worker()
    connection = redis.Redis.from_url(queue_server.url)
    try:
        _wait_for(
            lambda: any(w.pid == worker.pid for w in rq.Worker.all(connection=connection)),
            30,
            "the worker did not register",
        )
        busy = rq.Queue("certificates", connection=connection).enqueue(time.sleep, 1.0)
        _wait_for(lambda: busy.get_status() == "started", 30, "the job did not start")
    finally:
        connection.close()
    queue_server.stop()  # the job ends while Redis is away
    time.sleep(3)
    queue_server.start()
    _runs_next_job(worker, queue_server.url, tmp_path / "worker.log")


def test_a_worker_started_while_redis_is_down_waits_for_it_and_then_works(
    queue_server, start_worker, tmp_path
):
    queue_server.stop()
    worker = start_worker()
    log = tmp_path / "worker.log"
    _wait_for(
        lambda: worker.poll() is not None or "lost Redis" in log.read_text(),
        60,
        "the worker neither stopped nor said that it has no Redis",
    )
    queue_server.start()
    _runs_next_job(worker, queue_server.url, log)
