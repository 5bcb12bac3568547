"""Importing the unit tree as the Pemda keeps it (SIASN's "unor"): code, name and parent.

The same three steps as the roster import (``pakta.services.roster``), all or nothing:

1. ``read_unit_table`` (``files``) reads the CSV or XLSX upload with the roster's reader,
   under the unit tree's own columns and SIASN's names for them;
2. ``plan_unit_tree`` (``plan``) says which units would be created, renamed, moved or
   otherwise changed, which rows are bad and why, and which top-level units other than the
   root the tree would have; it reads, never writes;
3. ``apply_unit_tree`` (``apply``) carries out a plan without problems and flushes; the caller
   commits.

Units the file does not mention are left as they are: nothing is deleted or deactivated.
"""

from pakta.services.unit_tree.apply import UnitTreeResult, apply_unit_tree
from pakta.services.unit_tree.changes import UnitCreate, UnitTreePlan, UnitUpdate
from pakta.services.unit_tree.files import UNIT_COLUMNS, UNIT_LAYOUT, read_unit_table
from pakta.services.unit_tree.plan import plan_unit_tree

__all__ = [
    "UNIT_COLUMNS",
    "UNIT_LAYOUT",
    "UnitCreate",
    "UnitTreePlan",
    "UnitTreeResult",
    "UnitUpdate",
    "apply_unit_tree",
    "plan_unit_tree",
    "read_unit_table",
]
