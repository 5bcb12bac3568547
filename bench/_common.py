"""What the benchmarks share: the repository on ``sys.path``, a migrated app on a fresh database,
a temporary PostgreSQL database, the --postgresql-url option, a private redis-server, stopping
the processes a bench started, and timing by medians.

Imported first by each ``bench/*.py`` script (``python bench/x.py`` puts this folder on the
path), so that the ``pakta`` imports after it find the package.
"""

import argparse
import contextlib
import html
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402
from sqlalchemy import create_engine, make_url, text  # noqa: E402

from pakta import create_app, migrate  # noqa: E402
from pakta.db import make_engine  # noqa: E402

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_SECRET = "bench-secret-key-that-is-long-enough-0123456789"
HOST = "127.0.0.1"


def add_postgresql_url(parser: argparse.ArgumentParser, help: str) -> None:
    """--postgresql-url, by default PAKTA_TEST_DATABASE_URL, else the local test server."""
    parser.add_argument(
        "--postgresql-url",
        default=os.environ.get("PAKTA_TEST_DATABASE_URL", DEFAULT_SERVER),
        help=help,
    )


@contextlib.contextmanager
def temporary_postgresql(server_url: str, prefix: str) -> Iterator[str]:
    """Creates an empty database named ``<prefix>_<random>`` on the server and yields its URL;
    drops it afterwards. Raises ``OperationalError`` when the server does not answer."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except BaseException:
        admin.dispose()
        raise
    try:
        yield make_url(server_url).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrated_app(database_url: str | None, directory: str, **overrides):
    """The app on ``database_url`` (an empty database), or on a SQLite file in ``directory``
    when it is None, with the migrations applied; ``directory`` is its instance folder.
    ``overrides`` change its configuration (ENV, REDIS_URL, ...)."""
    url = database_url or f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": url,
            "SECRET_KEY": BENCH_SECRET,
            "INSTANCE_PATH": directory,
            **overrides,
        }
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL to its process group (it was started in a session of its own)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def start_processes(
    command: list[str], count: int, env: dict, log: Path, cwd: Path = ROOT
) -> list[subprocess.Popen]:
    """``count`` processes of ``command``, each in a session of its own (so that
    ``stop_process`` reaches what they fork), their output appended to ``log``."""
    with log.open("ab") as output:
        return [
            subprocess.Popen(  # noqa: S603 - the benches' own commands
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )
            for _ in range(count)
        ]


def start_redis(directory: str) -> tuple[subprocess.Popen, str]:
    """A private Redis on a free port of the loopback (nothing saved, files in ``directory``),
    started in a session of its own; returns the process and its URL. Stop it with
    ``stop_process``."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            HOST,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            directory,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), 1) as probe:
            probe.sendall(b"PING\r\n")
            if probe.recv(16).startswith(b"+PONG"):
                return process, f"redis://{HOST}:{port}/0"
        if process.poll() is not None:
            break
        time.sleep(0.1)
    stop_process(process)
    raise RuntimeError("redis-server did not start")


def timed_ms(
    actions: dict[str, Callable[[int], object]], runs: int, warmup: int
) -> dict[str, list[float]]:
    """Run each action untimed for n = 0 .. warmup - 1, then time it for the next ``runs`` n.

    The actions take turns, run by run, so that a busy machine slows them alike and the ratio
    of their medians holds.
    """
    for n in range(warmup):
        for action in actions.values():
            action(n)
    timings: dict[str, list[float]] = {name: [] for name in actions}
    for n in range(warmup, warmup + runs):
        for name, action in actions.items():
            started = time.perf_counter()
            action(n)
            timings[name].append((time.perf_counter() - started) * 1000)
    return timings


def median_ms(action: Callable[[], object], runs: int) -> float:
    """The median of ``runs`` timings of ``action`` after one untimed run (warm caches)."""
    return statistics.median(timed_ms({"action": lambda _n: action()}, runs, warmup=1)["action"])


# -- servers and a browser-like client (bench/rollups.py) ---------------------------------


def log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def private_redis(directory: str) -> Iterator[str]:
    """``start_redis`` for the length of a ``with`` block; yields its URL."""
    process, url = start_redis(directory)
    try:
        yield url
    finally:
        stop_process(process)


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict, log: Path, workers: int = 2) -> Iterator[int]:
    """``gunicorn app_spec`` from the repository root on a free port, sync workers as
    production runs; yields the port once ``GET /masuk`` (every app here has a login page)
    answers 200, and stops gunicorn afterwards."""
    port = free_port()
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--chdir", str(ROOT)]
    command += ["--bind", f"{HOST}:{port}", "--workers", str(workers), "--timeout", "60"]
    command += ["--graceful-timeout", "5", "--log-level", "warning", "--error-logfile", str(log)]
    command.append(app_spec)
    with log.open("ab") as output:  # what gunicorn says before its error log is open
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_tail(log)}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection(HOST, port, timeout=5)
                connection.request("GET", "/masuk")
                answered = connection.getresponse().status
                connection.close()
                if answered == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer:\n{log_tail(log)}")
            time.sleep(0.2)
        yield port
    finally:
        stop_process(process)


def hidden_value(page: str, name: str) -> str | None:
    """The value of the hidden input ``name`` in an HTML page."""
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    if found is None:
        found = re.search(rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', page)
    return html.unescape(found.group(1)) if found else None


class Browser:
    """One keep-alive connection and a cookie jar: a logged-in admin's browser."""

    user_agent = "pakta-bench"

    def __init__(self, port: int, timeout: float = 60):
        self.connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}  # sent with every request (Referer, X-Forwarded-For)

    def exchange(self, method: str, path: str, body: str | None = None):
        """One request with the jar's cookies (a form ``body`` is url-encoded already); the
        response and its body. Cookies it sets go into the jar."""
        headers = {"User-Agent": self.user_agent, "Accept-Language": "id", **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except Exception:
            self.connection.close()
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response, data

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(form) if form is not None else None
        response, data = self.exchange(method, path, body)
        return response.status, data

    def get_ok(self, path: str) -> bytes:
        status, data = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        return data

    def post_form(self, path: str, fields: dict):
        """The form first (for its CSRF token), then the POST; the response."""
        page = self.get_ok(path).decode()
        token = hidden_value(page, "csrf_token")
        if token:
            fields = {**fields, "csrf_token": token}
        response, _data = self.exchange("POST", path, urllib.parse.urlencode(fields))
        return response

    def log_in(
        self, email: str, password: str, path: str = "/masuk", totp_secret: str | None = None
    ) -> None:
        """As a person would: the login form, then the code form when the app asks for one
        (an admin's two-step login, answered from ``totp_secret``), each ending in a 302."""
        response = self.post_form(path, {"email": email, "password": password})
        asks_code = response.getheader("Location", "").endswith("/masuk/kode")
        if response.status == 302 and asks_code and totp_secret:
            response = self.post_form("/masuk/kode", {"code": pyotp.TOTP(totp_secret).now()})
        if response.status != 302:
            raise RuntimeError(f"logging in at {path} answered {response.status}, not 302")

    def close(self) -> None:
        self.connection.close()
