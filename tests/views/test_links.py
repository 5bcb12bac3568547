import csv
import io
import re

import pytest
from sqlalchemy import select

from pakta.models import AuditEvent, Employee, EmploymentType
from pakta.services import links
from tests.conftest import make_campaign, sign_again


@pytest.fixture
def campaign(session):
    made = make_campaign(
        session, slug="pilkada-2024", title="Pilkada", issuing_authority="Pemda", place="Contoh"
    )
    session.commit()
    return made


@pytest.fixture
def staff(session, units):
    people = {
        "dinkes": Employee(
            identity_number="198609262015051001",
            name="Budi",
            employment_type=EmploymentType.PNS,
            unit=units["DINKES-P2P"],
        ),
        "disdik": Employee(
            identity_number="199001012015011001",
            name="Sari",
            employment_type=EmploymentType.PNS,
            unit=units["DISDIK"],
        ),
    }
    session.add_all(people.values())
    session.commit()
    return people


def read_csv(response):
    text = response.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_an_operator_exports_links_for_their_unit_and_its_sub_units(
    client, auth, operator_user, campaign, staff, session
):
    auth.login(email=operator_user.email)
    response = client.get("/admin/tautan/DINKES/tautan.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = read_csv(response)
    assert [row["nama"] for row in rows] == ["Budi"]
    token = rows[0]["link"].rsplit("/s/", 1)[1]
    assert links.resolve(session, token).employee_id == staff["dinkes"].id
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "links.export"))


def test_exporting_twice_gives_the_same_links(client, auth, admin_user, campaign, staff):
    auth.login()
    first = read_csv(client.get("/admin/tautan/PEMDA/tautan.csv"))
    second = read_csv(client.get("/admin/tautan/PEMDA/tautan.csv"))
    assert len(first) == 2 and first == second


def test_printable_slips_are_a_pdf(client, auth, admin_user, campaign, staff):
    auth.login()
    response = client.get("/admin/tautan/PEMDA/tautan.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/tautan/DISDIK"),
        ("get", "/admin/tautan/DISDIK/tautan.csv"),
        ("get", "/admin/tautan/DISDIK/tautan.pdf"),
        ("get", "/admin/tautan/PEMDA/tautan.csv"),
        ("post", "/admin/tautan/DISDIK/pegawai/{disdik}/ulang"),
        ("post", "/admin/tautan/DINKES/pegawai/{disdik}/ulang"),
    ],
)
def test_an_operator_cannot_reach_other_units(
    client, auth, operator_user, campaign, staff, method, path
):
    auth.login(email=operator_user.email)
    url = path.format(disdik=staff["disdik"].id)
    assert getattr(client, method)(url).status_code == 404


def test_the_links_page_lists_only_the_operators_units(client, auth, operator_user, campaign):
    auth.login(email=operator_user.email)
    page = client.get("/admin/tautan/")
    assert "Bidang P2P" in page.text and "Dinas Pendidikan" not in page.text


def tree_rows(html: str) -> list[tuple[str, str, int, int]]:
    """(depth class, unit code, total with the units below, own) per row of the links page."""
    return [
        (depth, code, int(total), int(own))
        for depth, code, total, own in re.findall(
            r'<th scope="row"(?: class="(d\d)")?>.*?<small class="muted">([^<]+)</small></th>\s*'
            r'<td class="num subtree-total">(\d+)</td>\s*<td class="num">(\d+)</td>',
            html,
        )
    ]


def test_the_links_page_shows_the_unit_tree_with_totals_that_include_the_units_below(
    client, auth, admin_user, campaign, staff
):
    auth.login()
    page = client.get("/admin/tautan/")
    assert tree_rows(page.text) == [
        ("", "PEMDA", 2, 0),
        ("d1", "DINKES", 1, 0),
        ("d2", "DINKES-P2P", 1, 1),
        ("d1", "DISDIK", 1, 1),
    ]


def test_an_operators_links_page_starts_the_tree_at_their_unit(
    client, auth, operator_user, campaign, staff
):
    auth.login(email=operator_user.email)
    page = client.get("/admin/tautan/")
    assert tree_rows(page.text) == [("", "DINKES", 1, 0), ("d1", "DINKES-P2P", 1, 1)]


def test_regenerating_a_link_voids_the_old_one_and_shows_the_new(
    client, auth, admin_user, campaign, staff, session
):
    auth.login()
    old = read_csv(client.get("/admin/tautan/DINKES/tautan.csv"))[0]["link"]
    response = client.post(f"/admin/tautan/DINKES/pegawai/{staff['dinkes'].id}/ulang")
    assert response.status_code == 200
    assert old not in response.text
    assert client.get(old.replace("http://127.0.0.1:5000", "")).status_code == 404
    new = read_csv(client.get("/admin/tautan/DINKES/tautan.csv"))[0]["link"]
    assert new in response.text
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "links.regenerate"))


def test_the_links_pages_need_a_login(client, campaign):
    assert client.get("/admin/tautan/").status_code == 302


def test_the_people_page_shows_a_revoked_person_as_not_signed_until_they_sign_again(
    client, auth, session, admin_user, revoked
):
    auth.login()

    def row():
        page = client.get("/admin/tautan/DINKES-P2P")
        assert page.status_code == 200
        return page.text.split("P2P Pegawai 0", 1)[1].split("</tr>", 1)[0]

    assert "belum" in row() and 'class="badge ok"' not in row()
    sign_again(session, revoked)
    session.commit()
    assert 'class="badge ok"' in row()
