"""The table kept between an upload and its confirmation (pakta/services/roster/stored.py)."""

import io

import openpyxl

from pakta.services.roster import read_table
from pakta.services.roster.stored import dump_table, load_table

CSV = (
    "DAFTAR PEGAWAI\n"
    "NIP;Nama Lengkap;Unit Kerja;Jabatan;Catatan\n"
    "198609262015051001;Ni Luh Putu Ayu, S.Kep.;DINKES;Perawat;x\n"
    "\n"
    "200012312024211001;Dédé 'Aminah';DISDIK;;\n"
).encode()


def xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["nip", "nama", "unit_kode", "telepon"])
    sheet.append([198609262015051001, "Budi Santoso", "DINKES", 81234567890.0])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_kept_table_loads_as_the_table_read_from_the_file():
    for data, name in ((CSV, "roster.csv"), (xlsx(), "roster.xlsx")):
        table = read_table(data, name)
        assert load_table(dump_table(table)) == table


def test_a_files_own_bytes_are_not_taken_for_a_kept_table():
    assert load_table(CSV) is None
    assert load_table(xlsx()) is None
