import io
import re
import zipfile

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pakta.services.roster import MAX_ROWS, RosterFileError, plan_import, read_table
from pakta.services.roster.files import MAX_XLSX_UNPACKED_BYTES
from tests.services.roster.conftest import nip, only_problem


def to_xlsx(*rows: list) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def with_integer_cell(xlsx: bytes, cell: str, digits: str) -> bytes:
    """Rewrite one numeric cell so that the file stores it as an integer.

    openpyxl, like Excel, writes numbers past 15 significant digits in floating point; other
    writers store integers exactly, and that is the case to test.
    """
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content, count = re.subn(
                    rf'(<c r="{cell}"[^>]*><v>)[^<]*(</v>)'.encode(),
                    rb"\g<1>" + digits.encode() + rb"\g<2>",
                    content,
                )
                assert count == 1
            target.writestr(info, content)
    return out.getvalue()


# -- reading files ------------------------------------------------------------------------


def test_header_aliases_are_matched_ignoring_case_spaces_and_punctuation():
    data = (
        "NIP/NI PPPK,  Nama  Lengkap ,Unit Kerja,E-mail,No. HP,Kode_Verifikasi,Status Pegawai,"
        "Keterangan\n"
        f"{nip(1)},Siti,DINKES,siti@contoh.go.id,0812 3456 7890,1234,PNS,catatan\n"
    ).encode()
    table = read_table(data, "roster.csv")
    assert table.columns == [
        "nip",
        "nama",
        "unit_kode",
        "email",
        "telepon",
        "kode_verifikasi",
        "jenis",
    ]
    assert table.headers["nama"] == "Nama  Lengkap"
    assert table.ignored_columns == ["Keterangan"]
    assert table.rows[0].row == 2
    assert table.rows[0].values["unit_kode"] == "DINKES"


def test_unit_kerja_is_the_unit_name_when_another_column_gives_the_unit_code():
    data = f"Nama Pegawai,No Induk,Kode OPD,Unit Kerja\nSiti,{nip(1)},DINKES,Dinkes\n".encode()
    table = read_table(data, "roster.csv")
    assert table.rows[0].values == {
        "nama": "Siti",
        "nip": nip(1),
        "unit_kode": "DINKES",
        "unit_nama": "Dinkes",
    }


def test_an_id_column_gives_the_number_only_when_no_nip_column_exists():
    assert read_table(b"ID,Nama,Kode Unit\nH-1,Siti,DINKES\n", "r.csv").columns == [
        "nip",
        "nama",
        "unit_kode",
    ]
    table = read_table(f"ID,NIP,Nama,Kode Unit\n7,{nip(1)},Siti,DINKES\n".encode(), "r.csv")
    assert table.rows[0].values["nip"] == nip(1)
    assert table.ignored_columns == ["ID"]


def test_two_columns_for_the_same_field_are_refused_naming_both():
    with pytest.raises(RosterFileError, match="NIP.*NI PPPK"):
        read_table(b"NIP,Nama,Kode Unit,NI PPPK\n1,Siti,DINKES,2\n", "roster.csv")


def test_utf8_csv_with_a_byte_order_mark_is_read():
    data = "\ufeffnip,nama,unit_kode\n" + f"{nip(1)},Dewi Ayu Lestari,DINKES\n"
    table = read_table(data.encode("utf-8"), "roster.csv")
    assert table.columns == ["nip", "nama", "unit_kode"]
    assert table.rows[0].values["nama"] == "Dewi Ayu Lestari"


def test_windows_1252_csv_keeps_accented_names():
    data = f"nip;nama;unit_kode\n{nip(1)};José Ramírez;DINKES\n{nip(2)};Özil Çelik;DISDIK\n"
    table = read_table(data.encode("cp1252"), "roster.csv")
    assert [row.values["nama"] for row in table.rows] == ["José Ramírez", "Özil Çelik"]


def test_semicolon_csv_from_excel_in_an_indonesian_locale_is_read():
    data = "NIP;Nama;Kode Unit;Jabatan\r\n" + f"{nip(1)};Siti, S.Kom;DINKES;Analis, Ahli\r\n"
    table = read_table(data.encode(), "roster.csv")
    assert table.rows[0].values == {
        "nip": nip(1),
        "nama": "Siti, S.Kom",
        "unit_kode": "DINKES",
        "jabatan": "Analis, Ahli",
    }


def test_a_title_line_without_delimiters_does_not_hide_the_semicolons_below_it():
    data = f"DAFTAR PEGAWAI\r\nnip;nama;unit_kode\r\n{nip(1)};Siti, S.Kom;DINKES\r\n".encode()
    table = read_table(data, "roster.csv")
    assert (table.header_row, table.rows[0].values["nama"]) == (2, "Siti, S.Kom")


def test_an_excel_sep_directive_sets_the_delimiter_and_is_not_a_row():
    data = f"sep=,\r\nnip,nama,unit_kode,a;b;c;d;e\r\n{nip(1)},Siti; Ani,DINKES,\r\n".encode()
    table = read_table(data, "roster.csv")
    assert table.rows[0].values["nama"] == "Siti; Ani"
    assert table.rows[0].row == 2


def test_excel_unicode_text_export_utf16_with_tabs_is_read():
    data = f"NIP\tNama\tKode Unit\r\n{nip(1)}\tSiti\tDINKES\r\n".encode("utf-16")
    assert read_table(data, "roster.txt").rows[0].values["nama"] == "Siti"


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers():
    data = (
        f"nip,nama,unit_kode,catatan\n\n{nip(1)},Siti,DINKES,\n,,,x\n , , ,\n{nip(2)},Ani,DINKES,\n"
    )
    table = read_table(data.encode(), "roster.csv")
    assert [row.row for row in table.rows] == [3, 6]


def test_title_rows_above_the_header_are_skipped():
    data = f"DAFTAR PEGAWAI DINAS KESEHATAN\n\nnip,nama,unit_kode\n{nip(1)},Siti,DINKES\n"
    table = read_table(data.encode(), "roster.csv")
    assert table.header_row == 3
    assert table.rows[0].row == 4


def test_xlsx_is_read_from_its_first_sheet_with_blank_rows_skipped():
    data = to_xlsx(
        ["NIP", "Nama Lengkap", "Kode Unit", "Jabatan"],
        [nip(1), "Siti", "DINKES", None],
        [None, None, None, None],
        [nip(2), "Ani", "DISDIK", "Guru"],
        [],
        [],
    )
    table = read_table(data, "roster.xlsx")
    assert [(row.row, row.values["nama"]) for row in table.rows] == [(2, "Siti"), (4, "Ani")]
    assert table.rows[1].values["jabatan"] == "Guru"


def test_xlsx_nip_cell_stored_as_a_number_is_refused_as_float_and_accepted_as_int(session, units):
    data = to_xlsx(
        ["nip", "nama", "unit_kode", "jenis"],
        [float(nip(1)), "Siti", "DINKES", "PNS"],
        [int(nip(2)), "Ani", "DINKES", "PNS"],
        [20231, "Ujang", "DINKES", "THL"],
    )
    table = read_table(with_integer_cell(data, "A3", nip(2)), "roster.xlsx")
    assert table.rows[1].values["nip"] == int(nip(2))
    plan = plan_import(session, table)
    problem = only_problem(plan, 2, "nip")
    assert "scientific notation" in problem.message
    assert "as text" in problem.message
    assert [create.identity_number for create in plan.creates] == [nip(2), "20231"]


def test_old_binary_xls_file_is_refused_with_advice_to_save_as_xlsx_or_csv():
    with pytest.raises(RosterFileError, match=r"\.xls\b.*\.xlsx.*CSV"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "roster.xls")


def test_a_web_page_named_xls_is_refused_with_advice_to_save_as_xlsx():
    data = b"<html><body><table><tr><td>NIP</td><td>Nama</td></tr></table></body></html>"
    with pytest.raises(RosterFileError, match="web page.*xlsx"):
        read_table(data, "export-simpeg.xls")


def test_a_damaged_xlsx_is_refused():
    with pytest.raises(RosterFileError, match="xlsx"):
        read_table(b"PK\x03\x04 not really a zip", "roster.xlsx")
    with pytest.raises(RosterFileError, match="xlsx"):
        read_table(b"nip,nama,unit_kode\n", "roster.xlsx")


@pytest.mark.parametrize("data", [b"", b"   \r\n\t\n", b"\xef\xbb\xbf", b",,,\n\t,,\n"])
def test_an_empty_file_is_refused(data):
    with pytest.raises(RosterFileError, match="empty"):
        read_table(data, "roster.csv")


def test_a_file_with_only_a_header_is_refused():
    with pytest.raises(RosterFileError, match="no data rows"):
        read_table(b"nip,nama,unit_kode\r\n\r\n,,\r\n", "roster.csv")


def test_a_missing_required_column_is_named():
    with pytest.raises(RosterFileError, match="required columns unit_kode[.]"):
        read_table(b"NIP,Nama,Jabatan\n1,Siti,Guru\n", "roster.csv")
    with pytest.raises(RosterFileError, match="required columns nip, unit_kode[.]"):
        read_table(b"Nama,Jabatan\nSiti,Guru\n", "roster.csv")


def test_binary_junk_is_refused():
    with pytest.raises(RosterFileError, match="binary"):
        read_table(b"nip,nama,unit_kode\n\x00\x01\x02\xff", "roster.csv")


def test_more_than_the_row_limit_is_refused():
    data = b"nip,nama,unit_kode\n" + b"1,a,B\n" * (MAX_ROWS + 1)
    with pytest.raises(RosterFileError, match="more than 100000 rows"):
        read_table(data, "roster.csv")


def test_exactly_the_row_limit_is_read():
    data = b"nip,nama,unit_kode\n" + b"1,a,B\n" * MAX_ROWS
    assert len(read_table(data, "roster.csv").rows) == MAX_ROWS


@given(st.binary(max_size=2000), st.sampled_from(["roster.csv", "roster.xlsx", "r.xls", ""]))
def test_read_table_raises_nothing_but_roster_file_error_on_any_bytes(data, filename):
    for candidate in (data, b"PK\x03\x04" + data, b"nip,nama,unit_kode\n" + data):
        try:
            read_table(candidate, filename)
        except RosterFileError as error:
            assert str(error)


@given(st.text(max_size=500))
def test_read_table_raises_nothing_but_roster_file_error_on_any_text(text):
    for candidate in (text, "nip;nama;unit_kode\n" + text):
        for encoding in ("utf-8", "utf-16"):
            try:
                read_table(candidate.encode(encoding, errors="replace"), "roster.csv")
            except RosterFileError as error:
                assert str(error)


def zip_bomb(unpacked: int) -> bytes:
    """A workbook whose sheet declares (and holds) ``unpacked`` bytes of blanks: tiny packed."""
    out = io.BytesIO()
    source_file = io.BytesIO(to_xlsx(["nip", "nama", "unit_kode"]))
    with (
        zipfile.ZipFile(source_file) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info, source.read(info))
        with bomb.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b" " * (1 << 20)
            for _ in range(unpacked // len(chunk)):
                sheet.write(chunk)
            sheet.write(b" " * (unpacked % len(chunk)))
    return out.getvalue()


def test_a_zip_bomb_is_refused_by_its_declared_size_before_anything_is_inflated(monkeypatch):
    bomb = zip_bomb(MAX_XLSX_UNPACKED_BYTES + 1)
    assert len(bomb) < 200_000

    def never(*_args, **_kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    with pytest.raises(RosterFileError, match="too large to read"):
        read_table(bomb, "roster.xlsx")


def test_the_unpacked_cap_is_what_the_largest_roster_needs_not_more():
    # Measured: 803 bytes a row for ten long columns with inline strings (files.py).
    assert MAX_ROWS * 803 <= MAX_XLSX_UNPACKED_BYTES <= MAX_ROWS * 1_000
