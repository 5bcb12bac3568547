import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from pakta.models import Employee, EmploymentType, SignatureMethod, Unit
from pakta.services import exports, link_exports, signing
from pakta.services.links import LinkRow
from pakta.services.pemda import Letterhead
from pakta.services.reminders import Pending
from pakta.services.rollups import View, unit_rollups
from pakta.services.spreadsheet import csv_bytes, neutralize, sheet_title, xlsx_text
from tests.conftest import make_campaign

WIB = ZoneInfo("Asia/Jakarta")
OPENS = datetime(2024, 7, 28, 0, 0, tzinfo=WIB).astimezone(UTC)
SIGNED_AT = datetime(2024, 7, 29, 9, 30, tzinfo=WIB).astimezone(UTC)
LETTERHEAD = Letterhead(name="Pemerintah Kota Contoh", logo=None)
FORMULAS = ['=HYPERLINK("x")', "+1", "-1", "@SUM(A1:A2)", "\tx", "\rx"]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


@pytest.fixture
def campaign(session):
    made = make_campaign(
        session,
        opens_at=OPENS,
        closes_at=OPENS + timedelta(days=30),
    )
    made.alert_threshold = 80
    return made


def add(session, unit, number, name, kind="PNS"):
    person = Employee(
        identity_number=f"1986092620150510{number:02d}",
        name=name,
        position="Pelaksana",
        employment_type=EmploymentType(kind),
        unit=unit,
    )
    session.add(person)
    session.flush()
    return person


def sign(session, campaign, person, at=SIGNED_AT):
    signing.record_signature(
        session,
        campaign=campaign,
        employee=person,
        method=SignatureMethod.KIOSK,
        evidence=signing.Evidence(acknowledged_points=[1, 2, 3, 4]),
        signed_at=at,
    )


@pytest.fixture
def staffed(session, units, campaign):
    """DINKES 1/2 (plus P2P 2/2), DISDIK 0/1; one name that a spreadsheet would run."""
    sign(session, campaign, add(session, units["DINKES"], 1, "Budi"))
    add(session, units["DINKES"], 2, '=HYPERLINK("http://evil.example","klik")', "PPPK")
    sign(session, campaign, add(session, units["DINKES-P2P"], 3, "Siti", "NON_ASN"))
    sign(session, campaign, add(session, units["DINKES-P2P"], 4, "Joko"))
    add(session, units["DISDIK"], 5, "Sari")
    return units


@pytest.fixture
def report(session, staffed, campaign, admin_user):
    return exports.recap(session, campaign, user=admin_user, root_unit_ids=None, with_people=True)


# -- cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_as_a_formula_gets_a_leading_apostrophe(value):
    assert neutralize(value) == "'" + value
    assert xlsx_text(value) == "'" + value


@pytest.mark.parametrize("value", ["Dr. Siti Aminah, M.Kes.", "", "1-2", "a=b", "0812"])
def test_ordinary_cells_are_left_as_they_are(value):
    assert neutralize(value) == value


def test_a_csv_starts_with_a_bom_and_neutralises_every_text_cell():
    data = csv_bytes(["a", "b"], [[value, 7] for value in FORMULAS] + [[None, "ok"]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = read_csv(data)
    assert rows[0] == ["a", "b"]
    assert [row[0] for row in rows[1:-1]] == ["'" + value for value in FORMULAS]
    assert rows[1][1] == "7"
    assert rows[-1] == ["", "ok"]


def test_the_links_csv_uses_the_same_neutralisation():
    row = LinkRow("1", "@SUM(A1)", "DINKES", "-Dinas", "Staf", "tok")
    [_header, line] = read_csv(link_exports.links_csv([row], "https://p.example"))
    assert line[1:3] == ["'@SUM(A1)", "'-Dinas"]


def test_xlsx_text_drops_control_characters_a_workbook_cannot_hold():
    assert xlsx_text("Bu\x00di\x07") == "Budi"


def test_sheet_titles_are_valid_for_excel_and_unique_ignoring_case():
    taken = {"ringkasan"}
    titles = [
        sheet_title(name, taken)
        for name in ["DINKES", "dinkes", "A/B:C*D?E[F]G\\H", "x" * 40, "x" * 40, "'Q'", "Ringkasan"]
    ]
    assert titles[0] == "DINKES" and titles[1] == "dinkes~2"
    assert titles[2] == "A_B_C_D_E_F_G_H"
    assert titles[3] == "x" * 31 and titles[4] == "x" * 29 + "~2"
    assert titles[5] == "Q"
    assert titles[6] == "Ringkasan~2"
    assert all(len(title) <= 31 for title in titles)
    assert len({title.lower() for title in titles}) == len(titles)


# -- the rollup ----------------------------------------------------------------------------


def test_the_rollup_csv_has_one_row_per_unit_with_rolled_up_figures(report):
    data = exports.rollup_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")
    header, *rows = read_csv(data)
    assert tuple(header) == exports.ROLLUP_HEADER
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert list(by_code) == ["PEMDA", "DINKES", "DINKES-P2P", "DISDIK"]
    dinkes = by_code["DINKES"]
    assert (dinkes["pegawai"], dinkes["sudah"], dinkes["belum"], dinkes["persen"]) == (
        "4",
        "3",
        "1",
        "75,0%",  # the default locale's percentage
    )
    assert (dinkes["pppk_pegawai"], dinkes["pppk_sudah"], dinkes["non_asn_sudah"]) == (
        "1",
        "0",
        "1",
    )
    assert dinkes["induk"] == "PEMDA" and by_code["PEMDA"]["induk"] == ""


def test_unit_names_that_look_like_formulas_are_neutralised_in_the_rollup_csv(
    session, report, staffed, campaign, admin_user
):
    staffed["DISDIK"].name = "+62 Dinas"
    session.flush()
    again = exports.recap(session, campaign, user=admin_user, root_unit_ids=None)
    names = [row[1] for row in read_csv(exports.rollup_csv(again))[1:]]
    assert "'+62 Dinas" in names


def test_the_xlsx_has_a_summary_and_a_sheet_per_unit_matching_the_rollup(session, report, campaign):
    book = load_workbook(io.BytesIO(exports.rollup_xlsx(report, tz=WIB)))
    assert book.sheetnames == ["Ringkasan", "PEMDA", "DINKES", "DINKES-P2P", "DISDIK"]

    summary = list(book["Ringkasan"].iter_rows(values_only=True))
    header_at = next(n for n, row in enumerate(summary) if row[0] == "kode")
    assert tuple(summary[header_at]) == exports.ROLLUP_HEADER
    table = {row[0]: row for row in summary[header_at + 1 :]}
    for rollup in unit_rollups(session, campaign.id):
        row = table[rollup.code]
        assert row[1] == rollup.name and row[3] == rollup.depth
        assert row[4:8] == (
            rollup.total.roster,
            rollup.total.signed,
            rollup.not_signed,
            round(rollup.total.rate, 1),
        )
        assert row[8:10] == (rollup.by_type["PNS"].roster, rollup.by_type["PNS"].signed)


def test_each_unit_sheet_lists_its_own_employees_with_status_and_local_signing_time(report):
    with force_locale("en"):
        book = load_workbook(io.BytesIO(exports.rollup_xlsx(report, tz=WIB)))
    rows = list(book["DINKES"].iter_rows(values_only=True))
    assert rows[0][0] == "DINKES — Dinas Kesehatan"
    assert tuple(rows[1]) == exports.PEOPLE_HEADER
    people = {row[0]: row for row in rows[2:]}
    assert set(people) == {"198609262015051001", "198609262015051002"}  # P2P has its own sheet
    budi = people["198609262015051001"]
    assert budi[1] == "Budi" and budi[4] == "signed"
    assert budi[5] == datetime(2024, 7, 29, 9, 30)  # WIB wall-clock time
    waiting = people["198609262015051002"]
    assert waiting[1] == '\'=HYPERLINK("http://evil.example","klik")'
    assert waiting[4] == "not yet" and waiting[5] is None
    assert book["DINKES"]["B4"].data_type == "s"


def test_the_xlsx_of_a_sub_tree_holds_only_that_sub_tree(session, staffed, campaign, admin_user):
    scoped = exports.recap(
        session,
        campaign,
        user=admin_user,
        root_unit_ids={staffed["DINKES"].id},
        with_people=True,
    )
    book = load_workbook(io.BytesIO(exports.rollup_xlsx(scoped, tz=WIB)))
    assert book.sheetnames == ["Ringkasan", "DINKES", "DINKES-P2P"]
    assert "Sari" not in str(list(book["DINKES"].values))


def test_the_history_view_is_stated_and_counted_where_people_signed(
    session, staffed, campaign, admin_user
):
    moved = add(session, staffed["DISDIK"], 9, "Pindah")
    sign(session, campaign, moved)
    moved.unit = staffed["DINKES"]
    session.flush()
    history = exports.recap(
        session, campaign, user=admin_user, root_unit_ids=None, view=View.HISTORY
    )
    rows = {row[0]: row for row in read_csv(exports.rollup_csv(history))[1:]}
    assert rows["DISDIK"][5] == "1"  # signed in DISDIK, now in DINKES
    with force_locale("en"):
        book = load_workbook(io.BytesIO(exports.rollup_xlsx(history, tz=WIB)))
    assert "Where signatures were made" in str(list(book["Ringkasan"].values)[:4])
    with force_locale("en"):
        text = pdf_text(exports.recap_pdf(history, LETTERHEAD))
    assert "Where signatures were made" in " ".join(text.split())


def test_a_sheet_per_unit_is_made_even_for_awkward_codes(session, units, campaign, admin_user):
    session.add_all(
        [
            Unit(code="A/B", name="Slash", parent=units["DISDIK"]),
            Unit(code="a_b", name="Clash", parent=units["DISDIK"]),
            Unit(code="U" * 40, name="Long", parent=units["DISDIK"]),
        ]
    )
    session.flush()
    report = exports.recap(session, campaign, user=admin_user, root_unit_ids=None, with_people=True)
    book = load_workbook(io.BytesIO(exports.rollup_xlsx(report, tz=WIB)))
    assert len(book.sheetnames) == 1 + len(report.rows)
    assert {"A_B", "a_b~2", "U" * 31} <= set(book.sheetnames)


# -- the PDF recap ------------------------------------------------------------------------


def test_the_pdf_recap_names_who_generated_it_and_the_units_below_the_threshold(
    app, report, admin_user
):
    with force_locale("en"):
        data = exports.recap_pdf(report, LETTERHEAD)
    assert data.startswith(b"%PDF")
    text = " ".join(pdf_text(data).split())
    assert admin_user.name in text and admin_user.email in text
    assert "Pilkada Serentak 2024" in text
    assert "Units below 80%" in text
    assert "Dinas Pendidikan" in text and "0.0%" in text and "0,0%" not in text  # DISDIK lags
    assert "3 / 5" in text  # signed / roster overall


def test_the_pdf_recap_gives_the_generation_time_in_local_time(
    app, session, staffed, campaign, admin_user
):
    at = datetime(2024, 7, 30, 3, 5, tzinfo=UTC)  # 10.05 WIB
    report = exports.recap(session, campaign, user=admin_user, root_unit_ids=None, now=at)
    text = pdf_text(exports.recap_pdf(report, LETTERHEAD))
    assert "10.05" in text


# -- the not-yet-signed list ---------------------------------------------------------------


def test_the_not_signed_csv_has_contacts_and_links_and_is_neutralised():
    person = Pending(
        employee_id=1,
        identity_number="1986",
        name="-Budi",
        position="Staf",
        employment_type="PNS",
        unit_code="DINKES",
        unit_name="Dinas Kesehatan",
        email="budi@contoh.go.id",
        phone="+62812",
        link="https://p.example/s/tok",
    )
    header, row = read_csv(exports.not_signed_csv([person]))
    assert header == ["nip", "nama", "jabatan", "unit", "telepon", "email", "link", "keterangan"]
    assert row == [
        "1986",
        "'-Budi",
        "Staf",
        "Dinas Kesehatan",
        "'+62812",
        "budi@contoh.go.id",
        "https://p.example/s/tok",
        "",
    ]
