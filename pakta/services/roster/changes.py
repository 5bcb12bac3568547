"""What a roster import plan is made of: bad rows, unit changes, employee changes."""

from dataclasses import dataclass, field

from pakta.i18n import _l
from pakta.models import EmploymentType


@dataclass
class RowProblem:
    row: int
    column: str | None
    message: str


@dataclass
class NewUnit:
    code: str
    name: str
    parent_code: str | None


@dataclass
class UnitRename:
    code: str
    old_name: str
    new_name: str


@dataclass
class UnitReparent:
    code: str
    old_parent_code: str | None
    new_parent_code: str | None


@dataclass
class EmployeeCreate:
    row: int
    identity_number: str
    name: str
    unit_code: str
    values: dict = field(repr=False)  # column -> value, unit as its code key


@dataclass
class EmployeeUpdate:
    row: int
    employee_id: int
    identity_number: str
    name: str
    # Field -> (before, after) as a person reads them; a verification code shows as None both
    # sides, and "unit" as unit codes.
    changes: dict[str, tuple[object, object]]
    values: dict = field(repr=False)


@dataclass
class EmployeeMove:
    row: int
    identity_number: str
    name: str
    old_unit_code: str
    new_unit_code: str


@dataclass
class EmployeeDeactivation:
    employee_id: int
    identity_number: str
    name: str


@dataclass
class ImportPlan:
    """What importing a table would do. ``updates`` includes moves and reactivations."""

    creates: list[EmployeeCreate] = field(default_factory=list)
    updates: list[EmployeeUpdate] = field(default_factory=list)
    unchanged: int = 0
    new_units: list[NewUnit] = field(default_factory=list)  # parents before children
    unit_renames: list[UnitRename] = field(default_factory=list)
    unit_reparents: list[UnitReparent] = field(default_factory=list)
    deactivations: list[EmployeeDeactivation] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    # Codes of the top-level units other than the root once the plan is applied.
    stray_units: list[str] = field(default_factory=list)
    row_count: int = 0

    @property
    def moves(self) -> list[EmployeeMove]:
        return [
            EmployeeMove(change.row, change.identity_number, change.name, *change.changes["unit"])
            for change in self.updates
            if "unit" in change.changes
        ]

    @property
    def reactivations(self) -> list[EmployeeUpdate]:
        return [change for change in self.updates if "active" in change.changes]

    @property
    def bad_rows(self) -> list[int]:
        return sorted({problem.row for problem in self.problems})

    @property
    def has_changes(self) -> bool:
        return any(
            (
                self.creates,
                self.updates,
                self.new_units,
                self.unit_renames,
                self.unit_reparents,
                self.deactivations,
            )
        )

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.row_count,
            "created": len(self.creates),
            "updated": len(self.updates),
            "moved": len(self.moves),
            "reactivated": len(self.reactivations),
            "unchanged": self.unchanged,
            "deactivated": len(self.deactivations),
            "units_created": len(self.new_units),
            "units_renamed": len(self.unit_renames),
            "units_reparented": len(self.unit_reparents),
            "bad_rows": len(self.bad_rows),
            "problems": len(self.problems),
        }

    def summary(self) -> str:
        counts = self.counts()
        return str(
            _l(
                "New: {created}; updated: {updated} (moved: {moved}, reactivated: "
                "{reactivated}); unchanged: {unchanged}; deactivated: {deactivated}; new units: "
                "{units_created}; units renamed or moved: {units_changed}; rows with problems: "
                "{bad_rows}."
            )
        ).format(units_changed=counts["units_renamed"] + counts["units_reparented"], **counts)


@dataclass
class CleanRow:
    """One data row, cleaned. ``None`` in an optional field means "keep what is stored"."""

    row: int
    number: str | None = None
    presence_key: str | None = None
    name: str = ""
    kind: EmploymentType | None = None
    unit_code: str = ""
    unit_name: str | None = None
    parent_code: str | None = None
    position: str | None = None
    email: str | None = None
    phone: str | None = None
    code_digest: str | None = None


@dataclass
class StoredEmployee:
    id: int
    identity_number: str
    name: str
    position: str
    employment_type: EmploymentType
    unit_id: int
    email: str | None
    phone: str | None
    verification_code_hash: str | None
    active: bool
