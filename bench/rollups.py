"""Time the logged-in dashboard, /admin/rekap/, against a floor of the same shape.

    .venv/bin/python bench/rollups.py [--employees 50000] [--units 400] [--signatures 40000]
                                      [--runs 30] [--workers 2] [--import-rows 50000]
                                      [--postgresql-url URL]

Builds a Pemda (Pemda -> 40 OPDs -> about 360 bidang, UPT and schools) with its roster, one
campaign's signatures and an admin, bulk-inserted into a temporary database on the PostgreSQL
server of --postgresql-url (default: PAKTA_TEST_DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/test), dropped afterwards. About 3% of the roster is
inactive and 2% of the signers moved after signing.

Then, as production runs, two apps under the same gunicorn (sync workers, same settings):

* the real app (``wsgi:app``, PAKTA_ENV=production, rate limits on, their storage a private
  redis-server as PAKTA_REDIS_URL; ``memory://`` when redis-server is absent, said so);
* the floor, ``bench/rollups_floor.py``: a bare Flask app with Flask-Login whose page runs
  one SELECT of the tally rows, sums subtrees in Python and renders one Jinja table.

One client logs in to each through its ``/masuk`` form (CSRF token and all, as a browser
does) and then, round after round, GETs the dashboard, the floor's page and the drill-down
into the biggest OPD (``/admin/rekap/unit/<code>``: its units and the first page of its
people), taking turns so that a busy machine slows them alike. Targets: dashboard median
<= 2x the floor's, drill-down < 200 ms, the dashboard's HTML under 100 KB (1 KB = 1024
bytes here).

Last, ``bench/roster_import.py --rows N`` runs on a second temporary database of the same
server (target: 50,000 rows in under 15 s). The last line printed is one JSON object.
"""

import argparse
import contextlib
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
from _common import (  # the repository on sys.path
    ROOT,
    Browser,
    add_postgresql_url,
    gunicorn,
    private_redis,
    temporary_postgresql,
    timed_ms,
)
from sqlalchemy import insert, make_url, text
from sqlalchemy.orm import Session

from pakta import migrate
from pakta.config import normalize_database_url
from pakta.db import make_engine
from pakta.keys import totp
from pakta.models import Employee, Signature, Unit, utcnow
from pakta.services import accounts, campaigns, rollups

OPENS = datetime(2024, 7, 27, 17, 0, tzinfo=UTC)  # 28 July, 00:00 WIB
CHUNK = 5_000
SLUG = "pilkada-2024"
ADMIN = "admin@contoh.go.id"
PASSWORD = secrets.token_urlsafe(12)
TOTP_SECRET = pyotp.random_base32()
# Sealed into the database by load(), written for the apps by serve().
TOTP_KEYRING = totp.Keyring((totp.new_key(),))


# -- the data -----------------------------------------------------------------------------


def make_units(count: int) -> list[dict]:
    """Pemda, 40 OPDs, and the rest spread under them (a few OPDs, like Disdik, have many)."""
    now = datetime.now(UTC)
    units = [dict(id=1, code="PEMDA", name="Pemerintah Kota Contoh", parent_id=None)]
    opds = min(40, count - 1)
    for i in range(opds):
        units.append(
            dict(id=2 + i, code=f"OPD-{i:02d}", name=f"Perangkat Daerah {i:02d}", parent_id=1)
        )
    rng = random.Random(5)
    weights = [8 if i in (0, 1) else 1 for i in range(opds)]  # Disdik's schools, Dinkes' UPTs
    for n in range(count - 1 - opds):
        parent = 2 + rng.choices(range(opds), weights)[0]
        unit_id = len(units) + 1
        code = f"OPD-{parent - 2:02d}-{n:03d}"
        units.append(dict(id=unit_id, code=code, name=f"Sub Unit {n:03d}", parent_id=parent))
    for unit in units:
        unit.update(active=True, created_at=now)
    return units


def make_employees(count: int, unit_ids: list[int], rng: random.Random) -> list[dict]:
    now = datetime.now(UTC)
    kinds = rng.choices(["PNS", "PPPK", "NON_ASN"], [55, 25, 20], k=count)
    return [
        dict(
            id=i + 1,
            identity_number=f"B{i:017d}",
            name=f"Pegawai Nomor {i}",
            position="Pelaksana",
            employment_type=kinds[i],
            unit_id=rng.choice(unit_ids),
            email=f"pegawai{i}@contoh.go.id",
            phone=None,
            verification_code_hash=None,
            active=rng.random() >= 0.03,
            created_at=now,
            updated_at=now,
        )
        for i in range(count)
    ]


def make_signatures(
    employees: list[dict], count: int, campaign_id: int, pact, rng: random.Random
) -> list[dict]:
    now = datetime.now(UTC)
    signers = rng.sample(employees, count)
    rows = []
    for n, employee in enumerate(signers):
        # Office hours, most of it in the first week.
        day = min(int(rng.expovariate(1 / 4)), 20)
        signed_at = OPENS + timedelta(days=day, hours=1 + rng.random() * 9)
        rows.append(
            dict(
                public_id=uuid.uuid4().hex[:22],
                certificate_number=f"PI24-{n // 10_000:04d}-{n % 10_000:04d}",
                campaign_id=campaign_id,
                employee_id=employee["id"],
                pact_text_id=pact.id,
                pact_sha256=pact.sha256,
                acknowledged_points=list(range(1, len(pact.points) + 1)),
                unit_id=employee["unit_id"],
                unit_name="Sub Unit",
                signer_name=employee["name"],
                signer_position=employee["position"],
                signed_at=signed_at,
                method="kiosk" if n % 3 else "personal_link",
                witness_user_id=None,
                ip_address="10.0.0.1",
                user_agent="Mozilla/5.0 (bench)",
                signature_png=None,
                typed_name=employee["name"],
                created_at=now,
            )
        )
    return rows


def load(engine, args) -> int:
    """Bulk-insert the Pemda and its admin; returns the campaign id."""
    rng = random.Random(2024)
    with Session(engine) as session:
        units = make_units(args.units)
        session.execute(insert(Unit), units)
        campaign = campaigns.create_campaign(
            session,
            slug=SLUG,
            title="Pilkada 2024",
            issuing_authority="Pemerintah Kota Contoh",
            place="Contoh",
            opens_at=OPENS,
            closes_at=OPENS + timedelta(days=30),
        )
        employees = make_employees(args.employees, [u["id"] for u in units], rng)
        for start in range(0, len(employees), CHUNK):
            session.execute(insert(Employee), employees[start : start + CHUNK])
        signatures = make_signatures(employees, args.signatures, campaign.id, campaign.pact, rng)
        for start in range(0, len(signatures), CHUNK):
            session.execute(insert(Signature), signatures[start : start + CHUNK])
        # Moves after signing: the signature keeps the old unit, the roster has the new one.
        movers = rng.sample(signatures, len(signatures) // 50)
        for row in movers:
            session.execute(
                Employee.__table__.update()
                .where(Employee.id == row["employee_id"])
                .values(unit_id=rng.choice(units)["id"])
            )
        admin = accounts.create_user(
            session, email=ADMIN, name="Admin Setda", role="admin", password=PASSWORD
        )
        # Admins work only with two-step login on; the bench's browser answers the code step.
        session.flush()
        admin.totp_secret = TOTP_KEYRING.seal(TOTP_SECRET, admin.id)
        admin.totp_confirmed_at = utcnow()
        campaign_id = campaign.id
        session.commit()
    return campaign_id


def analyze(engine) -> None:
    """Statistics as autovacuum would have gathered them on a live server."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


# -- the measurement ----------------------------------------------------------------------


def biggest_opd(engine, campaign_id: int) -> tuple[str, int]:
    """The code and rolled-up roster of the OPD (a unit right under the Pemda) with most people."""
    with Session(engine) as session:
        opds = [row for row in rollups.unit_rollups(session, campaign_id) if row.depth == 1]
    top = max(opds, key=lambda row: row.total.roster)
    return top.code, top.total.roster


def environment(url: str, secret: str, redis_url: str | None) -> dict:
    """Production settings for both apps; nothing PAKTA_* from this shell leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAKTA_")}
    env.update(PAKTA_ENV="production", PAKTA_DATABASE_URL=url, PAKTA_SECRET_KEY=secret)
    if redis_url:
        env["PAKTA_REDIS_URL"] = redis_url
    return env


def roster_import(server_url: str, rows: int) -> dict:
    """bench/roster_import.py on a fresh database of the same server: its JSON line."""
    with temporary_postgresql(server_url, "pakta_bench_import") as url:
        finished = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [sys.executable, str(ROOT / "bench" / "roster_import.py"), "--rows", str(rows)]
            + ["--database-url", url],
            capture_output=True,
            text=True,
        )
    if finished.returncode:
        raise RuntimeError(f"bench/roster_import.py failed:\n{finished.stderr[-3000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def serve(stack: contextlib.ExitStack, directory: str, url: str, args) -> tuple[int, int]:
    """Starts Redis (when installed) and both apps under gunicorn; returns their ports."""
    redis_url = None
    if shutil.which("redis-server"):
        redis_url = stack.enter_context(private_redis(directory))
    env = environment(url, secrets.token_urlsafe(36), redis_url)
    folder = Path(directory)
    totp.write(folder / "totp-secrets.key", TOTP_KEYRING)
    env["PAKTA_TOTP_KEY_FILE"] = str(folder / "totp-secrets.key")
    app_port = stack.enter_context(gunicorn("wsgi:app", env, folder / "app.log", args.workers))
    floor_port = stack.enter_context(
        gunicorn("bench.rollups_floor:create_app()", env, folder / "floor.log", args.workers)
    )
    limits = (
        f"stored in a private redis-server ({redis_url})"
        if redis_url
        else "stored in memory:// (redis-server is not installed)"
    )
    print(
        f"Server: gunicorn --workers {args.workers} (sync) for each app; "
        f"PAKTA_ENV=production, rate limits on, {limits}"
    )
    return app_port, floor_port


def measure(url: str, campaign_id: int, args) -> dict:
    engine = make_engine(url)
    code, people = biggest_opd(engine, campaign_id)
    engine.dispose()
    dashboard = f"/admin/rekap/?campaign={SLUG}"
    drilldown = f"/admin/rekap/unit/{code}?campaign={SLUG}"
    with (
        tempfile.TemporaryDirectory(prefix="pakta-rollups-") as directory,
        contextlib.ExitStack() as stack,
    ):
        app_port, floor_port = serve(stack, directory, url, args)
        app, floor = Browser(app_port), Browser(floor_port)
        stack.callback(app.close)
        stack.callback(floor.close)
        app.log_in(ADMIN, PASSWORD, totp_secret=TOTP_SECRET)
        floor.log_in(ADMIN, PASSWORD)
        pages = {
            "dashboard": lambda _n: app.get_ok(dashboard),
            "floor": lambda _n: floor.get_ok(dashboard),
            "drilldown": lambda _n: app.get_ok(drilldown),
        }
        sizes = {name: len(page(0)) / 1024 for name, page in pages.items()}
        timings = timed_ms(pages, args.runs, warmup=3)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    ratio = medians["dashboard"] / medians["floor"]
    print(f"Pages, median of {args.runs} alternating rounds (one client, keep-alive):")
    print(
        f"  dashboard /admin/rekap/     {medians['dashboard']:7.1f} ms  "
        f"{sizes['dashboard']:6.1f} KB  (target < 100 KB)"
    )
    print(f"  floor (one SELECT, table)   {medians['floor']:7.1f} ms  {sizes['floor']:6.1f} KB")
    print(f"  ratio                       {ratio:7.2f}x     (target <= 2x)")
    print(
        f"  drill-down into {code} ({people:,} people): {medians['drilldown']:.1f} ms, "
        f"{sizes['drilldown']:.1f} KB  (target < 200 ms)"
    )
    return {
        "dashboard_ms": medians["dashboard"],
        "floor_ms": medians["floor"],
        "ratio": ratio,
        "drilldown_ms": medians["drilldown"],
        "dashboard_kb": sizes["dashboard"],
        "floor_kb": sizes["floor"],
        "drilldown_kb": sizes["drilldown"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--signatures", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each app")
    parser.add_argument(
        "--import-rows", type=int, default=50_000, help="roster import rows; 0 skips it"
    )
    add_postgresql_url(parser, help="a server to create the temporary databases on")
    args = parser.parse_args()
    server_url = normalize_database_url(args.postgresql_url)
    if make_url(server_url).get_backend_name() != "postgresql":
        parser.error("--postgresql-url must name a PostgreSQL server")

    with temporary_postgresql(server_url, "pakta_bench") as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        started = datetime.now(UTC)
        campaign_id = load(engine, args)
        analyze(engine)
        engine.dispose()
        print(
            f"Database: {args.units} units, {args.employees:,} employees, "
            f"{args.signatures:,} signatures loaded in "
            f"{(datetime.now(UTC) - started).total_seconds():.1f} s"
        )
        figures = measure(url, campaign_id, args)
    if args.import_rows:
        imported = roster_import(server_url, args.import_rows)
        figures["import_s"] = imported["seconds"]
        print(
            f"Roster import: {args.import_rows:,} rows in {imported['seconds']:.2f} s "
            "(bench/roster_import.py on PostgreSQL; target < 15 s)"
        )
    busy = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Load average (1, 5, 15 min) at the end: {busy} on {os.cpu_count()} cores")
    print(json.dumps({key: round(value, 2) for key, value in figures.items()}))


if __name__ == "__main__":
    main()
