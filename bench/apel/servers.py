"""The web servers of a run: gunicorn for the real app and for the floor, same settings,
and the RQ workers that render the certificates after the rounds."""

import contextlib
import http.client
import os
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bench._common import HOST, ROOT, log_tail, start_processes, stop_process

START_TIMEOUT = 60.0
APP = "bench.apel.app:create_bench_app()"
FLOOR = "bench.apel.floor:create_floor()"


def app_environment(url: str, secret: str, instance: str, port: int, redis_url: str) -> dict:
    """The PAKTA_* settings of a production node, for every process of the run: rate limits
    on (the app's own), kept in Redis as soon as PAKTA_REDIS_URL is set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAKTA_")}
    env.update(
        PAKTA_ENV="production",
        PAKTA_DATABASE_URL=url,
        PAKTA_SECRET_KEY=secret,
        PAKTA_BASE_URL=f"http://{HOST}:{port}",
        PAKTA_REDIS_URL=redis_url,
        BENCH_INSTANCE_PATH=instance,
    )
    return env


@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int
    log: Path

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        stop_process(self.process)


def gunicorn(target: str, env: dict, port: int, workers: int, log: Path) -> Gunicorn:
    """``target`` under gunicorn's sync workers on 127.0.0.1:``port``, once it answers."""
    command = [
        *(str(ROOT / ".venv" / "bin" / "gunicorn"), "--chdir", str(ROOT)),
        *("--bind", f"{HOST}:{port}", "--workers", str(workers), "--worker-class", "sync"),
        *("--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"),
        *("--error-logfile", str(log), target),
    ]
    server = Gunicorn(start_processes(command, 1, env, log)[0], port, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            code = server.process.returncode
            raise RuntimeError(f"gunicorn exited with {code}:\n{log_tail(log)}")
        connection = http.client.HTTPConnection(HOST, port, timeout=2)
        with contextlib.suppress(OSError, http.client.HTTPException), closing(connection):
            connection.request("GET", "/healthz")
            ready = connection.getresponse().status == 200
            if ready and len(server.worker_pids()) >= workers:
                return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT:.0f} s")


def rq_workers(count: int, env: dict, log: Path, burst: bool = True) -> list[subprocess.Popen]:
    """``pakta worker`` for the bench's app; with ``--burst``, it stops once the queue is
    empty. Each runs in a session of its own: ``os.killpg`` reaches what it started."""
    command = [sys.executable, "-m", "bench.apel.app", "worker", *(["--burst"] * burst)]
    return start_processes(command, count, env, log)
