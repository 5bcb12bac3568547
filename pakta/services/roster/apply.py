"""Applying an import plan: a few bulk statements, flushed, never committed."""

import itertools
from dataclasses import asdict, dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from pakta.models import Employee, Unit, utcnow
from pakta.services.roster.changes import ImportPlan


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0  # includes the moved and the reactivated
    moved: int = 0
    reactivated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    units_created: int = 0
    units_renamed: int = 0
    units_reparented: int = 0
    skipped_rows: int = 0

    def as_details(self) -> dict[str, int]:
        return asdict(self)


def apply_import(session: Session, plan: ImportPlan) -> ImportResult:
    """Carry out the good rows of ``plan``; flushes, never commits.

    Employees are written with bulk statements (one INSERT and a few UPDATE batches), so
    ``Employee`` objects already in the session are expired afterwards to be read again.
    """
    result = ImportResult(
        created=len(plan.creates),
        updated=len(plan.updates),
        moved=len(plan.moves),
        reactivated=len(plan.reactivations),
        unchanged=plan.unchanged,
        deactivated=len(plan.deactivations),
        units_created=len(plan.new_units),
        units_renamed=len(plan.unit_renames),
        units_reparented=len(plan.unit_reparents),
        skipped_rows=len(plan.bad_rows),
    )
    if not plan.has_changes:
        return result

    now = utcnow()
    units = {unit.code.upper(): unit for unit in session.scalars(select(Unit))}
    for new in plan.new_units:  # parents come first
        parent = units[new.parent_code.upper()] if new.parent_code is not None else None
        unit = Unit(code=new.code, name=new.name, parent=parent, created_at=now)
        session.add(unit)
        units[new.code.upper()] = unit
    for rename in plan.unit_renames:
        units[rename.code.upper()].name = rename.new_name
    for reparent in plan.unit_reparents:
        new_parent = reparent.new_parent_code
        units[reparent.code.upper()].parent = units[new_parent.upper()] if new_parent else None
    session.flush()

    def row_values(values: dict) -> dict:
        values = dict(values)
        if "unit" in values:
            values["unit_id"] = units[values.pop("unit")].id
        values["updated_at"] = now
        return values

    if plan.creates:
        session.execute(
            insert(Employee),
            [row_values(create.values) | {"created_at": now} for create in plan.creates],
        )
    updates = [row_values(change.values) | {"id": change.employee_id} for change in plan.updates]
    updates += [
        {"id": gone.employee_id, "active": False, "updated_at": now} for gone in plan.deactivations
    ]
    # Rows that set the same columns go in one executemany batch.
    updates.sort(key=lambda values: sorted(values))
    for _, batch in itertools.groupby(updates, key=lambda values: sorted(values)):
        session.execute(update(Employee), list(batch))
    session.flush()
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Employee):
            session.expire(instance)
    return result
