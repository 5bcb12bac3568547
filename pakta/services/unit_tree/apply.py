"""Applying a unit-tree plan: new units parents first, then renames, moves and the rest."""

from dataclasses import asdict, dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pakta.models import Unit, utcnow
from pakta.services.unit_tree.changes import UnitTreePlan


@dataclass
class UnitTreeResult:
    created: int = 0
    updated: int = 0
    renamed: int = 0
    moved: int = 0
    unchanged: int = 0

    def as_details(self) -> dict[str, int]:
        return asdict(self)


def apply_unit_tree(session: Session, plan: UnitTreePlan) -> UnitTreeResult:
    """Carry out ``plan``, which must have no problems; flushes, never commits.

    The rollup tallies need no recount: they are kept per unit, and the tree above a unit is
    rolled up when the rollups are read (``services.rollups``), so a moved unit's counts
    follow it to its new parent.
    """
    if plan.problems:
        raise ValueError("a unit-tree plan with problems is applied all or nothing: not at all")
    now = utcnow()
    units = {unit.code.upper(): unit for unit in session.scalars(select(Unit))}

    def unit_of(code: str | None) -> Unit | None:
        return units[code.upper()] if code is not None else None

    for new in plan.creates:  # parents come first
        unit = Unit(
            code=new.code,
            name=new.name,
            parent=unit_of(new.parent_code),
            eselon=new.eselon,
            kind=new.kind,
            created_at=now,
        )
        session.add(unit)
        units[new.code.upper()] = unit
    moves = []
    for change in plan.updates:
        unit = units[change.code.upper()]
        for field, (_, new_value) in change.changes.items():
            if field == "parent":
                moves.append((unit, new_value))
            else:
                setattr(unit, field, new_value)  # name, eselon, kind: Unit's own attributes
    session.flush()
    if moves:
        # Moves can swap units (A under B becomes B under A), an order the unit of work
        # cannot sort through the parent relationship; one bulk UPDATE by id sets them all.
        session.execute(
            update(Unit),
            [
                {"id": unit.id, "parent_id": getattr(unit_of(new), "id", None)}
                for unit, new in moves
            ],
        )
        for unit in units.values():
            session.expire(unit, ["parent_id", "parent", "children"])
    return UnitTreeResult(
        created=len(plan.creates),
        updated=len(plan.updates),
        renamed=len(plan.renames),
        moved=len(plan.moves),
        unchanged=plan.unchanged,
    )
