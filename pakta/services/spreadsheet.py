"""What every CSV and XLSX file Pakta hands out has in common.

Names, positions and unit names come from rosters that anyone in a unit may have typed,
and the files are opened in Excel or LibreOffice by people who trust them. A cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run there as a formula
(CSV injection: ``=HYPERLINK(...)`` exfiltrating the sheet, or worse), so such a cell gets
a leading apostrophe, which both show as text.
"""

import csv
import io
import re
from collections.abc import Iterable

__all__ = [
    "FORMULA_STARTS",
    "SHEET_TITLE_LIMIT",
    "csv_bytes",
    "neutralize",
    "sheet_title",
    "xlsx_text",
]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_LIMIT = 31
# Characters Excel refuses in a sheet name.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Control characters an XLSX file cannot hold (openpyxl refuses them).
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralize(value: str) -> str:
    """The text with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    return neutralize(value) if isinstance(value, str) else value


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable[object]]) -> bytes:
    """A CSV file as Excel opens it: UTF-8 with a BOM, every text cell neutralised.

    ``None`` becomes an empty cell; numbers are written as they are.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(header))
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_text(value: str) -> str:
    """Text for an XLSX cell: control characters dropped, formula-like text neutralised."""
    return neutralize(_XLSX_ILLEGAL.sub("", value))


def sheet_title(name: str, taken: set[str], *, fallback: str = "Sheet") -> str:
    """A sheet name Excel accepts, unlike any in ``taken``; adds it to ``taken``.

    At most 31 characters, none of ``[]:*?/\\``, not starting or ending with an
    apostrophe, and unique ignoring case (as Excel compares them): a clash gets
    ``~2``, ``~3``... in place of its last characters. ``taken`` holds lower-cased names.
    """
    cleaned = _XLSX_ILLEGAL.sub("", _SHEET_FORBIDDEN.sub("_", name))
    base = cleaned.strip()[:SHEET_TITLE_LIMIT].strip().strip("'").strip() or fallback
    title, number = base, 1
    while title.lower() in taken or title.lower() == "history":  # Excel reserves "History"
        number += 1
        suffix = f"~{number}"
        title = base[: SHEET_TITLE_LIMIT - len(suffix)] + suffix
    taken.add(title.lower())
    return title
