"""Helpers and fixtures shared by the roster tests."""

import csv
import io
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from pakta.models import Employee, EmploymentType, Unit
from pakta.services.identity import make_nip, make_pppk_number
from pakta.services.roster import apply_import, plan_import, read_table

# -- a small roster generator -------------------------------------------------------------


def nip(i: int) -> str:
    """A valid, distinct PNS NIP for every i below about 12 million."""
    birth = date(1965, 1, 1) + timedelta(days=i % 12_000)
    return make_nip(birth, (birth.year + 25, 1 + i % 12), 1 + i % 2, 1 + i // 12_000)


def pppk_number(i: int) -> str:
    birth = date(1970, 1, 1) + timedelta(days=i % 10_000)
    return make_pppk_number(birth, birth.year + 24, 1 + i % 9, 1 + i % 2, 1 + i // 10_000)


def roster_rows(count: int, units=("DINKES", "DISDIK"), start: int = 0) -> list[dict]:
    return [
        {
            "nip": nip(i),
            "nama": f"Pegawai {i}",
            "unit_kode": units[i % len(units)],
            "jabatan": "Pelaksana",
            "jenis": "PNS",
        }
        for i in range(start, start + count)
    ]


def to_csv(rows: list[dict], delimiter: str = ",", header: list[str] | None = None) -> bytes:
    header = header or list(dict.fromkeys(column for row in rows for column in row))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return out.getvalue().encode()


def import_rows(session, rows: list[dict], **options):
    plan = plan_import(session, read_table(to_csv(rows), "roster.csv"), **options)
    return plan, apply_import(session, plan)


def plan_rows(session, rows: list[dict], **options):
    return plan_import(session, read_table(to_csv(rows), "roster.csv"), **options)


def problems_at(plan, row: int) -> list:
    return [problem for problem in plan.problems if problem.row == row]


def only_problem(plan, row: int, column: str):
    found = problems_at(plan, row)
    assert [problem.column for problem in found] == [column], plan.problems
    return found[0]


def employee(session, number: str) -> Employee:
    found = session.scalar(select(Employee).where(Employee.identity_number == number))
    session.refresh(found)
    return found


def add_employee(session, unit: Unit, number: str, **fields) -> Employee:
    person = Employee(
        identity_number=number,
        name=fields.pop("name", "Budi Santoso"),
        employment_type=fields.pop("employment_type", EmploymentType.PNS),
        unit=unit,
        **fields,
    )
    session.add(person)
    session.flush()
    return person


@pytest.fixture
def session(session):
    """The shared session, with messages in English whatever the default locale."""
    with force_locale("en"):
        yield session
