"""Helpers shared by the unit-tree tests."""

import csv
import io

from pakta.services.unit_tree import apply_unit_tree, plan_unit_tree, read_unit_table
from tests.services.roster.conftest import session  # noqa: F401  (messages in English)

HEADER = ["kode", "nama", "kode_induk", "eselon", "jenis"]


def tree_csv(rows: list[dict], header: list[str] | None = None) -> bytes:
    header = header or HEADER
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return out.getvalue().encode()


def plan_tree(db, rows: list[dict], **options):
    return plan_unit_tree(db, read_unit_table(tree_csv(rows), "unor.csv"), **options)


def import_tree(db, rows: list[dict], **options):
    plan = plan_tree(db, rows, **options)
    assert plan.problems == [], plan.problems
    return plan, apply_unit_tree(db, plan)


def problems_by_row(plan) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for problem in plan.problems:
        found.setdefault(problem.row, []).append(problem.column)
    return found
