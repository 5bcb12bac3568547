import csv
import io
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from pakta.models import Employee, EmploymentType
from pakta.services import link_exports, links
from pakta.services.links import LinkRow
from pakta.services.units import subtree_ids
from tests.conftest import make_campaign

BASE_URL = "https://pakta.contoh.go.id"


def page_count(document: bytes) -> int:
    return PdfFileReader(BytesIO(document)).root["/Pages"]["/Count"]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def token_of(link: str) -> str:
    prefix = f"{BASE_URL}/s/"
    assert link.startswith(prefix)
    return link.removeprefix(prefix)


def row(number: int, name: str = "Budi Santoso", unit_name: str = "Dinas Kesehatan") -> LinkRow:
    return LinkRow(
        identity_number=f"1986092620150510{number:02d}",
        name=name,
        unit_code="DINKES",
        unit_name=unit_name,
        position="Perawat",
        token=f"token{number:02d}",
    )


@pytest.fixture
def campaign(session):
    return make_campaign(
        session, slug="pilkada-2024", title="Pilkada", issuing_authority="Pemda", place="Contoh"
    )


@pytest.fixture
def employees(session, units):
    """Nine active people in DINKES and its bidang; one inactive; one in another OPD."""

    def employee(number, unit, active=True):
        return Employee(
            identity_number=f"1986092620150510{number:02d}",
            name=f"Pegawai {number:02d}",
            position="Perawat",
            employment_type=EmploymentType.PNS,
            unit=units[unit],
            active=active,
        )

    inside = [employee(n, "DINKES" if n < 6 else "DINKES-P2P") for n in range(1, 10)]
    session.add_all([*inside, employee(10, "DINKES", active=False), employee(11, "DISDIK")])
    session.flush()
    return inside


def export(session, campaign, units, code="DINKES"):
    return links.export_rows(session, campaign, subtree_ids(session, units[code].id), None)


def test_the_csv_has_a_bom_a_header_and_one_row_per_active_employee_of_the_sub_tree(
    session, units, campaign, employees
):
    data = link_exports.links_csv(export(session, campaign, units), BASE_URL)
    assert data.startswith(b"\xef\xbb\xbfnip,nama,unit,link\r\n")
    assert data.endswith(b"\r\n")
    header, *rows = read_csv(data)
    assert header == ["nip", "nama", "unit", "link"]
    assert sorted(r[0] for r in rows) == sorted(e.identity_number for e in employees)
    assert {r[2] for r in rows} == {"Dinas Kesehatan", "Bidang P2P"}


def test_every_csv_link_resolves_to_its_employee(session, units, campaign, employees):
    data = link_exports.links_csv(export(session, campaign, units), BASE_URL)
    by_number = {e.identity_number: e for e in employees}
    for number, _name, _unit, link in read_csv(data)[1:]:
        found = links.resolve(session, token_of(link))
        assert found is not None
        assert found.employee_id == by_number[number].id


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil.example","klik")', "@SUM(A1:A9)", "+62 812", "-1", "\tx"]
)
def test_cells_a_spreadsheet_would_run_as_formulas_get_a_leading_apostrophe(name):
    data = link_exports.links_csv([row(1, name=name, unit_name="=1+1")], BASE_URL)
    [_header, [number, shown_name, unit, link]] = read_csv(data)
    assert shown_name == "'" + name
    assert unit == "'=1+1"
    assert number == "198609262015051001" and link == f"{BASE_URL}/s/token01"


def test_ordinary_cells_are_left_as_they_are():
    data = link_exports.links_csv([row(1, name="Dr. Siti Aminah, M.Kes.")], BASE_URL)
    assert read_csv(data)[1][1] == "Dr. Siti Aminah, M.Kes."


def test_a_trailing_slash_on_the_base_url_gives_no_double_slash():
    assert link_exports.link_url(BASE_URL + "/", "abc") == f"{BASE_URL}/s/abc"


def test_exporting_twice_gives_the_same_links(session, units, campaign, employees):
    first = link_exports.links_csv(export(session, campaign, units), BASE_URL)
    again = link_exports.links_csv(export(session, campaign, units), BASE_URL)
    assert first == again


def test_a_regenerated_link_voids_the_old_one_and_the_next_export_shows_the_new_one(
    session, units, campaign, employees
):
    before = {
        r[0]: r[3]
        for r in read_csv(link_exports.links_csv(export(session, campaign, units), BASE_URL))[1:]
    }
    person = employees[0]
    new_token = links.regenerate(session, campaign, person, None)
    assert links.resolve(session, token_of(before[person.identity_number])) is None
    after = {
        r[0]: r[3]
        for r in read_csv(link_exports.links_csv(export(session, campaign, units), BASE_URL))[1:]
    }
    assert after[person.identity_number] == f"{BASE_URL}/s/{new_token}"
    assert links.resolve(session, new_token).employee_id == person.id
    others = set(before) - {person.identity_number}
    assert all(after[number] == before[number] for number in others)


def test_slips_mask_the_number_and_carry_the_link_as_a_qr_code():
    [slip] = link_exports.slips([row(7)], BASE_URL)
    assert slip.masked_identity == "*" * 15 + "007"
    assert slip.url == f"{BASE_URL}/s/token07"
    assert slip.qr.startswith("data:image/png;base64,")


def test_the_pdf_prints_eight_slips_a_page(session, units, campaign, employees):
    document = link_exports.links_pdf(
        export(session, campaign, units),
        BASE_URL,
        campaign_title=campaign.title,
        issuing_authority=campaign.issuing_authority,
    )
    assert document.startswith(b"%PDF")
    assert page_count(document) == 2  # nine slips


@pytest.mark.parametrize(("slips", "pages"), [(1, 1), (8, 1), (16, 2), (17, 3)])
def test_long_names_and_units_never_push_a_slip_onto_another_page(app, slips, pages):
    name = "Prof. Dr. Hj. Siti Nurhaliza binti Abdul Rahman Hakim, S.Kep., Ners., M.Kes., Sp.KMB"
    unit = "Dinas Pengendalian Penduduk, Keluarga Berencana, Pemberdayaan Perempuan " * 2
    rows = [row(n, name=name, unit_name=unit) for n in range(slips)]
    with app.app_context():
        document = link_exports.links_pdf(
            rows, BASE_URL, campaign_title="Pilkada " * 12, issuing_authority="Pemda", locale="id"
        )
    assert page_count(document) == pages
