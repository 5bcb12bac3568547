"""Time a 20,000-row roster import into a fresh SQLite database.

    .venv/bin/python bench/roster_import.py [--rows 20000] [--database-url URL]

Generates a CSV roster (PNS, PPPK and non-ASN staff across 40 units, some new units with
parents), then times read_table + plan_import + apply_import + commit, and a second, unchanged
import of the same file. The last line printed is a JSON object for scripts to read.
"""

import argparse
import csv
import io
import json
import tempfile
import time
from datetime import date, timedelta

from _common import migrated_app  # the repository on sys.path

from pakta.db import get_session
from pakta.models import Unit
from pakta.services import roster
from pakta.services.identity import make_nip, make_pppk_number


def generate_csv(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        ["NIP", "Nama Lengkap", "Kode Unit", "Nama Unit", "Unit Induk", "Jabatan", "Jenis"]
        + ["Email", "No HP", "Kode Verifikasi"]
    )
    for i in range(count):
        birth = date(1965, 1, 1) + timedelta(days=i % 12_000)
        kind = ("PNS", "PNS", "PPPK", "NON ASN")[i % 4]
        if kind == "PNS":
            number = make_nip(birth, (birth.year + 25, 1 + i % 12), 1 + i % 2, 1 + i // 12_000)
        elif kind == "PPPK":
            number = make_pppk_number(birth, birth.year + 24, 1 + i % 9, 1 + i % 2, 1 + i // 12_000)
        else:
            number = f"THL{i:06d}"
        unit = i % 40
        writer.writerow(
            [
                number,
                f"Pegawai Nomor {i}",
                f"OPD-{unit:02d}",
                f"Perangkat Daerah {unit:02d}",
                "PEMDA",
                "Pelaksana",
                kind,
                f"pegawai{i}@contoh.go.id",
                f"0812-{i:04d}-{i % 9999:04d}",
                f"K{i:06d}",
            ]
        )
    return out.getvalue().encode()


def run(app, data: bytes, filename: str) -> tuple[float, roster.ImportResult]:
    with app.app_context():
        session = get_session()
        started = time.perf_counter()
        table = roster.read_table(data, filename)
        plan = roster.plan_import(session, table)
        if plan.problems:
            raise SystemExit(f"unexpected problems: {plan.problems[:5]}")
        result = roster.apply_import(session, plan)
        session.commit()
        return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        app = migrated_app(args.database_url, directory)
        with app.app_context():
            session = get_session()
            session.add(Unit(code="PEMDA", name="Pemerintah Kota Contoh"))
            session.commit()

        data = generate_csv(args.rows)
        seconds, result = run(app, data, "roster.csv")
        print(f"first import: {args.rows} rows, {len(data) / 1e6:.1f} MB CSV")
        print(f"  {result.as_details()}")
        print(f"  {seconds:.2f} s, {args.rows / seconds:,.0f} rows/s")
        again, unchanged = run(app, data, "roster.csv")
        print(f"unchanged re-import: {unchanged.unchanged} unchanged in {again:.2f} s")
        app.extensions["pakta.db"].engine.dispose()
        print(
            json.dumps(
                {
                    "rows": args.rows,
                    "seconds": round(seconds, 3),
                    "rows_per_s": round(args.rows / seconds),
                    "reimport_seconds": round(again, 3),
                }
            )
        )


if __name__ == "__main__":
    main()
