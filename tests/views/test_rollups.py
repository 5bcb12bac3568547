import pytest

from pakta.models import Unit
from tests.conftest import add_people


def test_an_admin_sees_every_unit_with_rolled_up_rates(client, auth, admin_user, staffed):
    auth.login()
    page = client.get("/admin/rekap/")
    assert page.status_code == 200
    for name in ("Pemerintah Kota Contoh", "Dinas Kesehatan", "Bidang P2P", "Dinas Pendidikan"):
        assert name in page.text
    assert "4 / 9" in page.text  # overall signed / roster
    assert "75.0%" in page.text and "20.0%" in page.text


def test_an_operator_sees_only_their_unit_and_its_sub_units(client, auth, operator_user, staffed):
    auth.login(email=operator_user.email)
    page = client.get("/admin/rekap/")
    assert "Bidang P2P" in page.text
    assert "Dinas Pendidikan" not in page.text and "Pemerintah Kota Contoh" not in page.text
    assert "3 / 4" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/admin/rekap/unit/DISDIK",
        "/admin/rekap/unit/PEMDA",
        "/admin/rekap/unit/NOPE",
    ],
)
def test_an_operator_cannot_drill_into_other_units(client, auth, operator_user, staffed, path):
    auth.login(email=operator_user.email)
    assert client.get(path).status_code == 404


def test_the_trend_of_an_operator_counts_only_their_units(client, auth, operator_user, staffed):
    auth.login(email=operator_user.email)
    page = client.get("/admin/rekap/tren")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert ">3</td>" in page.text  # today's three signatures in DINKES-P2P, not DISDIK's


def test_drilling_down_lists_employees_with_their_status(client, auth, admin_user, staffed):
    auth.login()
    page = client.get("/admin/rekap/unit/DINKES")
    assert "P2P Pegawai 0" in page.text and "P2P Pegawai 3" in page.text
    assert "DIK Pegawai" not in page.text


def test_each_page_says_which_view_it_shows(client, auth, admin_user, staffed):
    auth.login()
    roster = client.get("/admin/rekap/")
    history = client.get("/admin/rekap/", query_string={"view": "history"})
    assert roster.status_code == history.status_code == 200
    assert 'aria-current="page">' in roster.text and roster.text != history.text


@pytest.mark.parametrize("sort", ["tree", "rate", "name", "not_signed", "bogus"])
def test_the_dashboard_sorts_without_error(client, auth, admin_user, staffed, sort):
    auth.login()
    assert client.get("/admin/rekap/", query_string={"sort": sort}).status_code == 200


def test_the_admin_sets_the_alert_threshold(client, auth, admin_user, staffed, campaign, session):
    auth.login()
    client.post("/admin/rekap/pengaturan", data={"threshold": "50", "public_rollup": ""})
    session.refresh(campaign)
    assert campaign.alert_threshold == 50 and campaign.public_rollup is False
    client.post("/admin/rekap/pengaturan", data={"threshold": "500"})
    session.refresh(campaign)
    assert campaign.alert_threshold == 50


def test_operators_cannot_change_the_settings(client, auth, operator_user, staffed):
    auth.login(email=operator_user.email)
    assert client.post("/admin/rekap/pengaturan", data={"threshold": "1"}).status_code == 403


def count_queries(client, statements, path):
    statements.clear()
    assert client.get(path).status_code == 200
    return len(statements)


def test_the_dashboard_issues_a_bounded_number_of_queries(
    client, auth, admin_user, staffed, session, campaign, statements
):
    auth.login()
    few = count_queries(client, statements, "/admin/rekap/")
    for index in range(30):
        unit = Unit(code=f"X{index}", name=f"Unit {index}", parent=staffed["DISDIK"])
        session.add(unit)
        session.flush()
        add_people(session, unit, 2, 1, campaign, f"X{index:02d}-")
    many = count_queries(client, statements, "/admin/rekap/")
    assert many == few
    assert many <= 10  # 12 when the harness's SAVEPOINT and RELEASE were counted too


def test_drilling_down_shows_a_revoked_person_as_not_signed_with_the_reason(
    client, auth, admin_user, revoked
):
    auth.login()
    page = client.get("/admin/rekap/unit/DINKES-P2P").text
    row = page.split("P2P Pegawai 0", 1)[1].split("</tr>", 1)[0]
    assert "dicabut: salah tanda tangan" in row
    assert revoked.certificate_number not in page
