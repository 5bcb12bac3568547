"""Reading a roster file: CSV or XLSX bytes in, rows under canonical column names out.

Header aliases, delimiters, encodings and title rows above the header are handled here; the
rows' contents are checked later, by ``plan``.
"""

import codecs
import csv
import io
import itertools
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from pakta.i18n import _l

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
# A title block above the header ("DAFTAR PEGAWAI ...") is common; look this far for the header.
HEADER_SEARCH_ROWS = 10
# Refuse workbooks that would unpack to more than a roster of MAX_ROWS could: a 100,000-row
# roster with all ten columns filled long (names with titles, 70-character positions and unit
# names, emails), saved by openpyxl with inline strings, unpacks to 80.4 MB, 803 bytes a row
# (Excel's shared strings make it smaller). A zip bomb is refused on its declared sizes,
# before anything is inflated; zipfile never inflates an entry past its declared size.
UNPACKED_BYTES_PER_ROW = 1_000
MAX_XLSX_UNPACKED_BYTES = MAX_ROWS * UNPACKED_BYTES_PER_ROW

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_HEADER_SEPARATORS = re.compile(r"[\s_\-./]+")
_SHOWN_LIMIT = 40
_MARKUP = re.compile(r"\s*<(?:!doctype|html|table|\?xml)", re.IGNORECASE)

# Header aliases of the roster: canonical column -> normalised headers that mean it.
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

Cell = str | int | float | None


class RosterFileError(ValueError):
    """The file as a whole cannot be read as a roster; str() is user-facing."""


@dataclass(frozen=True)
class Layout:
    """What one kind of file (a roster, a unit tree) calls its columns.

    ``fallbacks`` are headers that mean a column only while no other header has given it,
    in the order they are tried: (header, column, column instead when taken, or None to
    ignore the header).
    """

    aliases: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    # (missing columns, headers found) -> the user-facing message
    missing: Callable[[str, str], str]
    fallbacks: tuple[tuple[str, str, str | None], ...] = ()

    def column_of(self, key: str) -> str | None:
        for column, aliases in self.aliases.items():
            if key in aliases:
                return column
        return None


def _roster_missing(missing: str, found: str) -> str:
    return str(
        _l(
            "The header row lacks the required columns {missing}. A roster needs the "
            "columns nip (or id), nama and unit_kode; found: {found}."
        )
    ).format(missing=missing, found=found)


# "ID" means the identity number only when no other column does; "Unit Kerja" is the unit code
# unless another column gives the code, and then it is the unit's name.
ROSTER_LAYOUT = Layout(
    aliases=_HEADER_ALIASES,
    required=REQUIRED_COLUMNS,
    missing=_roster_missing,
    fallbacks=(("id", "nip", None), ("unit kerja", "unit_kode", "unit_nama")),
)


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


def read_table(data: bytes, filename: str = "", layout: Layout = ROSTER_LAYOUT) -> RosterTable:
    """Read a roster (or another ``layout``) from an XLSX or CSV upload; raises only
    ``RosterFileError``."""
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
        return _read_xlsx(data, layout)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise RosterFileError(_unreadable_workbook())
    return _read_csv(data, layout)


def _unreadable_workbook() -> str:
    return str(
        _l(
            "The file could not be read as an Excel workbook (.xlsx). Save it again as .xlsx "
            "or as CSV and upload it again."
        )
    )


def _read_xlsx(data: bytes, layout: Layout) -> RosterTable:
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
                return _table(enumerate(sheet.iter_rows(values_only=True), start=1), layout)
            finally:
                workbook.close()
    except RosterFileError:
        raise
    except Exception as error:  # a damaged or hostile file can fail anywhere inside openpyxl
        raise RosterFileError(_unreadable_workbook()) from error


def _read_csv(data: bytes, layout: Layout) -> RosterTable:
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
        return _table(enumerate(reader, start=1), layout)
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


def _table(rows: Iterable[tuple[int, Sequence[object]]], layout: Layout) -> RosterTable:
    rows = iter(rows)
    header = _find_header(rows, layout)
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
    rows: Iterator[tuple[int, Sequence[object]]], layout: Layout
) -> tuple[int, list[tuple[int, str]], dict[str, str], list[str]]:
    """The first non-blank row, or, if that lacks the required columns, one a little below it."""
    first_error: RosterFileError | None = None
    attempts = 0
    for number, cells in rows:
        if all(_cell(cell) is None for cell in cells):
            continue
        try:
            positions, headers, ignored = _map_header(cells, layout)
        except RosterFileError as error:
            first_error = first_error or error
            attempts += 1
            if attempts == HEADER_SEARCH_ROWS:
                break
            continue
        return number, positions, headers, ignored
    raise first_error or RosterFileError(str(_l("The file is empty.")))


def _map_header(
    cells: Sequence[object], layout: Layout
) -> tuple[list[tuple[int, str]], dict[str, str], list[str]]:
    found: dict[str, tuple[int, str]] = {}
    fallback_keys = {key for key, _, _ in layout.fallbacks}
    deferred: dict[str, list[tuple[int, str]]] = {key: [] for key in fallback_keys}
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
        column = layout.column_of(key)
        if key in fallback_keys:
            deferred[key].append((index, text))
        elif column is not None:
            claim(column, index, text)
        else:
            ignored.append(text)
    for key, column, instead in layout.fallbacks:
        for index, text in deferred[key]:
            target = instead if column in found else column
            if target is None:
                ignored.append(text)
            else:
                claim(target, index, text)

    missing = [column for column in layout.required if column not in found]
    if missing:
        shown_headers = [_shown(str(cell).strip()) for cell in cells if _cell(cell) is not None]
        raise RosterFileError(
            layout.missing(", ".join(missing), ", ".join(shown_headers[:20]) or "-")
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


def _shown(text: str) -> str:
    # Echoed input must stay printable and short whatever the cell held.
    shown = "".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in text[:_SHOWN_LIMIT])
    return shown + ("…" if len(text) > _SHOWN_LIMIT else "")
