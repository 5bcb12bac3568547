"""Planning a unit-tree import: clean each row, check the tree it leaves, say what changes.

Rules worth knowing when reading a plan:

* Units are matched by code, ignoring case; a code appears once in a file.
* ``kode_induk`` is the direct parent's code, a unit already in Pakta or one in the file; a
  blank ``kode_induk`` makes the unit a top-level unit (the Pemda itself).
* A blank ``eselon`` or ``jenis`` keeps what is stored.
* Within ``within`` (an operator's sub-tree) only units inside it may be changed, and new and
  moved units must end up under a unit of it.
"""

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.i18n import _l
from pakta.models import Unit
from pakta.services.roster.changes import RowProblem
from pakta.services.roster.files import RosterRecord, RosterTable, _shown
from pakta.services.roster.rows import MAX_TEXT_LENGTH, _text, _unit_code_problem
from pakta.services.unit_tree.changes import UnitCreate, UnitTreePlan, UnitUpdate
from pakta.services.unit_tree.files import UNIT_COLUMNS
from pakta.services.units import stray_top_units

# The lengths of Unit.eselon and Unit.kind.
_LIMITS = {"eselon": 16, "jenis": 64}


def plan_unit_tree(
    session: Session, table: RosterTable, *, within: set[int] | None = None
) -> UnitTreePlan:
    """Compare ``table`` with the stored units; reads only."""
    units = {unit.code.upper(): unit for unit in session.scalars(select(Unit))}
    key_of = {unit.id: key for key, unit in units.items()}
    plan = UnitTreePlan(row_count=len(table.rows))
    problems: list[RowProblem] = []

    rows: list[UnitCreate] = []
    first_row_of: dict[str, int] = {}
    for record in table.rows:
        row, row_problems = _clean(record)
        if row is not None and row.key in first_row_of:
            row_problems.append(
                RowProblem(
                    record.row,
                    "kode",
                    str(_l("Same unit code as row {row}.")).format(row=first_row_of[row.key]),
                )
            )
        elif row is not None:
            first_row_of[row.key] = record.row
        problems.extend(row_problems)
        if not row_problems:
            rows.append(row)

    # The tree as the file would leave it: stored parents, overridden by the file's.
    parent_of: dict[str, str | None] = {key: key_of.get(u.parent_id) for key, u in units.items()}
    for row in rows:
        parent_of[row.key] = row.parent_key
    scope = None if within is None else {key_of[i] for i in within if i in key_of}
    for row in rows:
        message = _parent_problem(row, units, first_row_of, parent_of)
        if message is None and scope is not None:
            message = _scope_problem(row, units, key_of, parent_of, scope)
        if message is not None:
            problems.append(RowProblem(row.row, *message))

    order = {column: position for position, column in enumerate(UNIT_COLUMNS)}
    plan.problems = sorted(problems, key=lambda p: (p.row, order.get(p.column or "", len(order))))
    if plan.problems:
        return plan
    plan.creates, plan.updates, plan.unchanged = _changes(rows, units, key_of)
    plan.stray_units = sorted(_code(key, units, rows) for key in stray_top_units(parent_of))
    return plan


def _clean(record: RosterRecord) -> tuple[UnitCreate | None, list[RowProblem]]:
    values = record.values
    problems: list[RowProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(RowProblem(record.row, column, message))

    code = _text(values.get("kode"))
    if code is None:
        problem("kode", str(_l("The unit code is missing.")))
    elif message := _unit_code_problem(code):
        problem("kode", message)
    name = _text(values.get("nama"))
    if name is None:
        problem("nama", str(_l("The unit name is missing.")))
    else:
        name = " ".join(name.split())
        if len(name) > MAX_TEXT_LENGTH:
            problem(
                "nama",
                str(_l("The unit name is longer than {limit} characters ({length}).")).format(
                    limit=MAX_TEXT_LENGTH, length=len(name)
                ),
            )
    parent_code = _text(values.get("kode_induk"))
    if parent_code is not None and (message := _unit_code_problem(parent_code)):
        problem("kode_induk", message)
    extra: dict[str, str | None] = {}
    for column, limit in _LIMITS.items():
        extra[column] = _text(values.get(column))
        if extra[column] is not None and len(extra[column]) > limit:
            problem(
                column,
                str(_l("{value} is longer than {limit} characters.")).format(
                    value=_shown(extra[column]), limit=limit
                ),
            )
    if code is None or any(p.column == "kode" for p in problems):
        return None, problems
    row = UnitCreate(record.row, code, name or "", parent_code, extra["eselon"], extra["jenis"])
    return row, problems


def _parent_problem(
    row: UnitCreate,
    units: dict[str, Unit],
    in_file: dict[str, int],
    parent_of: dict[str, str | None],
) -> tuple[str, str] | None:
    parent = row.parent_key
    if parent is None:
        return None
    if parent not in units and parent not in in_file:
        return (
            "kode_induk",
            str(
                _l(
                    "The parent unit {parent} is neither in this file nor in Pakta: add a row "
                    "for it."
                )
            ).format(parent=_shown(row.parent_code)),
        )
    if _reaches(parent_of, parent, row.key):
        return (
            "kode_induk",
            str(
                _l(
                    "Unit {parent} cannot be the parent of unit {code}: that would put {code} "
                    "inside itself."
                )
            ).format(parent=_shown(row.parent_code), code=_shown(row.code)),
        )
    return None


def _scope_problem(
    row: UnitCreate,
    units: dict[str, Unit],
    key_of: dict[int, str],
    parent_of: dict[str, str | None],
    scope: set[str],
) -> tuple[str, str] | None:
    """An operator's row must keep its unit inside the operator's sub-tree."""
    existing = units.get(row.key)
    if existing is not None and row.key not in scope:
        message = _l("Unit {code} is not under your unit.")
        return "kode", str(message).format(code=_shown(row.code))
    if existing is None and not _inside(parent_of, row.parent_key, scope, units):
        message = _l("New unit {code} needs a parent unit (kode_induk) under your unit.")
        return "kode_induk", str(message).format(code=_shown(row.code))
    moved = existing is not None and row.parent_key != key_of.get(existing.parent_id)
    if moved and not _inside(parent_of, row.parent_key, scope, units):
        message = _l("Unit {code} cannot be moved out of your unit.")
        return "kode_induk", str(message).format(code=_shown(row.code))
    return None


def _reaches(parent_of: dict[str, str | None], start: str | None, target: str) -> bool:
    """Whether walking up from ``start`` (itself included) meets ``target``."""
    seen = set()
    key = start
    while key is not None and key not in seen:
        if key == target:
            return True
        seen.add(key)
        key = parent_of.get(key)
    return False


def _inside(
    parent_of: dict[str, str | None], start: str | None, scope: set[str], units: dict[str, Unit]
) -> bool:
    """Whether walking up from ``start`` (itself included) meets a stored unit of ``scope``."""
    seen = set()
    key = start
    while key is not None and key not in seen:
        if key in scope and key in units:
            return True
        seen.add(key)
        key = parent_of.get(key)
    return False


def _code(key: str, units: dict[str, Unit], rows: list[UnitCreate]) -> str:
    unit = units.get(key)
    if unit is not None:
        return unit.code
    return next(row.code for row in rows if row.key == key)


def _changes(
    rows: list[UnitCreate],
    units: dict[str, Unit],
    key_of: dict[int, str],
) -> tuple[list[UnitCreate], list[UnitUpdate], int]:
    new_rows = {row.key: row for row in rows if row.key not in units}
    creates: list[UnitCreate] = []
    placed: set[str] = set()

    def place(row: UnitCreate) -> None:
        # Parents first, whatever the file's order (the tree has no cycle by now).
        if row.key in placed:
            return
        placed.add(row.key)
        parent = new_rows.get(row.parent_key or "")
        if parent is not None:
            place(parent)
        # The parent as its own row or Pakta writes its code, whatever case this row used.
        parent_code = _code(row.parent_key, units, rows) if row.parent_key else None
        creates.append(replace(row, parent_code=parent_code))

    for row in new_rows.values():
        place(row)

    updates: list[UnitUpdate] = []
    unchanged = 0
    for row in rows:
        unit = units.get(row.key)
        if unit is None:
            continue
        old_parent = key_of.get(unit.parent_id)
        changes: dict[str, tuple[str | None, str | None]] = {}
        if row.name != unit.name:
            changes["name"] = (unit.name, row.name)
        if row.parent_key != old_parent:
            changes["parent"] = (
                units[old_parent].code if old_parent else None,
                _code(row.parent_key, units, rows) if row.parent_key else None,
            )
        if row.eselon is not None and row.eselon != unit.eselon:
            changes["eselon"] = (unit.eselon, row.eselon)
        if row.kind is not None and row.kind != unit.kind:
            changes["kind"] = (unit.kind, row.kind)
        if changes:
            updates.append(UnitUpdate(row.row, unit.code, changes))
        else:
            unchanged += 1
    return creates, updates, unchanged
