"""Time the whole-tree compliance rollup against a bare count of signatures.

    .venv/bin/python bench/rollups.py [--employees 50000] [--units 400] [--signatures 40000]
                                      [--runs 15] [--postgresql-url URL]

Builds a Pemda (Pemda -> 40 OPDs -> about 360 bidang, UPT and schools) with its roster and one
campaign's signatures, bulk-inserted into a fresh database: a temporary SQLite file, then a
temporary database on the PostgreSQL server of --postgresql-url (default: PAKTA_TEST_DATABASE_URL,
else postgresql://postgres@127.0.0.1:5432/test), dropped afterwards; PostgreSQL is skipped, with
the reason printed, when the server does not answer. About 3% of the roster is inactive and 2% of
the signers moved after signing. Signatures carry a typed name and no drawn PNG, which keeps the
signature table lean and so the bare count as cheap as it gets.

On each database it reports the median of --runs timings of ``unit_rollups(session, campaign)``
(whole tree, roster view) and of ``SELECT count(*) FROM signature`` through the same session,
and their ratio (target: at most 10x, and under 150 ms on PostgreSQL). The last line printed is
one JSON object of those figures.

The rollup reads the running tallies (services.tallies), which the bulk load's commit recounts
as a roster import's would; what keeping them costs is printed too: the recount of one campaign
that follows a roster import (a signature adds one upsert, measured by bench/apel.py).
"""

import argparse
import contextlib
import json
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import (  # the repository on sys.path
    add_postgresql_url,
    median_ms,
    temporary_postgresql,
)
from sqlalchemy import insert, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from pakta import migrate
from pakta.config import normalize_database_url
from pakta.db import make_engine
from pakta.models import Employee, Signature, Unit
from pakta.services import campaigns, rollups, tallies

OPENS = datetime(2024, 7, 27, 17, 0, tzinfo=UTC)  # 28 July, 00:00 WIB
CHUNK = 5_000


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
    """Bulk-insert the Pemda; returns the campaign id."""
    rng = random.Random(2024)
    with Session(engine) as session:
        units = make_units(args.units)
        session.execute(insert(Unit), units)
        campaign = campaigns.create_campaign(
            session,
            slug="pilkada-2024",
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
        campaign_id = campaign.id
        session.commit()
    return campaign_id


def analyze(engine) -> None:
    """Statistics as autovacuum (PostgreSQL) would have gathered them on a live server."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


# -- the measurement ----------------------------------------------------------------------


def recount_and_undo(session: Session, campaign_id: int) -> None:
    tallies.recount(session, [campaign_id])
    session.rollback()


def bench(label: str, url: str, args) -> dict[str, float]:
    # The services take a plain session: no Flask app is needed, only the migrated schema.
    engine = make_engine(url)
    migrate.upgrade(engine)
    started = time.perf_counter()
    campaign_id = load(engine, args)
    analyze(engine)
    print(
        f"{label}: {args.units} units, {args.employees:,} employees, "
        f"{args.signatures:,} signatures loaded in {time.perf_counter() - started:.1f} s"
    )
    with Session(engine) as session:
        result = rollups.unit_rollups(session, campaign_id)
        total = rollups.overall(result)
        print(
            f"  whole Pemda: {total.signed:,}/{total.roster:,} signed ({total.rate:.1f}%), "
            f"{len(result)} rows"
        )
        count = session.execute(text("SELECT count(*) FROM signature")).scalar_one()
        assert count == args.signatures, count
        rollup_ms = median_ms(lambda: rollups.unit_rollups(session, campaign_id), args.runs)
        count_ms = median_ms(
            lambda: session.execute(text("SELECT count(*) FROM signature")).scalar_one(),
            args.runs,
        )
        history_ms = median_ms(
            lambda: rollups.unit_rollups(session, campaign_id, view=rollups.View.HISTORY),
            args.runs,
        )
        one_opd = {u.unit_id for u in result if u.code.startswith("OPD-00")}
        scoped_ms = median_ms(
            lambda: rollups.unit_rollups(session, campaign_id, root_unit_ids=one_opd),
            args.runs,
        )
        recount_ms = median_ms(lambda: recount_and_undo(session, campaign_id), args.runs)
    engine.dispose()
    ratio = rollup_ms / count_ms
    print(f"  rollup (whole tree, roster view): {rollup_ms:8.2f} ms  (median of {args.runs})")
    print(f"  SELECT count(*) FROM signature:   {count_ms:8.2f} ms")
    print(f"  ratio:                            {ratio:8.1f}x  (target <= 10x)")
    print(f"  history view: {history_ms:.2f} ms; one OPD's sub-tree: {scoped_ms:.2f} ms")
    print(f"  keeping the tallies: a recount of the campaign {recount_ms:.1f} ms (after an import)")
    return {"rollup_ms": rollup_ms, "count_ms": count_ms, "ratio": ratio}


def with_temporary_postgresql(server_url: str, action: Callable[[str], dict]) -> dict | None:
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(temporary_postgresql(server_url, "pakta_bench"))
        except OperationalError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            print(f"postgresql: skipped, the server did not answer ({reason})")
            return None
        return action(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--signatures", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=15)
    add_postgresql_url(
        parser, help="a server to create the temporary database on; 'none' skips PostgreSQL"
    )
    args = parser.parse_args()

    figures: dict[str, float | None] = {}
    with tempfile.TemporaryDirectory() as directory:
        sqlite = bench("sqlite", f"sqlite:///{Path(directory) / 'bench.sqlite3'}", args)
    figures.update({f"sqlite_{key}": value for key, value in sqlite.items()})

    postgresql = None
    if args.postgresql_url.lower() != "none":
        server_url = normalize_database_url(args.postgresql_url)
        postgresql = with_temporary_postgresql(
            server_url, lambda url: bench("postgresql", url, args)
        )
    else:
        print("postgresql: skipped (--postgresql-url none)")
    for key in ("rollup_ms", "count_ms", "ratio"):
        figures[f"postgresql_{key}"] = postgresql[key] if postgresql else None
    print(json.dumps({key: round(v, 2) if v is not None else None for key, v in figures.items()}))


if __name__ == "__main__":
    main()
