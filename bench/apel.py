"""Peak load after the apel: signatures per second through the real HTTP flow, on PostgreSQL.

    .venv/bin/python bench/apel.py [--concurrency 50] [--duration 20] [--rounds 4] [--warmup 3]
                                   [--think 0] [--workers 4] [--worker-class sync] [--threads 1]
                                   [--certificates redis|thread] [--rq-workers 0]
                                   [--render-after CORES] [--rq-no-fork]
                                   [--employees 8000] [--profile 40] [--postgresql-url URL]

The defaults model one web node of the production deployment: gunicorn, PostgreSQL and Redis,
with the certificates rendered by RQ workers (``pakta worker``) that may run on other machines.

What it does, in one run:

1. Creates a temporary database on the PostgreSQL server of --postgresql-url (default:
   PAKTA_TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test), migrates it, and
   loads a Pemda with --employees unsigned employees in a few units, one open campaign, a
   personal signing link for everyone (``services.links.export_rows``) and the certificate
   keys (``pakta keys init``). The database is dropped at the end, also after an error.
2. Starts the app under gunicorn (``bench.apel_wsgi:app``: the real app with rate limits off,
   plus a bare ``POST /_bench/insert`` route) on a free port of 127.0.0.1. Certificates are
   issued as the app does it; where they are rendered is printed at the start and end:

   * default, ``--certificates redis --rq-workers 0``: the done page queues a job on a
     private redis-server, and nothing renders on this machine during the rounds (the
     rendering nodes of production are other machines), so the signing figures carry none
     of the rendering. After the last round, --render-after (default: one per core) RQ
     workers render the whole queue here; the time and CPU they take are printed, with the
     rendering cores it takes to keep pace with the signing, and the run checks that every
     signature got its certificate.
   * ``--rq-workers N``: N RQ workers render on this machine DURING the rounds, sharing the
     cores with gunicorn and PostgreSQL (one node doing everything).
   * ``--certificates thread``: the embedded default without Redis, a job thread in each
     gunicorn worker renders DURING the rounds, on the same cores.

   In the last two, each signing round is followed by a wait for its certificates, so that
   their rendering does not slow the baseline's round.
3. Signing: --concurrency virtual signers, each a thread with its own connection and cookie
   jar, loop without think time: take an unused link, GET ``/s/<token>`` (the form, its CSRF
   token and session cookie), POST the form (all points ticked, a drawn 600x200 PNG as a
   data: URL, the submission id the page chose), expect 303, and follow it to the page that
   shows the certificate number (which asks for the certificate in the background).
   --think S puts 0.5 S to 1.5 S seconds (reading, drawing) between the form and the POST (not
   counted in any latency), and staggers the signers' first requests over S seconds.
4. Baseline, same server, database, workers and concurrency: ``POST /_bench/insert`` (one row
   inserted and committed) in a loop. After a warm-up of each, the two take turns for
   --rounds rounds (--duration seconds measured for each in all), so that whatever else runs
   on the machine slows both alike.
5. Checks in the database that every acknowledged signature (every 303, warm-up included) is
   stored exactly once, with the certificate number the signer was shown, and that every
   signature has its certificate (unless --render-after 0 left them queued).
6. With --profile N (default 40; 0 skips), signs N more in this process with Flask's test
   client (no gunicorn, no HTTP, nothing else of the bench running): service time and SQL of
   each of the three requests, the certificate job's time (run in this thread as an RQ
   worker runs it, or in the job thread with --certificates thread), and cProfile's top
   functions.

Targets (issue 6): signatures/s at least 0.25x the bare insert's requests/s, POST p95 under
250 ms at 50 concurrent signers, no errors, acknowledged == stored. The load generator runs
on the same machine as gunicorn and PostgreSQL and takes CPU from them; the CPU each took
(and what other processes on the machine took) is printed for both kinds of load.
The last line printed is one JSON object: ``{"signatures_per_s", "bare_insert_per_s",
"ratio", "p50_ms", "p95_ms", "p99_ms", "errors", "acknowledged", "stored", "capacity_15_min"}``
(p50/p95/p99: the POST of the signature; capacity: signatures_per_s x 900).
"""

import argparse
import contextlib
import cProfile
import html
import http.client
import io
import json
import os
import pstats
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from base64 import b64encode
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import (  # sets sys.path
    HOST,
    ROOT,
    add_postgresql_url,
    free_port,
    start_processes,
    start_redis,
    stop_process,
    temporary_postgresql,
)
from PIL import Image
from sqlalchemy import create_engine, event, func, insert, make_url, select, text
from sqlalchemy.pool import NullPool

from pakta import create_app, migrate
from pakta.config import normalize_database_url
from pakta.db import database, get_session, make_engine
from pakta.keys import certificate as certificate_keys
from pakta.keys import seal
from pakta.models import (
    Employee,
    EmploymentType,
    IssuedCertificate,
    Signature,
    Unit,
)
from pakta.services import campaigns, demo, links

CHUNK = 5_000
UNITS = 6  # the Pemda and five OPDs
USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36 pakta-bench"
)
SERVER_START_TIMEOUT = 60.0
APEL_WINDOW_S = 15 * 60

_HIDDEN = r'<input[^>]*\bname="{name}"[^>]*>'
_VALUE = re.compile(r'\bvalue="([^"]*)"')
_CERTIFICATE = re.compile(r'class="certificate-number">\s*([^<\s]+)\s*<')


def hidden_value(page: str, name: str) -> str | None:
    tag = re.search(_HIDDEN.format(name=re.escape(name)), page)
    if tag is None:
        return None
    value = _VALUE.search(tag.group(0))
    return html.unescape(value.group(1)) if value else None


# -- the data -----------------------------------------------------------------------------


def signature_data_url() -> str:
    """A drawn signature as a phone's canvas.toDataURL("image/png") sends it (RGBA, unoptimised)."""
    with Image.open(io.BytesIO(demo.signature_png(3))) as drawn:
        out = io.BytesIO()
        drawn.convert("RGBA").save(out, "PNG", compress_level=6)
    return "data:image/png;base64," + b64encode(out.getvalue()).decode()


def load(url: str, employees: int, secret: str, instance: str) -> dict[str, int]:
    """Units, unsigned employees, an open campaign and everyone's link; returns token -> id."""
    app = create_app(
        {
            "ENV": "development",
            "DATABASE_URL": url,
            "SECRET_KEY": secret,
            "INSTANCE_PATH": instance,
            "RATELIMIT_ENABLED": False,
        }
    )
    now = datetime.now(UTC)
    try:
        with app.app_context():
            session = get_session()
            units = [dict(id=1, code="PEMDA", name="Pemerintah Kota Sukamaju", parent_id=None)]
            units += [
                dict(id=1 + i, code=f"OPD-{i:02d}", name=f"Dinas Contoh {i:02d}", parent_id=1)
                for i in range(1, UNITS)
            ]
            for unit in units:
                unit.update(active=True, created_at=now)
            session.execute(insert(Unit), units)
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('unit', 'id'), :n)"), {"n": UNITS}
            )
            rows = [
                dict(
                    identity_number=f"B{i + 1:05d}",
                    name=f"Pegawai Apel {i + 1:05d}",
                    position="Pelaksana",
                    employment_type=EmploymentType.NON_ASN,
                    unit_id=1 + i % UNITS,
                    email=None,
                    phone=None,
                    verification_code_hash=None,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
                for i in range(employees)
            ]
            for start in range(0, len(rows), CHUNK):
                session.execute(insert(Employee), rows[start : start + CHUNK])
            campaign = campaigns.create_campaign(
                session,
                slug="apel-bench",
                title="Pilkada 2024 (apel bench)",
                issuing_authority="Pemerintah Kota Sukamaju",
                place="Sukamaju",
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(days=7),
            )
            exported = links.export_rows(session, campaign, None, None)
            ids = dict(session.execute(select(Employee.identity_number, Employee.id)).all())
            # What `pakta keys init` does on a real node: the certificates can be issued.
            certificate_keys.init(session, instance, None)
            seal.init_self_signed(instance, "Pemerintah Kota Sukamaju")
            session.commit()
            return {row.token: ids[row.identity_number] for row in exported}
    finally:
        database(app).engine.dispose()


def prepare(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE TABLE bench_insert (id serial PRIMARY KEY, "
                    "at timestamptz DEFAULT now(), payload text)"
                )
            )
    finally:
        engine.dispose()


def analyze(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


# -- the server ---------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path
    command: list[str]
    rq_workers: list[subprocess.Popen] = field(default_factory=list)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []


def app_environment(url: str, secret: str, instance: str, port: int, redis_url: str | None):
    """The PAKTA_* settings of every process that runs the app (gunicorn, RQ workers)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAKTA_")}
    env.update(
        PAKTA_ENV="development",  # plain-HTTP cookies; the secret is set explicitly
        PAKTA_DATABASE_URL=url,
        PAKTA_SECRET_KEY=secret,
        PAKTA_BASE_URL=f"http://{HOST}:{port}",
        BENCH_INSTANCE_PATH=instance,
    )
    if redis_url:
        env["PAKTA_REDIS_URL"] = redis_url
    return env


def start_server(env: dict, port: int, args, log: Path) -> Server:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--chdir",
        str(ROOT),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
        "bench.apel_wsgi:app",
    ]
    with log.open("ab") as output:  # what gunicorn says before its error log is open
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    server = Server(process, port, log, command)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_tail(log)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            ready = connection.getresponse().status == 200
            connection.close()
            if ready and len(server.worker_pids()) >= args.workers:
                return server
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"gunicorn did not answer within {SERVER_START_TIMEOUT:.0f} s")


def stop_server(server: Server) -> None:
    stop_process(server.process)


def start_rq_workers(count: int, no_fork: bool, env: dict, log: Path) -> list[subprocess.Popen]:
    """``pakta worker [--no-fork]`` for the bench app: ``bench/apel_wsgi.py worker``."""
    command = [sys.executable, str(ROOT / "bench" / "apel_wsgi.py"), "worker"]
    if no_fork:
        command.append("--no-fork")
    return start_processes(command, count, env, log)


def where_rendered(args) -> str:
    """Where the certificates of the signatures are rendered in this run, in words."""
    fork = " --no-fork" if args.rq_no_fork else ""
    if args.certificates == "thread":
        return (
            "the embedded default (no PAKTA_REDIS_URL): a job thread in each gunicorn worker "
            "renders them DURING the signing rounds, on the same cores as the signing; the "
            "baseline rounds wait until they are done"
        )
    if args.rq_workers:
        return (
            f"RQ on a private Redis, {args.rq_workers} `pakta worker{fork}` process(es) on "
            "THIS machine rendering DURING the signing rounds, on the same cores as the "
            "signing; the baseline rounds wait until they are done"
        )
    after = (
        f"after the last round, {args.render_after} `pakta worker{fork}` process(es) on this "
        "machine render the queue, and the check waits for every certificate"
        if args.render_after
        else "nothing renders them here (--render-after 0), and they are not checked"
    )
    return (
        "as in production (gunicorn, PostgreSQL and Redis, with the RQ workers that render "
        "on other machines): the done page queues a job on a private Redis, and no worker "
        "runs on this machine during the rounds, so the signing figures carry no rendering; "
        + after
    )


def log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# -- CPU accounting: who used the two cores during a phase --------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int, children: bool = False) -> float:
    """utime + stime (+ the reaped children's: an RQ worker forks a work horse per job)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def _machine_busy() -> tuple[float, float]:
    """CPU seconds busy and in all, over every core, since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already in user
    return (total - idle) / _TICK, total / _TICK


class Backends:
    """The PostgreSQL backends serving the bench database (the app's pooled connections)."""

    def __init__(self, url: str):
        self.engine = create_engine(url, poolclass=NullPool)

    def pids(self) -> list[int]:
        with self.engine.connect() as connection:
            return list(
                connection.scalars(
                    text(
                        "SELECT pid FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            )

    def counts(self) -> tuple[int, int]:
        """Signatures and issued certificates in the bench database."""
        with self.engine.connect() as connection:
            return (
                connection.scalar(select(func.count()).select_from(Signature)),
                connection.scalar(select(func.count()).select_from(IssuedCertificate)),
            )

    def wait_for_certificates(self, timeout: float) -> float:
        """Wait until every signature has its certificate; returns the seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            signatures, certificates = self.counts()
            if certificates >= signatures:
                break
            time.sleep(0.25)
        return time.monotonic() - started

    def dispose(self) -> None:
        self.engine.dispose()


@dataclass
class CpuSnapshot:
    at: float
    workers: dict[int, float]
    postgres: dict[int, float]
    rq: dict[int, float]
    generator: float
    machine: tuple[float, float]

    @classmethod
    def take(cls, server: Server, backend_pids: list[int]) -> "CpuSnapshot":
        return cls(
            time.monotonic(),
            {pid: _cpu_seconds(pid) for pid in server.worker_pids()},
            {pid: _cpu_seconds(pid) for pid in backend_pids},
            {p.pid: _cpu_seconds(p.pid, children=True) for p in server.rq_workers},
            time.process_time(),
            _machine_busy(),
        )

    def used_since(self, before: "CpuSnapshot") -> Counter:
        """CPU seconds: gunicorn workers, PostgreSQL backends, this generator, everything else."""

        def delta(now: dict[int, float], then: dict[int, float]) -> float:
            return sum(value - then[pid] for pid, value in now.items() if pid in then)

        used = Counter(
            gunicorn=delta(self.workers, before.workers),
            postgres=delta(self.postgres, before.postgres),
            rq=delta(self.rq, before.rq),
            generator=self.generator - before.generator,
        )
        busy = self.machine[0] - before.machine[0]
        used["other"] = max(0.0, busy - sum(used.values()))
        used["wall"] = self.at - before.at
        return used


@dataclass
class Rendering:
    """The certificates rendered after the signing rounds by RQ workers on this machine."""

    workers: int
    no_fork: bool
    certificates: int
    seconds: float
    cpu: float  # CPU seconds of the workers (and their work horses), start-up included

    def describe(self, signatures_per_s: float) -> str:
        per_s = self.certificates / self.seconds if self.seconds else 0.0
        cpu_each = self.cpu / self.certificates if self.certificates else float("nan")
        how = (
            "running each job in the worker process (--rq-no-fork)"
            if self.no_fork
            else "forking a work horse for each job, as `pakta worker` does by default"
        )
        return (
            f"rendered after the signing rounds by {self.workers} RQ worker(s) on this machine "
            f"(standing in for the rendering nodes), {how}: {self.certificates} in "
            f"{self.seconds:.1f} s ({per_s:.1f}/s, {cpu_each * 1000:.0f} ms CPU each, the "
            f"workers' start-up included); keeping pace with {signatures_per_s:.1f} "
            f"signatures/s takes about {signatures_per_s * cpu_each:.1f} cores of rendering"
        )


def render_after(env: dict, log: Path, backends: Backends, args) -> Rendering:
    """Start --render-after RQ workers and wait until every signature has its certificate."""
    _signatures, before = backends.counts()
    workers = start_rq_workers(args.render_after, args.rq_no_fork, env, log)
    try:
        seconds = backends.wait_for_certificates(args.render_timeout)
        cpu = sum(_cpu_seconds(worker.pid, children=True) for worker in workers)
    finally:
        for worker in workers:
            stop_process(worker)
    _signatures, after = backends.counts()
    return Rendering(args.render_after, args.rq_no_fork, after - before, seconds, cpu)


# -- the virtual signers ------------------------------------------------------------------


class Tokens:
    """Hands each unused token out once, to whichever virtual signer asks first."""

    def __init__(self, tokens: list[str]):
        self._tokens = tokens
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> str | None:
        with self._lock:
            if self._next >= len(self._tokens):
                return None
            self._next += 1
            return self._tokens[self._next - 1]

    @property
    def used(self) -> int:
        return self._next


@dataclass
class Flow:
    token: str
    post_done: float  # monotonic time the POST's answer was read
    get_ms: float
    post_ms: float
    flow_ms: float
    certificate_number: str


@dataclass
class Tally:
    flows: list[Flow] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # token -> certificate shown
    requests: list[tuple[float, float]] = field(default_factory=list)  # (done at, ms)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: "Tally") -> None:
        self.flows += other.flows
        self.acknowledged.update(other.acknowledged)
        self.requests += other.requests
        self.errors += other.errors


class Client:
    """One keep-alive connection (reopened when the server closes it) and one cookie jar."""

    def __init__(self, port: int, timeout: float):
        self.connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None):
        headers = {"User-Agent": USER_AGENT, "Accept-Language": "id"}
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

    def close(self) -> None:
        self.connection.close()


def sign_once(client: Client, token: str, png_url: str, tally: Tally, think: float = 0.0) -> None:
    """One signer: open the link, sign, follow the 303; anything unexpected is an error."""
    path = f"/s/{token}"
    client.cookies.clear()  # a new person on a new phone
    started = time.monotonic()
    response, data = client.request("GET", path)
    page = data.decode("utf-8", "replace")
    csrf_token = hidden_value(page, "csrf_token")
    if response.status != 200 or not csrf_token:
        tally.errors.append(f"GET {response.status}{'' if csrf_token else ' without csrf_token'}")
        return
    fields = [("csrf_token", csrf_token)]
    submission_id = hidden_value(page, "submission_id")
    if submission_id:
        fields.append(("submission_id", submission_id))
    fields += [("points", str(n)) for n in range(1, 5)]
    fields += [("signature", png_url), ("typed_name", "")]
    body = urllib.parse.urlencode(fields)
    got_form = time.monotonic()
    if think:
        time.sleep(think)  # reading the pact and drawing the signature
    posting = time.monotonic()
    response, data = client.request("POST", path, body)
    posted = time.monotonic()
    location = response.headers.get("Location", "")
    if response.status != 303 or urllib.parse.urlsplit(location).path != path:
        snippet = re.sub(r"\s+", " ", data.decode("utf-8", "replace"))
        flash = re.search(r"flash-error[^>]*>([^<]*)<", snippet)
        reason = flash.group(1) if flash else snippet[:120]
        tally.errors.append(f"POST {response.status} {location or reason}")
        return
    tally.acknowledged[token] = ""  # acknowledged from here on, whatever follows
    response, data = client.request("GET", path)
    finished = time.monotonic()
    certificate = _CERTIFICATE.search(data.decode("utf-8", "replace"))
    if response.status != 200 or certificate is None:
        tally.errors.append(f"follow-up GET {response.status} without a certificate number")
        return
    tally.acknowledged[token] = certificate.group(1)
    tally.flows.append(
        Flow(
            token=token,
            post_done=posted,
            get_ms=(got_form - started) * 1000,
            post_ms=(posted - posting) * 1000,
            flow_ms=(finished - started - (posting - got_form)) * 1000,  # the server's part
            certificate_number=certificate.group(1),
        )
    )


def insert_once(client: Client, tally: Tally) -> None:
    started = time.monotonic()
    response, data = client.request("POST", "/_bench/insert", "")
    done = time.monotonic()
    if response.status != 200 or data != b"ok\n":
        tally.errors.append(f"insert {response.status}")
        return
    tally.requests.append((done, (done - started) * 1000))


def drive(
    concurrency: int, until: float, work, port: int, timeout: float, stagger: float = 0.0
) -> Tally:
    """Run ``work(client, tally)`` in a loop on --concurrency threads until ``until``.

    With ``stagger``, each thread starts up to that many seconds late (at random), so that
    signers who think between requests do not all arrive in step.
    """
    tallies = [Tally() for _ in range(concurrency)]
    start = threading.Barrier(concurrency + 1)

    def virtual_user(tally: Tally) -> None:
        client = Client(port, timeout)
        start.wait()
        if stagger:
            time.sleep(min(random.uniform(0, stagger), max(0.0, until - time.monotonic())))
        try:
            while time.monotonic() < until:
                try:
                    if work(client, tally) is StopIteration:
                        return
                except Exception as error:  # a timeout, a reset: counted, and on we go
                    tally.errors.append(f"{type(error).__name__}: {error}"[:160])
        finally:
            client.close()

    threads = [
        threading.Thread(target=virtual_user, args=(tally,), daemon=True) for tally in tallies
    ]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join(max(0.0, until - time.monotonic()) + timeout * 3 + 5)
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("virtual users did not stop in time")
    merged = Tally()
    for tally in tallies:
        merged.merge(tally)
    return merged


def yesno(value: bool) -> str:
    return "yes" if value else "NO"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def describe(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50):6.1f}  p95 {percentile(values, 95):6.1f}  "
        f"p99 {percentile(values, 99):6.1f}  max {max(values, default=float('nan')):6.1f} ms"
    )


def cpu_line(used: Counter, count: int, unit: str) -> str:
    wall = used["wall"] or 1.0
    rq = f"RQ workers {used['rq'] / wall:.2f}, " if used.get("rq") else ""
    per = 1000 / (count or 1)
    rq_each = f" + RQ {used['rq'] * per:.1f}" if used.get("rq") else ""
    return (
        f"  CPU, cores busy of {os.cpu_count()}: gunicorn workers {used['gunicorn'] / wall:.2f}, "
        f"PostgreSQL backends {used['postgres'] / wall:.2f}, {rq}this load generator "
        f"{used['generator'] / wall:.2f}, other processes {used['other'] / wall:.2f}\n"
        f"  CPU per {unit}: gunicorn {used['gunicorn'] * per:.1f} ms + PostgreSQL "
        f"{used['postgres'] * per:.1f} ms{rq_each}"
    )


@dataclass
class Phase:
    """One kind of load; its measured windows add up, its warm-up only counts for the checks."""

    work: Callable[["Client", Tally], object]
    tally: Tally = field(default_factory=Tally)  # everything, warm-up included
    seconds: float = 0.0  # measured
    flows: list[Flow] = field(default_factory=list)  # the measured windows'
    requests: list[float] = field(default_factory=list)  # the measured windows' latencies
    used: Counter = field(default_factory=Counter)
    stopped_early: bool = False
    drained: float = 0.0  # seconds spent waiting for the certificates after the rounds
    stagger: float = 0.0  # see drive()

    def run(self, server: Server, backends: Backends, seconds: float, args, measured=True):
        pids = backends.pids()
        before = CpuSnapshot.take(server, pids)
        start = time.monotonic()
        end = start + seconds
        tally = drive(args.concurrency, end, self.work, server.port, args.timeout, self.stagger)
        after = CpuSnapshot.take(server, pids + backends.pids())
        self.tally.merge(tally)
        if not measured:
            return
        if time.monotonic() < end - 0.5:
            self.stopped_early = True
        self.seconds += seconds
        self.used.update(after.used_since(before))
        self.flows += [f for f in tally.flows if start <= f.post_done <= end]
        self.requests += [ms for done, ms in tally.requests if start <= done <= end]

    @property
    def count(self) -> int:
        return len(self.flows) or len(self.requests)

    @property
    def per_s(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def load_phases(server: Server, backends: Backends, tokens: Tokens, png_url: str, args):
    """Warm both up, then take turns, round by round, so background load hits both alike."""

    def sign(client: Client, tally: Tally):
        token = tokens.take()
        if token is None:
            return StopIteration
        # Some read and draw faster than others: 0.5x to 1.5x --think.
        sign_once(client, token, png_url, tally, args.think * random.uniform(0.5, 1.5))
        return None

    def bare(client: Client, tally: Tally):
        insert_once(client, tally)

    def certificates_done() -> float:
        # Rendering left over from the signing round would slow the baseline down: wait.
        return backends.wait_for_certificates(args.drain_timeout) if args.drain else 0.0

    signing, baseline = Phase(sign, stagger=args.think), Phase(bare)
    signing.run(server, backends, args.warmup, args, measured=False)
    certificates_done()
    baseline.run(server, backends, max(1.0, args.warmup / 2), args, measured=False)
    for _ in range(args.rounds):
        signing.run(server, backends, args.duration / args.rounds, args)
        signing.drained += certificates_done()
        baseline.run(server, backends, args.duration / args.rounds, args)
    return signing, baseline


# -- the check ----------------------------------------------------------------------------


def verify(url: str, token_ids: dict[str, int], tally: Tally, used: list[str]) -> dict:
    """Every acknowledged signature stored exactly once, with the number its signer saw."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            used_ids = [token_ids[t] for t in used]
            stored: dict[int, list[str]] = {}
            for start in range(0, len(used_ids), CHUNK):
                for employee_id, number in connection.execute(
                    select(Signature.employee_id, Signature.certificate_number).where(
                        Signature.employee_id.in_(used_ids[start : start + CHUNK])
                    )
                ):
                    stored.setdefault(employee_id, []).append(number)
            total = connection.scalar(select(func.count()).select_from(Signature))
    finally:
        engine.dispose()
    acknowledged_ids = {token_ids[t]: number for t, number in tally.acknowledged.items()}
    missing = [i for i in acknowledged_ids if i not in stored]
    duplicated = [i for i, numbers in stored.items() if len(numbers) > 1]
    mismatched = [
        i
        for i, number in acknowledged_ids.items()
        if number and i in stored and number not in stored[i]
    ]
    unacknowledged = [i for i in stored if i not in acknowledged_ids]
    return {
        "acknowledged": len(acknowledged_ids),
        "stored": sum(len(stored.get(i, [])) for i in acknowledged_ids),
        "stored_total": total,
        "missing": len(missing),
        "duplicated": len(duplicated),
        "mismatched": len(mismatched),
        "stored_unacknowledged": len(unacknowledged),
    }


# -- the profile: one process, no HTTP ----------------------------------------------------


class SqlTimer:
    """Counts and times the statements (and session commits) of one app's engine."""

    def __init__(self, app):
        self.on = False
        self.count = 0
        self.spent: dict[str, dict[str, list[float]]] = {}  # request kind -> statement -> ms
        self.kind = ""
        engine = database(app).engine
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(database(app).sessionmaker, "before_commit", self._before_commit)
        event.listen(database(app).sessionmaker, "after_commit", self._after_commit)
        self._commit_started = 0.0

    def _record(self, key: str, ms: float) -> None:
        if self.on:
            self.spent.setdefault(self.kind, {}).setdefault(key, []).append(ms)

    def _before(self, connection, _cursor, _statement, _parameters, _context, _many):
        self.count += 1
        connection.info["bench_started"] = time.perf_counter()

    def _after(self, connection, _cursor, statement, _parameters, _context, _many):
        elapsed = (time.perf_counter() - connection.info.pop("bench_started")) * 1000
        self._record(" ".join(statement.split())[:80], elapsed)

    def _before_commit(self, _session):
        self._commit_started = time.perf_counter()

    def _after_commit(self, _session):
        self._record("COMMIT (session.commit)", (time.perf_counter() - self._commit_started) * 1000)


REQUESTS = {"form": "GET  /s/<token> (the form)", "post": "POST /s/<token>", "done": "GET  the 303"}


def profile(
    url: str, secret: str, instance: str, tokens: list[str], png_url: str, redis_url: str | None
) -> None:
    """Service times, SQL and cProfile of the three requests of a signature, and of the job.

    With ``redis_url`` (the bench's default), the done page enqueues on that Redis as in the
    run, and the certificate is then issued here, in this thread, as an RQ worker would run
    the job; without it, the done page hands it to this process's job thread.
    """
    from pakta import jobs
    from pakta.services.certificates import jobs as certificate_jobs

    config = {
        "ENV": "development",
        "DATABASE_URL": url,
        "SECRET_KEY": secret,
        "INSTANCE_PATH": instance,
        "RATELIMIT_ENABLED": False,
    }
    if redis_url:
        config["REDIS_URL"] = redis_url
    app = create_app(config)
    sql = SqlTimer(app)
    profilers = {kind: cProfile.Profile() for kind in REQUESTS}
    times: dict[str, list[float]] = {kind: [] for kind in [*REQUESTS, "job"]}
    cpu_times: dict[str, list[float]] = {kind: [] for kind in REQUESTS}
    job_cpu: list[float] = []
    statements: dict[str, list[int]] = {kind: [] for kind in REQUESTS}
    half = len(tokens) // 2
    headers = {"User-Agent": USER_AGENT}

    def call(client, kind: str, profiled: bool, path: str, data: dict | None = None):
        before = sql.count
        sql.kind, sql.on = kind, not profiled
        if profiled:
            profilers[kind].enable()
        started, cpu_started = time.perf_counter(), time.thread_time()
        method = "POST" if data is not None else "GET"
        response = client.open(path, method=method, data=data, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu_started) * 1000
        if profiled:
            profilers[kind].disable()
        sql.on = False
        if not profiled:
            times[kind].append(elapsed)
            cpu_times[kind].append(cpu)
            statements[kind].append(sql.count - before)
        return response

    for n, token in enumerate(tokens):
        profiled = n >= half  # the first half is timed, the second half profiled
        client = app.test_client()
        path = f"/s/{token}"
        page = call(client, "form", profiled, path)
        fields = {
            "csrf_token": hidden_value(page.text, "csrf_token"),
            "submission_id": hidden_value(page.text, "submission_id") or "",
            "points": ["1", "2", "3", "4"],
            "signature": png_url,
            "typed_name": "",
        }
        response = call(client, "post", profiled, path, fields)
        if response.status_code != 303:
            raise RuntimeError(f"profile: POST answered {response.status_code}")
        call(client, "done", profiled, path)
        # Issue the certificate before the next signer, so that rendering never overlaps a
        # request's timing: the job the done page queued on Redis, run here as a worker runs
        # it, or the one it handed to this process's job thread.
        if redis_url:
            with app.app_context():
                signature_id = links.open_link(get_session(), token).signature.id
        started, cpu_started = time.perf_counter(), time.process_time()
        if redis_url:
            certificate_jobs.issue_certificate(app, signature_id)
        else:
            jobs.wait_for_pending(timeout=120)
        if not profiled:
            times["job"].append((time.perf_counter() - started) * 1000)
            # This thread only waits meanwhile: the process's CPU is the job thread's.
            job_cpu.append((time.process_time() - cpu_started) * 1000)
    database(app).engine.dispose()

    print(
        f"\nProfile: one process, Flask's test client, no HTTP, nothing else from this bench "
        f"running ({half} signatures timed, then {len(tokens) - half} profiled)"
    )
    for kind, label in REQUESTS.items():
        print(
            f"  {label:28} median {statistics.median(times[kind]):6.1f} ms, of which "
            f"{statistics.median(cpu_times[kind]):5.1f} ms CPU in Python; "
            f"{statistics.median(statements[kind]):.0f} SQL statements"
        )
    where = "as an RQ worker runs it" if redis_url else "in the job thread the 303's page asked"
    print(
        f"  certificate job (render + seal + store, {where}): "
        f"median {statistics.median(times['job']):6.1f} ms, "
        f"{statistics.median(job_cpu):5.1f} ms CPU"
    )
    for kind, label in REQUESTS.items():
        spent = sorted(sql.spent.get(kind, {}).items(), key=lambda item: -sum(item[1]))
        total = sum(sum(values) for _key, values in spent) / half
        print(f"  {label}: {total:.1f} ms a request waiting on SQL:")
        for statement, values in spent[:8]:
            print(f"    {sum(values) / half:6.2f} ms  {len(values) / half:3.0f}x  {statement}")
    for kind, order, lines in (
        ("post", "cumulative", 25),
        ("post", "tottime", 15),
        ("form", "tottime", 10),
        ("done", "tottime", 10),
    ):
        out = io.StringIO()
        pstats.Stats(profilers[kind], stream=out).strip_dirs().sort_stats(order).print_stats(lines)
        body = out.getvalue()
        print(f"  cProfile, {REQUESTS[kind]}, by {order}:")
        table = body[body.find("   ncalls") :].rstrip().splitlines()
        print("\n".join("    " + line for line in table))


# -- the run ------------------------------------------------------------------------------


def run(url: str, args) -> dict:
    """The whole bench on the temporary database ``url``; Redis (if asked for) lives as long."""
    with tempfile.TemporaryDirectory(prefix="pakta-apel-redis-") as directory:
        redis_process, redis_url = None, None
        if args.certificates == "redis":
            redis_process, redis_url = start_redis(directory)
        try:
            return measure(url, args, redis_url)
        finally:
            if redis_process is not None:
                stop_process(redis_process)


def measure(url: str, args, redis_url: str | None) -> dict:
    secret = secrets.token_urlsafe(36)  # 48 characters
    png_url = signature_data_url()
    with tempfile.TemporaryDirectory(prefix="pakta-apel-") as instance:
        started = time.monotonic()
        prepare(url)
        token_ids = load(url, args.employees, secret, instance)
        analyze(url)
        tokens = list(token_ids)
        spare = tokens[-args.profile :] if args.profile else []
        load_tokens = Tokens(tokens[: len(tokens) - len(spare)])
        print(
            f"Database: {len(tokens):,} unsigned employees with links in {UNITS} units, "
            f"loaded in {time.monotonic() - started:.1f} s"
        )
        log = Path(instance) / "gunicorn.log"
        server = None
        rendering = None
        backends = Backends(url)
        try:
            port = free_port()
            env = app_environment(url, secret, instance, port, redis_url)
            server = start_server(env, port, args, log)
            if redis_url and args.rq_workers:
                server.rq_workers = start_rq_workers(args.rq_workers, args.rq_no_fork, env, log)
            print(
                f"Server: gunicorn --workers {args.workers} --worker-class {args.worker_class} "
                f"--threads {args.threads} on {HOST}:{server.port}; app pool: SQLAlchemy "
                "pool_size=10, max_overflow=10 per worker"
            )
            print(f"Certificates: {where_rendered(args)}")
            print(
                f"Machine: {os.cpu_count()} cores shared by gunicorn, PostgreSQL, this load "
                f"generator ({args.concurrency} threads, http.client) and whatever else runs "
                "here: the figures are for all of them on one machine."
            )
            print(
                f"\n{args.concurrency} concurrent virtual signers ("
                + (f"{args.think:g} s between form and POST" if args.think else "no think time")
                + f") against "
                f"{args.concurrency} concurrent bare-insert clients: {args.warmup:.0f} s warm-up "
                f"each, then {args.rounds} alternating rounds, {args.duration:.0f} s measured each"
            )
            signing, baseline = load_phases(server, backends, load_tokens, png_url, args)
            if args.drain:
                backends.wait_for_certificates(args.drain_timeout)
            signatures_total, certificates_total = backends.counts()
            if not args.drain and args.render_after:
                rendering = render_after(env, log, backends, args)
                signatures_total, certificates_total = backends.counts()
        finally:
            if server is not None:
                stop_server(server)
                for worker in server.rq_workers:
                    stop_process(worker)
            backends.dispose()
        flows = signing.flows
        print("\nSigning (GET the form, POST it, follow the 303):")
        print(
            f"  signatures acknowledged:  {signing.count} in {signing.seconds:.0f} s "
            f"({signing.per_s:.1f}/s)"
        )
        if signing.stopped_early:
            print(f"  (ran out of links after {load_tokens.used}: raise --employees)")
        print(f"  POST (the signature):     {describe([f.post_ms for f in flows])}")
        print(f"  GET  (the form):          {describe([f.get_ms for f in flows])}")
        print(f"  whole flow, 3 requests:   {describe([f.flow_ms for f in flows])}")
        print(cpu_line(signing.used, signing.count, "signature (3 requests)"))
        issued = f"  certificates: {certificates_total} of {signatures_total} signatures issued"
        certified = certificates_total >= signatures_total
        if rendering is not None:
            print(f"{issued}; {rendering.describe(signing.per_s)}")
        elif args.drain:
            with_certificates = signing.count / (signing.seconds + signing.drained)
            print(
                f"{issued} at the end; waiting for them after the signing rounds took "
                f"{signing.drained:.1f} s, so signatures with their certificate ready: "
                f"{with_certificates:.1f}/s"
            )
        else:
            certified = None
            print(f"{issued} (left queued: --render-after 0, not checked)")
        print("\nBare insert (POST /_bench/insert, one row, committed):")
        print(
            f"  requests:                 {baseline.count} in {baseline.seconds:.0f} s "
            f"({baseline.per_s:.1f}/s)"
        )
        print(f"  latency:                  {describe(baseline.requests)}")
        print(cpu_line(baseline.used, baseline.count, "bare insert"))
        if (signing.used["other"] + baseline.used["other"]) > 0.1 * (
            signing.used["wall"] + baseline.used["wall"]
        ):
            print(
                "  NOTE: other processes on this machine took CPU during the run; the ratio, "
                "measured in alternating rounds, is the steadier figure."
            )
        errors = signing.tally.errors + baseline.tally.errors
        if errors:
            print(f"\nErrors: {len(errors)}; the first ones:")
            for line in errors[:10]:
                print(f"  {line}")
            print(f"gunicorn's log, last lines:\n{log_tail(log)}")
        used = tokens[: load_tokens.used]
        check = verify(url, token_ids, signing.tally, used)
        print(
            f"\nDatabase check: acknowledged {check['acknowledged']}, stored "
            f"{check['stored']} (missing {check['missing']}, duplicated {check['duplicated']}, "
            f"certificate number differs {check['mismatched']}); stored without a 303: "
            f"{check['stored_unacknowledged']}"
        )
        if spare:
            profile(url, secret, instance, spare, png_url, redis_url)

    per_s, bare_per_s = signing.per_s, baseline.per_s
    ratio = per_s / bare_per_s if bare_per_s else 0.0
    p50, p95, p99 = (percentile([f.post_ms for f in flows], p) for p in (50, 95, 99))
    capacity = int(per_s * APEL_WINDOW_S)
    ok = check["stored"] == check["acknowledged"] and not (
        check["missing"] or check["duplicated"] or check["mismatched"]
    )
    print(
        f"\nSignatures/s {per_s:.1f} vs bare insert {bare_per_s:.1f}/s: ratio {ratio:.3f} "
        f"(target >= 0.25: {'met' if ratio >= 0.25 else 'NOT met'}); POST p95 {p95:.0f} ms "
        f"(target < 250 ms: {'met' if p95 < 250 else 'NOT met'}); errors {len(errors)}; "
        f"every acknowledged signature stored once: {'yes' if ok else 'NO'}; every signature "
        f"got its certificate: {'not checked' if certified is None else yesno(certified)}"
    )
    print(
        f"Capacity: one such node (gunicorn, PostgreSQL and the load on {os.cpu_count()} cores) "
        f"signs about {capacity:,} employees in the 15 minutes after an apel"
        + (
            f" (paced by --think {args.think:g}: a lower bound; without --think the bench "
            "measures what the node can do flat out)."
            if args.think
            else "."
        )
    )
    if not args.drain:
        print(
            "  Its certificates were not rendered on this node during the run: the rendering "
            "nodes (RQ workers elsewhere) need the cores printed above to keep pace, or the "
            "certificates follow later."
        )
    return {
        "signatures_per_s": round(per_s, 1),
        "bare_insert_per_s": round(bare_per_s, 1),
        "ratio": round(ratio, 3),
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "p99_ms": round(p99, 1),
        "errors": len(errors),
        "acknowledged": check["acknowledged"],
        "stored": check["stored"],
        "capacity_15_min": capacity,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50, help="virtual signers")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds a phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds a signer spends between the form and the POST (default 0: flat out)",
    )
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per phase")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument(
        "--certificates",
        choices=["thread", "redis"],
        default="redis",
        help="certificate jobs: RQ on a private Redis (default, as in production), or the "
        "embedded default's job thread in each gunicorn worker (no Redis)",
    )
    parser.add_argument(
        "--rq-workers",
        type=int,
        default=0,
        help="with --certificates redis: RQ workers on this machine DURING the signing rounds "
        "(default 0: the rendering nodes are other machines)",
    )
    parser.add_argument(
        "--render-after",
        type=int,
        default=os.cpu_count() or 1,
        help="with --certificates redis and --rq-workers 0: RQ workers that render the queue "
        "on this machine after the rounds, checked for every certificate (default: one per "
        "core; 0: not rendered, not checked)",
    )
    parser.add_argument(
        "--render-timeout",
        type=float,
        default=900.0,
        help="seconds to wait for the certificates rendered after the rounds",
    )
    parser.add_argument(
        "--rq-no-fork", action="store_true", help="RQ workers as `pakta worker --no-fork`"
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=120.0,
        help="seconds to wait for the certificates after each signing round",
    )
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--employees", type=int, default=8_000, help="unsigned employees")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--profile", type=int, default=40, help="signatures to profile; 0 skips")
    add_postgresql_url(parser, help="the server to create the temporary database on")
    args = parser.parse_args()
    if not (1 <= args.concurrency <= 500 and 1 <= args.duration <= 600 and args.warmup >= 0):
        parser.error("--concurrency 1..500 and --duration 1..600 s, please")
    if not 1 <= args.rounds <= args.duration:
        parser.error("--rounds between 1 and --duration")
    if args.think and args.duration / args.rounds < 3 * args.think:
        parser.error("with --think, make each round (--duration / --rounds) at least 3x --think")
    if args.profile and args.profile < 2:
        parser.error("--profile needs at least 2 signatures (half timed, half profiled)")
    if args.rq_workers < 0 or args.render_after < 0:
        parser.error("--rq-workers and --render-after count processes: 0 or more")
    if args.certificates == "redis" and shutil.which("redis-server") is None:
        parser.error("--certificates redis needs redis-server on PATH (or --certificates thread)")
    args.drain = args.certificates == "thread" or args.rq_workers > 0
    # A `timeout` or kill -TERM still stops gunicorn and Redis and drops the database.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    server_url = normalize_database_url(args.postgresql_url)
    if make_url(server_url).get_backend_name() != "postgresql":
        parser.error("--postgresql-url must name a PostgreSQL server")
    with temporary_postgresql(server_url, "pakta_apel") as url:
        figures = run(url, args)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
