"""Importing a roster of employees and their units from a CSV or XLSX file.

The import runs in three steps so that a person can look before anything changes:

1. ``read_table`` (``files``) turns the uploaded bytes into rows under canonical column names.
   Anything wrong with the file as a whole (wrong format, no header, a required column missing)
   raises ``RosterFileError``, and nothing else is ever raised for any input.
2. ``plan_import`` (``plan``) compares the rows with the database and says what would change,
   and which rows are bad and why. It reads, never writes. Each row is cleaned by ``rows``,
   the units it names are placed in the tree by ``tree``, and the plan is made of the
   records in ``changes``.
3. ``apply_import`` (``apply``) carries out the good part of a plan with a few bulk statements
   and flushes; the caller decides whether bad rows block the import, and commits.

The rules a plan follows are in the docstring of ``plan``.
"""

from pakta.services.roster.apply import ImportResult, apply_import
from pakta.services.roster.changes import (
    EmployeeCreate,
    EmployeeDeactivation,
    EmployeeMove,
    EmployeeUpdate,
    ImportPlan,
    NewUnit,
    RowProblem,
    UnitRename,
    UnitReparent,
)
from pakta.services.roster.files import (
    COLUMNS,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    RosterFileError,
    RosterRecord,
    RosterTable,
    normalise_header,
    read_table,
)
from pakta.services.roster.plan import plan_import

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "EmployeeCreate",
    "EmployeeDeactivation",
    "EmployeeMove",
    "EmployeeUpdate",
    "ImportPlan",
    "ImportResult",
    "NewUnit",
    "RosterFileError",
    "RosterRecord",
    "RosterTable",
    "RowProblem",
    "UnitRename",
    "UnitReparent",
    "apply_import",
    "normalise_header",
    "plan_import",
    "read_table",
]
