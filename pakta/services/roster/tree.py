"""The unit tree as a roster file would leave it, and whether an operator's rows stay in theirs."""

from pakta.i18n import _l
from pakta.models import Unit
from pakta.services.roster.changes import CleanRow, NewUnit, RowProblem, UnitRename, UnitReparent
from pakta.services.roster.files import _shown


class UnitTree:
    """The unit tree as the file would leave it, built row by row.

    A row's statements about units (its unit's name and parent) are recorded only when all of
    them fit what earlier good rows stated and keep the tree a tree; otherwise the row is bad.
    """

    def __init__(
        self, units: dict[str, Unit], keys_by_id: dict[int, str], scope: set[str] | None = None
    ) -> None:
        self.units = units
        self.keys_by_id = keys_by_id
        # The keys of the units an operator's import may touch (None: all of them).
        self.scope = scope
        self.parent_of: dict[str, str | None] = {
            key: keys_by_id.get(unit.parent_id) for key, unit in units.items()
        }
        self.new_codes: dict[str, str] = {}  # key -> code as first written, in order of mention
        self.stated_name: dict[str, tuple[str, int]] = {}
        self.stated_parent: dict[str, tuple[str, str, int]] = {}  # key -> (parent key, code, row)

    def code_of_id(self, unit_id: int) -> str:
        return self.code(self.keys_by_id[unit_id])

    def code(self, key: str) -> str:
        unit = self.units.get(key)
        return unit.code if unit is not None else self.new_codes[key]

    def state(self, row: CleanRow) -> list[RowProblem]:
        key = row.unit_code.upper()
        if key not in self.units and (row.unit_name is None or row.parent_code is None):
            # A unit made up from a staff list would be placed nowhere: the tree comes from
            # the unit-tree import, or from rows that say where the new unit belongs.
            message = _l(
                "Unit {code} is not in Pakta: import the unit tree first, or give this row "
                "the unit's name (unit_nama) and parent unit (unit_induk)."
            )
            return [
                RowProblem(row.row, "unit_kode", str(message).format(code=_shown(row.unit_code)))
            ]
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

    def _outside_scope(self, row: CleanRow, key: str, parent_key: str | None) -> list[RowProblem]:
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

    def unplaced(self) -> dict[str, str]:
        """New units named only as a parent: key -> code. No row says where they belong."""
        return {key: code for key, code in self.new_codes.items() if key not in self.stated_parent}

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
