"""Importing a roster of employees and their units from a CSV or XLSX file.

The import runs in three steps so that a person can look before anything changes:

1. ``read_table`` turns the uploaded bytes into rows under canonical column names. Anything
   wrong with the file as a whole (wrong format, no header, a required column missing) raises
   ``RosterFileError``, and nothing else is ever raised for any input.
2. ``plan_import`` compares the rows with the database and says what would change, and which
   rows are bad and why. It reads, never writes.
3. ``apply_import`` carries out the good part of a plan with a few bulk statements and flushes;
   the caller decides whether bad rows block the import, and commits.

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

import codecs
import csv
import io
import itertools
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from pakta import keys
from pakta.i18n import _l
from pakta.models import Employee, EmploymentType, Unit, utcnow
from pakta.services.identity import check_identity

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

REQUIRED_COLUMNS = ("nip", "nama", "unit_kode")
OPTIONAL_COLUMNS = (
    "jabatan",
    "unit_nama",
    "unit_induk",
    "jenis",
    "email",
    "telepon",
    "kode_verifikasi",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

MAX_ROWS = 100_000
MAX_TEXT_LENGTH = 255  # names, positions, unit names, emails
MAX_UNIT_CODE_LENGTH = 64
# A title block above the header ("DAFTAR PEGAWAI ...") is common; look this far for the header.
HEADER_SEARCH_ROWS = 10
# Refuse workbooks that would unpack to more than this (a 100,000-row roster is far smaller).
MAX_XLSX_UNPACKED_BYTES = 512 * 1024 * 1024

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_HEADER_SEPARATORS = re.compile(r"[\s_\-./]+")
_UNIT_CODE = re.compile(r"[A-Za-z0-9._-]+")
_VERIFICATION_CODE = re.compile(r"[A-Za-z0-9]{4,32}")
_PHONE_PUNCTUATION = re.compile(r"[\s\-.()]+")
_PHONE = re.compile(r"\+?[0-9]{8,15}")
_SHOWN_LIMIT = 40
_MARKUP = re.compile(r"\s*<(?:!doctype|html|table|\?xml)", re.IGNORECASE)

_HEADER_ALIASES = {
    "nip": ("nip", "nip ni pppk", "ni pppk", "no induk", "nomor induk"),
    "nama": ("nama", "nama lengkap", "nama pegawai"),
    "unit_kode": ("unit kode", "kode unit", "kode unit kerja", "kode opd"),
    "unit_nama": ("unit nama", "nama unit", "nama unit kerja", "nama opd"),
    "unit_induk": ("unit induk", "kode unit induk", "induk"),
    "jabatan": ("jabatan",),
    "jenis": ("jenis", "jenis pegawai", "status kepegawaian", "status pegawai"),
    "email": ("email", "e mail", "surel"),
    "telepon": ("telepon", "no hp", "hp", "whatsapp", "no wa", "no telepon", "nomor hp"),
    "kode_verifikasi": ("kode verifikasi", "pin"),
}
_ALIASES = {alias: column for column, aliases in _HEADER_ALIASES.items() for alias in aliases}
# "ID" means the identity number only when no other column does; "Unit Kerja" is the unit code
# unless another column gives the code, and then it is the unit's name.
_ID_ALIAS = "id"
_UNIT_KERJA = "unit kerja"

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

Cell = str | int | float | None


class RosterFileError(ValueError):
    """The file as a whole cannot be read as a roster; str() is user-facing."""


# -- reading a file ------------------------------------------------------------------------


@dataclass
class RosterRecord:
    row: int  # as the spreadsheet numbers it: the header is usually row 1
    values: dict[str, Cell]


@dataclass
class RosterTable:
    columns: list[str]  # canonical names, in the file's order
    rows: list[RosterRecord]
    headers: dict[str, str] = field(default_factory=dict)  # canonical name -> header as written
    ignored_columns: list[str] = field(default_factory=list)  # headers that mean nothing here
    header_row: int = 1


def normalise_header(text: str) -> str:
    """``" Kode_Unit-Kerja "`` -> ``"kode unit kerja"``."""
    return _HEADER_SEPARATORS.sub(" ", text.replace("\ufeff", "").lower()).strip()


def read_table(data: bytes, filename: str = "") -> RosterTable:
    """Read a roster from an XLSX or CSV upload; raises only ``RosterFileError``."""
    if not data or not data.strip():
        raise RosterFileError(str(_l("The file is empty.")))
    if data.startswith(_XLS_MAGIC):
        raise RosterFileError(
            str(
                _l(
                    "This is an old Excel 97-2003 (.xls) file. Save it as an Excel workbook "
                    "(.xlsx) or as CSV and upload it again."
                )
            )
        )
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(data)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise RosterFileError(_unreadable_workbook())
    return _read_csv(data)


def _unreadable_workbook() -> str:
    return str(
        _l(
            "The file could not be read as an Excel workbook (.xlsx). Save it again as .xlsx "
            "or as CSV and upload it again."
        )
    )


def _read_xlsx(data: bytes) -> RosterTable:
    # Imported here: openpyxl is heavy and only this path needs it.
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise RosterFileError(
                str(_l("The workbook is too large to read; split it into smaller files."))
            )
        # Real workbooks carry features openpyxl warns about and drops; none matter here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise RosterFileError(str(_l("The workbook has no worksheet.")))
                sheet = workbook.worksheets[0]
                # Some writers record a wrong used range, which read-only mode would trust.
                sheet.reset_dimensions()
                return _table(enumerate(sheet.iter_rows(values_only=True), start=1))
            finally:
                workbook.close()
    except RosterFileError:
        raise
    except Exception as error:  # a damaged or hostile file can fail anywhere inside openpyxl
        raise RosterFileError(_unreadable_workbook()) from error


def _read_csv(data: bytes) -> RosterTable:
    text = _decode(data)
    if "\x00" in text:
        raise RosterFileError(
            str(
                _l(
                    "The file is not a spreadsheet: it contains binary data. Upload an .xlsx "
                    "or .csv file."
                )
            )
        )
    if _MARKUP.match(text):
        # Many personnel systems export a web page named .xls; Excel opens it, we cannot.
        raise RosterFileError(
            str(
                _l(
                    "The file is a web page (HTML or XML), not a spreadsheet, even if its name "
                    "ends in .xls. Open it in Excel and save it as .xlsx or CSV."
                )
            )
        )
    text, delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(enumerate(reader, start=1))
    except csv.Error as error:
        raise RosterFileError(
            str(_l("The CSV file could not be read near row {row}; check its quotes.")).format(
                row=reader.line_num
            )
        ) from error


def _delimiter(text: str) -> tuple[str, str]:
    """The delimiter, from the first line that has any (a title line above the header may not).

    Excel in an Indonesian locale separates with semicolons; its "sep=;" first line, which
    Excel itself hides, is honoured and removed so that row numbers match what Excel shows.
    """
    first_line, _, rest = text.partition("\n")
    directive = first_line.rstrip("\r").lower()
    if directive in ("sep=,", "sep=;", "sep=\t"):
        return rest, directive[4]
    lines = (line for line in text.splitlines() if line.strip())
    for line in itertools.islice(lines, HEADER_SEARCH_ROWS):
        counts = {delimiter: line.count(delimiter) for delimiter in (",", ";", "\t")}
        if any(counts.values()):
            return text, max(counts, key=counts.__getitem__)  # ties go to the comma
    return text, ","


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text" export: UTF-16 with a BOM, tab-separated.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return data.decode("latin-1")


def _table(rows: Iterable[tuple[int, Sequence[object]]]) -> RosterTable:
    rows = iter(rows)
    header = _find_header(rows)
    header_row, positions, headers, ignored = header
    records: list[RosterRecord] = []
    for number, cells in rows:
        values = {
            column: _cell(cells[index]) if index < len(cells) else None
            for index, column in positions
        }
        if all(value is None for value in values.values()):
            continue  # blank, or filled only in columns that mean nothing here
        if len(records) == MAX_ROWS:
            raise RosterFileError(
                str(_l("The file has more than {limit} rows; split it into smaller files.")).format(
                    limit=MAX_ROWS
                )
            )
        records.append(RosterRecord(number, values))
    if not records:
        raise RosterFileError(str(_l("The file has a header row but no data rows.")))
    return RosterTable(
        columns=[column for _, column in positions],
        rows=records,
        headers=headers,
        ignored_columns=ignored,
        header_row=header_row,
    )


def _find_header(
    rows: Iterator[tuple[int, Sequence[object]]],
) -> tuple[int, list[tuple[int, str]], dict[str, str], list[str]]:
    """The first non-blank row, or, if that lacks the required columns, one a little below it."""
    first_error: RosterFileError | None = None
    attempts = 0
    for number, cells in rows:
        if all(_cell(cell) is None for cell in cells):
            continue
        try:
            positions, headers, ignored = _map_header(cells)
        except RosterFileError as error:
            first_error = first_error or error
            attempts += 1
            if attempts == HEADER_SEARCH_ROWS:
                break
            continue
        return number, positions, headers, ignored
    raise first_error or RosterFileError(str(_l("The file is empty.")))


def _map_header(cells: Sequence[object]) -> tuple[list[tuple[int, str]], dict[str, str], list[str]]:
    found: dict[str, tuple[int, str]] = {}
    id_columns: list[tuple[int, str]] = []
    unit_kerja: list[tuple[int, str]] = []
    ignored: list[str] = []

    def claim(column: str, index: int, text: str) -> None:
        if column in found:
            raise RosterFileError(
                str(_l("The columns {first} and {second} both give {column}; keep one.")).format(
                    first=_shown(found[column][1]), second=_shown(text), column=column
                )
            )
        found[column] = (index, text)

    for index, cell in enumerate(cells):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        key = normalise_header(text)
        if key == _ID_ALIAS:
            id_columns.append((index, text))
        elif key == _UNIT_KERJA:
            unit_kerja.append((index, text))
        elif key in _ALIASES:
            claim(_ALIASES[key], index, text)
        else:
            ignored.append(text)
    nip_found = "nip" in found
    for index, text in id_columns:
        if nip_found:
            ignored.append(text)
        else:
            claim("nip", index, text)
    for index, text in unit_kerja:
        claim("unit_nama" if "unit_kode" in found else "unit_kode", index, text)

    missing = [column for column in REQUIRED_COLUMNS if column not in found]
    if missing:
        shown_headers = [_shown(str(cell).strip()) for cell in cells if _cell(cell) is not None]
        raise RosterFileError(
            str(
                _l(
                    "The header row lacks the required columns {missing}. A roster needs the "
                    "columns nip (or id), nama and unit_kode; found: {found}."
                )
            ).format(missing=", ".join(missing), found=", ".join(shown_headers[:20]) or "-")
        )
    positions = sorted((index, column) for column, (index, _) in found.items())
    headers = {column: text for column, (_, text) in found.items()}
    return positions, headers, ignored


def _cell(value: object) -> Cell:
    """A spreadsheet cell as text or a number; blank becomes None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date | time | timedelta):
        return value.isoformat() if not isinstance(value, timedelta) else str(value)
    return str(value)


# -- planning ------------------------------------------------------------------------------


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
    session: Session, table: RosterTable, *, deactivate_missing: bool = False
) -> ImportPlan:
    """Compare ``table`` with the database; reads only. Returns an ``ImportPlan``."""
    units = {unit.code.upper(): unit for unit in session.scalars(select(Unit))}
    unit_keys_by_id = {unit.id: key for key, unit in units.items()}
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

    tree = _UnitTree(units, unit_keys_by_id)
    good_rows = []
    for row in rows:
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
            if employee.active and employee.identity_number not in present
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


def _shown(text: str) -> str:
    # Echoed input must stay printable and short whatever the cell held.
    shown = "".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in text[:_SHOWN_LIMIT])
    return shown + ("…" if len(text) > _SHOWN_LIMIT else "")


class _UnitTree:
    """The unit tree as the file would leave it, built row by row.

    A row's statements about units (its unit's name and parent) are recorded only when all of
    them fit what earlier good rows stated and keep the tree a tree; otherwise the row is bad.
    """

    def __init__(self, units: dict[str, Unit], keys_by_id: dict[int, str]) -> None:
        self.units = units
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


# -- applying ------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0  # includes the moved and the reactivated
    moved: int = 0
    reactivated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    units_created: int = 0
    units_renamed: int = 0
    units_reparented: int = 0
    skipped_rows: int = 0

    def as_details(self) -> dict[str, int]:
        return asdict(self)


def apply_import(session: Session, plan: ImportPlan) -> ImportResult:
    """Carry out the good rows of ``plan``; flushes, never commits.

    Employees are written with bulk statements (one INSERT and a few UPDATE batches), so
    ``Employee`` objects already in the session are expired afterwards to be read again.
    """
    result = ImportResult(
        created=len(plan.creates),
        updated=len(plan.updates),
        moved=len(plan.moves),
        reactivated=len(plan.reactivations),
        unchanged=plan.unchanged,
        deactivated=len(plan.deactivations),
        units_created=len(plan.new_units),
        units_renamed=len(plan.unit_renames),
        units_reparented=len(plan.unit_reparents),
        skipped_rows=len(plan.bad_rows),
    )
    if not plan.has_changes:
        return result

    now = utcnow()
    units = {unit.code.upper(): unit for unit in session.scalars(select(Unit))}
    for new in plan.new_units:  # parents come first
        parent = units[new.parent_code.upper()] if new.parent_code is not None else None
        unit = Unit(code=new.code, name=new.name, parent=parent, created_at=now)
        session.add(unit)
        units[new.code.upper()] = unit
    for rename in plan.unit_renames:
        units[rename.code.upper()].name = rename.new_name
    for reparent in plan.unit_reparents:
        new_parent = reparent.new_parent_code
        units[reparent.code.upper()].parent = units[new_parent.upper()] if new_parent else None
    session.flush()

    def row_values(values: dict) -> dict:
        values = dict(values)
        if "unit" in values:
            values["unit_id"] = units[values.pop("unit")].id
        values["updated_at"] = now
        return values

    if plan.creates:
        session.execute(
            insert(Employee),
            [row_values(create.values) | {"created_at": now} for create in plan.creates],
        )
    updates = [row_values(change.values) | {"id": change.employee_id} for change in plan.updates]
    updates += [
        {"id": gone.employee_id, "active": False, "updated_at": now} for gone in plan.deactivations
    ]
    # Rows that set the same columns go in one executemany batch.
    updates.sort(key=lambda values: sorted(values))
    for _, batch in itertools.groupby(updates, key=lambda values: sorted(values)):
        session.execute(update(Employee), list(batch))
    session.flush()
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Employee):
            session.expire(instance)
    return result
