"""``python -m bench.apel``: see the package's docstring."""

import argparse
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import make_url

from bench._common import (
    add_postgresql_url,
    free_port,
    start_redis,
    stop_process,
    temporary_postgresql,
)
from bench.apel import client, data, phases, report, servers
from pakta.config import normalize_database_url


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.apel", description=__doc__)
    parser.add_argument("--concurrency", type=int, default=50, help="closed-loop signers")
    parser.add_argument("--duration", type=float, default=20.0, help="measured s per server")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up s per server")
    parser.add_argument(
        "--ramp", type=float, default=2.0, help="uncounted s at the start of every round"
    )
    parser.add_argument("--paced-rate", type=float, default=25.0, help="arrivals a second")
    parser.add_argument("--paced-duration", type=float, default=20.0, help="paced seconds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (both)")
    parser.add_argument("--employees", type=int, default=24_000, help="links (a third: app)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument(
        "--render-after",
        type=int,
        default=os.cpu_count() or 1,
        help="`pakta worker --burst` processes rendering the queue after the rounds",
    )
    parser.add_argument("--render-timeout", type=float, default=900.0)
    add_postgresql_url(parser, help="the server to create the temporary database on")
    args = parser.parse_args(argv)
    if not (1 <= args.concurrency <= 500 and 1 <= args.duration <= 600 and args.warmup >= 0):
        parser.error("--concurrency 1..500 and --duration 1..600 s, please")
    if not 1 <= args.rounds <= args.duration or args.paced_rate <= 0:
        parser.error("--rounds between 1 and --duration, and a positive --paced-rate")
    if args.render_after < 1:
        parser.error("--render-after: at least one worker")
    if shutil.which("redis-server") is None:
        parser.error("the bench needs redis-server on PATH (limits and jobs live in Redis)")
    args.postgresql_url = normalize_database_url(args.postgresql_url)
    if make_url(args.postgresql_url).get_backend_name() != "postgresql":
        parser.error("--postgresql-url must name a PostgreSQL server")
    return args


def run(url: str, redis_url: str, args, instance: str) -> dict:
    secret = secrets.token_urlsafe(36)
    args.redis_url = redis_url
    started = time.monotonic()
    data.prepare(url)
    token_ids = data.load(url, args.employees, secret, instance)
    data.analyze(url)
    tokens = list(token_ids)
    app_tokens = client.Tokens(tokens[: len(tokens) // 3])
    floor_tokens = client.Tokens(tokens[len(tokens) // 3 :])
    print(
        f"Database: {len(tokens):,} unsigned employees with links, loaded in "
        f"{time.monotonic() - started:.1f} s; a third for the real app, the rest for the floor"
    )
    counters = data.Counters(url)
    tables_before = counters.tables()
    redis_before = phases.redis_info(redis_url, "memory", "used_memory")
    log = Path(instance) / "servers.log"
    png_url = client.signature_data_url()
    app_port, floor_port = free_port(), free_port()
    env = servers.app_environment(url, secret, instance, app_port, redis_url)
    running: list[servers.Gunicorn] = []
    try:
        running.append(servers.gunicorn(servers.APP, env, app_port, args.workers, log))
        running.append(servers.gunicorn(servers.FLOOR, env, floor_port, args.workers, log))
        app = phases.Phase(running[0], client.signer(app_tokens, "/s", png_url))
        floor = phases.Phase(running[1], client.signer(floor_tokens, "/f", png_url))
        print(
            f"Servers: gunicorn --workers {args.workers} --worker-class sync, the real app "
            f"(PAKTA_ENV=production, rate limits on, in Redis) on :{app_port}, the floor on "
            f":{floor_port}; all load from 127.0.0.1; no certificate rendered during the rounds"
        )
        print(
            f"\nCapacity: {args.concurrency} closed-loop signers, {args.warmup:g} s warm-up "
            f"each, then {args.rounds} alternating rounds, {args.duration:g} s counted each "
            f"(after a {args.ramp:g} s ramp a round)"
        )
        if not counters.autovacuum():
            print(
                "  (autovacuum is off on this server: the tables the load writes are analyzed "
                "after the warm-up and between rounds, as autovacuum would)"
            )
        phases.capacity(app, floor, counters, args)
        print(f"Paced: {args.paced_rate:g} arrivals/s for {args.paced_duration:g} s")
        paced = phases.paced(app, counters, args)
    finally:
        for server in running:
            server.stop()
    time.sleep(1.0)  # the backends report their counts as they exit
    # Every signature's job still waits in the queue, with the limits' counters of the last
    # minute: what a backlog costs Redis.
    redis_bytes = phases.redis_info(redis_url, "memory", "used_memory") - redis_before
    tables_after = counters.tables()
    signatures, _certificates = counters.counts()
    wal = app.wal_bytes / app.signed if app.signed else 0.0
    written = data.per_signature(tables_before, tables_after, {"floor_signature"}, signatures)
    floor_written = data.per_signature(
        tables_before,
        {"floor_signature": tables_after["floor_signature"]},
        set(),
        len(floor.tally.acknowledged),
    )

    print(
        f"\nReal app, capacity: {app.count} signatures in {app.seconds:.0f} s ({app.per_s:.1f}/s)"
    )
    print(f"  POST:  {report.describe(app.tally.post_ms)}")
    print(f"  flow:  {report.describe(app.tally.flow_ms)}  (3 requests, from the first GET)")
    print(report.cpu_line(app.used, app.signed))
    print(f"Floor: {floor.count} signatures in {floor.seconds:.0f} s ({floor.per_s:.1f}/s)")
    print(report.cpu_line(floor.used, floor.signed))
    for phase, name in ((app, "real app"), (floor, "floor")):
        if phase.ran_out:
            print(f"  ({name}: ran out of links; raise --employees)")
    acknowledged = len(paced.tally.acknowledged)
    print(f"Paced at {paced.rate:g}/s: {acknowledged} acknowledged")
    print(f"  from arrival:  {report.describe(paced.tally.flow_ms)}")
    print(f"  POST:          {report.describe(paced.tally.post_ms)}")
    print(report.cpu_line(paced.used, acknowledged))
    print(
        f"Database, per signature of the real app ({signatures} stored): "
        f"{written['writes']:.1f} row writes, {written['bytes']:,.0f} bytes of tables and "
        f"indexes, {wal:,.0f} bytes of WAL (the server's, others' writes included), "
        f"{app.redis_commands / (app.signed or 1):.1f} Redis commands, "
        f"{redis_bytes / (signatures or 1):,.0f} bytes of Redis memory while its job waits; "
        "the floor: "
        f"{floor_written['bytes']:,.0f} bytes a row"
    )
    report.print_errors(app.tally.errors + floor.tally.errors)
    if app.tally.errors:
        print(f"servers' log, last lines:\n{servers.log_tail(log)}")

    used = tokens[: app_tokens.used]
    check = data.compare(
        {token_ids[t]: number for t, number in app.tally.acknowledged.items()},
        data.stored_numbers(url, [token_ids[t] for t in used]),
    )
    print(
        f"\nCheck: acknowledged {check.acknowledged}, stored {check.stored} (missing "
        f"{check.missing}, duplicates {check.duplicates}, other number {check.mismatched}); "
        f"stored without a 303: {check.unacknowledged}"
    )
    rendering = phases.render_after(counters, env, log, args.render_after, args.render_timeout)
    signatures, certificates = counters.counts()
    certificate_bytes = data.per_signature(
        {"issued_certificate": tables_after["issued_certificate"]},
        {"issued_certificate": counters.tables()["issued_certificate"]},
        set(),
        rendering.certificates,
    )["bytes"]
    counters.dispose()
    print(
        f"Certificates, rendered after the rounds by {rendering.workers} `pakta worker --burst`: "
        f"{rendering.certificates} in {rendering.seconds:.1f} s "
        f"({rendering.per_worker_minute:.0f} per worker-minute, "
        f"{rendering.cpu / max(rendering.certificates, 1) * 1000:.0f} ms CPU each, start-up "
        f"included, {certificate_bytes:,.0f} bytes stored each); {certificates} of "
        f"{signatures} signatures have theirs"
    )
    figures = report.figures(
        app.per_s,
        floor.per_s,
        paced.rate,
        paced.tally.flow_ms,
        paced.tally.post_ms,
        len(app.tally.errors),
        check,
    )
    figures.update(
        floor_errors=len(floor.tally.errors),
        writes_per_signature=round(written["writes"], 1),
        bytes_per_signature=round(written["bytes"]),
        wal_bytes_per_signature=round(wal),
        redis_commands_per_signature=round(app.redis_commands / (app.signed or 1), 1),
        redis_bytes_per_queued_signature=round(redis_bytes / (signatures or 1)),
        gunicorn_cpu_ms_per_signature=round(app.used["gunicorn"] * 1000 / (app.signed or 1), 1),
        postgres_cpu_ms_per_signature=round(app.used["postgres"] * 1000 / (app.signed or 1), 1),
        floor_cpu_ms_per_signature=round(
            (floor.used["gunicorn"] + floor.used["postgres"]) * 1000 / (floor.signed or 1), 1
        ),
        certificates_per_worker_minute=round(rendering.per_worker_minute),
        certificate_bytes=round(certificate_bytes),
        all_certified=certificates >= signatures,
    )
    report.print_targets(figures)
    return figures


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    # A `timeout` or kill -TERM still stops the servers and Redis and drops the database.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    with (
        temporary_postgresql(args.postgresql_url, "pakta_apel") as url,
        tempfile.TemporaryDirectory(prefix="pakta-apel-") as instance,
    ):
        redis_process, redis_url = start_redis(instance)
        try:
            figures = run(url, redis_url, args, instance)
        finally:
            stop_process(redis_process)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
