"""What a unit-tree import plan is made of."""

from dataclasses import dataclass, field

from pakta.i18n import _l
from pakta.services.roster.changes import RowProblem


@dataclass
class UnitCreate:
    """A unit as a good row states it; the plan's ``creates`` are the rows of new units."""

    row: int
    code: str
    name: str
    parent_code: str | None
    eselon: str | None
    kind: str | None

    @property
    def key(self) -> str:
        return self.code.upper()

    @property
    def parent_key(self) -> str | None:
        return self.parent_code.upper() if self.parent_code is not None else None


@dataclass
class UnitUpdate:
    row: int
    code: str
    # Field ("name", "parent", "eselon", "kind") -> (before, after); "parent" as unit codes.
    changes: dict[str, tuple[str | None, str | None]]


@dataclass
class UnitTreePlan:
    creates: list[UnitCreate] = field(default_factory=list)  # parents before children
    updates: list[UnitUpdate] = field(default_factory=list)
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    # Codes of the top-level units other than the root once the plan is applied.
    stray_units: list[str] = field(default_factory=list)
    row_count: int = 0

    @property
    def renames(self) -> list[UnitUpdate]:
        return [update for update in self.updates if "name" in update.changes]

    @property
    def moves(self) -> list[UnitUpdate]:
        return [update for update in self.updates if "parent" in update.changes]

    @property
    def bad_rows(self) -> list[int]:
        return sorted({problem.row for problem in self.problems})

    @property
    def has_changes(self) -> bool:
        return bool(self.creates or self.updates)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.row_count,
            "created": len(self.creates),
            "updated": len(self.updates),
            "renamed": len(self.renames),
            "moved": len(self.moves),
            "unchanged": self.unchanged,
            "bad_rows": len(self.bad_rows),
        }

    def summary(self) -> str:
        return str(
            _l(
                "New units: {created}; changed: {updated} (renamed: {renamed}, moved: "
                "{moved}); unchanged: {unchanged}; rows with problems: {bad_rows}."
            )
        ).format(**self.counts())
