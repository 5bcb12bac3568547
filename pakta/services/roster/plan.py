"""Planning a roster import: clean each row, build the unit tree, say what would change.

Rules worth knowing when reading a plan:

* Employees are matched by identity number (NIP, NI PPPK or the Pemda's own id), normalised by
  ``check_identity``. The first row with a number wins; a later row with the same number is bad.
* ``jenis`` defaults to PNS when the column is absent or the cell blank. That is the roster
  format's documented default, not an inference: the type is never guessed from the number.
* A blank optional cell (jabatan, email, telepon, kode_verifikasi) keeps what is stored; the
  import never erases data. A verification code is stored only as its keyed digest.
* Units are matched by code, ignoring case. A unit the file names but the database lacks is
  created (named from ``unit_nama``, else its code; an unknown ``unit_induk`` is created too).
  A unit's name and parent are changed only when the file states them; two rows stating
  different values for one unit, or a parent that would put a unit inside itself, are bad rows.
* An inactive employee in the file is reactivated; with ``deactivate_missing`` active
  employees the file does not mention are deactivated, never deleted.
"""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.i18n import _l
from pakta.models import Employee, Unit
from pakta.services.roster.changes import (
    CleanRow,
    EmployeeCreate,
    EmployeeDeactivation,
    EmployeeUpdate,
    ImportPlan,
    RowProblem,
    StoredEmployee,
)
from pakta.services.roster.files import (
    COLUMNS,
    RosterTable,
    _shown,
)
from pakta.services.roster.rows import clean_row, presence_key
from pakta.services.roster.tree import UnitTree
from pakta.services.units import stray_top_units


def plan_import(
    session: Session,
    table: RosterTable,
    *,
    deactivate_missing: bool = False,
    within: set[int] | None = None,
) -> ImportPlan:
    """Compare ``table`` with the database; reads only. Returns an ``ImportPlan``.

    ``within`` limits the import to those units (an operator's sub-tree, from
    ``units.visible_unit_ids``; None is the whole Pemda): a row is bad when its unit is
    outside them, when it names a new unit without a parent inside them, when it moves a
    unit out of them, or when its person is on the roster of a unit outside them; and
    ``deactivate_missing`` deactivates only people inside them.
    """
    units = {unit.code.upper(): unit for unit in session.scalars(select(Unit))}
    unit_keys_by_id = {unit.id: key for key, unit in units.items()}
    scope_keys = (
        None if within is None else {unit_keys_by_id[i] for i in within if i in unit_keys_by_id}
    )
    stored = {
        row.identity_number: StoredEmployee(*row)
        for row in session.execute(
            select(
                Employee.id,
                Employee.identity_number,
                Employee.name,
                Employee.position,
                Employee.employment_type,
                Employee.unit_id,
                Employee.email,
                Employee.phone,
                Employee.verification_code_hash,
                Employee.active,
            )
        )
    }

    plan = ImportPlan(row_count=len(table.rows))
    problems: list[RowProblem] = []
    rows: list[CleanRow] = []
    first_row_of: dict[str, int] = {}
    for record in table.rows:
        row, row_problems = clean_row(record, table.columns)
        if row.number is not None:
            if row.number in first_row_of:
                row_problems.append(
                    RowProblem(
                        row.row,
                        "nip",
                        str(_l("Same number as row {row}.")).format(row=first_row_of[row.number]),
                    )
                )
            else:
                first_row_of[row.number] = row.row
        problems.extend(row_problems)
        if not row_problems:
            rows.append(row)

    tree, good_rows, unit_problems = _place_units(
        rows, lambda: UnitTree(units, unit_keys_by_id, scope_keys), stored, within
    )
    problems.extend(unit_problems)
    plan.new_units, plan.unit_renames, plan.unit_reparents = tree.changes()
    plan.stray_units = sorted(tree.code(key) for key in stray_top_units(tree.parent_of))

    for row in good_rows:
        existing = stored.get(row.number)
        if existing is None:
            plan.creates.append(_create(row))
            continue
        change = _update(row, existing, tree, unit_keys_by_id)
        if change is None:
            plan.unchanged += 1
        else:
            plan.updates.append(change)

    if deactivate_missing:
        # Rows with a bad number still count as present when their cell looks like a number.
        present = set(first_row_of) | {
            key for record in table.rows if (key := presence_key(record.values.get("nip")))
        }
        plan.deactivations = [
            EmployeeDeactivation(employee.id, employee.identity_number, employee.name)
            for employee in stored.values()
            if employee.active
            and employee.identity_number not in present
            and (within is None or employee.unit_id in within)
        ]

    order = {column: position for position, column in enumerate(COLUMNS)}
    plan.problems = sorted(problems, key=lambda p: (p.row, order.get(p.column or "", len(order))))
    return plan


def _place_units(
    rows: list[CleanRow],
    new_tree: Callable[[], UnitTree],
    stored: dict[str, StoredEmployee],
    within: set[int] | None,
) -> tuple[UnitTree, list[CleanRow], list[RowProblem]]:
    """The unit tree the good rows build, those rows, and the problems of the others.

    A new unit must be placed under a parent: a row whose ``unit_induk`` names a unit that
    is neither in Pakta nor placed by a row of its own is refused, and the tree is built
    again without it (which may leave another new unit unplaced; a chain is as long as the
    tree is deep).
    """
    # Rows refused in one round stay refused, with their reasons, in the rounds after it.
    refused: list[RowProblem] = []
    refused_rows: set[int] = set()
    while True:
        tree = new_tree()
        good_rows: list[CleanRow] = []
        for row in rows:
            if row.row in refused_rows:
                continue
            existing = stored.get(row.number)
            if within is not None and existing is not None and existing.unit_id not in within:
                # Which unit, an operator may not know: the roster of the rest of the
                # Pemda is not theirs to read, one NIP at a time.
                message = _l(
                    "This person is on the roster of a unit outside your units: ask an admin "
                    "to move them."
                )
                row_problems = [RowProblem(row.row, "nip", str(message))]
            else:
                row_problems = tree.state(row)
            if row_problems:
                refused.extend(row_problems)
                refused_rows.add(row.row)
            else:
                good_rows.append(row)
        unplaced = tree.unplaced()
        newly_refused = [
            row for row in good_rows if row.parent_code and row.parent_code.upper() in unplaced
        ]
        if not newly_refused:
            return tree, good_rows, refused
        for row in newly_refused:
            refused_rows.add(row.row)
            message = _l(
                "The parent unit {parent} is not in Pakta and no row places it under a "
                "parent: import the unit tree first."
            )
            refused.append(
                RowProblem(
                    row.row, "unit_induk", str(message).format(parent=_shown(row.parent_code))
                )
            )


def _create(row: CleanRow) -> EmployeeCreate:
    values = {
        "identity_number": row.number,
        "name": row.name,
        "position": row.position or "",
        "employment_type": row.kind,
        "unit": row.unit_code.upper(),
        "email": row.email,
        "phone": row.phone,
        "verification_code_hash": row.code_digest,
        "active": True,
    }
    return EmployeeCreate(row.row, row.number, row.name, row.unit_code, values)


def _update(
    row: CleanRow, stored: StoredEmployee, tree: UnitTree, unit_keys_by_id: dict[int, str]
) -> EmployeeUpdate | None:
    changes: dict[str, tuple[object, object]] = {}
    values: dict[str, object] = {}

    def compare(attribute: str, new: object, label: str | None = None) -> None:
        old = getattr(stored, attribute)
        if new is not None and new != old:
            values[attribute] = new
            changes[label or attribute] = (old, new)

    compare("name", row.name)
    compare("position", row.position)
    compare("employment_type", row.kind)
    compare("email", row.email)
    compare("phone", row.phone)
    compare("active", True)
    if row.code_digest is not None and row.code_digest != stored.verification_code_hash:
        values["verification_code_hash"] = row.code_digest
        changes["verification_code"] = (None, None)  # the code is never shown
    unit_key = row.unit_code.upper()
    old_key = unit_keys_by_id.get(stored.unit_id)
    if unit_key != old_key:
        values["unit"] = unit_key
        changes["unit"] = (tree.code(old_key) if old_key else None, tree.code(unit_key))
    if not changes:
        return None
    if "employment_type" in changes:
        old, new = changes["employment_type"]
        changes["employment_type"] = (str(old), str(new))
    return EmployeeUpdate(row.row, stored.id, stored.identity_number, row.name, changes, values)
