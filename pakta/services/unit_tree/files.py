"""The unit tree's columns, and SIASN's names for them, for the roster's file reader."""

from pakta.i18n import _l
from pakta.services.roster.files import Layout, RosterTable, read_table

UNIT_COLUMNS = ("kode", "nama", "kode_induk", "eselon", "jenis")

# SIASN's unor tables call the code "id" (or kode_internal elsewhere), the name nama_unor and
# the direct parent diatasan_id; its unor_induk is the head unit of the OPD, not necessarily
# the direct parent, so it stands for the parent only in a file without diatasan_id.
_ALIASES = {
    "kode": ("kode", "kode unit", "kode unor", "unor id", "id unor", "kode unit kerja"),
    "nama": ("nama", "nama unit", "nama unor", "unor nama", "nama unit kerja", "unit kerja"),
    "kode_induk": (
        "kode induk",
        "induk",
        "kode unit induk",
        "unit induk",
        "diatasan id",
        "atasan id",
        "id atasan",
        "kode atasan",
    ),
    "eselon": ("eselon", "eselon id", "id eselon", "eselon unor"),
    "jenis": ("jenis", "jenis unor", "jenis unor id", "jenis unit"),
}


def _missing(missing: str, found: str) -> str:
    return str(
        _l(
            "The header row lacks the required columns {missing}. A unit tree needs the "
            "columns kode (or id), nama and kode_induk; found: {found}."
        )
    ).format(missing=missing, found=found)


UNIT_LAYOUT = Layout(
    aliases=_ALIASES,
    required=("kode", "nama", "kode_induk"),
    missing=_missing,
    fallbacks=(("id", "kode", None), ("unor induk", "kode_induk", None)),
)


def read_unit_table(data: bytes, filename: str = "") -> RosterTable:
    """Read a unit tree from an XLSX or CSV upload; raises only ``RosterFileError``."""
    return read_table(data, filename, UNIT_LAYOUT)
