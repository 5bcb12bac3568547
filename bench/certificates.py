"""Time rendering and sealing one certificate against a bare one-paragraph WeasyPrint PDF, and
certificates in bulk through the queue against one certificate at a time.

    .venv/bin/python bench/certificates.py [--runs 15] [--warmup 20] [--zip N]
                                           [--database-url URL] [--bulk 2000]
                                           [--bulk-workers 2] [--worker-args ARGS]
                                           [--postgresql-url URL] [--one-job-each]

A quicker smoke run: ``--runs 5 --warmup 5 --bulk 200``; ``--bulk 0`` skips the bulk part.

One certificate at a time. Builds a fresh database (a temporary SQLite file unless
--database-url names an empty one) with the demo Pemda (``pakta.services.demo``: about 600
employees, a few hundred signatures with drawn PNGs), a logo for its campaign (the demo has
none; uploaded through ``campaigns.set_logo`` as an admin would), a signing key and the
self-signed seal (ECDSA P-256, as ``pakta keys init`` makes it). Then, in the same run:

* the median of --runs timings of ``issuing.produce`` for different signatures: what
  ``issuing.issue`` does for a signature without a certificate (signing key lookup,
  signed token, render, seal, digest), nothing stored; in the steady state of a worker that
  has issued a few certificates before (see --warmup);
* the floor: the median of --runs timings of ``HTML(string='<p>…</p>').write_pdf()``;
* their ratio (target: at most 6x).

Each is first run --warmup times untimed, the certificate for other signatures than the timed
ones: the first certificates of a process pay for what a worker does once, not per
certificate (parsing the stylesheets and the seal's key, and cffi parsing a C type for
every new length of array WeasyPrint hands HarfBuzz when subsetting a font, about 2 ms each,
which the first few dozen certificates keep meeting). Then the two take turns run by run, so
that a machine busy with something else slows both alike; the load average is printed
beside them.

In bulk (``_certificate_queue``), unless ``--bulk 0``: on a temporary database on the
PostgreSQL server of --postgresql-url (default: PAKTA_TEST_DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/test) and a private redis-server on a free loopback
port, the same site topped up to --bulk signatures with synthetic signers; every certificate
is asked for with ``pakta.jobs.enqueue_certificates``, in jobs of ``BATCH_SIZE`` signatures
as the reconciler asks for them after an outage or a mass signing (``--one-job-each``: with
``pakta.jobs.enqueue_certificate``, one job a signature as the signing page does); then
--bulk-workers real ``pakta worker --burst`` processes (production settings: PAKTA_ENV=
production, rate limits on; the signing key and the seal come in PAKTA_SIGNING_KEY and
PAKTA_SEAL_PKCS12) are started, and timed until every certificate is stored. The figures:

* ``bulk_per_min``: certificates stored per minute, from starting the workers (their
  start-up and warm-up included) until the last one is stored;
* ``bulk_scaling``: ``bulk_per_min`` over the rate of one certificate at a time, taken as
  60 000 / the certificate median above (in-process, nothing stored, no queue; not a
  one-worker run): what two workers achieve against one core doing nothing but certificates
  (target: at least 1.6x on 2 cores, 80% of perfect scaling);
* ``bulk_cpu_ms_per_certificate``: the CPU time of the workers (with any work horses they
  forked) per certificate, start-up included, printed beside ``certificate_cpu_ms`` (the
  median CPU time of one certificate above): what the job, the queue and the database add
  to the render, whatever else keeps the machine's cores busy.

--worker-args passes more arguments to ``pakta worker`` (``--fork`` to compare forked work
horses). Redis, the workers and the database are stopped and dropped at the end, also after
an error.

With ``--zip N`` it also times ``bulk.export_zip`` of the whole campaign (topped up
to N signatures with synthetic signers when the demo has fewer) with one worker and with two,
deleting the issued certificates in between so that both runs issue every certificate.

The last line printed is one JSON object: ``{"certificate_ms", "bare_ms", "ratio",
"certificate_cpu_ms", "bulk_certificates", "bulk_s", "bulk_per_min", "bulk_scaling",
"bulk_cpu_ms_per_certificate"}`` (and the ZIP timings when --zip was given).
"""

import argparse
import io
import json
import os
import statistics
import tempfile
import time
import zipfile

from _certificate_queue import run_bulk
from _certificate_site import load_site
from _common import add_postgresql_url, migrated_app, timed_ms  # the repository on sys.path
from sqlalchemy import delete, func, select
from weasyprint import HTML

from pakta.db import database, get_session
from pakta.models import Campaign, IssuedCertificate, Signature
from pakta.services.certificates import bulk, issuing

BARE_HTML = (
    "<p>Pakta integritas netralitas Aparatur Sipil Negara dalam Pemilihan Kepala Daerah "
    "Serentak Tahun 2024.</p>"
)
RATIO_TARGET = 6.0
SCALING_TARGET = 1.6


def bare_pdf(_n: int) -> bytes:
    return HTML(string=BARE_HTML).write_pdf()


def certificate_pdf(session, signatures: list[Signature], issuer: issuing.Issuer, cpu_ms: list):
    """Produce the n-th signature's certificate, as ``issuing.issue`` does; appends the CPU
    time each took to ``cpu_ms``."""

    def action(n: int) -> bytes:
        started = time.process_time()
        pdf = issuing.produce(session, signatures[n % len(signatures)], issuer).pdf
        cpu_ms.append((time.process_time() - started) * 1000)
        return pdf

    return action


def time_zip(app, campaign_id: int, workers: int) -> tuple[float, int, int]:
    with app.app_context():
        session = get_session()
        session.execute(delete(IssuedCertificate))
        session.commit()
    buffer = io.BytesIO()
    started = time.perf_counter()
    count = bulk.export_zip(app, campaign_id, None, buffer, workers=workers)
    seconds = time.perf_counter() - started
    with zipfile.ZipFile(buffer) as archive:
        assert len(archive.namelist()) == count
    return seconds, count, len(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=20, help="untimed runs first (min. 1)")
    parser.add_argument("--zip", type=int, default=0, help="also time a ZIP of N certificates")
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument(
        "--bulk", type=int, default=2000, help="certificates issued through the queue (0: none)"
    )
    parser.add_argument("--bulk-workers", type=int, default=2, help="`pakta worker` processes")
    parser.add_argument(
        "--worker-args", default="", help="more arguments for `pakta worker`, e.g. --fork"
    )
    parser.add_argument(
        "--one-job-each",
        action="store_true",
        help="in bulk, one job a certificate (as the signing page asks) instead of batches",
    )
    add_postgresql_url(parser, "the PostgreSQL server of --bulk (a database is made there)")
    args = parser.parse_args()

    figures = single(args)
    if args.bulk:
        figures.update(queued(args, figures["certificate_ms"], figures["certificate_cpu_ms"]))
    print(json.dumps(figures))


def single(args) -> dict:
    """One certificate at a time, in this process, against the bare PDF."""
    warmup = max(1, args.warmup)
    with tempfile.TemporaryDirectory() as directory:
        app = migrated_app(args.database_url, directory)
        with app.app_context():
            session = get_session()
            load_site(session, app.instance_path, args.zip)
            signatures = session.scalars(
                select(Signature)
                .where(Signature.signature_png.is_not(None))
                .order_by(Signature.id)
                .limit(warmup + args.runs)
            ).all()
            count = session.scalar(select(func.count()).select_from(Signature))
            print(f"demo Pemda loaded: {count} signatures; libharfbuzz-subset0: {harfbuzz()}")

            issuer = issuing.issuer_for_app()
            cpu_ms = []
            action = certificate_pdf(session, signatures, issuer, cpu_ms)
            size = len(action(0))
            timings = timed_ms({"certificate": action, "bare": bare_pdf}, args.runs, warmup)
            session.rollback()

        certificate_ms = statistics.median(timings["certificate"])
        certificate_cpu_ms = statistics.median(cpu_ms[-args.runs :])
        bare_ms = statistics.median(timings["bare"])
        ratio = certificate_ms / bare_ms
        spread = {name: f"{min(t):.0f}-{max(t):.0f} ms" for name, t in timings.items()}
        print(
            f"certificate, render + seal: {certificate_ms:8.1f} ms  (median of {args.runs}; "
            f"{spread['certificate']}; {size / 1024:.0f} KiB)"
        )
        print(f"  its CPU time:             {certificate_cpu_ms:8.1f} ms  (median)")
        print(f"bare one-paragraph PDF:     {bare_ms:8.1f} ms  ({spread['bare']})")
        print(f"ratio:                      {ratio:8.2f}x  (target <= {RATIO_TARGET:g}x)")
        print(load_line())
        figures = {
            "certificate_ms": round(certificate_ms, 1),
            "bare_ms": round(bare_ms, 1),
            "ratio": round(ratio, 2),
            "certificate_cpu_ms": round(certificate_cpu_ms, 1),
        }
        if args.zip:
            figures.update(zips(app))
        database(app).engine.dispose()
    return figures


def queued(args, certificate_ms: float, certificate_cpu_ms: float) -> dict:
    """--bulk certificates through Redis and --bulk-workers `pakta worker` processes."""
    run = run_bulk(
        args.postgresql_url,
        args.bulk,
        args.bulk_workers,
        args.worker_args,
        one_job_each=args.one_job_each,
    )
    one_at_a_time = 60_000 / certificate_ms
    scaling = run.per_min / one_at_a_time
    cpu_ms = run.worker_cpu_seconds * 1000 / run.certificates
    print(
        f"bulk, {run.certificates} certificates "
        f"{'one job each' if args.one_job_each else 'in batches'} by {run.workers} "
        f"`pakta worker --burst {args.worker_args}`: {run.seconds:6.1f} s, {run.per_min:.0f}/min"
    )
    print(
        f"  one at a time (60 000 / {certificate_ms:.1f} ms): {one_at_a_time:.0f}/min; "
        f"scaling {scaling:.2f}x (target >= {SCALING_TARGET:g}x on 2 cores)"
    )
    print(
        f"  worker CPU per certificate (with their work horses, start-up included): "
        f"{cpu_ms:.1f} ms, {cpu_ms / certificate_cpu_ms:.2f}x one certificate's in this process"
    )
    print(load_line())
    return {
        "bulk_certificates": run.certificates,
        "bulk_s": round(run.seconds, 1),
        "bulk_per_min": round(run.per_min),
        "bulk_scaling": round(scaling, 2),
        "bulk_cpu_ms_per_certificate": round(cpu_ms, 1),
    }


def zips(app) -> dict:
    figures = {}
    with app.app_context():
        campaign_id = get_session().scalar(select(Campaign.id))
    for workers in (1, 2):
        seconds, written, size = time_zip(app, campaign_id, workers)
        print(
            f"ZIP of {written} certificates, {workers} worker(s): {seconds:6.1f} s "
            f"({written / seconds:.1f}/s, {size / 1e6:.1f} MB)"
        )
        figures[f"zip_{workers}_workers_s"] = round(seconds, 1)
        figures["zip_certificates"] = written
    return figures


def load_line() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"load average: {load} on {os.cpu_count()} CPUs (the timings are wall time)"


def harfbuzz() -> str:
    try:
        from weasyprint.text.ffi import harfbuzz_subset

        return "loaded" if harfbuzz_subset is not None else "missing"
    except ImportError:  # pragma: no cover - older WeasyPrint
        return "unknown"


if __name__ == "__main__":
    main()
