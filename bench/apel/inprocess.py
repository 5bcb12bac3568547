"""The apel flow's CPU per signature in one process: the real app against the floor.

    .venv/bin/python -m bench.apel.inprocess [--signatures 400] [--batch 20] [--warmup 40]
                                             [--employees 2000] [--profile FILE]
                                             [--postgresql-url URL]

A repeatable measure for cutting the app's CPU, quieter than ``python -m bench.apel`` on a
shared machine: no gunicorn, no sockets, no load generator beside the servers. On one
temporary PostgreSQL database (``data``: the bench's Pemda, links and keys) and a private
redis-server, the real app (``create_app`` with production settings, its own rate limits in
that Redis, certificate jobs queued on it, never rendered) and the floor (``floor``) each
sign under Werkzeug's test client, as a phone would (``client.sign_once``'s flow: GET the
form, POST it with the drawn PNG, follow the 303 to the done page). They take turns in
batches of --batch signatures, so that whatever else runs on the machine slows both alike.

CPU a signature is this process's ``time.process_time()`` plus the CPU of the database's
PostgreSQL backends read from ``/proc`` (the server must run on this machine, as
``bench.apel`` assumes too). The app's share includes Werkzeug's test client on both sides.
``--profile FILE`` writes a cProfile of the real app's measured signatures (read it with
``python -m pstats FILE``).

The last line is one JSON object: app_cpu_ms_per_signature, app_postgres_cpu_ms_per_signature,
floor_cpu_ms_per_signature, floor_postgres_cpu_ms_per_signature, app_over_floor (the app's
CPU and its backends' over the floor's and its backends'), capacity_estimate (its inverse:
the capacity ratio the two would reach if CPU were all that limits them), the batches'
ratios' spread, and the Redis commands a signature of the real app.
"""

import argparse
import cProfile
import json
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import make_url

from bench._common import (
    add_postgresql_url,
    hidden_value,
    start_redis,
    stop_process,
    temporary_postgresql,
)
from bench.apel import data, floor, phases
from bench.apel.client import USER_AGENT, certificate_number, signature_data_url
from pakta import create_app
from pakta.config import normalize_database_url
from pakta.db import database
from pakta.security import limiter

ADDRESS = "127.0.0.1"  # every signer behind one office address, as in bench.apel


class FlowError(RuntimeError):
    """A signature did not end on the done page with its certificate number."""


def fixed_fields(png_url: str) -> str:
    """The form's fields that are the same for every signer, url-encoded once: encoding the
    PNG's data: URL is the load generator's work, kept out of the measure."""
    fields = [("points", str(n)) for n in range(1, 5)]
    fields += [("signature", png_url), ("typed_name", "")]
    return urllib.parse.urlencode(fields)


def sign_once(app, path: str, fixed: str) -> str:
    """One signer's flow at ``path`` under the test client, posting ``fixed_fields`` with the
    page's own; the certificate number shown."""
    browser = app.test_client()  # a new person on a new phone: no cookies
    environ = {"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": USER_AGENT}
    page = browser.get(path, environ_base=environ)
    csrf_token = hidden_value(page.get_data(as_text=True), "csrf_token")
    if page.status_code != 200 or not csrf_token:
        raise FlowError(f"GET {path}: {page.status_code}")
    fields = [("csrf_token", csrf_token)]
    submission_id = hidden_value(page.get_data(as_text=True), "submission_id")
    if submission_id:
        fields.append(("submission_id", submission_id))
    posted = browser.post(
        path,
        data=f"{urllib.parse.urlencode(fields)}&{fixed}",
        content_type="application/x-www-form-urlencoded",
        environ_base=environ,
    )
    location = urllib.parse.urlsplit(posted.headers.get("Location", "")).path
    if posted.status_code != 303 or location != path:
        raise FlowError(f"POST {path}: {posted.status_code} {location}")
    done = browser.get(path, environ_base=environ)
    number = certificate_number(done.get_data(as_text=True))
    if done.status_code != 200 or number is None:
        raise FlowError(f"done page {path}: {done.status_code}")
    return number


@dataclass
class Side:
    """One app's signatures and the CPU they took."""

    name: str
    sign: Callable[[str], str]
    tokens: list[str]
    prefix: str
    cpu: float = 0.0
    postgres: float = 0.0
    signed: int = 0
    redis_commands: int = 0
    batches: list[float] = field(default_factory=list)  # CPU a signature, each batch

    def batch(self, count: int, counters: data.Counters, redis_url: str, profile=None) -> None:
        tokens, self.tokens = self.tokens[:count], self.tokens[count:]
        if len(tokens) < count:
            raise SystemExit(f"{self.name}: ran out of links; raise --employees")
        backends = {pid: phases.cpu_seconds(pid) for pid in counters.pids()}
        commands = phases.redis_commands(redis_url)
        started = time.process_time()
        if profile is not None:
            profile.enable()
        for token in tokens:
            self.sign(f"{self.prefix}/{token}")
        if profile is not None:
            profile.disable()
        used = time.process_time() - started
        # A backend that appeared during the batch served only this batch.
        backend_used = sum(
            phases.cpu_seconds(pid) - backends.get(pid, 0.0) for pid in counters.pids()
        )
        self.redis_commands += phases.redis_commands(redis_url) - commands
        self.cpu += used
        self.postgres += backend_used
        self.signed += count
        self.batches.append((used + backend_used) / count)

    def ms(self, seconds: float) -> float:
        return round(seconds * 1000 / (self.signed or 1), 2)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.apel.inprocess", description=__doc__)
    parser.add_argument("--signatures", type=int, default=400, help="measured, each side")
    parser.add_argument("--batch", type=int, default=20, help="signatures a turn")
    parser.add_argument("--warmup", type=int, default=40, help="unmeasured, each side")
    parser.add_argument("--employees", type=int, default=2000, help="links (half each)")
    parser.add_argument("--profile", help="write a cProfile of the real app's signatures here")
    add_postgresql_url(parser, help="the server to create the temporary database on")
    args = parser.parse_args(argv)
    if args.batch < 1 or args.signatures < args.batch or args.warmup < 0:
        parser.error("--signatures at least --batch, --batch at least 1, --warmup >= 0")
    if args.employees < 2 * (args.signatures + args.warmup):
        parser.error("--employees must give each side --signatures + --warmup links")
    args.postgresql_url = normalize_database_url(args.postgresql_url)
    if make_url(args.postgresql_url).get_backend_name() != "postgresql":
        parser.error("--postgresql-url must name a PostgreSQL server")
    return args


def run(url: str, redis_url: str, instance: str, args) -> dict:
    secret = secrets.token_urlsafe(36)
    data.prepare(url)
    tokens = list(data.load(url, args.employees, secret, instance))
    data.analyze(url)
    half = len(tokens) // 2
    fixed = fixed_fields(signature_data_url())
    enabled = limiter.enabled
    real = create_app(
        {
            "ENV": "production",
            "DATABASE_URL": url,
            "SECRET_KEY": secret,
            "BASE_URL": "http://127.0.0.1",
            "REDIS_URL": redis_url,
            "INSTANCE_PATH": instance,
        }
    )
    bare = floor.create_floor(url, secret)
    counters = data.Counters(url)
    # The wall clock: cProfile's overhead under time.process_time (a system call a function
    # call) would swamp the figures. The waits on PostgreSQL and Redis show as such.
    profile = cProfile.Profile() if args.profile else None
    try:
        if not real.config["RATELIMIT_ENABLED"] or not limiter.enabled:
            raise SystemExit("the real app runs without its rate limits")
        app = Side("real app", lambda path: sign_once(real, path, fixed), tokens[:half], "/s")
        base = Side("floor", lambda path: sign_once(bare, path, fixed), tokens[half:], "/f")
        for side in (app, base):
            for token in side.tokens[: args.warmup]:
                side.sign(f"{side.prefix}/{token}")
            side.tokens = side.tokens[args.warmup :]
        # Without autovacuum on the server, the written tables are analyzed now and then
        # between batches, as it would (``data.Counters.analyze_written``).
        stand_in = not counters.autovacuum()
        for number in range(args.signatures // args.batch):
            if stand_in and number % 5 == 0:
                counters.analyze_written()
            app.batch(args.batch, counters, redis_url, profile)
            base.batch(args.batch, counters, redis_url)
    finally:
        counters.dispose()
        database(real).engine.dispose()
        bare.extensions["bench_floor_engine"].dispose()
        limiter.enabled = enabled
    if profile is not None:
        profile.dump_stats(args.profile)
    ratios = [a / f for a, f in zip(app.batches, base.batches, strict=True)]
    app_total, floor_total = app.cpu + app.postgres, base.cpu + base.postgres
    figures = {
        "signatures": app.signed,
        "app_cpu_ms_per_signature": app.ms(app.cpu),
        "app_postgres_cpu_ms_per_signature": app.ms(app.postgres),
        "floor_cpu_ms_per_signature": base.ms(base.cpu),
        "floor_postgres_cpu_ms_per_signature": base.ms(base.postgres),
        "app_over_floor": round(app_total / floor_total, 3),
        "capacity_estimate": round(floor_total / app_total, 3),
        "batch_ratio_median": round(statistics.median(ratios), 3),
        "batch_ratio_quartiles": [round(q, 3) for q in statistics.quantiles(ratios, n=4)[::2]]
        if len(ratios) > 1
        else [],
        "redis_commands_per_signature": round(app.redis_commands / (app.signed or 1), 1),
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(
        f"real app: {figures['app_cpu_ms_per_signature']} ms + PostgreSQL "
        f"{figures['app_postgres_cpu_ms_per_signature']} ms CPU a signature; floor: "
        f"{figures['floor_cpu_ms_per_signature']} ms + PostgreSQL "
        f"{figures['floor_postgres_cpu_ms_per_signature']} ms; app/floor "
        f"{figures['app_over_floor']} (batches: median {figures['batch_ratio_median']}, "
        f"quartiles {figures['batch_ratio_quartiles']}); load average "
        f"{figures['load_average']}"
    )
    return figures


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    with (
        temporary_postgresql(args.postgresql_url, "pakta_inprocess") as url,
        tempfile.TemporaryDirectory(prefix="pakta-inprocess-") as instance,
    ):
        redis_process, redis_url = start_redis(instance)
        try:
            figures = run(url, redis_url, instance, args)
        finally:
            stop_process(redis_process)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
