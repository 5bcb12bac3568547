"""The bench's database: a Pemda with everyone's link, the check of what was stored, and
PostgreSQL's own counters of what the load wrote."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.pool import NullPool

from bench.apel import floor
from pakta import create_app, migrate
from pakta.db import database, get_session, make_engine
from pakta.keys import certificate as certificate_keys
from pakta.keys import seal
from pakta.models import Employee, EmploymentType, IssuedCertificate, Signature, Unit
from pakta.services import campaigns, links

CHUNK = 5_000
UNITS = 6  # the Pemda and five OPDs
PEMDA = "Pemerintah Kota Sukamaju"


def prepare(url: str) -> None:
    """The app's schema and the floor's table."""
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        floor.metadata.create_all(engine)
    finally:
        engine.dispose()


def load(url: str, employees: int, secret: str, instance: str) -> dict[str, int]:
    """Units, unsigned employees, an open campaign, everyone's link and the certificate keys
    (what `pakta keys init` makes); returns token -> employee id."""
    app = create_app(
        {"ENV": "development", "DATABASE_URL": url, "SECRET_KEY": secret, "INSTANCE_PATH": instance}
    )
    now = datetime.now(UTC)
    try:
        with app.app_context():
            session = get_session()
            root = Unit(code="PEMDA", name=PEMDA, active=True)
            offices = [
                Unit(code=f"OPD-{i:02d}", name=f"Dinas Contoh {i:02d}", parent=root, active=True)
                for i in range(1, UNITS)
            ]
            session.add_all([root, *offices])
            session.flush()
            unit_ids = [root.id] + [office.id for office in offices]
            rows = [
                dict(
                    identity_number=f"B{i + 1:05d}",
                    name=f"Pegawai Apel {i + 1:05d}",
                    position="Pelaksana",
                    employment_type=EmploymentType.NON_ASN,
                    unit_id=unit_ids[i % UNITS],
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
                issuing_authority=PEMDA,
                place="Sukamaju",
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(days=7),
            )
            exported = links.export_rows(session, campaign, None, None)
            ids = dict(session.execute(select(Employee.identity_number, Employee.id)).all())
            certificate_keys.init(session, instance, None)
            seal.init_self_signed(instance, PEMDA)
            session.commit()
            return {row.token: ids[row.identity_number] for row in exported}
    finally:
        database(app).engine.dispose()


def analyze(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def stored_numbers(url: str, employee_ids: list[int]) -> dict[int, list[str]]:
    """employee id -> the certificate numbers of their stored signatures."""
    engine = make_engine(url)
    stored: dict[int, list[str]] = {}
    try:
        with engine.connect() as connection:
            for start in range(0, len(employee_ids), CHUNK):
                for employee_id, number in connection.execute(
                    select(Signature.employee_id, Signature.certificate_number).where(
                        Signature.employee_id.in_(employee_ids[start : start + CHUNK])
                    )
                ):
                    stored.setdefault(employee_id, []).append(number)
    finally:
        engine.dispose()
    return stored


@dataclass(frozen=True)
class Check:
    acknowledged: int
    stored: int  # signatures stored for the acknowledged
    missing: int  # acknowledged, not stored
    duplicates: int  # people with more than one stored signature
    mismatched: int  # stored under another number than the signer was shown
    unacknowledged: int  # stored without the signer having seen a 303

    @property
    def exactly_once(self) -> bool:
        return (
            self.stored == self.acknowledged
            and not self.missing
            and not self.duplicates
            and not self.mismatched
        )


def compare(acknowledged: dict[int, str], stored: dict[int, list[str]]) -> Check:
    """Every acknowledged signature (employee id -> number shown, "" if the done page never
    came) against what the database holds for the same employees."""
    return Check(
        acknowledged=len(acknowledged),
        stored=sum(len(stored.get(i, [])) for i in acknowledged),
        missing=sum(1 for i in acknowledged if i not in stored),
        duplicates=sum(1 for numbers in stored.values() if len(numbers) > 1),
        mismatched=sum(
            1 for i, shown in acknowledged.items() if shown and shown not in stored.get(i, [shown])
        ),
        unacknowledged=sum(1 for i in stored if i not in acknowledged),
    )


class Counters:
    """The bench database as PostgreSQL counts it: row writes and bytes per table, commits,
    and the cluster's WAL position (shared with anything else on the server)."""

    def __init__(self, url: str):
        self.engine = create_engine(url, poolclass=NullPool)

    def tables(self) -> dict[str, tuple[int, int]]:
        """table -> (rows inserted + updated + deleted, bytes with indexes and TOAST).

        Backends report their counts when a transaction ends (at most once a second) and
        when they exit: read this after the load's connections are closed."""
        query = text(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del, pg_total_relation_size(relid) "
            "FROM pg_stat_user_tables"
        )
        with self.engine.connect() as connection:
            return {name: (writes, size) for name, writes, size in connection.execute(query)}

    def wal_lsn(self) -> int:
        with self.engine.connect() as connection:
            return connection.scalar(text("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))

    def autovacuum(self) -> bool:
        with self.engine.connect() as connection:
            return connection.scalar(text("SHOW autovacuum")) == "on"

    def analyze_written(self) -> None:
        """ANALYZE the tables the load writes, both sides'. What autovacuum does in production
        (once 50 rows and a tenth of a table have changed), for a server that runs without it
        (CI's PostgreSQL has ``autovacuum = off``): without it, statistics taken when the
        tables were empty stay, and the planner keeps plans for empty tables while thousands
        of signatures arrive (a link's lookup then read every signature of the campaign)."""
        tables = ("signature", "log_entry", "log_head", "unit_tally", "issued_certificate")
        with self.engine.connect() as connection:
            connection.execute(text(f"ANALYZE {', '.join((*tables, floor.floor_signature.name))}"))
            connection.commit()

    def pids(self) -> list[int]:
        """The backends serving the bench database (the servers' pooled connections)."""
        query = text(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with self.engine.connect() as connection:
            return list(connection.scalars(query))

    def counts(self) -> tuple[int, int]:
        """Signatures and issued certificates."""
        with self.engine.connect() as connection:
            return (
                connection.scalar(select(func.count()).select_from(Signature)),
                connection.scalar(select(func.count()).select_from(IssuedCertificate)),
            )

    def dispose(self) -> None:
        self.engine.dispose()


def per_signature(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]], skip: set[str], n: int
) -> dict[str, float]:
    """Row writes and bytes a signature added, over the tables not in ``skip``."""
    writes = sum(after[t][0] - before.get(t, (0, 0))[0] for t in after if t not in skip)
    size = sum(after[t][1] - before.get(t, (0, 0))[1] for t in after if t not in skip)
    return {"writes": writes / n if n else 0.0, "bytes": size / n if n else 0.0}
