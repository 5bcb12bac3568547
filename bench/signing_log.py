"""What the transparency log costs a signature: signing with the log's append and without it.

    .venv/bin/python bench/signing_log.py [--signatures 300] [--rounds 6] [--sqlite]

Signs through ``services.signing.sign`` (the path every personal link, kiosk and apel
signature takes) and commits each, as the signing view does, on a temporary PostgreSQL
database (or a SQLite file with --sqlite). Rounds alternate "log on" (the code as it runs)
and "log off" (``transparency_log.log_signature`` replaced by a no-op for that round only:
the floor, what signing cost before the log), each round a fresh set of people, so a busy
machine slows both alike. Reports this process's CPU per signature (time.process_time; the
database server's own CPU is not in it, its share shows in the wall time), the wall time and
the SQL statements per signature, medians over rounds. The last line printed is a JSON
object with the ratios on / off.
"""

import argparse
import json
import statistics
import tempfile
import time
from contextlib import nullcontext
from datetime import timedelta

from _common import add_postgresql_url, migrated_app, temporary_postgresql
from sqlalchemy import event

from pakta.db import begin_write, database
from pakta.models import Campaign, Employee, EmploymentType, SignatureMethod, Unit, utcnow
from pakta.services import campaigns, signing, transparency_log

EVIDENCE = signing.Evidence(signature_png=b"\x89PNG bench " * 300, acknowledged_points=[1, 2, 3, 4])


def setup(app, people: int) -> tuple[int, list[int]]:
    with app.app_context():
        db = database(app).sessionmaker()
        unit = Unit(code="BENCH", name="Unit Bench")
        db.add(unit)
        campaign = campaigns.create_campaign(
            db,
            slug="bench",
            title="Bench",
            issuing_authority="Pemda Bench",
            place="Bench",
            opens_at=utcnow() - timedelta(days=1),
            closes_at=utcnow() + timedelta(days=1),
        )
        db.add_all(
            Employee(
                identity_number=f"19900101{n:010d}",
                name=f"Pegawai {n}",
                employment_type=EmploymentType.PNS,
                unit=unit,
            )
            for n in range(people)
        )
        db.commit()
        ids = [row.id for row in db.query(Employee.id).order_by(Employee.id)]
        campaign_id = campaign.id
        db.close()
    return campaign_id, ids


def sign_round(app, campaign_id: int, employee_ids: list[int], statements: list[int]):
    with app.app_context():
        factory = database(app).sessionmaker
        cpu, wall = time.process_time(), time.perf_counter()
        for employee_id in employee_ids:
            with factory() as db:
                begin_write(db)
                signing.sign(
                    db,
                    campaign=db.get(Campaign, campaign_id),
                    employee=db.get(Employee, employee_id),
                    method=SignatureMethod.PERSONAL_LINK,
                    evidence=EVIDENCE,
                )
                db.commit()
        count = len(employee_ids)
        return (
            (time.process_time() - cpu) * 1000 / count,
            (time.perf_counter() - wall) * 1000 / count,
            statements[0] / count,
        )


class _NoLog:
    """The log's append left out for one round: the floor of the same shape."""

    def __enter__(self):
        self.kept = transparency_log.log_signature
        signing.transparency_log.log_signature = lambda *_args: None

    def __exit__(self, *_exc):
        signing.transparency_log.log_signature = self.kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatures", type=int, default=300, help="per round")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of each, alternating")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    add_postgresql_url(parser, "the server the temporary database is made on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        source = (
            nullcontext(None)
            if args.sqlite
            else temporary_postgresql(args.postgresql_url, "pakta_bench_log")
        )
        with source as url:
            app = migrated_app(url, directory)
            engine = database(app).engine
            per_round = args.signatures
            campaign_id, ids = setup(app, per_round * (2 * args.rounds + 1))
            statements = [0]
            event.listen(
                engine,
                "before_cursor_execute",
                lambda *a: statements.__setitem__(0, statements[0] + 1),
            )
            results = {"on": [], "off": []}
            chunks = iter(ids[i : i + per_round] for i in range(0, len(ids), per_round))
            sign_round(app, campaign_id, next(chunks), statements)  # warm-up, not counted
            for _ in range(args.rounds):
                for name, context in (("on", nullcontext()), ("off", _NoLog())):
                    statements[0] = 0
                    with context:
                        results[name].append(sign_round(app, campaign_id, next(chunks), statements))
            engine.dispose()
    summary = {}
    for name, rows in results.items():
        cpu, wall, sql = (statistics.median(column) for column in zip(*rows, strict=True))
        summary[name] = {"cpu_ms": round(cpu, 3), "wall_ms": round(wall, 3), "statements": sql}
        print(
            f"log {name:3}: {cpu:.2f} ms CPU, {wall:.2f} ms wall, {sql:.1f} statements a signature"
        )
    ratios = {
        "database": "sqlite" if args.sqlite else "postgresql",
        "cpu_ratio": round(summary["on"]["cpu_ms"] / summary["off"]["cpu_ms"], 3),
        "wall_ratio": round(summary["on"]["wall_ms"] / summary["off"]["wall_ms"], 3),
        "extra_statements": summary["on"]["statements"] - summary["off"]["statements"],
        **{f"{name}_{key}": value for name, row in summary.items() for key, value in row.items()},
    }
    print(json.dumps(ratios))


if __name__ == "__main__":
    main()
