"""Time rendering and sealing one certificate against a bare one-paragraph WeasyPrint PDF.

    .venv/bin/python bench/certificates.py [--runs 15] [--warmup 20] [--zip N]
                                           [--database-url URL]

Builds a fresh database (a temporary SQLite file unless --database-url names an empty one)
with the demo Pemda (``pakta.services.demo``: about 600 employees, a few hundred signatures
with drawn PNGs), a logo for its campaign (the demo has none; uploaded through
``campaigns.set_logo`` as an admin would), a signing key and the self-signed seal. Then, in
the same run:

* the median of --runs timings of ``issuing.produce`` for different signatures: what
  ``issuing.issue`` does for a signature without a certificate (signing key lookup,
  signed token, render, seal, digest), nothing stored; in the steady state of a worker that
  has issued a few certificates before (see --warmup);
* the median of --runs timings of ``HTML(string='<p>…</p>').write_pdf()`` with a fresh
  ``FontConfiguration`` each time;
* their ratio (target: at most 5x).

Each is first run --warmup times untimed, the certificate for other signatures than the timed
ones: the first certificates of a process pay for what a worker does once, not per
certificate (parsing the stylesheets, the seal's CMS template, and cffi parsing a C type for
every new length of array WeasyPrint hands HarfBuzz when subsetting a font, about 2 ms each,
which the first few dozen certificates keep meeting). Then the two take turns run by run, so
that a machine busy with something else slows both alike; the load average is printed
beside them.

With ``--zip N`` it also times ``bulk.export_zip`` of the whole campaign (topped up
to N signatures with synthetic signers when the demo has fewer) with one worker and with two,
deleting the issued certificates in between so that both runs issue every certificate.

The last line printed is one JSON object: ``{"certificate_ms", "bare_ms", "ratio"}`` (and the
ZIP timings when --zip was given).
"""

import argparse
import io
import json
import os
import statistics
import tempfile
import time
import uuid
import zipfile

from _common import migrated_app, timed_ms  # the repository on sys.path
from PIL import Image, ImageDraw
from sqlalchemy import delete, func, insert, select
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from pakta.db import database, get_session
from pakta.keys import certificate as certificate_keys
from pakta.keys import seal
from pakta.models import Campaign, Employee, IssuedCertificate, Signature
from pakta.services import campaigns, demo
from pakta.services.certificates import bulk, issuing

PEMDA = "Pemerintah Kota Sukamaju"
BARE_HTML = (
    "<p>Pakta integritas netralitas Aparatur Sipil Negara dalam Pemilihan Kepala Daerah "
    "Serentak Tahun 2024.</p>"
)


def bare_pdf(_n: int) -> bytes:
    return HTML(string=BARE_HTML).write_pdf(font_config=FontConfiguration())


def certificate_pdf(session, signatures: list[Signature], issuer: issuing.Issuer):
    """Produce the n-th signature's certificate, as ``issuing.issue`` does."""

    def action(n: int) -> bytes:
        return issuing.produce(session, signatures[n % len(signatures)], issuer).pdf

    return action


def logo_png() -> bytes:
    """A coat of arms as a Pemda would upload it: 600 x 720 pixels, shaded, transparent around."""
    image = Image.new("RGBA", (600, 720), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for row in range(700):  # a shaded shield, so that it does not compress to nothing
        half = 280 if row < 420 else 700 - row
        shade = (180 + row % 60, 140 + row // 10 % 40, 30, 255)
        draw.line((300 - half, row + 10, 300 + half, row + 10), fill=shade)
    draw.ellipse(
        (170, 140, 430, 400), fill=(20, 90, 60, 255), outline=(250, 250, 250, 255), width=8
    )
    draw.polygon([(300, 170), (360, 300), (240, 300)], fill=(250, 220, 60, 255))
    draw.rectangle((230, 440, 370, 560), fill=(170, 25, 25, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def add_synthetic_signatures(session, campaign: Campaign, wanted: int) -> None:
    """Extra employees who signed like the demo's signers did, up to ``wanted`` signatures."""
    have = session.scalar(select(func.count()).select_from(Signature))
    if have >= wanted:
        return
    models = session.scalars(
        select(Signature).where(Signature.signature_png.is_not(None)).limit(40)
    ).all()
    employees, signatures = [], []
    for n in range(wanted - have):
        model = models[n % len(models)]
        employees.append(
            {
                "id": 1_000_000 + n,
                "identity_number": f"BENCH{n:013d}",
                "name": f"{model.signer_name.split(',')[0]} {n}",
                "position": model.signer_position,
                "employment_type": model.employee.employment_type,
                "unit_id": model.unit_id,
                "active": True,
                "created_at": model.created_at,
                "updated_at": model.created_at,
            }
        )
        signatures.append(
            {
                "public_id": uuid.uuid4().hex[:22],
                "certificate_number": f"BENCH-{n:06d}",
                "campaign_id": campaign.id,
                "employee_id": 1_000_000 + n,
                "pact_text_id": model.pact_text_id,
                "pact_sha256": model.pact_sha256,
                "acknowledged_points": model.acknowledged_points,
                "unit_id": model.unit_id,
                "unit_name": model.unit_name,
                "signer_name": f"{model.signer_name.split(',')[0]} {n}",
                "signer_position": model.signer_position,
                "signed_at": model.signed_at,
                "method": model.method,
                "ip_address": model.ip_address,
                "user_agent": model.user_agent,
                "signature_png": model.signature_png,
                "created_at": model.created_at,
            }
        )
    session.execute(insert(Employee), employees)
    session.execute(insert(Signature), signatures)


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
    args = parser.parse_args()
    warmup = max(1, args.warmup)

    with tempfile.TemporaryDirectory() as directory:
        app = migrated_app(args.database_url, directory)
        with app.app_context():
            session = get_session()
            demo.load(session)
            certificate_keys.init(session, app.instance_path, None)
            seal.init_self_signed(app.instance_path, PEMDA)
            session.commit()
            campaign = session.scalar(select(Campaign))
            campaigns.set_logo(campaign, logo_png())
            session.commit()
            if args.zip:
                add_synthetic_signatures(session, campaign, args.zip)
                session.commit()
            signatures = session.scalars(
                select(Signature)
                .where(Signature.signature_png.is_not(None))
                .order_by(Signature.id)
                .limit(warmup + args.runs)
            ).all()
            count = session.scalar(select(func.count()).select_from(Signature))
            print(f"demo Pemda loaded: {count} signatures; libharfbuzz-subset0: {harfbuzz()}")

            issuer = issuing.issuer_for_app()
            action = certificate_pdf(session, signatures, issuer)
            size = len(action(0))
            timings = timed_ms({"certificate": action, "bare": bare_pdf}, args.runs, warmup)
            session.rollback()

        certificate_ms = statistics.median(timings["certificate"])
        bare_ms = statistics.median(timings["bare"])
        ratio = certificate_ms / bare_ms
        spread = {name: f"{min(t):.0f}-{max(t):.0f} ms" for name, t in timings.items()}
        print(
            f"certificate, render + seal: {certificate_ms:8.1f} ms  (median of {args.runs}; "
            f"{spread['certificate']}; {size / 1024:.0f} KiB)"
        )
        print(
            f"bare one-paragraph PDF:     {bare_ms:8.1f} ms  "
            f"({spread['bare']}; a fresh FontConfiguration each time)"
        )
        print(f"ratio:                      {ratio:8.2f}x  (target <= 5x)")
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"load average: {load} on {os.cpu_count()} CPUs (the timings are wall time)")
        figures = {
            "certificate_ms": round(certificate_ms, 1),
            "bare_ms": round(bare_ms, 1),
            "ratio": round(ratio, 2),
        }

        if args.zip:
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
        database(app).engine.dispose()
    print(json.dumps(figures))


def harfbuzz() -> str:
    try:
        from weasyprint.text.ffi import harfbuzz_subset

        return "loaded" if harfbuzz_subset is not None else "missing"
    except ImportError:  # pragma: no cover - older WeasyPrint
        return "unknown"


if __name__ == "__main__":
    main()
