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

import math
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta import keys
from pakta.i18n import _l
from pakta.models import Employee, EmploymentType, Unit
from pakta.services.identity import check_identity
from pakta.services.roster.files import (
    _HEADER_SEPARATORS,
    COLUMNS,
    Cell,
    RosterRecord,
    RosterTable,
    _shown,
)

MAX_TEXT_LENGTH = 255  # names, positions, unit names, emails
MAX_UNIT_CODE_LENGTH = 64

_UNIT_CODE = re.compile(r"[A-Za-z0-9._-]+")
_VERIFICATION_CODE = re.compile(r"[A-Za-z0-9]{4,32}")
_PHONE_PUNCTUATION = re.compile(r"[\s\-.()]+")
_PHONE = re.compile(r"\+?[0-9]{8,15}")

_EMPLOYMENT_TYPES = {
    "PNS": EmploymentType.PNS,
    "CPNS": EmploymentType.PNS,
    "PPPK": EmploymentType.PPPK,
    "P3K": EmploymentType.PPPK,
    "NON ASN": EmploymentType.NON_ASN,
    "NONASN": EmploymentType.NON_ASN,
    "HONORER": EmploymentType.NON_ASN,
    "THL": EmploymentType.NON_ASN,
    "TKK": EmploymentType.NON_ASN,
    "PTT": EmploymentType.NON_ASN,
}


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
class _Row:
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
class _StoredEmployee:
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
        row.identity_number: _StoredEmployee(*row)
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
    rows: list[_Row] = []
    first_row_of: dict[str, int] = {}
    for record in table.rows:
        row, row_problems = _clean_row(record, table.columns)
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

    tree = _UnitTree(units, unit_keys_by_id, scope_keys)
    good_rows = []
    for row in rows:
        existing = stored.get(row.number)
        if within is not None and existing is not None and existing.unit_id not in within:
            problems.append(
                RowProblem(
                    row.row,
                    "nip",
                    str(
                        _l(
                            "This person is on the roster of unit {code}, outside your unit: "
                            "ask an admin to move them."
                        )
                    ).format(code=_shown(tree.code(unit_keys_by_id[existing.unit_id]))),
                )
            )
            continue
        unit_problems = tree.state(row)
        problems.extend(unit_problems)
        if not unit_problems:
            good_rows.append(row)
    plan.new_units, plan.unit_renames, plan.unit_reparents = tree.changes()

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
            key for record in table.rows if (key := _presence_key(record.values.get("nip")))
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


def _clean_row(record: RosterRecord, columns: list[str]) -> tuple[_Row, list[RowProblem]]:
    values = record.values
    row = _Row(record.row)
    problems: list[RowProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(RowProblem(record.row, column, message))

    kind_text = _text(values.get("jenis"))
    if kind_text is None:
        row.kind = EmploymentType.PNS  # the roster's default: see the module docstring
    else:
        row.kind = _EMPLOYMENT_TYPES.get(_HEADER_SEPARATORS.sub(" ", kind_text.upper()).strip())
        if row.kind is None:
            problem(
                "jenis",
                str(_l("Unknown employee type {value}; use PNS, PPPK or NON ASN.")).format(
                    value=_shown(kind_text)
                ),
            )

    raw_number = values.get("nip")
    row.presence_key = _presence_key(raw_number)
    if row.kind is not None:  # the rules for the number depend on the type
        check = check_identity(raw_number, row.kind)
        if check.ok:
            row.number = check.number
        else:
            problem("nip", str(check.problem))

    name = _text(values.get("nama"))
    if name is None:
        problem("nama", str(_l("The name is missing.")))
    else:
        row.name = " ".join(name.split())
        if len(row.name) > MAX_TEXT_LENGTH:
            problem(
                "nama",
                str(_l("The name is longer than {limit} characters ({length}).")).format(
                    limit=MAX_TEXT_LENGTH, length=len(row.name)
                ),
            )

    position = _text(values.get("jabatan"))
    if position is not None:
        row.position = " ".join(position.split())
        if len(row.position) > MAX_TEXT_LENGTH:
            problem(
                "jabatan",
                str(_l("The position is longer than {limit} characters ({length}).")).format(
                    limit=MAX_TEXT_LENGTH, length=len(row.position)
                ),
            )

    unit_code = _text(values.get("unit_kode"))
    if unit_code is None:
        problem("unit_kode", str(_l("The unit code is missing.")))
    else:
        message = _unit_code_problem(unit_code)
        if message:
            problem("unit_kode", message)
        row.unit_code = unit_code

    unit_name = _text(values.get("unit_nama"))
    if unit_name is not None:
        row.unit_name = " ".join(unit_name.split())
        if len(row.unit_name) > MAX_TEXT_LENGTH:
            problem(
                "unit_nama",
                str(_l("The unit name is longer than {limit} characters ({length}).")).format(
                    limit=MAX_TEXT_LENGTH, length=len(row.unit_name)
                ),
            )

    parent_code = _text(values.get("unit_induk"))
    if parent_code is not None:
        message = _unit_code_problem(parent_code)
        if message:
            problem("unit_induk", message)
        row.parent_code = parent_code

    email = _text(values.get("email"))
    if email is not None:
        if _looks_like_email(email):
            row.email = email.lower()
        else:
            problem(
                "email",
                str(_l("{value} is not an email address.")).format(value=_shown(email)),
            )

    phone = _text(values.get("telepon"))
    if phone is not None:
        compact = _PHONE_PUNCTUATION.sub("", phone)
        if _PHONE.fullmatch(compact):
            row.phone = compact
        else:
            problem(
                "telepon",
                str(
                    _l("The phone number {value} must have 8 to 15 digits, optionally after a +.")
                ).format(value=_shown(phone)),
            )

    code = _text(values.get("kode_verifikasi"))
    if code is not None:
        if _VERIFICATION_CODE.fullmatch(code):
            row.code_digest = keys.verification_code_digest(code)
        else:
            # The code itself is a secret: never echo it.
            problem(
                "kode_verifikasi",
                str(_l("The verification code must be 4 to 32 letters (A-Z) or digits.")),
            )
    return row, problems


def _text(value: Cell) -> str | None:
    """A cell as stripped text; None when blank."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return str(value)
    text = str(value).strip()
    return text or None


def _presence_key(value: Cell) -> str | None:
    """A rough key that marks an employee as present in the file even when the row is bad."""
    text = _text(value) if not isinstance(value, float) else None
    return text.upper() if text else None


def _unit_code_problem(code: str) -> str | None:
    if len(code) > MAX_UNIT_CODE_LENGTH:
        return str(_l("The unit code {code} is longer than {limit} characters.")).format(
            code=_shown(code), limit=MAX_UNIT_CODE_LENGTH
        )
    if not _UNIT_CODE.fullmatch(code):
        return str(
            _l(
                "The unit code {code} may contain only letters, digits, hyphens, underscores "
                "and dots."
            )
        ).format(code=_shown(code))
    return None


def _looks_like_email(text: str) -> bool:
    if len(text) > MAX_TEXT_LENGTH or text.count("@") != 1 or any(c.isspace() for c in text):
        return False
    local, domain = text.split("@")
    return bool(local) and "." in domain.strip(".") and ".." not in domain


class _UnitTree:
    """The unit tree as the file would leave it, built row by row.

    A row's statements about units (its unit's name and parent) are recorded only when all of
    them fit what earlier good rows stated and keep the tree a tree; otherwise the row is bad.
    """

    def __init__(
        self, units: dict[str, Unit], keys_by_id: dict[int, str], scope: set[str] | None = None
    ) -> None:
        self.units = units
        # The keys of the units an operator's import may touch (None: all of them).
        self.scope = scope
        self.parent_of: dict[str, str | None] = {
            key: keys_by_id.get(unit.parent_id) for key, unit in units.items()
        }
        self.new_codes: dict[str, str] = {}  # key -> code as first written, in order of mention
        self.stated_name: dict[str, tuple[str, int]] = {}
        self.stated_parent: dict[str, tuple[str, str, int]] = {}  # key -> (parent key, code, row)

    def code(self, key: str) -> str:
        unit = self.units.get(key)
        return unit.code if unit is not None else self.new_codes[key]

    def state(self, row: _Row) -> list[RowProblem]:
        key = row.unit_code.upper()
        problems = []
        if row.unit_name is not None:
            earlier = self.stated_name.get(key)
            if earlier and earlier[0] != row.unit_name:
                problems.append(
                    RowProblem(
                        row.row,
                        "unit_nama",
                        str(_l("Row {row} gives unit {code} the name {name}.")).format(
                            row=earlier[1], code=_shown(row.unit_code), name=_shown(earlier[0])
                        ),
                    )
                )
        parent_key = row.parent_code.upper() if row.parent_code is not None else None
        if parent_key is not None:
            earlier_parent = self.stated_parent.get(key)
            if earlier_parent and earlier_parent[0] != parent_key:
                problems.append(
                    RowProblem(
                        row.row,
                        "unit_induk",
                        str(_l("Row {row} gives unit {code} the parent unit {parent}.")).format(
                            row=earlier_parent[2],
                            code=_shown(row.unit_code),
                            parent=_shown(earlier_parent[1]),
                        ),
                    )
                )
            elif self.parent_of.get(key) != parent_key and self._reaches(parent_key, key):
                problems.append(
                    RowProblem(
                        row.row,
                        "unit_induk",
                        str(
                            _l(
                                "Unit {parent} cannot be the parent of unit {code}: that would "
                                "put {code} inside itself."
                            )
                        ).format(parent=_shown(row.parent_code), code=_shown(row.unit_code)),
                    )
                )
        if not problems and self.scope is not None:
            problems = self._outside_scope(row, key, parent_key)
        if problems:
            return problems

        self._mention(key, row.unit_code)
        if row.unit_name is not None:
            self.stated_name.setdefault(key, (row.unit_name, row.row))
        if parent_key is not None:
            self._mention(parent_key, row.parent_code)
            self.stated_parent.setdefault(key, (parent_key, row.parent_code, row.row))
            self.parent_of[key] = parent_key
        return []

    def _inside_scope(self, key: str | None) -> bool:
        """Whether walking up from ``key`` meets an existing unit of the scope."""
        seen = set()
        while key is not None and key not in seen:
            if key in self.scope and key in self.units:
                return True
            seen.add(key)
            key = self.parent_of.get(key)
        return False

    def _outside_scope(self, row: _Row, key: str, parent_key: str | None) -> list[RowProblem]:
        """An operator's row must keep its unit inside the operator's sub-tree."""
        moved = parent_key is not None and parent_key != self.parent_of.get(key)
        if key in self.units and key not in self.scope:
            column, message = "unit_kode", _l("Unit {code} is not under your unit.")
        elif key not in self.units and not self._inside_scope(
            parent_key or self.parent_of.get(key)
        ):
            column, message = (
                "unit_induk",
                _l("New unit {code} needs a parent unit (unit_induk) under your unit."),
            )
        elif moved and not self._inside_scope(parent_key):
            column, message = "unit_induk", _l("Unit {code} cannot be moved out of your unit.")
        else:
            return []
        return [RowProblem(row.row, column, str(message).format(code=_shown(row.unit_code)))]

    def _mention(self, key: str, code: str) -> None:
        if key not in self.units and key not in self.new_codes:
            self.new_codes[key] = code
            self.parent_of.setdefault(key, None)

    def _reaches(self, start: str, target: str) -> bool:
        """Whether walking up from ``start`` meets ``target`` (``start`` itself included)."""
        seen = set()
        key: str | None = start
        while key is not None and key not in seen:
            if key == target:
                return True
            seen.add(key)
            key = self.parent_of.get(key)
        return False

    def changes(self) -> tuple[list[NewUnit], list[UnitRename], list[UnitReparent]]:
        new_units: list[NewUnit] = []
        placed: set[str] = set()

        def place(key: str) -> None:
            if key in placed or key not in self.new_codes:
                return
            placed.add(key)
            parent = self.parent_of.get(key)
            if parent is not None:
                place(parent)
            stated = self.stated_name.get(key)
            new_units.append(
                NewUnit(
                    code=self.new_codes[key],
                    name=stated[0] if stated else self.new_codes[key],
                    parent_code=self.code(parent) if parent is not None else None,
                )
            )

        for key in self.new_codes:
            place(key)

        renames = [
            UnitRename(self.units[key].code, self.units[key].name, name)
            for key, (name, _) in self.stated_name.items()
            if key in self.units and self.units[key].name != name
        ]
        keys_by_id = {unit.id: key for key, unit in self.units.items()}
        reparents = []
        for key, (parent_key, _, _) in self.stated_parent.items():
            unit = self.units.get(key)
            if unit is None:
                continue
            old_key = keys_by_id.get(unit.parent_id)
            if old_key != parent_key:
                reparents.append(
                    UnitReparent(
                        unit.code,
                        self.code(old_key) if old_key is not None else None,
                        self.code(parent_key),
                    )
                )
        return new_units, renames, reparents


def _create(row: _Row) -> EmployeeCreate:
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
    row: _Row, stored: _StoredEmployee, tree: _UnitTree, unit_keys_by_id: dict[int, str]
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
