"""Private servers for tests that stop and kill them: a PostgreSQL cluster and a redis-server
of their own, on free loopback ports, in a temporary folder. The shared servers of
``PAKTA_TEST_DATABASE_URL`` and ``PAKTA_TEST_REDIS_URL`` are never touched.

PostgreSQL refuses to run as root: as root, its programs run as the ``postgres`` user
(``runuser``), in a folder that user owns.
"""

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HOST = "127.0.0.1"


def postgresql_bin() -> Path | None:
    """The newest installed PostgreSQL's programs folder (Debian's layout), if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def missing_programs() -> str | None:
    """Why private servers cannot be started here, or None when they can."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    if postgresql_bin() is None:
        return "PostgreSQL's initdb is not installed (/usr/lib/postgresql/*/bin)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a postgres user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root without runuser to run PostgreSQL as postgres"
    return None


def skip_unless_runnable(what: str) -> None:
    """Skip the test of ``what`` unless the PostgreSQL tests are run here
    (``PAKTA_TEST_DATABASE_URL``) and private servers can be started."""
    if not os.environ.get("PAKTA_TEST_DATABASE_URL"):
        pytest.skip(f"PAKTA_TEST_DATABASE_URL is not set: {what} is not run")
    reason = missing_programs()
    if reason:
        pytest.skip(f"{reason}: {what} is not run")


def pakta_worker(folder: Path, environment: dict, name: str) -> subprocess.Popen:
    """`pakta worker` in ``folder`` with ``environment``, its output in ``folder/name.log``."""
    with (folder / f"{name}.log").open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-c", "from pakta.cli import main; main()", "worker"],
            cwd=folder,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group: its horse and scheduler die with it
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.5):
        return True
    return False


class PrivateRedis:
    """``redis-server`` on a free port that saves nothing; ``url`` is its database 0."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self.start()

    def start(self) -> None:
        """Start (again, after ``stop``) on the same port: a restart loses every key."""
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [
                *("redis-server", "--port", str(self.port), "--bind", HOST),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while not _answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the private redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(15)


class PrivatePostgres:
    """A fresh PostgreSQL cluster (trust authentication, no durability: it is thrown away)."""

    def __init__(self, folder: Path):
        self.bin = postgresql_bin()
        self.folder = folder / "postgresql"
        self.folder.mkdir()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@{HOST}:{self.port}/postgres"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.bin / program), *arguments]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session at once, as a crash or a failover does to clients."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def database_url(self, name: str) -> str:
        return self.url.rsplit("/", 1)[0] + f"/{name}"
