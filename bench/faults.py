"""Signing through faults: no acknowledged signature lost or doubled, no 500, quick recovery.

    .venv/bin/python bench/faults.py [--signers 50] [--duration 60] [--employees 6000]
                                     [--workers 4] [--rq-workers 2] [--postgresql-down 3]
                                     [--redis-down 2] [--drain-timeout 300]

A quick run: ``--signers 4 --duration 12 --employees 300 --postgresql-down 1 --redis-down 1``
(what tests/bench/test_faults.py runs).

Everything runs on servers of the bench's own, on free loopback ports (tests/servers.py): a
fresh PostgreSQL cluster and a redis-server that saves nothing. The site is the apel bench's
(``bench.apel.data``: a Pemda, --employees people with personal links, an open campaign, the
certificate keys), served as production runs it (``bench.apel.servers``: gunicorn with
--workers sync workers, PAKTA_ENV=production, rate limits on and kept in Redis,
certificates queued on Redis) with --rq-workers ``pakta worker`` processes rendering them.

--signers phones (``_fault_signers``) then sign for --duration seconds, each on one unused
link after another, retrying a 503 or a connection error with the same submission id as
the signing page's queue does. Meanwhile, spaced out over the run, one fault at a time:

* ``gunicorn_worker``: SIGKILL to one gunicorn worker (its master starts another);
* ``rq_worker``: SIGKILL to one ``pakta worker`` and what it started, then a new one, as a
  supervisor would;
* ``postgresql``: the cluster stopped (``pg_ctl -m fast``: every session ended, as a crash
  or failover does), --postgresql-down seconds without it, started again;
* ``redis``: redis-server stopped, --redis-down seconds without it, started again empty
  (the queued jobs and the rate limits' counters are lost).

Afterwards ``pakta certificates reconcile --older-than 0`` asks again for every missing
certificate, and the workers get up to --drain-timeout seconds to issue them. The last line
printed is one JSON object:

* ``acknowledged``: signatures the phones saw stored (a 303 to the done page, or the done
  page itself); ``stored``: signature rows; ``acknowledged_not_stored``;
* ``duplicates``: people with more than one signature;
* ``errors_5xx_not_503``, ``responses_503`` and ``responses_503_database_up`` (503s outside
  the PostgreSQL outage and the 5 s after it), ``connection_errors`` (by kind: a reset,
  a refused connection, a timeout after --timeout seconds);
* ``recovery_s``: per fault, seconds from its end (the kill; the restarted server answering)
  until the next signature was stored; ``down_s``: how long each server was away, and
  ``acknowledged_while_down``: signatures stored meanwhile;
* ``certificates_missing``: valid signatures without a certificate after reconciling;
* ``targets``: each target's pass (true) or fail, and ``passed``: all of them.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import _common  # first: puts the repository on sys.path (python bench/faults.py)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench._common import free_port, log_tail, stop_process
from bench._fault_signers import Record, sign_for
from bench.apel import client, data, servers
from pakta.db import make_engine
from pakta.models import Signature, utcnow
from pakta.services.certificates import reconcile
from tests import servers as private_servers

RECOVERY_TARGET_S = 5.0
# When each fault begins, as a fraction of the run: apart enough to tell recoveries apart.
SCHEDULE = (
    ("gunicorn_worker", 0.15),
    ("rq_worker", 0.3),
    ("postgresql", 0.45),
    ("redis", 0.75),
)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--signers", type=int, default=50, help="concurrent phones")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of signing")
    parser.add_argument("--employees", type=int, default=6000, help="personal links")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--rq-workers", type=int, default=2, help="`pakta worker` processes")
    parser.add_argument("--postgresql-down", type=float, default=3.0, help="seconds stopped")
    parser.add_argument("--redis-down", type=float, default=2.0, help="seconds stopped")
    parser.add_argument("--retry-wait", type=float, default=1.0, help="a phone's pause, s")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    if not (1 <= args.signers <= 500 and 5 <= args.duration <= 600 and args.employees >= 1):
        parser.error("--signers 1..500, --duration 5..600 s and some --employees, please")
    if args.rq_workers < 1 or args.workers < 2:
        parser.error("at least two gunicorn workers (one is killed) and one `pakta worker`")
    reason = private_servers.missing_programs()
    if reason:
        parser.error(f"the bench starts its own servers: {reason}")
    return args


@dataclass
class Fault:
    name: str
    at: float  # when it began (time.monotonic)
    back: float  # when it ended: the process killed, or the server answering again

    @property
    def down_s(self) -> float:
        return round(self.back - self.at, 2)


class Site:
    """The servers of a run and the processes on them."""

    def __init__(self, folder: Path, args):
        self.folder, self.args = folder, args
        self.log = folder / "servers.log"
        self.instance = folder / "instance"
        self.postgres = self.redis = self.gunicorn = None
        self.workers: list[subprocess.Popen] = []

    def start(self) -> None:
        """The servers, the site's data and the app's processes; ``stop`` stops whatever of
        them started, also after a failure half-way."""
        self.postgres = private_servers.PrivatePostgres(self.folder)
        self.postgres.start()
        self.redis = private_servers.PrivateRedis(self.folder)
        self.url = self.postgres.url
        self.instance.mkdir()
        data.prepare(self.url)
        secret = _common.BENCH_SECRET
        self.token_ids = data.load(self.url, self.args.employees, secret, str(self.instance))
        port = free_port()
        self.env = servers.app_environment(
            self.url, secret, str(self.instance), port, self.redis.url
        )
        self.gunicorn = servers.gunicorn(servers.APP, self.env, port, self.args.workers, self.log)
        self.workers = servers.rq_workers(self.args.rq_workers, self.env, self.log, burst=False)

    def kill_gunicorn_worker(self) -> None:
        os.kill(random.choice(self.gunicorn.worker_pids()), signal.SIGKILL)

    def kill_rq_worker(self) -> None:
        """SIGKILL to a worker's process group (its scheduler too), then a new worker."""
        victim = self.workers.pop(0)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(10)
        self.workers += servers.rq_workers(1, self.env, self.log, burst=False)

    def restart_postgresql(self) -> None:
        self.postgres.stop("fast")
        time.sleep(self.args.postgresql_down)
        self.postgres.start()

    def restart_redis(self) -> None:
        self.redis.stop()
        time.sleep(self.args.redis_down)
        self.redis.start()

    def reconcile(self) -> str:
        """`pakta certificates reconcile --older-than 0`, as an operator runs it; its output."""
        command = [sys.executable, "-m", "bench.apel.app", "certificates", "reconcile"]
        done = subprocess.run(  # noqa: S603 - the bench's own command
            [*command, "--older-than", "0"],
            cwd=_common.ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return (done.stdout + done.stderr).strip()

    def stop(self) -> None:
        steps = [self.gunicorn.stop] if self.gunicorn else []
        steps += [lambda p=p: stop_process(p) for p in self.workers]
        steps += [self.redis.stop] if self.redis else []
        steps += [lambda: self.postgres.stop("immediate")] if self.postgres else []
        for step in steps:
            try:
                step()
            except Exception as error:  # the others are still stopped
                print(f"stopping: {error}", file=sys.stderr)


def inject(site: Site, started: float, duration: float, faults: list[Fault]) -> threading.Thread:
    """Each fault of SCHEDULE at its time (or when the one before it ended), in a thread."""
    actions = {
        "gunicorn_worker": site.kill_gunicorn_worker,
        "rq_worker": site.kill_rq_worker,
        "postgresql": site.restart_postgresql,
        "redis": site.restart_redis,
    }

    def run() -> None:
        for name, fraction in SCHEDULE:
            time.sleep(max(0.0, started + fraction * duration - time.monotonic()))
            at = time.monotonic()
            try:
                actions[name]()
            except Exception as error:  # reported; its recovery stays unmeasured (a failure)
                print(f"  {at - started:5.1f} s  {name}: could not be done: {error}")
                continue
            faults.append(Fault(name, at, time.monotonic()))
            print(f"  {at - started:5.1f} s  {name}: back after {faults[-1].down_s:.1f} s")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def missing_certificates(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return len(reconcile.missing(session, now=utcnow(), grace=timedelta(0)))
    finally:
        engine.dispose()


def drain(url: str, timeout: float) -> tuple[int, float]:
    """Wait until every valid signature has its certificate, or ``timeout``; the missing
    count then, and the seconds waited."""
    started = time.monotonic()
    missing = missing_certificates(url)
    while missing and time.monotonic() - started < timeout:
        time.sleep(1.0)
        missing = missing_certificates(url)
    return missing, round(time.monotonic() - started, 1)


def stored_rows(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(Signature))
    finally:
        engine.dispose()


def figures(site: Site, record: Record, faults: list[Fault], used: list[str]) -> dict:
    ids = site.token_ids
    check = data.compare(
        {ids[token]: number for token, number in record.acknowledged.items()},
        data.stored_numbers(site.url, [ids[token] for token in used]),
    )
    recovery = {name: None for name, _fraction in SCHEDULE}
    recovery.update({fault.name: record.recovery_s(fault.back) for fault in faults})
    outage = next((f for f in faults if f.name == "postgresql"), None)
    database_up = [
        t
        for t in record.unavailable_at
        if outage is None or not outage.at <= t <= outage.back + RECOVERY_TARGET_S
    ]
    return {
        "acknowledged": check.acknowledged,
        "stored": stored_rows(site.url),
        "acknowledged_not_stored": check.missing,
        "duplicates": check.duplicates,
        "errors_5xx_not_503": record.errors_5xx_not_503,
        "responses_503": record.statuses[503],
        "responses_503_database_up": len(database_up),
        "connection_errors": dict(record.connection_errors),
        "unfinished": record.unfinished,
        "recovery_s": recovery,
        "down_s": {fault.name: fault.down_s for fault in faults},
        "acknowledged_while_down": {
            fault.name: record.acknowledged_between(fault.at, fault.back) for fault in faults
        },
    }


def judge(result: dict) -> dict:
    recoveries = list(result["recovery_s"].values())
    targets = {
        "stored_at_least_acknowledged": result["stored"] >= result["acknowledged"]
        and result["acknowledged_not_stored"] == 0,
        "no_duplicates": result["duplicates"] == 0,
        "no_5xx_but_503": result["errors_5xx_not_503"] == 0,
        "503_only_while_database_down": result["responses_503_database_up"] == 0,
        "recovery_under_5s": all(r is not None and r < RECOVERY_TARGET_S for r in recoveries),
        "no_certificates_missing": result["certificates_missing"] == 0,
    }
    return {"targets": targets, "passed": all(targets.values())}


def run(folder: Path, args) -> dict:
    print(f"Load average before: {os.getloadavg()}")
    site = Site(folder, args)
    try:
        site.start()
        print(
            f"Servers: private PostgreSQL :{site.postgres.port} and Redis :{site.redis.port}; "
            f"gunicorn --workers {args.workers} (production settings) on :{site.gunicorn.port}; "
            f"{args.rq_workers} `pakta worker`; {args.employees} links"
        )
        tokens = client.Tokens(list(site.token_ids))
        faults: list[Fault] = []
        print(f"Signing: {args.signers} phones for {args.duration:g} s; faults:")
        started = time.monotonic()
        injecting = inject(site, started, args.duration, faults)
        record = sign_for(
            args.signers,
            args.duration,
            site.gunicorn.port,
            tokens,
            client.signature_data_url(),
            timeout=args.timeout,
            retry_wait=args.retry_wait,
        )
        injecting.join()
        signed_s = time.monotonic() - started
        print(f"Signed: {len(record.acknowledged)} acknowledged in {signed_s:.1f} s")
        if tokens.used >= len(site.token_ids):
            print("  (the links ran out before the time did; raise --employees)")
        print(f"Reconciler: {site.reconcile()}")
        missing, waited = drain(site.url, args.drain_timeout)
        print(f"Workers drained in {waited} s; {missing} certificates missing")
        result = figures(site, record, faults, list(site.token_ids)[: tokens.used])
        result["certificates_missing"] = missing
        result.update(judge(result))
        if record.server_errors or record.refused:
            print(f"Server errors: {record.server_errors}; other answers: {dict(record.refused)}")
        if not result["passed"]:
            print(f"servers' log, last lines:\n{log_tail(site.log, 60)}")
        print(f"Load average after: {os.getloadavg()}")
        return result
    finally:
        site.stop()


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    # A `timeout` or kill -TERM still stops the servers and removes their folder.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    folder = Path(tempfile.mkdtemp(prefix="pakta-faults-"))
    folder.chmod(0o755)  # PostgreSQL's user must reach its own folder inside
    try:
        result = run(folder, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
