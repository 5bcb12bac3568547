import pytest

from pakta.services.roster import RosterFileError
from pakta.services.unit_tree import read_unit_table


def test_the_unit_tree_columns_are_read_under_their_own_names():
    table = read_unit_table(
        b"Kode; Nama ;Kode_Induk;Eselon;Jenis\nSETDA;Sekretariat;PEMDA;21;OPD\n"
    )
    assert table.columns == ["kode", "nama", "kode_induk", "eselon", "jenis"]
    assert table.rows[0].values == {
        "kode": "SETDA",
        "nama": "Sekretariat",
        "kode_induk": "PEMDA",
        "eselon": "21",
        "jenis": "OPD",
    }


def test_siasns_unor_column_names_are_accepted():
    data = b"id,nama_unor,diatasan_id,eselon_id,jenis_unor_id,unor_induk\nA1,Setda,A0,21,1,A0\n"
    table = read_unit_table(data, "unor.csv")
    assert table.headers == {
        "kode": "id",
        "nama": "nama_unor",
        "kode_induk": "diatasan_id",
        "eselon": "eselon_id",
        "jenis": "jenis_unor_id",
    }
    # unor_induk (the OPD at the head) is not the direct parent while diatasan_id is there.
    assert table.ignored_columns == ["unor_induk"]


def test_unor_induk_gives_the_parent_only_in_a_file_without_diatasan_id():
    table = read_unit_table(b"unor_id,nama_unor,unor_induk\nA1,Setda,A0\n")
    assert table.headers["kode_induk"] == "unor_induk"


def test_a_file_without_the_parent_column_is_refused_naming_the_unit_tree_columns():
    with pytest.raises(RosterFileError) as raised:
        read_unit_table(b"kode,nama\nA,B\n")
    assert "kode_induk" in str(raised.value)
    assert "unit tree" in str(raised.value)


def test_an_xlsx_unit_tree_is_read_like_a_csv_one():
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["KODE", "NAMA", "KODE INDUK"])
    workbook.active.append(["PEMDA", "Pemerintah Kota Contoh", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_unit_table(buffer.getvalue(), "unor.xlsx")
    assert table.rows[0].values == {
        "kode": "PEMDA",
        "nama": "Pemerintah Kota Contoh",
        "kode_induk": None,
    }
