import csv
import io
import json
import re
import time
import zipfile
from datetime import date, timedelta

import openpyxl
import pytest
from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, select

from pakta import keys
from pakta.models import Employee, EmploymentType, Signature, SignatureMethod, Unit
from pakta.services import campaigns
from pakta.services.identity import make_nip, make_pppk_number
from pakta.services.roster import (
    MAX_ROWS,
    RosterFileError,
    apply_import,
    plan_import,
    read_table,
)

# -- a small roster generator -------------------------------------------------------------


def nip(i: int) -> str:
    """A valid, distinct PNS NIP for every i below about 12 million."""
    birth = date(1965, 1, 1) + timedelta(days=i % 12_000)
    return make_nip(birth, (birth.year + 25, 1 + i % 12), 1 + i % 2, 1 + i // 12_000)


def pppk_number(i: int) -> str:
    birth = date(1970, 1, 1) + timedelta(days=i % 10_000)
    return make_pppk_number(birth, birth.year + 24, 1 + i % 9, 1 + i % 2, 1 + i // 10_000)


def roster_rows(count: int, units=("DINKES", "DISDIK"), start: int = 0) -> list[dict]:
    return [
        {
            "nip": nip(i),
            "nama": f"Pegawai {i}",
            "unit_kode": units[i % len(units)],
            "jabatan": "Pelaksana",
            "jenis": "PNS",
        }
        for i in range(start, start + count)
    ]


def to_csv(rows: list[dict], delimiter: str = ",", header: list[str] | None = None) -> bytes:
    header = header or list(dict.fromkeys(column for row in rows for column in row))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return out.getvalue().encode()


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


def import_rows(session, rows: list[dict], **options):
    plan = plan_import(session, read_table(to_csv(rows), "roster.csv"), **options)
    return plan, apply_import(session, plan)


def plan_rows(session, rows: list[dict], **options):
    return plan_import(session, read_table(to_csv(rows), "roster.csv"), **options)


def problems_at(plan, row: int) -> list:
    return [problem for problem in plan.problems if problem.row == row]


def only_problem(plan, row: int, column: str):
    found = problems_at(plan, row)
    assert [problem.column for problem in found] == [column], plan.problems
    return found[0]


def employee(session, number: str) -> Employee:
    found = session.scalar(select(Employee).where(Employee.identity_number == number))
    session.refresh(found)
    return found


def add_employee(session, unit: Unit, number: str, **fields) -> Employee:
    person = Employee(
        identity_number=number,
        name=fields.pop("name", "Budi Santoso"),
        employment_type=fields.pop("employment_type", EmploymentType.PNS),
        unit=unit,
        **fields,
    )
    session.add(person)
    session.flush()
    return person


@pytest.fixture
def session(session):
    """The shared session, with messages in English whatever the default locale."""
    with force_locale("en"):
        yield session


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


# -- bad rows -----------------------------------------------------------------------------


def test_a_bad_nip_is_reported_with_its_row_and_the_failing_part(session, units):
    rows = roster_rows(3)
    rows[1]["nip"] = nip(2)[:8] + "201513" + nip(2)[14:]  # month 13
    problem = only_problem(plan_rows(session, rows), 3, "nip")
    assert "Digits 9–14" in problem.message
    assert "13" in problem.message


def test_a_nip_with_the_wrong_length_is_reported(session, units):
    rows = roster_rows(2)
    rows[0]["nip"] = nip(0)[:17]
    assert "found 17" in only_problem(plan_rows(session, rows), 2, "nip").message


def test_a_missing_name_is_reported(session, units):
    rows = roster_rows(3)
    rows[2]["nama"] = "   "
    assert "name is missing" in only_problem(plan_rows(session, rows), 4, "nama").message


def test_a_missing_unit_code_is_reported(session, units):
    rows = roster_rows(2)
    rows[1]["unit_kode"] = ""
    assert "unit code is missing" in only_problem(plan_rows(session, rows), 3, "unit_kode").message


def test_a_unit_code_longer_than_64_characters_is_reported(session, units):
    rows = roster_rows(2)
    rows[0]["unit_kode"] = "D" * 65
    problem = only_problem(plan_rows(session, rows), 2, "unit_kode")
    assert "longer than 64" in problem.message


@pytest.mark.parametrize("code", ["DINAS KESEHATAN", "DINKES/P2P", "DİNKES", "DINKES;"])
def test_a_unit_code_with_other_characters_than_letters_digits_and_dashes_is_reported(
    session, units, code
):
    rows = roster_rows(2)
    rows[1]["unit_kode"] = code
    message = only_problem(plan_rows(session, rows), 3, "unit_kode").message
    assert "may contain only letters, digits" in message


def test_a_bad_parent_unit_code_is_reported_against_unit_induk(session, units):
    rows = roster_rows(1)
    rows[0]["unit_induk"] = "PEMDA KOTA"
    only_problem(plan_rows(session, rows), 2, "unit_induk")


def test_an_unknown_employee_type_is_reported(session, units):
    rows = roster_rows(2)
    rows[0]["jenis"] = "Kontrak"
    message = only_problem(plan_rows(session, rows), 2, "jenis").message
    assert "Unknown employee type Kontrak" in message


def test_a_duplicate_number_in_the_file_is_reported_naming_the_first_row(session, units):
    rows = roster_rows(4)
    rows[3]["nip"] = (
        f" {rows[1]['nip'][:8]} {rows[1]['nip'][8:14]} {rows[1]['nip'][14]} "
        + (rows[1]["nip"][15:])
    )
    plan = plan_rows(session, rows)
    assert only_problem(plan, 5, "nip").message == "Same number as row 3."
    assert [create.row for create in plan.creates] == [2, 3, 4]


@pytest.mark.parametrize(
    "email", ["siti", "siti@@contoh.go.id", "siti @contoh.go.id", "siti@localhost", "a@b."]
)
def test_a_bad_email_is_reported(session, units, email):
    rows = roster_rows(1)
    rows[0]["email"] = email
    assert "not an email address" in only_problem(plan_rows(session, rows), 2, "email").message


def test_an_email_longer_than_255_characters_is_reported(session, units):
    rows = roster_rows(1)
    rows[0]["email"] = "a" * 250 + "@contoh.go.id"
    only_problem(plan_rows(session, rows), 2, "email")


@pytest.mark.parametrize("phone", ["0812", "0812-3456-7890-1234", "0812abc7890", "++6281234567"])
def test_a_bad_phone_number_is_reported(session, units, phone):
    rows = roster_rows(1)
    rows[0]["telepon"] = phone
    message = only_problem(plan_rows(session, rows), 2, "telepon").message
    assert "8 to 15 digits" in message


@pytest.mark.parametrize("code", ["123", "x" * 33, "12 34", "12-34", "kode!"])
def test_a_bad_verification_code_is_reported_without_echoing_it(session, units, code):
    rows = roster_rows(1)
    rows[0]["kode_verifikasi"] = code
    message = only_problem(plan_rows(session, rows), 2, "kode_verifikasi").message
    assert "4 to 32" in message
    assert code not in message


def test_a_name_longer_than_255_characters_is_reported(session, units):
    rows = roster_rows(2)
    rows[1]["nama"] = "Siti " * 60
    assert "longer than 255" in only_problem(plan_rows(session, rows), 3, "nama").message


def test_a_parent_that_would_make_a_cycle_in_the_unit_tree_is_reported(session, units):
    rows = roster_rows(2)
    rows[1].update(unit_kode="PEMDA", unit_induk="DINKES-P2P")  # P2P is below PEMDA
    message = only_problem(plan_rows(session, rows), 3, "unit_induk").message
    assert "inside itself" in message
    assert "DINKES-P2P" in message


def test_a_unit_that_is_its_own_parent_is_reported(session, units):
    rows = roster_rows(1, units=("BARU",))
    rows[0]["unit_induk"] = "baru"
    assert "inside itself" in only_problem(plan_rows(session, rows), 2, "unit_induk").message


def test_a_cycle_among_new_units_of_one_file_is_reported(session, units):
    rows = roster_rows(2, units=("UPT-A", "UPT-B"))
    rows[0]["unit_induk"] = "UPT-B"
    rows[1]["unit_induk"] = "UPT-A"
    plan = plan_rows(session, rows)
    only_problem(plan, 3, "unit_induk")
    assert [(new.code, new.parent_code) for new in plan.new_units] == [
        ("UPT-B", None),
        ("UPT-A", "UPT-B"),
    ]


def test_two_rows_naming_one_unit_differently_is_reported(session, units):
    rows = roster_rows(3, units=("PUSKESMAS-1",))
    rows[0]["unit_nama"] = "Puskesmas Cikole"
    rows[2]["unit_nama"] = "Puskesmas Cibeureum"
    message = only_problem(plan_rows(session, rows), 4, "unit_nama").message
    assert "Row 2" in message
    assert "Puskesmas Cikole" in message


def test_a_row_with_several_problems_reports_each(session, units):
    rows = roster_rows(1)
    rows[0].update(nip="123", nama="", unit_kode="A B", email="x", telepon="1", jenis="PNS")
    plan = plan_rows(session, rows)
    assert [problem.column for problem in problems_at(plan, 2)] == [
        "nip",
        "nama",
        "unit_kode",
        "email",
        "telepon",
    ]
    assert plan.bad_rows == [2]
    assert plan.counts()["problems"] == 5


def test_apply_imports_only_the_good_rows_and_counts_the_skipped(session, units):
    rows = roster_rows(3)
    rows[1]["nama"] = ""
    rows[2].update(unit_kode="BARU", unit_nama="Unit Baru")
    bad_unit = {"nip": nip(9), "nama": "X", "unit_kode": "LAIN", "jabatan": "", "jenis": "??"}
    plan, result = import_rows(session, [*rows, bad_unit])
    assert plan.bad_rows == [3, 5]
    assert result.created == 2
    assert result.skipped_rows == 2
    assert [new.code for new in plan.new_units] == ["BARU"]  # not LAIN: its row is bad
    assert session.scalar(select(Employee).where(Employee.identity_number == nip(1))) is None


# -- importing ----------------------------------------------------------------------------


def test_new_employees_are_created_with_cleaned_and_normalised_values(session, units):
    rows = [
        {
            "nip": f" {nip(1)} ",
            "nama": "  Dewi   Ayu\tLestari ",
            "unit_kode": "dinkes",
            "jabatan": " Analis  Kebijakan ",
            "jenis": "",
            "email": " Dewi.Ayu@Contoh.GO.ID ",
            "telepon": "0812-3456-7890",
            "kode_verifikasi": "",
        },
        {"nip": pppk_number(2), "nama": "Rina", "unit_kode": "DISDIK", "jenis": " p3k "},
        {"nip": "HNR0042", "nama": "Asep", "unit_kode": "DISDIK", "jenis": "Non-ASN"},
        {"nip": "THL7", "nama": "Ujang", "unit_kode": "DISDIK", "jenis": "honorer"},
        {"nip": nip(5), "nama": "Tono", "unit_kode": "DISDIK", "telepon": "+62 (812) 555.1234"},
    ]
    plan, result = import_rows(session, rows)
    assert plan.problems == []
    assert result.created == 5
    dewi = employee(session, nip(1))
    assert (dewi.name, dewi.position, dewi.email, dewi.phone) == (
        "Dewi Ayu Lestari",
        "Analis Kebijakan",
        "dewi.ayu@contoh.go.id",
        "081234567890",
    )
    assert dewi.employment_type is EmploymentType.PNS  # blank jenis: the roster's default
    assert dewi.unit_id == units["DINKES"].id
    assert dewi.verification_code_hash is None
    assert dewi.active
    assert dewi.created_at == dewi.updated_at
    assert employee(session, pppk_number(2)).employment_type is EmploymentType.PPPK
    assert employee(session, "HNR0042").employment_type is EmploymentType.NON_ASN
    assert employee(session, "THL7").employment_type is EmploymentType.NON_ASN
    assert employee(session, nip(5)).phone == "+628125551234"


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("PNS", EmploymentType.PNS),
        ("cpns", EmploymentType.PNS),
        ("PPPK", EmploymentType.PPPK),
        ("NON ASN", EmploymentType.NON_ASN),
        ("non_asn", EmploymentType.NON_ASN),
        ("NONASN", EmploymentType.NON_ASN),
        ("tkk", EmploymentType.NON_ASN),
        ("PTT", EmploymentType.NON_ASN),
    ],
)
def test_employee_types_are_accepted_in_their_usual_spellings(session, units, written, kind):
    number = pppk_number(1) if kind is EmploymentType.PPPK else nip(1)
    rows = [{"nip": number, "nama": "Siti", "unit_kode": "DINKES", "jenis": written}]
    plan = plan_rows(session, rows)
    assert plan.problems == []
    assert plan.creates[0].values["employment_type"] is kind


def test_reimporting_an_unchanged_file_changes_nothing(session, units):
    rows = roster_rows(20, units=("UPT-BARU", "DINKES", "DISDIK"))
    rows[0].update(unit_nama="UPT Baru", unit_induk="DINKES", kode_verifikasi="A1B2C3")
    rows[1].update(email="x@contoh.go.id", telepon="081234567890")
    import_rows(session, rows)
    stamps = dict(session.execute(select(Employee.identity_number, Employee.updated_at)).all())

    statements = []
    connection = session.connection()

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", remember)
    try:
        plan, result = import_rows(session, rows)
        session.flush()
    finally:
        event.remove(connection, "before_cursor_execute", remember)

    assert plan.unchanged == 20
    assert not plan.has_changes
    assert result.as_details() | {"unchanged": 0} == dict.fromkeys(result.as_details(), 0)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert writes == []
    after = dict(session.execute(select(Employee.identity_number, Employee.updated_at)).all())
    assert after == stamps


def test_a_moved_employee_moves_while_an_earlier_signature_keeps_its_unit(session, units):
    person = add_employee(session, units["DINKES"], nip(1), name="Siti Aminah")
    campaign = campaigns.create_campaign(
        session,
        slug="pilkada-2024",
        title="Pilkada Serentak 2024",
        issuing_authority="Pemerintah Kota Contoh",
        place="Contoh",
    )
    signature = Signature(
        public_id="sig-1",
        certificate_number="PAKTA/2024/000001",
        campaign_id=campaign.id,
        employee_id=person.id,
        pact_text_id=campaign.pact.id,
        pact_sha256=campaign.pact.sha256,
        acknowledged_points=[1, 2, 3, 4],
        unit_id=units["DINKES"].id,
        unit_name="Dinas Kesehatan",
        signer_name="Siti Aminah",
        method=SignatureMethod.KIOSK,
    )
    session.add(signature)
    session.flush()

    rows = [{"nip": nip(1), "nama": "Siti Aminah", "unit_kode": "DISDIK"}]
    plan, result = import_rows(session, rows)

    assert [(m.identity_number, m.old_unit_code, m.new_unit_code) for m in plan.moves] == [
        (nip(1), "DINKES", "DISDIK")
    ]
    assert (result.updated, result.moved) == (1, 1)
    assert employee(session, nip(1)).unit_id == units["DISDIK"].id
    session.refresh(signature)
    assert signature.unit_id == units["DINKES"].id
    assert signature.unit_name == "Dinas Kesehatan"


def test_missing_units_are_created_with_their_parents(session, units):
    rows = [
        # The child comes before the row that names its parent; the grandparent is unknown.
        {
            "nip": nip(1),
            "nama": "A",
            "unit_kode": "SD-1",
            "unit_nama": "SDN 1",
            "unit_induk": "UPTD",
        },
        {"nip": nip(2), "nama": "B", "unit_kode": "UPTD", "unit_nama": "UPTD Pendidikan"},
        {"nip": nip(3), "nama": "C", "unit_kode": "uptd", "unit_induk": "WILAYAH-1"},
        {"nip": nip(4), "nama": "D", "unit_kode": "PKM-1", "unit_induk": "dinkes"},
    ]
    plan, result = import_rows(session, rows)
    assert plan.problems == []
    assert [(u.code, u.name, u.parent_code) for u in plan.new_units] == [
        ("WILAYAH-1", "WILAYAH-1", None),
        ("UPTD", "UPTD Pendidikan", "WILAYAH-1"),
        ("SD-1", "SDN 1", "UPTD"),
        ("PKM-1", "PKM-1", "DINKES"),
    ]
    assert result.units_created == 4
    created = {unit.code: unit for unit in session.scalars(select(Unit))}
    assert created["SD-1"].parent.code == "UPTD"
    assert created["UPTD"].parent.code == "WILAYAH-1"
    assert created["WILAYAH-1"].parent is None
    assert created["PKM-1"].parent is units["DINKES"]
    assert employee(session, nip(3)).unit_id == created["UPTD"].id


def test_a_unit_name_or_parent_that_differs_renames_or_reparents_the_unit(session, units):
    rows = [
        {"nip": nip(1), "nama": "A", "unit_kode": "DINKES", "unit_nama": "Dinas Kesehatan Kota"},
        {"nip": nip(2), "nama": "B", "unit_kode": "DINKES-P2P", "unit_induk": "PEMDA"},
        {"nip": nip(3), "nama": "C", "unit_kode": "DISDIK", "unit_nama": "Dinas Pendidikan"},
    ]
    plan, result = import_rows(session, rows)
    assert [(r.code, r.old_name, r.new_name) for r in plan.unit_renames] == [
        ("DINKES", "Dinas Kesehatan", "Dinas Kesehatan Kota")
    ]
    assert [(r.code, r.old_parent_code, r.new_parent_code) for r in plan.unit_reparents] == [
        ("DINKES-P2P", "DINKES", "PEMDA")
    ]
    assert (result.units_renamed, result.units_reparented) == (1, 1)
    session.refresh(units["DINKES-P2P"])
    assert units["DINKES"].name == "Dinas Kesehatan Kota"
    assert units["DINKES-P2P"].parent_id == units["PEMDA"].id


def test_deactivate_missing_deactivates_employees_absent_from_the_file_but_never_deletes(
    session, units
):
    staying = add_employee(session, units["DINKES"], nip(1))
    leaving = add_employee(session, units["DINKES"], nip(2), name="Pensiun")
    already_gone = add_employee(session, units["DINKES"], nip(3), active=False)
    bad_row_person = add_employee(session, units["DINKES"], nip(4))
    rows = [
        {"nip": nip(1), "nama": "Budi Santoso", "unit_kode": "DINKES"},
        {"nip": nip(4), "nama": "", "unit_kode": "DINKES"},  # bad, but clearly present
    ]

    assert plan_rows(session, rows).deactivations == []
    plan, result = import_rows(session, rows, deactivate_missing=True)

    assert [gone.identity_number for gone in plan.deactivations] == [nip(2)]
    assert result.deactivated == 1
    for person, active in ((staying, True), (leaving, False), (already_gone, False)):
        session.refresh(person)
        assert person.active is active
    session.refresh(bad_row_person)
    assert bad_row_person.active


def test_an_inactive_employee_in_the_file_is_reactivated(session, units):
    person = add_employee(session, units["DINKES"], nip(1), active=False)
    plan, result = import_rows(
        session, [{"nip": nip(1), "nama": person.name, "unit_kode": "DINKES"}]
    )
    assert [change.changes for change in plan.reactivations] == [{"active": (False, True)}]
    assert (result.updated, result.reactivated) == (1, 1)
    session.refresh(person)
    assert person.active


def test_the_verification_code_is_stored_hashed_and_a_blank_code_keeps_it(session, units):
    rows = [{"nip": nip(1), "nama": "Siti", "unit_kode": "DINKES", "kode_verifikasi": "Ab12Cd"}]
    import_rows(session, rows)
    stored = employee(session, nip(1)).verification_code_hash
    assert stored == keys.verification_code_digest("Ab12Cd")
    assert "Ab12Cd" not in stored
    assert keys.verification_code_matches("Ab12Cd", stored)

    rows[0]["kode_verifikasi"] = ""
    plan, _ = import_rows(session, rows)
    assert plan.unchanged == 1
    assert employee(session, nip(1)).verification_code_hash == stored

    rows[0]["kode_verifikasi"] = "998877"
    plan, result = import_rows(session, rows)
    assert [change.changes for change in plan.updates] == [{"verification_code": (None, None)}]
    assert result.updated == 1
    assert keys.verification_code_matches(
        "998877", employee(session, nip(1)).verification_code_hash
    )


def test_blank_optional_cells_keep_what_is_stored(session, units):
    add_employee(
        session,
        units["DINKES"],
        nip(1),
        name="Siti",
        position="Perawat",
        email="siti@contoh.go.id",
        phone="081234567890",
    )
    rows = [{"nip": nip(1), "nama": "Siti", "unit_kode": "DINKES", "jabatan": "", "email": ""}]
    assert plan_rows(session, rows).unchanged == 1


def test_changed_fields_are_listed_with_before_and_after(session, units):
    add_employee(session, units["DINKES"], nip(1), name="Siti", position="Perawat")
    rows = [
        {
            "nip": nip(1),
            "nama": "Siti Aminah",
            "unit_kode": "DINKES",
            "jabatan": "Perawat Ahli",
            "jenis": "PNS",
            "email": "siti@contoh.go.id",
        }
    ]
    plan, result = import_rows(session, rows)
    assert plan.updates[0].changes == {
        "name": ("Siti", "Siti Aminah"),
        "position": ("Perawat", "Perawat Ahli"),
        "email": (None, "siti@contoh.go.id"),
    }
    person = employee(session, nip(1))
    assert (person.name, person.position, person.email) == (
        "Siti Aminah",
        "Perawat Ahli",
        "siti@contoh.go.id",
    )
    assert person.updated_at > person.created_at
    assert (result.updated, result.moved) == (1, 0)


def test_orm_objects_already_in_the_session_see_the_bulk_changes(session, units):
    person = add_employee(session, units["DINKES"], nip(1), name="Siti")
    import_rows(session, [{"nip": nip(1), "nama": "Siti Aminah", "unit_kode": "DISDIK"}])
    assert person.name == "Siti Aminah"
    assert person.unit is units["DISDIK"]


def test_the_summary_is_one_line_of_counts_and_the_details_are_json(session, units):
    add_employee(session, units["DINKES"], nip(1), name="Lama")
    rows = roster_rows(3, start=1) + [{"nip": "1", "nama": "X", "unit_kode": "BARU"}]
    plan, result = import_rows(session, rows)
    assert plan.summary() == (
        "New: 2; updated: 1 (moved: 1, reactivated: 0); unchanged: 0; deactivated: 0; "
        "new units: 0; units renamed or moved: 0; rows with problems: 1."
    )
    assert "\n" not in plan.summary()
    assert json.loads(json.dumps(result.as_details())) == {
        "created": 2,
        "updated": 1,
        "moved": 1,
        "reactivated": 0,
        "unchanged": 0,
        "deactivated": 0,
        "units_created": 0,
        "units_renamed": 0,
        "units_reparented": 0,
        "skipped_rows": 1,
    }


def test_planning_changes_nothing_in_the_database(session, units):
    add_employee(session, units["DINKES"], nip(1), active=False)
    rows = roster_rows(5, units=("NEW-UNIT",)) + [
        {"nip": nip(1), "nama": "X", "unit_kode": "DINKES", "unit_nama": "Renamed"}
    ]
    plan = plan_rows(session, rows, deactivate_missing=True)
    assert plan.has_changes
    session.flush()
    assert session.scalar(select(Unit).where(Unit.code == "NEW-UNIT")) is None
    assert units["DINKES"].name == "Dinas Kesehatan"
    assert not employee(session, nip(1)).active


def test_a_2000_row_roster_imports_and_reimports_unchanged(session, units):
    rows = roster_rows(2000, units=("DINKES", "DISDIK", "PKM-1", "PKM-2"))
    for i in range(0, len(rows), 10):
        rows[i].update(jenis="NON ASN", nip=f"THL{i:05d}")
    data = to_csv(rows, delimiter=";")
    started = time.perf_counter()
    plan = plan_import(session, read_table(data, "roster.csv"))
    assert plan.problems == []
    result = apply_import(session, plan)
    print(f"2,000 rows imported in {time.perf_counter() - started:.2f}s")
    assert (result.created, result.units_created, result.updated) == (2000, 2, 0)
    assert session.scalar(select(Employee.id).where(Employee.identity_number == nip(1999)))

    for row in rows[:100]:
        row["unit_kode"] = "DISDIK"
    again = plan_import(session, read_table(to_csv(rows), "roster.csv"))
    assert (again.counts()["created"], again.counts()["moved"], again.unchanged) == (0, 75, 1925)
    apply_import(session, again)
    assert plan_import(session, read_table(to_csv(rows), "roster.csv")).unchanged == 2000
